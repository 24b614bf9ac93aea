// npm run bench:mcp (packages/local-apply/src/bench-mcp.ts says what it measures and its last line).
import { benchMcp } from "@sophia/local-apply";
import { localProgram } from "./local-program";

benchMcp(localProgram).catch((error: Error) => {
  console.error(error.stack ?? String(error));
  process.exitCode = 1;
});
