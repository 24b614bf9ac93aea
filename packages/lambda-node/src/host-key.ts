// A node's SSH host key, pinned. Lambda publishes no host keys, so the key is taken at first contact
// and that contact is verified by logging in with the deploy key against exactly that host key. From
// then on, every `up` and preview rescans the node (the provider's diff) and refuses a changed key
// with what to do; Docker's SSH checks the pinned key on every connection (`knownHostsOptions`).
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

export interface HostKeyInputs {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** The deploy key's private half (a secret): the verified first login uses it. */
  readonly privateKey: string;
  /** How long to wait for sshd to answer after boot, s. */
  readonly waitSeconds: number;
  /** The resource's logical name, for the message that tells a person how to drop the pin. */
  readonly pin: string;
}

export interface HostKeyOutputs extends HostKeyInputs {
  /** `ssh-ed25519 AAAA…`: the pinned key. */
  readonly hostKey: string;
  readonly fingerprint: string;
}

/** OpenSSH's fingerprint of a public key line (`SHA256:…`). */
export function fingerprintOf(hostKey: string): string {
  const blob = hostKey.trim().split(/\s+/)[1] ?? "";
  return `SHA256:${createHash("sha256").update(Buffer.from(blob, "base64")).digest("base64").replace(/=+$/, "")}`;
}

/** ssh options that accept only the pinned key for this host, with no known_hosts file involved. */
export function knownHostsOptions(hostKey: string): string[] {
  if (!/^ssh-[a-z0-9-]+ [A-Za-z0-9+/=]+$/.test(hostKey)) throw new Error(`host key: expected "<type> <base64>"; got ${JSON.stringify(hostKey.slice(0, 40))}`);
  return ["-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=/dev/null", "-o", `KnownHostsCommand=/bin/echo %H ${hostKey}`];
}

export function changedHostKeyMessage(host: string, pinned: string, now: string, pin: string): string {
  return (
    `node ${host}: its SSH host key changed since it was pinned (pinned ${fingerprintOf(pinned)}, now ${fingerprintOf(now)}); nothing was run on it. ` +
    "Someone may be in the middle of the connection, or the node was rebuilt. If you rebuilt it and trust the new key, drop the pin " +
    `(\`pulumi state delete --target-dependents=false <URN of ${pin}>\`; \`pulumi stack --show-urns\` lists it) and deploy again: the next contact pins the new key.`
  );
}

const run = (file: string, args: string[], stdin?: string, env?: NodeJS.ProcessEnv) =>
  new Promise<{ code: number; stdout: string; stderr: string; timedOut: boolean }>((resolve) => {
    const child = execFile(file, args, { timeout: 30_000, env: env ? { ...process.env, ...env } : undefined }, (error, stdout, stderr) =>
      resolve({
        code: error ? (typeof error.code === "number" ? error.code : 1) : 0,
        stdout: String(stdout),
        stderr: String(stderr),
        timedOut: !!error && (error as { killed?: boolean }).killed === true,
      }),
    );
    // An ssh that exits at once closes its stdin before the write; its exit code tells the failure.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(stdin ?? "");
  });

/** The host's ed25519 key as ssh-keyscan reports it, waiting up to `waitSeconds` for sshd. */
async function scan(host: string, port: number, waitSeconds: number): Promise<string> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    const { stdout } = await run("ssh-keyscan", ["-T", "5", "-t", "ed25519", "-p", String(port), host]);
    const line = stdout.split("\n").find((l) => l && !l.startsWith("#"));
    if (line) return line.split(/\s+/).slice(1, 3).join(" ");
    if (Date.now() >= deadline) throw new Error(`node ${host}:${port}: sshd did not answer ssh-keyscan within ${waitSeconds}s`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

export interface SshTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
}

/** What an ssh run that failed ran into, from its exit and its last words. */
export type SshFailureKind = "connection refused" | "timeout" | "host key changed" | "key refused" | "failed";

export function sshFailureKind(result: { code: number; stderr: string; timedOut?: boolean }): SshFailureKind {
  const text = result.stderr;
  if (result.timedOut || /timed out|Connection timeout|no route to host/i.test(text)) return "timeout";
  if (/Connection refused/i.test(text)) return "connection refused";
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key .* (?:differs|mismatch)/i.test(text)) return "host key changed";
  if (/Permission denied \(publickey|Too many authentication failures|no such identity/i.test(text)) return "key refused";
  return "failed";
}

/** One line for a failed ssh run: which of the kinds, with host and port, and what to do about it. */
export function sshFailureMessage(target: SshTarget, result: { code: number; stderr: string; timedOut?: boolean }, doing: string): string {
  const where = `node ${target.host}:${target.port}`;
  const last = result.stderr.trim().split("\n").pop() ?? "";
  switch (sshFailureKind(result)) {
    case "connection refused":
      return `${where}: ${doing}: the connection was refused (is sshd up, and the port right?): ${last}`;
    case "timeout":
      return `${where}: ${doing}: no answer in time (is the node up, and does the firewall admit this machine's address on port ${target.port}?)${last ? `: ${last}` : ""}`;
    case "host key changed":
      return `${where}: ${doing}: the node's host key is not the pinned one; nothing was run on it: ${last}`;
    case "key refused":
      return `${where}: ${doing}: the node refuses the key (user ${target.user}): ${last}`;
    default:
      return `${where}: ${doing}: ssh exited ${result.code}: ${last}`;
  }
}

