// Running the docker CLI against the engine a check looks at: this machine's, one named by a
// DOCKER_HOST URL, or a node's over ssh. The checklist and the monitoring checks both take a runner.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { shellQuote } from "@sophia/lambda-node";

const run = promisify(execFile);

/** `docker <args>` somewhere; resolves to its trimmed stdout. */
export type DockerRunner = (args: string[]) => Promise<string>;

/** `docker` against the local engine (`host` undefined) or one named by a DOCKER_HOST URL. */
export async function dockerOn(host: string | undefined, args: string[]): Promise<string> {
  return runDocker("docker", args, host ? { ...process.env, DOCKER_HOST: host } : process.env);
}

/** `docker` on a node over ssh with the given options (the pinned host key; the key from SSH_AUTH_SOCK):
 * the docker CLI's own ssh:// support takes no ssh options. */
export function dockerOverSsh(destination: string, sshOptions: readonly string[]): DockerRunner {
  return (args) => runDocker("ssh", ["-o", "BatchMode=yes", ...sshOptions, destination, "docker", ...args.map(shellQuote)], process.env);
}

/** A command line on a node over ssh, the same way (a fleet's per-node checks: `wg show`); its stdout. */
export function commandOverSsh(destination: string, sshOptions: readonly string[]): (command: string) => Promise<string> {
  return async (command) => {
    try {
      return (await run("ssh", ["-o", "BatchMode=yes", ...sshOptions, destination, command], { maxBuffer: 1 << 24 })).stdout;
    } catch (error) {
      throw new Error(`ssh ${destination} ${command} failed: ${((error as { stderr?: string }).stderr ?? String(error)).trim()}`);
    }
  };
}

async function runDocker(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  try {
    return (await run(file, args, { env, maxBuffer: 1 << 26 })).stdout.trim();
  } catch (error) {
    const command = file === "docker" ? args.slice(0, 2) : args.slice(args.indexOf("docker"), args.indexOf("docker") + 3);
    throw new Error(`${command.join(" ")} failed: ${((error as { stderr?: string }).stderr ?? String(error)).trim()}`);
  }
}
