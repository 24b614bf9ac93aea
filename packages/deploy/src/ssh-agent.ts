// A private ssh-agent for one deploy: the deploy key goes in from the Pulumi secret over stdin, never
// to a file, and the agent (whose socket only this user can open) dies with the deploy. The engine and
// its docker plugin reach the nodes' Docker over ssh:// through it (SSH_AUTH_SOCK).
import { execFileSync, spawnSync } from "node:child_process";

export interface SshAgent {
  /** SSH_AUTH_SOCK for the processes that should use the key. */
  readonly socket: string;
  readonly stop: () => void;
}

/** Starts the agent with the deploy key and, during a rotation, the previous one: Docker's ssh then
 * gets into a node whichever of the two it accepts at that moment of the `up`. */
export function startSshAgent(privateKey: string, previousPrivateKey?: string): SshAgent {
  const out = execFileSync("ssh-agent", ["-s"], { encoding: "utf8" });
  const socket = /SSH_AUTH_SOCK=([^;]+);/.exec(out)?.[1];
  const pid = Number(/SSH_AGENT_PID=(\d+);/.exec(out)?.[1]);
  if (!socket || !pid) throw new Error(`ssh-agent: could not read its socket and pid from: ${out.slice(0, 120)}`);
  const stop = () => {
    try {
      process.kill(pid);
    } catch {
      // already gone
    }
  };
  const keys: [string, string | undefined][] = [["sophia:sshPrivateKey", privateKey], ["sophia:sshPreviousPrivateKey", previousPrivateKey]];
  for (const [configKey, key] of keys) {
    if (!key) continue;
    const added = spawnSync("ssh-add", ["-q", "-"], { input: key.endsWith("\n") ? key : `${key}\n`, env: { ...process.env, SSH_AUTH_SOCK: socket }, encoding: "utf8" });
    if (added.status !== 0) {
      stop();
      // ssh-add names the problem ("invalid format"); it never echoes the key.
      throw new Error(`${configKey}: ssh-add refused the key: ${added.stderr.trim()}`);
    }
  }
  process.once("exit", stop);
  return { socket, stop };
}
