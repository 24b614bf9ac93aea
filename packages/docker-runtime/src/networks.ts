// The networks every Docker runtime carries. Pure data: the component turns it into resources.

export interface NetworkSpec {
  /** Suffix of the network's name; the full name is `sophia-<suffix>`. */
  readonly suffix: "edge" | "mcp" | "monitoring" | "fleet";
  /** internal: no route out of the host. */
  readonly internal: boolean;
  readonly purpose: string;
}

export const RUNTIME_NETWORKS: readonly NetworkSpec[] = [
  { suffix: "edge", internal: false, purpose: "the ingress's published port, and the way out of containers that call an outside API (a model, Gong)" },
  { suffix: "mcp", internal: true, purpose: "ingress ↔ MCP servers ↔ agent runtime; no way out" },
  // Apart from `mcp`, so that no MCP server or agent (were one taken over) reaches Prometheus,
  // Alertmanager or the probe, which answer without credentials on their own network.
  { suffix: "monitoring", internal: true, purpose: "the monitoring stack ↔ the ingress's internal and metrics sites; no way out" },
];

/** The network of containers that talk to other nodes of the stack over its private (WireGuard)
 * network: agent pools, sophia-ops, Prometheus, blackbox-exporter and the exporters. Only on nodes
 * of a fleet (staging, production). Docker gives an internal network no route off the host, so this
 * one is not internal; its bridge has a fixed name so that the node's private-network firewall can
 * let it out to the WireGuard interface and nowhere else. Its containers do not reach each other
 * directly (no inter-container traffic): only what is published on a private address, so a pool
 * cannot reach Prometheus or blackbox-exporter, which share it on the platform node. */
export const FLEET_NETWORK: NetworkSpec & { readonly bridge: string } = {
  suffix: "fleet",
  internal: false,
  bridge: "sophia-fleet",
  purpose: "pools, sophia-ops and monitoring ↔ other nodes over the private network; out to the WireGuard interface only",
};

/** How a Docker host is reached: the local socket, or SSH to a node. */
export function dockerHostUrl(target: { kind: "local"; socket: string } | { kind: "ssh"; user: string; address: string }): string {
  if (target.kind === "local") {
    if (!/^unix:\/\/\/.+/.test(target.socket)) throw new Error(`docker host: expected unix:///path/to/docker.sock; got ${JSON.stringify(target.socket)}`);
    return target.socket;
  }
  if (!/^[a-z_][a-z0-9_-]*$/.test(target.user)) throw new Error(`docker host: expected a Unix user name; got ${JSON.stringify(target.user)}`);
  return `ssh://${target.user}@${target.address}`;
}
