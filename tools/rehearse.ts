// npm run rehearse -- staging
// The production path on one machine with a real Pulumi engine (packages/deploy, src/rehearse.ts):
// the staging program against the project's fake Lambda API and throwaway node hosts. Last line:
//   rehearsal staging: <passed>/<total> checks passed, <nodes> nodes, <orphaned> orphaned in <s>s
import { rehearse } from "@sophia/deploy";

rehearse(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? String(error));
    process.exit(1);
  },
);
