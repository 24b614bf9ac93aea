// The stack's private network as Pulumi resources: per node, a key step (WireGuard installed, the
// private key made on the node, the public key read back and pinned in the state) and an apply step
// (its peers, address and firewall). A peer change re-runs the apply step in place (stdin is not a
// replace trigger of command.remote.Command): no node and no key is replaced for it.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type NetworkNode, type NodeNetworkConfig, planPrivateNetwork, privateAddresses, renderWireGuardConfig } from "./plan";

/** Run by the key and apply steps; found from this module (the engine runs the program in stacks/). */
export const WIREGUARD_SCRIPT_PATH = join(__dirname, "..", "scripts", "wireguard.sh");

export interface PrivateNetworkNodeArgs {
  readonly id: string;
  readonly publicIp: pulumi.Output<string>;
  readonly connection: { readonly user: string; readonly privateKey: pulumi.Output<string> };
  /** What must be done on the node first (its bootstrap: packages, the host firewall's chains). */
  readonly after: readonly pulumi.Resource[];
}

export interface PrivateNetworkArgs {
  /** The stack's range (validated by the stack's config schema). */
  readonly cidr: string;
  /** WireGuard's UDP port on every node. */
  readonly port: number;
  /** The platform node: every other node peers with it alone. */
  readonly hub: string;
  readonly nodes: readonly PrivateNetworkNodeArgs[];
}

/** The command lines of the two steps; the script arrives on stdin. */
export function keyStepCommand(port: number): string {
  return `sudo env SOPHIA_WG_PORT=${port} bash -s key`;
}

export function applyStep(config: NodeNetworkConfig, publicKey: string, script: string): { create: string; stdin: string } {
  const conf = renderWireGuardConfig(config);
  if (conf.includes("SOPHIA_WG_CONF_END")) throw new Error(`node ${config.id}: its WireGuard configuration contains the here-document's end marker`);
  const admit = config.admitUdpFrom.join(" ");
  if (!/^[0-9. ]*$/.test(admit) || !/^[0-9.]+$/.test(config.address) || !/^[A-Za-z0-9+/=]+$/.test(publicKey)) {
    throw new Error(`node ${config.id}: expected IPv4 addresses and a base64 key; got ${JSON.stringify({ admit, address: config.address, publicKey })}`);
  }
  return {
    create: `sudo env SOPHIA_WG_PORT=${config.listenPort} SOPHIA_WG_PUBLIC_KEY=${publicKey} SOPHIA_WG_ADDRESS=${config.address} SOPHIA_WG_ADMIT='${admit}' bash -s apply`,
    // The configuration travels in front of the script, as a here-document: a hub's list of peers
    // outgrows what one command-line argument may hold (128 KiB) near a thousand nodes.
    stdin: `SOPHIA_WG_CONF=$(cat <<'SOPHIA_WG_CONF_END'\n${conf}SOPHIA_WG_CONF_END\n)\nexport SOPHIA_WG_CONF\n${script}`,
  };
}

export class PrivateNetwork extends pulumi.ComponentResource {
  /** Each node's private address: known from node ids alone, before any node exists. */
  readonly addresses: Readonly<Record<string, string>>;
  /** Each node's WireGuard public key, as read back from the node and pinned. */
  readonly publicKeys: pulumi.Output<Record<string, string>>;
  /** Per node, the step after which its interface is up with its peers: what publishes on its address waits for it. */
  readonly ready: Readonly<Record<string, command.remote.Command>>;

  constructor(name: string, args: PrivateNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:network:PrivateNetwork", name, {}, opts);
    if (!args.nodes.some((n) => n.id === args.hub)) throw new Error(`PrivateNetwork ${name}: args.hub ${args.hub} is not among args.nodes`);
    this.addresses = privateAddresses(args.cidr, args.nodes.map((n) => n.id));
    const script = readFileSync(WIREGUARD_SCRIPT_PATH, "utf8");
    const keys: Record<string, pulumi.Output<string>> = {};
    for (const node of args.nodes) {
      const step = new command.remote.Command(
        `${name}-${node.id}-key`,
        { connection: { host: node.publicIp, user: node.connection.user, privateKey: node.connection.privateKey, dialErrorLimit: 30 }, create: keyStepCommand(args.port), stdin: script },
        { parent: this, dependsOn: [...node.after] },
      );
      keys[node.id] = step.stdout.apply((out) => {
        const key = out.trim().split("\n").pop() ?? "";
        if (!/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw480]=$/.test(key)) throw new Error(`node ${node.id}: its private-network key step printed ${JSON.stringify(out.slice(-200))}; expected a WireGuard public key`);
        return key;
      });
    }
    const member = (node: PrivateNetworkNodeArgs) => pulumi.all([node.publicIp, keys[node.id]!]).apply(([publicIp, publicKey]): NetworkNode => ({ id: node.id, publicIp, publicKey }));
    const hub = args.nodes.find((n) => n.id === args.hub)!;
    const ready: Record<string, command.remote.Command> = {};
    for (const node of args.nodes) {
      // A spoke's configuration is computed from the hub and itself alone, so a node joining or
      // leaving changes (and previews as changing) the hub's peers only.
      const members = node.id === args.hub ? args.nodes.map(member) : [member(hub), member(node)];
      const step = pulumi.all(members).apply((nodes) => {
        const config = planPrivateNetwork({ cidr: args.cidr, port: args.port, hub: args.hub, nodes })[node.id]!;
        return applyStep(config, nodes.find((n) => n.id === node.id)!.publicKey, script);
      });
      ready[node.id] = new command.remote.Command(
        `${name}-${node.id}-peers`,
        { connection: { host: node.publicIp, user: node.connection.user, privateKey: node.connection.privateKey, dialErrorLimit: 30 }, create: step.create, stdin: step.stdin },
        { parent: this, dependsOn: [...node.after] },
      );
    }
    this.ready = ready;
    this.publicKeys = pulumi.output(keys);
    this.registerOutputs({ addresses: this.addresses, publicKeys: this.publicKeys });
  }
}
