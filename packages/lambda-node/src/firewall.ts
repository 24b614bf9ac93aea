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

export function lambdaFirewallRules(policy: InboundPolicy): WireFirewallRule[] {
  const rule = (port: number, cidr: string, what: string): WireFirewallRule => ({
    protocol: "tcp",
    port_range: [port, port],
    source_network: cidr,
    description: `sophia: ${what} from ${cidr}`,
  });
  return [
    ...unique(policy.sshCidrs).map((cidr) => rule(SSH_PORT, cidr, "ssh")),
    ...unique(policy.ingressCidrs).map((cidr) => rule(policy.ingressPort, cidr, "mcp ingress")),
  ];
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
