// The monitoring stack on the node that runs the MCP platform: Prometheus (the SLO rules loaded),
// Alertmanager, blackbox-exporter probing every MCP server through the ingress, node-exporter and the
// alert log. All on the monitoring network, none published: they reach the ingress's internal site and
// its metrics with their own tokens; no MCP server or agent (on the MCP network) and nothing outside
// the node reaches them.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { buildLocalImage, type DockerRuntime } from "@sophia/docker-runtime";
import { MONITORING_CONTEXT, MONITORING_PORTS, monitoringContainerSpecs, type MonitoringRole, type MonitoringSpecArgs, PROMETHEUS_DATA_DIR } from "./containers";

export interface MonitoringArgs extends Omit<MonitoringSpecArgs, "labels"> {
  readonly runtime: DockerRuntime;
  /** BASE_IMAGE of the Dockerfile: the local debootstrapped image, or a pinned Debian trixie. */
  readonly baseImage: string;
  /** The probe's token (a client of the ingress that reaches every MCP server) and the ingress's
   * metrics token; both secret. */
  readonly tokens: { readonly probe: pulumi.Input<string>; readonly ingressMetrics: pulumi.Input<string> };
  /** What must be up before probing starts (the ingress and its servers). */
  readonly after?: readonly pulumi.Resource[];
  /** protect: true on the time-series volume. */
  readonly protect?: boolean;
}

export class Monitoring extends pulumi.ComponentResource {
  /** Container name per role. */
  readonly containers: Record<MonitoringRole, pulumi.Output<string>>;
  /** Prometheus's API as containers on the internal network reach it. */
  readonly prometheusUrl: string;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:monitoring:Stack", name, {}, opts);
    const { runtime } = args;
    const child = { parent: this, provider: runtime.provider };
    const specs = monitoringContainerSpecs({ ...args, labels: runtime.labels });
    const image = buildLocalImage(`${name}-image`, runtime, { imageName: `sophia/monitoring:${args.stack}`, contextDir: MONITORING_CONTEXT, baseImage: args.baseImage }, this).ref;
    const data = new docker.Volume(
      `${name}-prometheus-data`,
      { name: `sophia-${args.stack}-prometheus-data`, labels: Object.entries({ ...runtime.labels, "sophia.component": "monitoring" }).map(([label, value]) => ({ label, value })) },
      { ...child, protect: args.protect },
    );
    const containers = {} as Record<MonitoringRole, pulumi.Output<string>>;
    for (const spec of specs) {
      const { role, secretEnvs, hostMounts, ...container } = spec;
      const created = new docker.Container(
        `${name}-${spec.hostname}`,
        {
          ...container,
          image,
          envs: [...container.envs, ...secretEnvs.map((s) => pulumi.secret(pulumi.interpolate`${s.env}=${args.tokens[s.token]}`))],
          volumes: [...hostMounts, ...(role === "prometheus" ? [{ containerPath: PROMETHEUS_DATA_DIR, volumeName: data.name }] : [])],
          // The monitoring network only: it reaches the ingress's internal and metrics sites, and no MCP
          // server or agent reaches it.
          networksAdvanced: [{ name: runtime.networks.monitoring.name, aliases: [spec.hostname] }],
          wait: true,
          waitTimeout: 60,
        },
        { ...child, dependsOn: [...(args.after ?? [])] },
      );
      containers[role] = created.name;
    }
    this.containers = containers;
    // No Grafana image can be had without a registry; the dashboard is a generated file instead.
    pulumi.log.warn(`monitoring: no Grafana on ${args.stack} (no Grafana image here); import packages/monitoring/dashboards/sophia-platform.json into any Grafana`, this);
    this.prometheusUrl = `http://prometheus:${MONITORING_PORTS.prometheus}`;
    this.registerOutputs({ containers: this.containers });
  }
}
