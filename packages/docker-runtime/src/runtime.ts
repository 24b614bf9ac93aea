// The Docker runtime of a stack. Every container component takes this component (never a loose
// provider), so that what runs where is decided in one place.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { FLEET_NETWORK, RUNTIME_NETWORKS } from "./networks";

export interface DockerRuntimeArgs {
  /** unix:///var/run/docker.sock, or ssh://user@address for a node (see dockerHostUrl). */
  readonly host: pulumi.Input<string>;
  /** Extra ssh options for ssh:// hosts (for example the node's pinned host key). */
  readonly sshOpts?: pulumi.Input<string[]>;
  /** Labels put on every network (and passed on to containers by their components). */
  readonly labels: Readonly<Record<string, string>>;
  /** The engine's platform: images are built for it (a node's architecture, not the deploying machine's). */
  readonly platform: DockerPlatform;
  /** A node of a fleet: it also gets the fleet network (FLEET_NETWORK). */
  readonly fleet?: boolean;
  /** The machine the engine runs on (a node's instance): replaced, its networks are made again. */
  readonly replaceWith?: readonly pulumi.Resource[];
}

export const DOCKER_PLATFORMS = ["linux/amd64", "linux/arm64"] as const;
export type DockerPlatform = (typeof DOCKER_PLATFORMS)[number];

export class DockerRuntime extends pulumi.ComponentResource {
  readonly provider: docker.Provider;
  readonly host: pulumi.Output<string>;
  readonly labels: Readonly<Record<string, string>>;
  readonly platform: DockerPlatform;
  readonly networks: { readonly edge: docker.Network; readonly mcp: docker.Network; readonly monitoring: docker.Network; readonly fleet?: docker.Network };

  constructor(name: string, args: DockerRuntimeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:docker:DockerRuntime", name, {}, opts);
    this.host = pulumi.output(args.host);
    this.labels = args.labels;
    this.platform = args.platform;
    // Another engine (a node replaced by a new instance, at a new address) is another provider, and so
    // everything on it is created again there. Without this, Pulumi updates the provider in place and
    // keeps every container, network and volume in its state as if the new node had them: a
    // rehearsal's node replacement found the new node empty and the state saying otherwise.
    this.provider = new docker.Provider(name, { host: args.host, sshOpts: args.sshOpts }, { parent: this, replaceOnChanges: ["host"] });
    const child = { parent: this, provider: this.provider, ...(args.replaceWith ? { replaceWith: [...args.replaceWith] } : {}) };
    const labels = Object.entries(args.labels).map(([label, value]) => ({ label, value }));
    const networks = RUNTIME_NETWORKS.map(
      (spec) => [spec.suffix, new docker.Network(`${name}-${spec.suffix}`, { name: `sophia-${spec.suffix}`, driver: "bridge", internal: spec.internal, labels }, child)] as const,
    );
    const fleet = args.fleet
      ? new docker.Network(
          `${name}-${FLEET_NETWORK.suffix}`,
          { name: `sophia-${FLEET_NETWORK.suffix}`, driver: "bridge", internal: false, options: { "com.docker.network.bridge.name": FLEET_NETWORK.bridge, "com.docker.network.bridge.enable_icc": "false" }, labels },
          child,
        )
      : undefined;
    this.networks = { ...(Object.fromEntries(networks) as Record<"edge" | "mcp" | "monitoring", docker.Network>), ...(fleet ? { fleet } : {}) };
    this.registerOutputs({ host: this.host });
  }

  /**
   * The name of a resource on this engine that no input ties to it: an image (a container, network or
   * volume carries the node in its labels). Pulumi keeps a resource whose provider changed but whose
   * inputs did not, so an image of a platform moved to a new node would never be built or pulled
   * there (a rehearsal's node replacement found containers failing on a missing image). On a node's
   * runtime the node's id is part of the name; the local runtime has none.
   */
  scopedName(name: string): string {
    const node = this.labels["sophia.node"];
    return node === undefined || name.includes(node) ? name : `${name}-on-${node}`;
  }
}
