// npm run bench:ingress (packages/local-apply/src/bench-ingress.ts says what it measures and its last line).
import { benchIngress } from "@sophia/local-apply";
import { localProgram } from "./local-program";

benchIngress(localProgram).catch((error: Error) => {
  console.error(error.stack ?? String(error));
  process.exitCode = 1;
});
