// A Lambda Cloud node pool: the account's SSH key and firewall rules, and per node an instance, its
// SSH bootstrap and the Docker runtime bound to it. Phase order is in the graph: key → instance →
// bootstrap → Docker provider, so no container is created on a node that is not set up.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { type DockerPlatform, DockerRuntime, dockerHostUrl } from "@sophia/docker-runtime";
import { type BootstrapParams, renderBootstrap } from "./bootstrap";
import { FIREWALL_UNSUPPORTED_REGIONS, lambdaFirewallRules, type InboundPolicy, privateNetworkFirewallRules, privateNetworkOwner } from "./firewall";
import type { ClientTuning } from "./inputs";
import type { LaunchCandidate } from "./launch";
import { NodeDeployKey, publicKeyTag } from "./deploy-key";
import { knownHostsOptions, NodeHostKey } from "./host-key";
import { type LambdaFilesystem, LambdaFirewallRules, LambdaInstance, LambdaSshKey } from "./resources";

export interface LambdaNodeSpec {
  /** Stable id from placement, e.g. gpu-1x-a10-0; the instance is named `<pool>-<id>`. */
  readonly id: string;
  readonly candidates: readonly LaunchCandidate[];
  readonly gpus: number;
  /** The chosen type's platform; every candidate shares its architecture. */
  readonly platform: DockerPlatform;
  /** A persistent filesystem the node launches with (every candidate must be in its region), and the
   * stateful volumes' directories the bootstrap makes on it, each owned by its container's user. */
  readonly dataFilesystem?: { readonly filesystem: LambdaFilesystem; readonly directories: readonly { readonly path: string; readonly owner: string }[] };
}

export interface LambdaNodePoolArgs {
  readonly apiUrl: pulumi.Input<string>;
  /** The Lambda API key; must be a Pulumi secret. */
  readonly apiKey: pulumi.Output<string>;
  /** The stack config key that holds it (e.g. sophia:lambdaApiKey), so refresh and destroy after a
   * key rotation use the new key rather than the one in the state. */
  readonly apiKeyConfigKey?: string;
  readonly ssh: {
    readonly user: string;
    readonly publicKey: string;
    /** Private half of the deploy key; must be a Pulumi secret. */
    readonly privateKey: pulumi.Output<string>;
    /** During a deploy-key rotation, the private key the nodes accept until this `up` (a secret). */
    readonly previousPrivateKey?: pulumi.Output<string>;
  };
  readonly inbound: InboundPolicy;
  /** The stack's private network: its UDP port is admitted from the pool's own nodes only. */
  readonly privateNetwork?: { readonly port: number };
  readonly logging: Pick<BootstrapParams, "logMaxSizeMiB" | "logMaxFiles">;
  readonly gpuCheckImage: string;
  readonly nodes: readonly LambdaNodeSpec[];
  readonly labels: Readonly<Record<string, string>>;
  readonly protect: boolean;
  readonly activeTimeoutSeconds?: number;
  readonly tuning?: ClientTuning;
}

export interface LambdaNode {
  readonly instance: LambdaInstance;
  readonly hostKey: NodeHostKey;
  readonly deployKey: NodeDeployKey;
  readonly bootstrap: command.remote.Command;
  readonly runtime: DockerRuntime;
}

export class LambdaNodePool extends pulumi.ComponentResource {
  readonly sshKey: LambdaSshKey;
  readonly firewall: LambdaFirewallRules;
  /** The private network's rules (WireGuard from the nodes' addresses), when there is one. */
  readonly privateNetworkFirewall?: LambdaFirewallRules;
  readonly nodes: Readonly<Record<string, LambdaNode>>;

