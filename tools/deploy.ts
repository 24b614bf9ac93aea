// npm run deploy -- <stack>   (npm run deploy:local is `deploy -- local`)
// Deploys a stack with a real Pulumi engine (packages/deploy): pre-deployment checks, `pulumi up`,
// the post-deployment checklist. Last line:
//   deploy <stack>: <passed>/<total> checks passed, <created> created, <updated> updated in <s>s
import { deployCommand } from "@sophia/deploy";

deployCommand(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    // Config errors (RunError, ConfigError) are one line already; so are the tool's own.
    console.error(error.message.split("\n").length <= 3 ? error.message : (error.stack ?? error.message));
    process.exit(1);
  },
);