/** Runs `commandLine` on the node as `target.user` with one private key, accepting only `hostKey`.
 * The private key is never written to a file: it goes, by stdin, into an ssh-agent of this one call
 * (and for at most two minutes), which is stopped on every way out of the call; only the socket and
 * the public half touch the disk. */
export async function sshWithKey(target: SshTarget, privateKey: string, hostKey: string, commandLine: string, stdin?: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-ssh-"));
  const socket = path.join(dir, "agent");
  const agent = spawn("ssh-agent", ["-D", "-a", socket], { stdio: "ignore" });
  const stop = () => agent.kill();
  process.once("exit", stop);
  try {
    for (let waited = 0; !fs.existsSync(socket); waited += 10) {
      if (waited > 5_000 || agent.exitCode !== null) throw new Error(`ssh-agent did not start (socket ${socket})`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const env = { SSH_AUTH_SOCK: socket };
    const added = await run("ssh-add", ["-q", "-t", "120", "-"], privateKey.endsWith("\n") ? privateKey : `${privateKey}\n`, env);
    if (added.code !== 0) throw new Error(`node ${target.host}:${target.port}: the deploy private key could not be loaded (${added.stderr.trim().split("\n").pop()}); is it an OpenSSH private key without a passphrase?`);
    // The public half tells ssh which of the agent's keys to offer, and only that one.
    const publicKey = path.join(dir, "id.pub");
    fs.writeFileSync(publicKey, (await run("ssh-add", ["-L"], undefined, env)).stdout.split("\n")[0]! + "\n", { mode: 0o600 });
    return await run(
      "ssh",
      [
        "-i", publicKey, "-p", String(target.port), "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", `IdentityAgent=${socket}`, "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR",
        ...knownHostsOptions(hostKey), `${target.user}@${target.host}`, commandLine,
      ],
      stdin,
    );
  } finally {
    process.removeListener("exit", stop);
    stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Logs in with the deploy key, accepting only `hostKey`: the contact that makes the pin trustworthy. */
async function verifiedLogin(inputs: HostKeyInputs, hostKey: string): Promise<void> {
  const result = await sshWithKey(inputs, inputs.privateKey, hostKey, "true");
  if (result.code !== 0) throw new Error(sshFailureMessage(inputs, result, `the first login with the deploy key, against host key ${fingerprintOf(hostKey)}, failed`));
}

export const hostKeyProvider: pulumi.dynamic.ResourceProvider<HostKeyInputs, HostKeyOutputs> = {
  async create(inputs) {
    const hostKey = await scan(inputs.host, inputs.port, inputs.waitSeconds);
    await verifiedLogin(inputs, hostKey);
    return { id: `${inputs.host}:${inputs.port}`, outs: { ...inputs, hostKey, fingerprint: fingerprintOf(hostKey) } };
  },
  async diff(id, olds, news) {
    if (olds.host !== news.host || olds.port !== news.port) return { changes: true, replaces: ["host"], deleteBeforeReplace: true };
    // Every up and preview looks again: a changed key stops the run here, before anything uses the node.
    const now = await scan(news.host, news.port, 10).catch(() => undefined);
    if (now !== undefined && now !== olds.hostKey) throw new Error(changedHostKeyMessage(news.host, olds.hostKey, now, news.pin ?? id));
    return { changes: olds.user !== news.user || olds.privateKey !== news.privateKey || olds.waitSeconds !== news.waitSeconds, replaces: [], deleteBeforeReplace: false };
  },
  async update(_id, olds, news) {
    return { outs: { ...news, hostKey: olds.hostKey, fingerprint: olds.fingerprint } };
  },
};

export interface NodeHostKeyArgs {
  readonly host: pulumi.Input<string>;
  readonly port?: pulumi.Input<number>;
  readonly user: pulumi.Input<string>;
  /** Must be a Pulumi secret. */
  readonly privateKey: pulumi.Input<string>;
  readonly waitSeconds?: pulumi.Input<number>;
}

/** A node's pinned SSH host key (`hostKey`), taken at a verified first contact. */
export class NodeHostKey extends pulumi.dynamic.Resource {
  declare readonly hostKey: pulumi.Output<string>;
  declare readonly fingerprint: pulumi.Output<string>;

  constructor(name: string, args: NodeHostKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      hostKeyProvider,
      name,
      { port: 22, waitSeconds: 300, ...args, pin: name, privateKey: pulumi.secret(args.privateKey), hostKey: undefined, fingerprint: undefined },
      { ...opts, additionalSecretOutputs: ["privateKey"] },
      "ssh",
      "HostKey",
    );
  }
}
