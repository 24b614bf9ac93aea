// The node's inbound policy, from config: SSH from the operators' CIDRs and the MCP ingress port
// from its clients' CIDRs; nothing else. The same policy is applied twice: in Lambda's firewall
// (before traffic reaches the node) and on the host by the bootstrap (if Lambda's is ever opened).
import type { WireFirewallRule } from "./api/wire";

export interface InboundPolicy {
  readonly sshCidrs: readonly string[];
  readonly ingressPort: number;
  readonly ingressCidrs: readonly string[];
}

export const SSH_PORT = 22;

/** Regions where Lambda's account firewall rules do not apply (Lambda's firewall documentation). */
export const FIREWALL_UNSUPPORTED_REGIONS: readonly string[] = ["us-south-1"];

/** The account's firewall is one list shared by every stack on the account; each stack's rules carry
 * its name in their description, and a stack only ever adds, changes or removes its own. */
export function ownerTag(owner: string): string {
  return `sophia/${owner}: `;
}

export function ownedBy(rule: WireFirewallRule, owner: string): boolean {
  return (rule.description ?? "").startsWith(ownerTag(owner));
}

/** The account's list with `owner`'s rules replaced by `mine`; everyone else's rules are kept. */
export function mergeFirewallRules(current: readonly WireFirewallRule[], owner: string, mine: readonly WireFirewallRule[]): WireFirewallRule[] {
  return [...current.filter((r) => !ownedBy(r, owner)), ...mine];
}

/** Kept rules (not this stack's) that open a port to the whole internet: worth a warning. */
export function worldOpenRules(rules: readonly WireFirewallRule[], owner: string): WireFirewallRule[] {
  return rules.filter((r) => !ownedBy(r, owner) && (r.source_network === "0.0.0.0/0" || r.source_network === "::/0"));
}

export function lambdaFirewallRules(policy: InboundPolicy, owner: string): WireFirewallRule[] {
  const rule = (port: number, cidr: string, what: string): WireFirewallRule => ({
    protocol: "tcp",
    port_range: [port, port],
    source_network: cidr,
    description: `${ownerTag(owner)}${what} from ${cidr}`,
  });
  return [
    ...unique(policy.sshCidrs).map((cidr) => rule(SSH_PORT, cidr, "ssh")),
    ...unique(policy.ingressCidrs).map((cidr) => rule(policy.ingressPort, cidr, "mcp ingress")),
  ];
}

/** The owner of a pool's private-network rules: apart from its SSH and ingress rules, because they
 * follow the nodes' addresses, known only once the instances exist. */
export function privateNetworkOwner(pool: string): string {
  return `${pool}-private-network`;
}

/** WireGuard's UDP port from each of the fleet's own nodes, and from nothing else. */
export function privateNetworkFirewallRules(port: number, nodeAddresses: readonly string[], owner: string): WireFirewallRule[] {
  return unique(nodeAddresses)
    .sort()
    .map((address) => ({ protocol: "udp", port_range: [port, port], source_network: `${address}/32`, description: `${ownerTag(owner)}wireguard from ${address}/32` }));
}

/** Environment the bootstrap script reads for the host firewall (space-separated CIDR lists). */
export function hostFirewallEnvironment(policy: InboundPolicy): Record<string, string> {
  return {
    SOPHIA_SSH_CIDRS: unique(policy.sshCidrs).join(" "),
    SOPHIA_INGRESS_PORT: String(policy.ingressPort),
    SOPHIA_INGRESS_CIDRS: unique(policy.ingressCidrs).join(" "),
  };
}

/** Rules compared as a set: Lambda does not promise to keep their order. */
export function sameRules(a: readonly WireFirewallRule[], b: readonly WireFirewallRule[]): boolean {
  const key = (r: WireFirewallRule) => `${r.protocol}|${r.port_range?.join("-") ?? ""}|${r.source_network}|${r.description}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.length === right.length && left.every((k, i) => k === right[i]);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