  constructor(name: string, args: LambdaNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:lambda:NodePool", name, {}, opts);
    if (args.nodes.length === 0) throw new Error(`LambdaNodePool ${name}: args.nodes is empty; placement decided no node`);
    const api = { apiUrl: args.apiUrl, apiKey: args.apiKey, apiKeyConfigKey: args.apiKeyConfigKey, tuning: args.tuning };
    // Named after the key itself: a rotated key is a new Lambda key, created before the old one goes.
    this.sshKey = new LambdaSshKey(`${name}-deploy-key`, { ...api, name: `${name}-deploy-${publicKeyTag(args.ssh.publicKey)}`, publicKey: args.ssh.publicKey }, { parent: this });
    this.firewall = new LambdaFirewallRules(`${name}-firewall`, { ...api, owner: name, rules: lambdaFirewallRules(args.inbound, name) }, { parent: this });
    const uncovered = [...new Set(args.nodes.flatMap((n) => n.candidates.map((c) => c.region)))].filter((r) => FIREWALL_UNSUPPORTED_REGIONS.includes(r));
    if (uncovered.length > 0) {
      pulumi.log.warn(
        `${name}: Lambda's account firewall does not apply in ${uncovered.join(", ")}; a node launched there is protected only by its host firewall (the bootstrap's), with the same allowlist`,
        this,
      );
    }

    const nodes: Record<string, LambdaNode> = {};
    // A node replaced by a new instance (a retired node, a move to another region or type) is a new,
    // empty machine: everything on its Docker engine must be made again there. Pulumi updates a
    // provider whose host changed in place and keeps the resources it manages, as if the new node had
    // them (a rehearsal found the new node empty); so every resource on a node's engine, wherever it
    // is declared, is replaced with its instance.
    const instanceOf = new Map<pulumi.ProviderResource, LambdaInstance>();
    pulumi.runtime.registerStackTransformation((resource) => {
      const instance = resource.opts.provider ? instanceOf.get(resource.opts.provider) : undefined;
      return instance ? { props: resource.props, opts: pulumi.mergeOptions(resource.opts, { replaceWith: [instance] }) } : undefined;
    });
    for (const spec of args.nodes) {
      const nodeName = `${name}-${spec.id}`;
      const data = spec.dataFilesystem;
      const outside = data ? spec.candidates.filter((c) => c.region !== spec.candidates[0]!.region) : [];
      if (data && outside.length > 0) throw new Error(`LambdaNodePool ${name}: node ${spec.id} launches with a persistent filesystem, which attaches only in its own region; its candidates span ${[...new Set(spec.candidates.map((c) => c.region))].join(", ")} (filter them to the filesystem's region)`);
      const instance = new LambdaInstance(
        nodeName,
        {
          ...api,
          name: nodeName,
          candidates: spec.candidates,
          sshKeyName: this.sshKey.name,
          activeTimeoutSeconds: args.activeTimeoutSeconds ?? 1200,
          ...(data ? { fileSystemNames: [data.filesystem.name] } : {}),
        },
        { parent: this, protect: args.protect, dependsOn: [this.firewall, ...(data ? [data.filesystem] : [])] },
      );
      // The node's host key, pinned at a verified first contact and checked on every later run.
      const hostKey = new NodeHostKey(`${nodeName}-host-key`, { host: instance.ip, user: args.ssh.user, privateKey: args.ssh.privateKey }, { parent: this });
      // The node's authorized_keys from here on: a rotated deploy key reaches running nodes in place.
      const deployKey = new NodeDeployKey(
        `${nodeName}-deploy-key`,
        { host: instance.ip, user: args.ssh.user, hostKey: hostKey.hostKey, publicKey: args.ssh.publicKey, privateKey: args.ssh.privateKey, previousPrivateKey: args.ssh.previousPrivateKey },
        { parent: this },
      );
      const script = renderBootstrap({ ...args.inbound, ...args.logging, expectGpus: spec.gpus, gpuCheckImage: args.gpuCheckImage, dataDirectories: data?.directories });
      const bootstrap = new command.remote.Command(
        `${nodeName}-bootstrap`,
        {
          connection: { host: instance.ip, user: args.ssh.user, privateKey: args.ssh.privateKey, dialErrorLimit: 30 },
          create: script.create,
          stdin: script.stdin,
          // A hash of script and inputs: editing either re-runs the bootstrap; nothing else does.
          triggers: [script.trigger],
        },
        { parent: this, additionalSecretOutputs: ["stdin"], dependsOn: [hostKey, deployKey] },
      );
      const runtime = new DockerRuntime(
        `${nodeName}-docker`,
        {
          host: instance.ip.apply((address) => dockerHostUrl({ kind: "ssh", user: args.ssh.user, address })),
          // The deploy key comes from ssh-agent (the deploy, packages/deploy, loads it from the secret); only the
          // pinned host key is accepted.
          sshOpts: hostKey.hostKey.apply((key) => [...knownHostsOptions(key), "-o", "ServerAliveInterval=15"]),
          labels: { ...args.labels, "sophia.node": spec.id },
          platform: spec.platform,
          fleet: args.privateNetwork !== undefined,
          replaceWith: [instance],
        },
        { parent: this, dependsOn: [bootstrap] },
      );
      instanceOf.set(runtime.provider, instance);
      nodes[spec.id] = { instance, hostKey, deployKey, bootstrap, runtime };
    }
    this.nodes = nodes;
    if (args.privateNetwork) {
      const { port } = args.privateNetwork;
      const owner = privateNetworkOwner(name);
      // After the SSH and ingress rules: both read the account's one list and write it back whole.
      this.privateNetworkFirewall = new LambdaFirewallRules(
        `${name}-private-network-firewall`,
        { ...api, owner, rules: pulumi.all(Object.values(nodes).map((n) => n.instance.ip)).apply((ips) => privateNetworkFirewallRules(port, ips, owner)) },
        { parent: this, dependsOn: [this.firewall] },
      );
    }
    this.registerOutputs({ nodes: Object.fromEntries(Object.entries(nodes).map(([id, n]) => [id, n.instance.ip])) });
  }
}
