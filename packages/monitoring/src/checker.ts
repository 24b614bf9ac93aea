// Runs a checker that comes with Prometheus's programs (promtool, amtool, blackbox-exporter's
// --config.check) and returns what it printed; a missing program or a failed check is an error
// with the output. The checkers are the versions the monitoring image runs (Debian trixie's), which
// tools/fetch-checkers.sh unpacks under .cache/checkers.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";

const CHECKERS = path.resolve(__dirname, "..", "..", "..", ".cache", "checkers", "usr", "bin");

export function runChecker(command: string, args: readonly string[], cwd?: string): string {
  const program = path.join(CHECKERS, command);
  if (!existsSync(program)) throw new Error(`${command} is not in ${CHECKERS}: bash tools/fetch-checkers.sh fetches it (npm test runs it)`);
  const result = spawnSync(program, args, { cwd, encoding: "utf8" });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${result.status}:\n${output}`);
  return output;
}
