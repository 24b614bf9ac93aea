// Runs a checker that comes with Prometheus's programs (promtool, amtool, blackbox-exporter's
// --config.check) and returns what it printed; a missing program or a failed check is an error
// with the output.
import { spawnSync } from "node:child_process";

export function runChecker(command: string, args: readonly string[], cwd?: string): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") throw new Error(`${command} is not installed: bash tools/setup-host.sh installs it from Debian`);
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${result.status}:\n${output}`);
  return output;
}
