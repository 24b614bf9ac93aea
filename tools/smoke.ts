// npm run smoke -- local
// CI's stand-in for a real `pulumi up`: the local stack brought up on this machine's Docker from
// exactly what the program registers, the post-deploy checklist, faults, teardown (packages/local-apply).
// Last line: smoke local: <passed>/<total> checks passed in <s>s
import { smoke } from "@sophia/local-apply";
import { localProgram } from "./local-program";

smoke(process.argv.slice(2), localProgram).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? String(error));
    process.exit(1);
  },
);
