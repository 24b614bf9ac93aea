// npm run chaos -- local [--report-targets]
// Faults and abuse on the real local stack, one at a time, with no person acting (packages/local-apply).
// Last line: chaos local: <passed>/<total> checks passed, worst recovery <s>s, <n> bypasses, <n> lost writes
import { chaos } from "@sophia/local-apply";
import { localProgram } from "./local-program";

chaos(process.argv.slice(2), localProgram).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? String(error));
    process.exit(1);
  },
);
