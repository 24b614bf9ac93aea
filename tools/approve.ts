// npm run approve -- <stack> <approval id>
// A person approves an agent's stack_up (packages/deploy/src/approve.ts): the preview is checked to
// be still current, then the up runs here, with this machine's engine. Last line:
//   approve <stack> <id>: applied (<n> created, <n> updated, <n> deleted, <n> replaced in <s>s)
import { approveCommand } from "@sophia/deploy";

approveCommand(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message.split("\n").slice(0, 3).join("\n"));
    process.exit(1);
  },
);
