// The private network's node script, run for real over SSH on two throwaway hosts (this kernel has
// no WireGuard module, so wg-quick falls back to wireguard-go, as on the project's machines), with
// the exact command lines and stdin the PrivateNetwork component registers.
import { readFileSync } from "node:fs";
import { ThrowawaySshHost } from "@sophia/lambda-node/testing";
import { applyStep, keyStepCommand, WIREGUARD_SCRIPT_PATH } from "./network";
import { type NetworkNode, planPrivateNetwork } from "./plan";

jest.setTimeout(600_000);

const CIDR = "10.210.0.0/16";
const PORT = 51820;
const HUB = "gpu-1x-a10-0";
const SPOKE = "gpu-1x-a10-1";
const script = readFileSync(WIREGUARD_SCRIPT_PATH, "utf8");
const hosts: Record<string, ThrowawaySshHost> = {};
const members: NetworkNode[] = [];

async function must(host: ThrowawaySshHost, commandLine: string, stdin?: string): Promise<string> {
  const result = await host.ssh(commandLine, stdin);
  if (result.code !== 0) throw new Error(`${commandLine.slice(0, 80)}: exit ${result.code}: ${result.stderr}`);
  return result.stdout;
}

async function apply(id: string, nodes: readonly NetworkNode[]) {
  const config = planPrivateNetwork({ cidr: CIDR, port: PORT, hub: HUB, nodes })[id]!;
  const step = applyStep(config, nodes.find((n) => n.id === id)!.publicKey, script);
  return hosts[id]!.ssh(step.create, step.stdin);
}

beforeAll(async () => {
  for (const id of [HUB, SPOKE]) hosts[id] = await ThrowawaySshHost.start();
  for (const id of [HUB, SPOKE]) {
    const publicKey = (await must(hosts[id]!, keyStepCommand(PORT), script)).trim();
    members.push({ id, publicIp: await hosts[id]!.address(), publicKey });
  }
});

afterAll(async () => {
  await Promise.all(Object.values(hosts).map((h) => h.stop()));
});

describe("the private network on two nodes", () => {
  it("makes each node's key on the node and prints only its public half; a second key step prints the same key", async () => {
    expect(members.map((m) => m.publicKey)).toEqual([expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/), expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/)]);
    expect((await must(hosts[HUB]!, keyStepCommand(PORT), script)).trim()).toBe(members[0]!.publicKey);
    expect(await must(hosts[HUB]!, "sudo stat -c '%a %U' /etc/wireguard/sophia-wg.key")).toBe("600 root\n");
  });

  it("brings both ends up and carries traffic hub ↔ spoke, with a recent handshake", async () => {
    for (const id of [HUB, SPOKE]) {
      const result = await apply(id, members);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^private network: sophia-wg 10\.210\.8\.\d, 1 peer\(s\), port 51820; .*interface-up/m);
    }
    expect(await must(hosts[SPOKE]!, "ping -c 1 -W 5 10.210.8.1")).toContain("1 received");
    expect(await must(hosts[HUB]!, "ping -c 1 -W 5 10.210.8.2")).toContain("1 received");
    const handshake = Number((await must(hosts[HUB]!, "sudo wg show sophia-wg latest-handshakes")).trim().split(/\s+/)[1]);
    expect(Date.now() / 1000 - handshake).toBeLessThan(120);
  });

  it("admits WireGuard's port from the node's peers only", async () => {
    const rules = await must(hosts[HUB]!, "sudo iptables -S SOPHIA-WG");
    expect(rules.trim().split("\n")).toEqual([
      "-N SOPHIA-WG",
      `-A SOPHIA-WG -s ${members[1]!.publicIp}/32 -p udp -m udp --dport 51820 -j ACCEPT`,
      "-A SOPHIA-WG -d 10.210.8.1/32 -i sophia-fleet -p tcp -j ACCEPT",
    ]);
  });

  it("changes nothing on a second apply with the same peers", async () => {
    expect((await apply(HUB, members)).stdout).toMatch(/; no change$/m);
  });

  it("changes the hub's peers in place when a node joins: the running tunnel keeps carrying traffic", async () => {
    const joined: NetworkNode = { id: "gpu-8x-v100-0", publicIp: "192.0.2.77", publicKey: `${"B".repeat(42)}E=` };
    const grown = [...members, joined];
    const before = await must(hosts[SPOKE]!, "sudo wg show sophia-wg latest-handshakes");
    const result = await apply(HUB, grown);
    // Its firewall admits the new peer too.
    expect(result.stdout).toMatch(/2 peer\(s\), port 51820; firewall peers$/m);
    expect(await must(hosts[SPOKE]!, "ping -c 1 -W 5 10.210.8.1")).toContain("1 received");
    expect(await must(hosts[SPOKE]!, "sudo wg show sophia-wg latest-handshakes")).toBe(before);
    // The spoke's own configuration did not change: it peers with the hub alone.
    expect((await apply(SPOKE, grown)).stdout).toMatch(/1 peer\(s\).*; no change$/m);
  });

  it("refuses a node whose key is not the one pinned, naming both", async () => {
    const impostor = members.map((m) => (m.id === SPOKE ? { ...m, publicKey: `${"C".repeat(42)}E=` } : m));
    const result = await apply(SPOKE, impostor);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`private network: this node's WireGuard key is ${members[1]!.publicKey}, not ${"C".repeat(42)}E= pinned when it was made`);
  });
});
