// The exporters of a fleet node that does not run the platform: node-exporter, Telegraf (containers)
// and, with upstream images on a node with GPUs, dcgm-exporter. The same specs as the platform
// node's (exporterContainerSpecs). Each publishes its port on the node's private (WireGuard) address
// only, where the platform node's Prometheus scrapes it (Monitoring's `fleet`); they sit on the
// fleet network alone, whose traffic the node's firewall lets out to the WireGuard interface only.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerRuntime } from "@sophia/docker-runtime";
import type { LogRetention } from "@sophia/mcp-servers";
import { monitoringContainerArgs, monitoringImages } from "./container-resources";
import { isPrivateAddress } from "@sophia/private-network";
import { type ExporterRole, exporterContainerSpecs, MONITORING_PORTS, type MonitoringImageSource } from "./containers";

/** Telegraf's gather interval unless told: the stacks' scrape interval. */
const DEFAULT_SCRAPE_INTERVAL_SECONDS = 15;

export interface NodeExportersArgs {
  /** The node's runtime; it must have the fleet network (DockerRuntime's `fleet: true`). */
  readonly runtime: DockerRuntime;
  readonly stack: string;
  /** As the platform node's Monitoring: "debian" builds the monitoring image on this node. */
  readonly images: MonitoringImageSource;
  /** BASE_IMAGE of the image built here ("debian"). */
  readonly baseImage: string;
  /** The node's address on the stack's private network: the only address the exporters listen on. */
  readonly privateAddress: string;
  /** The node's GPUs: with upstream images, dcgm-exporter reports them. */
  readonly gpus: number;
  readonly logs: LogRetention;
  /** What must be up first, e.g. the node's WireGuard (the published address must exist). */
  readonly after?: pulumi.Input<pulumi.Resource>[];
  /** Telegraf's interval: the platform's Prometheus scrape interval (15 s unless told). */
  readonly scrapeIntervalSeconds?: number;
}

export class NodeExporters extends pulumi.ComponentResource {
  /** Container name per role. */
  readonly containers: Partial<Record<ExporterRole, pulumi.Output<string>>>;

  constructor(name: string, args: NodeExportersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:monitoring:NodeExporters", name, {}, opts);
    const { runtime } = args;
    const fleet = runtime.networks.fleet;
    if (!fleet) throw new Error(`NodeExporters ${name}: runtime: expected a runtime with the fleet network (DockerRuntime's fleet: true); got one without`);
    if (!isPrivateAddress(args.privateAddress)) throw new Error(`NodeExporters ${name}: privateAddress: expected the node's private IPv4 address (its WireGuard address); got ${JSON.stringify(args.privateAddress)}`);
    if (!Number.isInteger(args.gpus) || args.gpus < 0) throw new Error(`NodeExporters ${name}: gpus: expected a whole number of GPUs, 0 or more; got ${JSON.stringify(args.gpus)}`);
    const specs = exporterContainerSpecs({
      stack: args.stack,
      images: args.images,
      gpus: args.gpus,
      scrapeIntervalSeconds: args.scrapeIntervalSeconds ?? DEFAULT_SCRAPE_INTERVAL_SECONDS,
      logs: args.logs,
      labels: runtime.labels,
    });
    const imageFor = monitoringImages(name, { runtime, stack: args.stack, baseImage: args.baseImage }, this);
    const containers: Partial<Record<ExporterRole, pulumi.Output<string>>> = {};
    for (const spec of specs) {
      const role = spec.role as ExporterRole;
      const port = MONITORING_PORTS[role];
      const created = new docker.Container(
        `${name}-${spec.hostname}`,
        monitoringContainerArgs(spec, imageFor(spec), {
          // The private address only: Prometheus comes over WireGuard; nothing listens publicly.
          ports: [{ internal: port, external: port, ip: args.privateAddress, protocol: "tcp" }],
          networksAdvanced: [{ name: fleet.name }],
        }),
        { parent: this, provider: runtime.provider, dependsOn: args.after ?? [] },
      );
      containers[role] = created.name;
    }
    this.containers = containers;
    this.registerOutputs({ containers: this.containers });
  }
}
