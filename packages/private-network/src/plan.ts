// The private network as plain data: each node's address, peers and the UDP sources it admits, and
// the configuration file each node is given. Hub-and-spoke (docs/decisions/0001-private-network.md):
// the platform node (the hub) peers with every node; every other node peers with the hub alone, so
// a node's configuration is O(its peers) and adding or removing a node changes the hub's peers only.
import { parseCidr, privateAddress } from "./addresses";

/** The WireGuard interface on every node (and its configuration file's name under /etc/wireguard). */
export const INTERFACE = "sophia-wg";
/** Keepalive from each spoke: the hub can reach a spoke behind a stateful firewall at any time. */
export const KEEPALIVE_SECONDS = 25;

export interface NetworkNode {
  readonly id: string;
  /** Where its peers send UDP: the node's public address. */
  readonly publicIp: string;
  /** Its WireGuard public key, made on the node and read back. */
  readonly publicKey: string;
}

export interface PrivateNetworkPlanArgs {
  readonly cidr: string;
  readonly port: number;
  /** The node every other node peers with: the one running the MCP platform and monitoring. */
  readonly hub: string;
  readonly nodes: readonly NetworkNode[];
}

export interface Peer {
  readonly id: string;
  readonly publicKey: string;
  readonly endpoint: string;
  readonly allowedIps: readonly string[];
  readonly keepaliveSeconds?: number;
}

export interface NodeNetworkConfig {
  readonly id: string;
  readonly address: string;
  /** The stack's range: routed into the interface, so adding a peer needs no new route. */
  readonly cidr: string;
  readonly listenPort: number;
  readonly peers: readonly Peer[];
  /** Public addresses whose UDP to the listen port the node's host firewall admits: its peers'. */
  readonly admitUdpFrom: readonly string[];
}

/** The addresses alone: known from node ids before any node exists (the pools publish on them). */
export function privateAddresses(cidr: string, nodeIds: readonly string[]): Record<string, string> {
  const addresses = Object.fromEntries(nodeIds.map((id) => [id, privateAddress(cidr, id)]));
  const seen = new Map<string, string>();
  for (const [id, address] of Object.entries(addresses)) {
    const other = seen.get(address);
    if (other) throw new Error(`private network ${cidr}: nodes ${other} and ${id} both map to ${address}`);
    seen.set(address, id);
  }
  return addresses;
}

export function planPrivateNetwork(args: PrivateNetworkPlanArgs): Record<string, NodeNetworkConfig> {
  const hub = args.nodes.find((n) => n.id === args.hub);
  if (!hub) throw new Error(`private network: hub ${args.hub} is not one of the nodes (${args.nodes.map((n) => n.id).join(", ")})`);
  const addresses = privateAddresses(args.cidr, args.nodes.map((n) => n.id));
  for (const [field, value] of [["publicIp", (n: NetworkNode) => n.publicIp], ["publicKey", (n: NetworkNode) => n.publicKey]] as const) {
    const seen = new Map<string, string>();
    for (const node of args.nodes) {
      const other = seen.get(value(node));
      if (other) throw new Error(`private network: nodes ${other} and ${node.id} have the same ${field} (${value(node)})`);
      seen.set(value(node), node.id);
    }
  }
  const prefix = parseCidr(args.cidr).prefix;
  const peerOf = (node: NetworkNode, keepalive: boolean): Peer => ({
    id: node.id,
    publicKey: node.publicKey,
    endpoint: `${node.publicIp}:${args.port}`,
    allowedIps: [`${addresses[node.id]}/32`],
    ...(keepalive ? { keepaliveSeconds: KEEPALIVE_SECONDS } : {}),
  });
  const spokes = args.nodes.filter((n) => n.id !== args.hub).sort((a, b) => (a.id < b.id ? -1 : 1));
  const config = (node: NetworkNode, peers: Peer[]): NodeNetworkConfig => ({
    id: node.id,
    address: addresses[node.id]!,
    cidr: `${addresses[node.id]}/${prefix}`,
    listenPort: args.port,
    peers,
    admitUdpFrom: peers.map((p) => p.endpoint.split(":")[0]!),
  });
  return Object.fromEntries([
    [hub.id, config(hub, spokes.map((s) => peerOf(s, false)))],
    ...spokes.map((s) => [s.id, config(s, [peerOf(hub, true)])] as const),
  ]);
}

/** The node's /etc/wireguard/sophia-wg.conf, in wg-quick's format. No private key: the node's own
 * key file is set after the interface comes up, and never leaves the node. */
export function renderWireGuardConfig(node: NodeNetworkConfig): string {
  const lines = [
    `# The private network of this node (${node.id}), written by the Sophia stack; edit the stack, not this file.`,
    "[Interface]",
    `Address = ${node.cidr}`,
    `ListenPort = ${node.listenPort}`,
    `PostUp = wg set %i private-key /etc/wireguard/${INTERFACE}.key`,
    `PostUp = /usr/local/sbin/${INTERFACE}-firewall`,
  ];
  for (const peer of node.peers) {
    lines.push("", `# ${peer.id}`, "[Peer]", `PublicKey = ${peer.publicKey}`, `Endpoint = ${peer.endpoint}`, `AllowedIPs = ${peer.allowedIps.join(", ")}`);
    if (peer.keepaliveSeconds) lines.push(`PersistentKeepalive = ${peer.keepaliveSeconds}`);
  }
  return lines.join("\n") + "\n";
}
