// TEST SCAFFOLDING: a throwaway SSH host on this machine, a privileged container with sshd and
// Docker reached on loopback, standing in for a fresh Lambda node. Built from the local base image
// (tools/build-base-image.sh), so nothing is pulled from a registry.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const CONTEXT = join(__dirname, "..", "..", "testing", "ssh-host");
const REPO_ROOT = join(__dirname, "..", "..", "..", "..");
export const SSH_HOST_IMAGE = "sophia-test/ssh-host:trixie";
/** Where a host sees the shared directory that stands in for Lambda's NFS server. */
const FILESYSTEMS_EXPORT = "/lambda/.fake-nfs-server";

export interface SshResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class ThrowawaySshHost {
  private constructor(
    readonly container: string,
    /** The loopback port mapped to its sshd; Docker maps another one when the host boots again. */
    public port: number,
    readonly user: string,
    private readonly keyDir: string,
  ) {}

  /** Builds the image if needed (base image first), starts the host and waits for sshd. */
  /** `filesystems`: a directory of this machine standing in for Lambda's NFS server, shared by every
   * host given it; mountFilesystem() mounts one of its subdirectories where Lambda would. */
  static async start(
    baseImage = process.env.SOPHIA_BASE_IMAGE ?? "sophia/base:trixie",
    { label = "sophia.test=ssh-host", filesystems }: { readonly label?: string; readonly filesystems?: string } = {},
  ): Promise<ThrowawaySshHost> {
    await run("bash", [join(REPO_ROOT, "tools", "build-base-image.sh"), baseImage], { maxBuffer: 1 << 24 });
    await run("docker", ["build", "-q", "--build-arg", `BASE_IMAGE=${baseImage}`, "-t", SSH_HOST_IMAGE, CONTEXT], { maxBuffer: 1 << 24 });
    const keyDir = mkdtempSync(join(tmpdir(), "sophia-ssh-"));
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "sophia-test", "-f", join(keyDir, "id")]);
    const publicKey = readFileSync(join(keyDir, "id.pub"), "utf8").trim();
    const { stdout } = await run("docker", [
      "run", "-d", "--label", "sophia.test=ssh-host", "--label", label,
      // What dockerd and iptables need inside; not --privileged, which asks for SYS_RESOURCE too
      // and fails on hosts (like this CI machine) that do not grant it.
      "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE", "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
      // Docker's data inside the host lives on a volume: overlayfs cannot nest on overlayfs. On a
      // cgroup v1 machine the cgroup tree must be writable for its dockerd to start containers.
      "-v", "/var/lib/docker", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
      // The userspace WireGuard (this kernel has no module) makes its interface through the TUN device.
      "--device", "/dev/net/tun",
      ...(filesystems ? ["-v", `${filesystems}:${FILESYSTEMS_EXPORT}`] : []),
      "-p", "127.0.0.1::22", "-e", `AUTHORIZED_KEY=${publicKey}`, SSH_HOST_IMAGE,
    ]);
    const container = stdout.trim();
    const { stdout: mapped } = await run("docker", ["port", container, "22/tcp"]);
    const port = Number(/:(\d+)\s*$/m.exec(mapped)?.[1]);
    const host = new ThrowawaySshHost(container, port, "ubuntu", keyDir);
    for (let attempt = 0; ; attempt++) {
      const probe = await host.ssh("true").catch(() => ({ code: -1, stdout: "", stderr: "" }));
      if (probe.code === 0) return host;
      if (attempt > 60) {
        await host.stop();
        throw new Error(`throwaway ssh host ${container.slice(0, 12)} did not accept SSH on 127.0.0.1:${port} within 30s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Runs a command line over SSH exactly as given, with optional stdin. */
  ssh(commandLine: string, stdin?: string): Promise<SshResult> {
    const args = [
      "-i", join(this.keyDir, "id"), "-p", String(this.port),
      "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes",
      `${this.user}@127.0.0.1`, commandLine,
    ];
    return new Promise((resolve, reject) => {
      const child = spawn("ssh", args, { stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
      // An ssh that exits at once (sshd not up yet, while start() probes) closes its stdin before this
      // write: the EPIPE would surface as an unhandled stream error; its exit code already says it.
      child.stdin.on("error", () => undefined);
      child.stdin.end(stdin ?? "");
    });
  }

  /** The private half of the key the host accepts (what a deploy key's secret would hold). */
  privateKey(): string {
    return readFileSync(join(this.keyDir, "id"), "utf8");
  }

  publicKey(): string {
    return readFileSync(join(this.keyDir, "id.pub"), "utf8").trim();
  }

  /** The host's address on Docker's bridge, where its port 22 (and any port it publishes) answers. */
  async address(): Promise<string> {
    const { stdout } = await run("docker", ["inspect", "-f", "{{.NetworkSettings.IPAddress}}", this.container]);
    return stdout.trim();
  }

  /** New SSH host keys, as a rebuilt node (or someone in the middle) would present. */
  async rotateHostKeys(): Promise<void> {
    await run("docker", ["exec", this.container, "sh", "-c", "rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && kill -HUP 1"]);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }

  /** The host dies at once (SIGKILL to everything on it), as a node that loses power. */
  async kill(): Promise<void> {
    await run("docker", ["kill", this.container]);
  }

  /** The host boots again: same disk, host keys and address (when Docker's bridge still has it free);
   * the entrypoint brings up what systemd would, then Docker restarts its containers. */
  async boot(): Promise<void> {
    await run("docker", ["start", this.container]);
    const { stdout: mapped } = await run("docker", ["port", this.container, "22/tcp"]);
    this.port = Number(/:(\d+)\s*$/m.exec(mapped)?.[1]);
    // sshd greeting is the sign it is up: the key this object holds may no longer be the one the
    // host accepts (a deploy key rotated in since it was launched).
    for (let attempt = 0; attempt <= 60; attempt++) {
      const greeting = await run("docker", ["exec", this.container, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/22 && head -c 4 <&3"]).catch(() => ({ stdout: "" }));
      if (greeting.stdout === "SSH-") return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`throwaway ssh host ${this.container.slice(0, 12)}: sshd did not greet within 30s of booting again`);
  }

  /** A command on the host as root, through Docker rather than SSH (the rehearsal's own view of it). */
  async exec(command: string): Promise<string> {
    return (await run("docker", ["exec", this.container, "bash", "-c", command], { maxBuffer: 1 << 24 })).stdout;
  }

  /** Removes the container and its anonymous volume; nothing of the host is left behind. */
  /** Authorizes a public key for the login user, as Lambda does with a launch's SSH key. */
  async authorize(publicKey: string): Promise<void> {
    if (!/^ssh-[a-z0-9-]+ [A-Za-z0-9+/=]+( [^\n]*)?$/.test(publicKey)) throw new Error("authorize: expected one OpenSSH public key line");
    const file = `/home/${this.user}/.ssh/authorized_keys`;
    await run("docker", ["exec", "-i", this.container, "sh", "-c", `grep -qxF "$1" ${file} 2>/dev/null || printf '%s\\n' "$1" >>${file}`, "sh", publicKey]);
  }

  /** Mounts the persistent filesystem `name` at /lambda/nfs/<name>, as Lambda does for an instance
   * launched with it: a bind mount of the shared directory's `<name>`, so every host that mounts it
   * sees the same files (idempotent). Needs a host started with `filesystems`. */
  async mountFilesystem(name: string): Promise<void> {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name)) throw new Error(`mountFilesystem: ${JSON.stringify(name)} is not a filesystem name`);
    const [source, target] = [`${FILESYSTEMS_EXPORT}/${name}`, `/lambda/nfs/${name}`];
    await run("docker", ["exec", this.container, "sh", "-c", `test -d ${FILESYSTEMS_EXPORT} && mkdir -p ${source} ${target} && { mountpoint -q ${target} || mount --bind ${source} ${target}; }`]);
  }

  async stop(): Promise<void> {
    await run("docker", ["rm", "-f", "-v", this.container]).catch(() => undefined);
    rmSync(this.keyDir, { recursive: true, force: true });
  }
}
