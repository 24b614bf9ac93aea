// Staging as a three-node fleet (the rehearsal's shape), in mock mode: every cross-node path goes over
// the private network, and nothing of ours but the ingress and SSH is on a public address.
import { type PlannedResource, SECRET_SIG_KEY } from "@sophia/plan";
import * as path from "node:path";
import program from "./index";
import { type ConfigOverrides, evaluateStack } from "./plan-stack";

const root = path.resolve(__dirname, "..");
/** The node reserve that spreads the default agents on three gpu_1x_a10 nodes (the rehearsal finds it the same way). */
const THREE_NODES: ConfigOverrides = {
  "sophia:placement": { value: { gpuPolicy: "fail", reservePerNode: { cpu: 24.5, memoryGiB: 8 } } },
  "sophia:nodePool": { value: { instanceTypes: ["gpu_1x_rtx6000", "gpu_1x_a10"], maxNodesPerType: 3, regions: ["us-east-1", "us-west-1"] } },
};

let resources: PlannedResource[];
let outputs: Record<string, unknown>;
const containers = () => resources.filter((r) => r.type === "docker:index/container:Container");
/** A container's environment as plain lines: mock mode keeps a list with a secret in it as one secret. */
const envs = (r: PlannedResource): string[] => {
  const value = r.inputs.envs as unknown;
  const list = (typeof value === "object" && value !== null && SECRET_SIG_KEY in value ? (value as { value: unknown }).value : value) as unknown[];
  return list.filter((e): e is string => typeof e === "string");
};
const ports = (r: PlannedResource) => (r.inputs.ports ?? []) as { internal: number; external: number; ip: string }[];

beforeAll(async () => {
  ({ resources, outputs } = await evaluateStack(root, "staging", program, { overrides: THREE_NODES }));
}, 120_000);

test("three nodes, each with a private address from its id", () => {
  expect(outputs.privateAddresses).toEqual({ "gpu-1x-a10-0": "10.210.8.1", "gpu-1x-a10-1": "10.210.8.2", "gpu-1x-a10-2": "10.210.8.3" });
  expect(outputs.mcpNode).toBe("gpu-1x-a10-0");
});

test("every pool publishes its AgentOS port on its node's private address only, and sophia-ops routes to it there", () => {
  const pools = containers().filter((c) => /-agents-gpu-1x-a10-\d-/.test(c.name));
  expect(pools.length).toBeGreaterThanOrEqual(5);
  for (const pool of pools) {
    const node = /gpu-1x-a10-\d/.exec(pool.name)![0];
    const published = ports(pool);
    expect(published).toHaveLength(1);
    expect(published[0]!.ip).toBe((outputs.privateAddresses as Record<string, string>)[node]);
  }
  const ops = containers().find((c) => c.name === "staging-mcp-sophia-ops")!;
  const routes = JSON.parse(String(envs(ops).find((e) => e.startsWith("SOPHIA_AGENT_ROUTES="))!.split("=").slice(1).join("="))) as Record<string, { url: string }[]>;
  for (const url of Object.values(routes).flat().map((r) => r.url)) expect(url).toMatch(/^http:\/\/10\.210\.8\.[123]:77\d\d$/);
  expect((ops.inputs.networksAdvanced as { name: string }[]).map((n) => n.name)).toContain("sophia-fleet");
});

test("pools on other nodes reach the ingress's internal site on the platform node's private address, published there and nowhere else", () => {
  const ingress = containers().find((c) => c.name === "staging-mcp-ingress")!;
  expect(ports(ingress).map((p) => `${p.ip}:${p.external}`)).toEqual(["0.0.0.0:443", "10.210.8.1:8081"]);
  for (const pool of containers().filter((c) => /-agents-gpu-1x-a10-[12]-/.test(c.name))) {
    expect(envs(pool)).toContain("SOPHIA_MCP_URL=http://10.210.8.1:8081");
  }
});

test("the other nodes' exporters are published on their private addresses for the platform's Prometheus, which scrapes them by node", () => {
  const exporters = resources.filter((r) => r.type === "sophia:monitoring:NodeExporters").map((r) => r.name);
  expect(exporters.sort()).toEqual(["staging-exporters-gpu-1x-a10-1", "staging-exporters-gpu-1x-a10-2"]);
  const prometheus = containers().find((c) => c.name === "staging-monitoring-prometheus")!;
  const config = String(envs(prometheus).find((e) => e.startsWith("SOPHIA_PROMETHEUS_YML=")));
  for (const target of ["10.210.8.2:9100", "10.210.8.3:9100", "10.210.8.2:9273", "http://10.210.8.3:7782/health"]) expect(config).toContain(target);
});

test("the account firewall admits WireGuard from the fleet's own nodes, under its own owner", () => {
  const firewall = resources.find((r) => r.name === "sophia-staging-private-network-firewall")!;
  expect(firewall.inputs.owner).toBe("sophia-staging-private-network");
  expect(firewall.dependsOn).toContain("pulumi-nodejs:dynamic/lambda:FirewallRules::sophia-staging-firewall");
});

test("each node gets a key step and a peers step, after its bootstrap", () => {
  const steps = resources.filter((r) => r.name.startsWith("staging-private-network-")).map((r) => r.name);
  expect(steps.sort()).toEqual(["0", "1", "2"].flatMap((i) => [`staging-private-network-gpu-1x-a10-${i}-key`, `staging-private-network-gpu-1x-a10-${i}-peers`]).sort());
});
