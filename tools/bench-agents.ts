// npm run bench:agents (packages/local-apply/src/bench-agents.ts says what it measures and its last line).
import { benchAgents } from "@sophia/local-apply";
import { localProgram } from "./local-program";

benchAgents(localProgram).catch((error: Error) => {
  console.error(error.stack ?? String(error));
  process.exitCode = 1;
});
