// The bootstrap, run for real over SSH against a throwaway host on this machine, with the exact
// command line and script the node pool registers. The second run must change nothing.
import * as pulumi from "@pulumi/pulumi";
import { evaluate } from "@sophia/plan";
import { parseBootstrapSummary } from "./bootstrap";
import { LambdaNodePool } from "./node";
import { ThrowawaySshHost } from "./testing";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

jest.setTimeout(600_000);

let host: ThrowawaySshHost;
/** This machine's directory standing in for Lambda's NFS server. */
const filesystems = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-bootstrap-nfs-"));
let registered: { create: string; stdin: string };
const runs: { code: number; stdout: string; stderr: string }[] = [];

beforeAll(async () => {
  host = await ThrowawaySshHost.start(undefined, { filesystems });
  const { resources } = await evaluate({
    project: "sophia",
    stack: "bootstrap-test",
    config: {},
    secretKeys: [],
    program: () =>
      void new LambdaNodePool("sophia-test", {
        apiUrl: "http://127.0.0.1:9/api/v1",
        apiKey: pulumi.secret("unused-in-mock-mode"),
        ssh: { user: "ubuntu", publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample test", privateKey: pulumi.secret("unused") },
        // The test host is reached through Docker's bridge, so the bridge must be allowed in.
        inbound: { sshCidrs: ["172.16.0.0/12", "127.0.0.0/8"], ingressPort: 8443, ingressCidrs: ["172.16.0.0/12"] },
        logging: { logMaxSizeMiB: 50, logMaxFiles: 3 },
        gpuCheckImage: "nvidia/cuda:12.4.1-base-ubuntu22.04",
        nodes: [{ id: "gpu-1x-a10-0", gpus: 1, platform: "linux/amd64", candidates: [{ region: "us-east-1", instanceType: "gpu_1x_a10" }] }],
        labels: {},
        protect: false,
      }),
  });
  const bootstrap = resources.find((r) => r.type === "command:remote:Command")!;
  registered = { create: bootstrap.inputs.create as string, stdin: bootstrap.inputs.stdin as string };
  for (const attempt of [1, 2]) {
    const result = await host.ssh(registered.create, registered.stdin);
    runs.push(result);
    process.stdout.write(`--- bootstrap run ${attempt} (exit ${result.code})\n${result.stdout}${result.stderr}`);
  }
});

afterAll(async () => {
  await host?.stop();
  fs.rmSync(filesystems, { recursive: true, force: true });
});

test("the first run sets the host up and reports what it changed", () => {
  expect(runs[0]).toMatchObject({ code: 0 });
  const summary = parseBootstrapSummary(runs[0]!.stdout);
  expect(summary?.changed).toBeGreaterThanOrEqual(4);
  expect(runs[0]!.stdout).toContain("changed  packages: installed unattended-upgrades");
  expect(runs[0]!.stdout).toContain("changed  docker-daemon: wrote /etc/docker/daemon.json and restarted docker");
  expect(runs[0]!.stdout).toContain("changed  firewall: ");
  expect(runs[0]!.stdout).toContain("changed  sshd-startups: MaxStartups 100:30:200");
});

test("the second run with the same command changes nothing", () => {
  expect(runs[1]).toMatchObject({ code: 0 });
  expect(parseBootstrapSummary(runs[1]!.stdout)).toMatchObject({ changed: 0 });
});

test("the parts that need an NVIDIA GPU are skipped with a message naming them", () => {
  expect(runs[1]!.stdout).toContain(
    "SKIPPED  gpu-runtime: no nvidia-smi on this host (expected 1 GPU(s)): the NVIDIA runtime registration and the container GPU check were not run",
  );
});

test("docker runs with live-restore and rotated json-file logs", async () => {
  const info = await host.ssh("docker info --format '{{.LiveRestoreEnabled}} {{.LoggingDriver}}' && cat /etc/docker/daemon.json");
  expect(info.stdout).toMatch(/^true json-file/);
  expect(info.stdout).toContain('"max-size": "50m", "max-file": "3"');
});

test("the host firewall accepts only ssh and the ingress port from the allowed CIDRs, and filters published ports", async () => {
  const rules = await host.ssh("sudo iptables -S SOPHIA-INPUT && sudo iptables -S SOPHIA-DOCKER && sudo iptables -S INPUT && sudo iptables -S DOCKER-USER");
  expect(rules.code).toBe(0);
  expect(rules.stdout).toContain("-A SOPHIA-INPUT -s 172.16.0.0/12 -p tcp -m tcp --dport 22 -j ACCEPT");
  expect(rules.stdout).toContain("-A SOPHIA-INPUT -s 172.16.0.0/12 -p tcp -m tcp --dport 8443 -j ACCEPT");
  expect(rules.stdout).toMatch(/-A SOPHIA-INPUT -j DROP\n/);
  expect(rules.stdout).toContain("-A SOPHIA-DOCKER -p tcp -m conntrack --ctstate DNAT --ctorigdstport 8443 --ctdir ORIGINAL -j DROP");
  expect(rules.stdout).toContain("-A INPUT -j SOPHIA-INPUT");
  expect(rules.stdout).toContain("-A DOCKER-USER -j SOPHIA-DOCKER");
});

test("a published ingress port answers an allowed client through the firewall (replies are not dropped)", async () => {
  // A server on the node behind the ingress port, as the Caddy ingress is published there.
  await run("sh", ["-c", `docker save sophia/base:trixie | docker exec -i ${host.container} docker load -q`], { maxBuffer: 1 << 24 });
  const started = await host.ssh("docker run -d --name probe -p 8443:8080 sophia/base:trixie python3 -m http.server 8080");
  expect(started.stderr).toBe("");
  const address = await host.address();
  let status = 0;
  for (let attempt = 0; attempt < 20 && status !== 200; attempt++) {
    status = await fetch(`http://${address}:8443/`, { signal: AbortSignal.timeout(3000) }).then((r) => r.status, () => 0);
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // This machine reaches the node from Docker's bridge, inside the allowed 172.16.0.0/12.
  expect(status).toBe(200);
  await host.ssh("docker rm -f probe");
});

test("unattended security updates are enabled", async () => {
  const apt = await host.ssh("cat /etc/apt/apt.conf.d/20auto-upgrades && dpkg-query -W -f='${Status}' unattended-upgrades");
  expect(apt.stdout).toContain('APT::Periodic::Unattended-Upgrade "1";');
  expect(apt.stdout).toContain("install ok installed");
});

test("a session from outside the allowed SSH CIDRs is refused before any firewall change", async () => {
  const narrowed = registered.create.replace("SOPHIA_SSH_CIDRS='172.16.0.0/12 127.0.0.0/8'", "SOPHIA_SSH_CIDRS='198.51.100.0/24'");
  expect(narrowed).not.toBe(registered.create);
  const refused = await host.ssh(narrowed, registered.stdin);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/this SSH session comes from 172\.\d+\.\d+\.\d+, which is outside SOPHIA_SSH_CIDRS \(198\.51\.100\.0\/24\); the firewall would lock it out/);
});

test("stateful volumes' directories: refused on the node's own disk, made on the mounted filesystem with their owner, then left alone", async () => {
  const withData = registered.create.replace("sudo env ", "sudo env SOPHIA_DATA_DIRS='/lambda/nfs/sophia-t-data/t/sophia-t-memory-data=65534:65534 /lambda/nfs/sophia-t-data/t/sophia-t-grafana-data=472:0' ");
  expect(withData).not.toBe(registered.create);
  const unmounted = await host.ssh(withData, registered.stdin);
  expect(unmounted.code).toBe(1);
  expect(unmounted.stderr).toContain("bootstrap failed: the persistent filesystem is not mounted at /lambda/nfs/sophia-t-data (was the instance launched with it?); its data directory /lambda/nfs/sophia-t-data/t/sophia-t-memory-data would be on the node's own disk");
  await host.mountFilesystem("sophia-t-data");
  const first = await host.ssh(withData, registered.stdin);
  expect(first.code).toBe(0);
  expect(first.stdout).toContain("changed  data-dir /lambda/nfs/sophia-t-data/t/sophia-t-memory-data: owned by 65534:65534");
  // On the shared directory: what another node that mounts the filesystem sees.
  const memory = fs.statSync(path.join(filesystems, "sophia-t-data", "t", "sophia-t-memory-data"));
  const grafana = fs.statSync(path.join(filesystems, "sophia-t-data", "t", "sophia-t-grafana-data"));
  expect([memory.uid, memory.gid, grafana.uid, grafana.gid]).toEqual([65534, 65534, 472, 0]);
  const second = await host.ssh(withData, registered.stdin);
  expect(parseBootstrapSummary(second.stdout)).toMatchObject({ changed: 0 });
  expect(second.stdout).toContain("ok       data-dir /lambda/nfs/sophia-t-data/t/sophia-t-memory-data");
});
