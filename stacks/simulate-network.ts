// The private network at scale, in mock mode (npm run bench:network): a placement of `nodes` nodes,
// the node pool and private network the Lambda stacks register for it, and the whole network's
// configuration read back from what was registered: every node's address, peers and WireGuard
// configuration, and the account firewall's rules. Checked for uniqueness, overlaps and size per node.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { type AgentDemand, LAMBDA_INSTANCE_TYPES, lambdaOffers, type LambdaInstanceType, placeAgents, platformNodeId } from "@sophia/agent-categories";
import { dockerPlatform } from "@sophia/docker-runtime";
import { launchCandidates, LambdaNodePool, type WireFirewallRule } from "@sophia/lambda-node";
import { evaluate, RecordingMocks } from "@sophia/plan";
import { DOCKER_ADDRESS_POOLS, overlaps, PrivateNetwork } from "@sophia/private-network";

const CIDR = "10.210.0.0/16";
const PORT = 51820;
/** One agent fills one of these: each node of the placement holds exactly one, so `nodes` agents
 * make `nodes` nodes (half on each type, the second type dearer). */
const TYPES: readonly LambdaInstanceType[] = ["gpu_1x_a10", "gpu_1x_h100_pcie"];

export interface NetworkSimulation {
  readonly nodes: number;
  readonly hub: string;
  readonly seconds: { readonly placement: number; readonly evaluation: number; readonly checks: number };
  readonly resources: number;
  /** Bytes of each node's WireGuard configuration: the hub's, and the largest and smallest spoke's. */
  readonly configBytes: { readonly hub: number; readonly spokeMax: number; readonly spokeMin: number; readonly total: number };
  readonly peers: { readonly hub: number; readonly spokeMax: number };
  readonly firewallRules: number;
  /** What the checks found wrong; empty when the network is sound. */
  readonly problems: readonly string[];
}

/** A stand-in WireGuard public key per node: 32 bytes, base64, as `wg pubkey` prints. */
const fakeKey = (name: string) => createHash("sha256").update(name).digest("base64");
/** A public address per instance, unique for up to 65,536 nodes. */
const fakeIp = (index: number) => `198.18.${Math.floor(index / 256)}.${index % 256}`;

