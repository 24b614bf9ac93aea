// The monitoring stack on the node that runs the MCP platform: Prometheus (the SLO rules loaded),
// Alertmanager, blackbox-exporter probing every MCP server through the ingress, node-exporter,
// Telegraf (containers), the alert log and, from upstream images, Grafana. All on the monitoring
// network, none published: they reach the ingress's internal site and its metrics with their own
// tokens, the ingress reaches their UIs for viewers with the monitoring token, and no MCP server or
// agent (on the MCP network) reaches them. With a fleet, Prometheus and blackbox-exporter also join
// the runtime's fleet network, the way out to the other nodes' exporters and agent pools over the
// stack's private network.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type DataFilesystem, dataVolume, type DockerRuntime, SNAPSHOTS_OF_LABEL } from "@sophia/docker-runtime";
import { monitoringContainerArgs, monitoringImages } from "./container-resources";
import { type MonitoringContainerSpec, MONITORING_PORTS, monitoringContainerSpecs, monitoringVolumeName, type MonitoringRole, type MonitoringSecret, type MonitoringSpecArgs } from "./containers";

/** The containers that reach other nodes (scrapes, pool probes); the rest stay on the monitoring
 * network alone. */
const FLEET_ROLES: readonly MonitoringRole[] = ["prometheus", "blackbox"];

/** `fleet` (FleetTargets): the other nodes to watch; the runtime must then have the fleet network. */
export interface MonitoringArgs extends Omit<MonitoringSpecArgs, "labels" | "receivers"> {
  readonly runtime: DockerRuntime;
  /** BASE_IMAGE of the images built here: the local debootstrapped image, or a pinned Debian trixie. */
  readonly baseImage: string;
  /** The probe's token (a client of the ingress that reaches every MCP server) and the ingress's
   * metrics token; both secret. */
  readonly tokens: { readonly probe: pulumi.Input<string>; readonly ingressMetrics: pulumi.Input<string> };
  /** Where pages and tickets go: webhook URLs, secret (they usually carry a key). Without them, the
   * alert log on this node. */
  readonly webhooks?: { readonly page: pulumi.Input<string>; readonly ticket: pulumi.Input<string> };
  /** What must be up before probing starts (the ingress and its servers). */
  readonly after?: readonly pulumi.Resource[];
  /** protect: true on the data volumes (time series, Grafana's database). */
  readonly protect?: boolean;
  /** A persistent filesystem for the state that must outlive the node: Grafana's database on it, and
   * Prometheus's history snapshotted to it every `snapshotIntervalSeconds` (its TSDB stays on the
   * node's disk: see prometheusWithSnapshots). */
  readonly dataFilesystem?: DataFilesystem & { readonly snapshotIntervalSeconds: number };
}

/** A container's volumes: its data (on the filesystem for Grafana; on the node's disk for Prometheus,
 * which snapshots to the filesystem instead) and Prometheus's snapshots. */
function dataVolumesOf(stack: string, spec: MonitoringContainerSpec): { volumeName: string; containerPath: string; onFilesystem: boolean; snapshotsOf?: string }[] {
  const data = monitoringVolumeName(stack, spec.hostname, "data");
  return [
    ...(spec.dataDir ? [{ volumeName: data, containerPath: spec.dataDir, onFilesystem: spec.snapshotDir === undefined }] : []),
    ...(spec.snapshotDir ? [{ volumeName: monitoringVolumeName(stack, spec.hostname, "snapshots"), containerPath: spec.snapshotDir, onFilesystem: true, snapshotsOf: data }] : []),
  ];
}