export async function simulateNetwork(nodes: number): Promise<NetworkSimulation> {
  const started = Date.now();
  const [first, second] = TYPES.map((t) => LAMBDA_INSTANCE_TYPES[t]);
  const agents: AgentDemand[] = Array.from({ length: nodes }, (_, i) => ({ name: `sim-${i}`, category: "research", cpu: Math.min(first!.vcpus, second!.vcpus) - 4, memoryGiB: 64, gpus: 0, minGpuMemoryGiB: 0 }));
  const placement = await placeAgents({ agents, offers: lambdaOffers([...TYPES], Math.ceil(nodes / 2)), reservePerNode: { cpu: 2, memoryGiB: 8 }, gpuPolicy: "fail" });
  const placed = Date.now();
  const hub = platformNodeId(placement);
  const instanceIps = new Map(placement.nodes.map((n, i) => [`sim-${n.id}`, fakeIp(i)]));
  const mocks = new RecordingMocks({
    // The instance's address, and each node's key step's output: what Lambda and the node would say.
    "pulumi-nodejs:dynamic/lambda:Instance": (name) => ({ ip: instanceIps.get(name) }),
    "command:remote:Command": (name) => (name.endsWith("-key") ? { stdout: `${fakeKey(name)}\n` } : {}),
  });
  const evaluation = await evaluate({
    project: "sophia",
    stack: "simulation",
    config: {},
    secretKeys: [],
    mocks,
    program: () => {
      const pool = new LambdaNodePool("sim", {
        apiUrl: "https://cloud.lambda.ai/api/v1",
        apiKey: pulumi.secret("simulation"),
        ssh: { user: "ubuntu", publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleSimulationKey sim", privateKey: pulumi.secret("simulation") },
        inbound: { sshCidrs: ["203.0.113.0/24"], ingressPort: 443, ingressCidrs: ["203.0.113.0/24"] },
        privateNetwork: { port: PORT },
        logging: { logMaxSizeMiB: 50, logMaxFiles: 3 },
        gpuCheckImage: "nvidia/cuda:12.4.1-base-ubuntu22.04",
        nodes: placement.nodes.map((n) => {
          const type = LAMBDA_INSTANCE_TYPES[n.offer as LambdaInstanceType];
          return { id: n.id, gpus: type.gpus, platform: dockerPlatform(type.architecture), candidates: launchCandidates(type, [type], ["us-east-1"]) };
        }),
        labels: {},
        protect: false,
      });
      new PrivateNetwork("sim-private-network", {
        cidr: CIDR,
        port: PORT,
        hub,
        nodes: Object.entries(pool.nodes).map(([id, node]) => ({ id, publicIp: node.instance.ip, connection: { user: "ubuntu", privateKey: pulumi.secret("simulation") }, after: [node.bootstrap] })),
      });
    },
  });
  const evaluated = Date.now();

  // The network, as registered: each node's configuration (the apply step's stdin) and the rules.
  const problems: string[] = [];
  const configs = new Map<string, string>();
  for (const r of evaluation.resources) {
    const match = /^sim-private-network-(.+)-peers$/.exec(r.name);
    if (match) configs.set(match[1]!, /<<'SOPHIA_WG_CONF_END'\n([\s\S]*?)SOPHIA_WG_CONF_END\n/.exec(String(r.inputs.stdin))?.[1] ?? "");
  }
  const rules = (evaluation.resources.find((r) => r.name === "sim-private-network-firewall")?.inputs.rules ?? []) as WireFirewallRule[];
  if (configs.size !== nodes) problems.push(`${configs.size} node configurations for ${nodes} nodes`);
  const addresses = new Map<string, string>();
  const keys = new Set<string>();
  const peerCounts = new Map<string, number>();
  for (const [id, text] of configs) {
    const address = /^Address = (\S+)\/16$/m.exec(text)?.[1];
    if (!address) problems.push(`${id}: no address`);
    else if (addresses.has(address)) problems.push(`${id} and ${addresses.get(address)} share ${address}`);
    else addresses.set(address, id);
    if (address && DOCKER_ADDRESS_POOLS.some((p) => overlaps(p, `${address}/32`))) problems.push(`${id}: ${address} is in Docker's pools`);
    const peers = [...text.matchAll(/^PublicKey = (\S+)$/gm)].map((m) => m[1]!);
    peerCounts.set(id, peers.length);
    if (new Set(peers).size !== peers.length) problems.push(`${id}: a peer twice`);
    if (id !== hub && peers.length !== 1) problems.push(`${id}: ${peers.length} peers; a spoke has the hub alone`);
    if (id === hub) for (const k of peers) keys.add(k);
  }
  if ((peerCounts.get(hub) ?? 0) !== nodes - 1) problems.push(`the hub has ${peerCounts.get(hub)} peers; expected ${nodes - 1}`);
  if (keys.size !== nodes - 1) problems.push(`the hub's peers have ${keys.size} distinct keys for ${nodes - 1} spokes`);
  const sources = new Set(rules.map((r) => r.source_network));
  if (rules.length !== nodes || sources.size !== nodes || rules.some((r) => r.protocol !== "udp" || r.port_range?.[0] !== PORT || !r.source_network.endsWith("/32"))) {
    problems.push(`firewall: ${rules.length} rules, ${sources.size} distinct sources; expected ${nodes} udp/${PORT} rules, one per node's /32`);
  }
  const bytes = (id: string) => Buffer.byteLength(configs.get(id) ?? "");
  const spokes = [...configs.keys()].filter((id) => id !== hub).map(bytes);
  return {
    nodes,
    hub,
    seconds: { placement: (placed - started) / 1000, evaluation: (evaluated - placed) / 1000, checks: (Date.now() - evaluated) / 1000 },
    resources: evaluation.resources.length,
    configBytes: { hub: bytes(hub), spokeMax: Math.max(...spokes), spokeMin: Math.min(...spokes), total: [...configs.keys()].map(bytes).reduce((a, b) => a + b, 0) },
    peers: { hub: peerCounts.get(hub) ?? 0, spokeMax: Math.max(...[...peerCounts].filter(([id]) => id !== hub).map(([, n]) => n)) },
    firewallRules: rules.length,
    problems,
  };
}