export class Monitoring extends pulumi.ComponentResource {
  /** Container name per role. */
  readonly containers: Partial<Record<MonitoringRole, pulumi.Output<string>>>;
  /** Prometheus's API as containers on the monitoring network reach it. */
  readonly prometheusUrl: string;
  /** Grafana's admin password (upstream images only); secret. Viewers sign in through the ingress. */
  readonly grafanaAdminPassword?: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:monitoring:Stack", name, {}, opts);
    const { runtime } = args;
    const fleetNetwork = runtime.networks.fleet;
    if (args.fleet && !fleetNetwork) throw new Error(`Monitoring ${name}: fleet: set, so Prometheus must reach other nodes, but runtime has no fleet network (create its DockerRuntime with fleet: true)`);
    const child = { parent: this, provider: runtime.provider };
    const filesystem = args.dataFilesystem;
    const specArgs: MonitoringSpecArgs = {
      ...args,
      labels: runtime.labels,
      receivers: args.webhooks ? "webhooks" : "alert-log",
      ...(filesystem ? { snapshots: { intervalSeconds: filesystem.snapshotIntervalSeconds } } : {}),
    };
    const specs = monitoringContainerSpecs(specArgs);
    const imageFor = monitoringImages(name, { runtime, stack: args.stack, baseImage: args.baseImage }, this);
    const grafanaAdmin = specs.some((s) => s.role === "grafana") ? new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, { parent: this }).result : undefined;
    const secrets: Record<MonitoringSecret, pulumi.Input<string> | undefined> = {
      probe: args.tokens.probe,
      ingressMetrics: args.tokens.ingressMetrics,
      pageWebhook: args.webhooks?.page,
      ticketWebhook: args.webhooks?.ticket,
      grafanaAdmin,
    };
    const containers: Partial<Record<MonitoringRole, pulumi.Output<string>>> = {};
    for (const spec of specs) {
      const { role } = spec;
      const volumes = dataVolumesOf(args.stack, spec).map((v) => {
        const labels = { ...runtime.labels, "sophia.component": "monitoring", ...(v.snapshotsOf ? { [SNAPSHOTS_OF_LABEL]: v.snapshotsOf } : {}) };
        const volume = dataVolume(`${name}-${v.volumeName.replace(`sophia-${args.stack}-`, "")}`, { runtime, volumeName: v.volumeName, labels, filesystem: v.onFilesystem ? filesystem : undefined, protect: args.protect, parent: this });
        return { containerPath: v.containerPath, volumeName: volume.name };
      });
      const onFleet = args.fleet !== undefined && fleetNetwork !== undefined && FLEET_ROLES.includes(role);
      const created = new docker.Container(
        `${name}-${spec.hostname}`,
        monitoringContainerArgs(onFleet ? { ...spec, hostname: `${spec.hostname}-fleet` } : spec, imageFor(spec), {
          secretEnvs: spec.secretEnvs.map((s) => pulumi.secret(pulumi.interpolate`${s.env}=${secrets[s.secret]!}`)),
          volumes,
          // The monitoring network: it reaches the ingress's internal and metrics sites, and no MCP
          // server or agent reaches it. With a fleet, Prometheus and blackbox-exporter also join the
          // fleet network (no alias there: nothing on it is meant to call them). Docker answers a
          // container's host name on every network it is on, first on "sophia-fleet" (by name): with
          // the alias as host name, Prometheus would reach blackbox at its fleet address, where no
          // container reaches another (a rehearsal found every probe timing out). So another host name.
          networksAdvanced: [
            { name: runtime.networks.monitoring.name, aliases: [spec.hostname] },
            ...(onFleet ? [{ name: fleetNetwork!.name }] : []),
          ],
        }),
        { ...child, dependsOn: [...(args.after ?? [])] },
      );
      containers[role] = created.name;
    }
    this.containers = containers;
    if (!grafanaAdmin) {
      pulumi.log.warn(`monitoring: no Grafana on ${args.stack} (Debian has no Grafana package, and no registry is reachable for its image); import packages/monitoring/dashboards/sophia-platform.json into any Grafana`, this);
    }
    this.grafanaAdminPassword = grafanaAdmin && pulumi.secret(grafanaAdmin);
    this.prometheusUrl = `http://prometheus:${MONITORING_PORTS.prometheus}`;
    this.registerOutputs({ containers: this.containers, grafanaAdminPassword: this.grafanaAdminPassword });
  }
}
