// The monitoring stack on the node that runs the MCP platform: Prometheus (the SLO rules loaded),
// Alertmanager, blackbox-exporter probing every MCP server through the ingress, node-exporter,
// Telegraf (containers), the alert log and, from upstream images, Grafana. All on the monitoring
// network, none published: they reach the ingress's internal site and its metrics with their own
// tokens, the ingress reaches their UIs for viewers with the monitoring token, and no MCP server or
// agent (on the MCP network) reaches them.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { buildLocalImage, type DockerRuntime } from "@sophia/docker-runtime";
import { ALERT_LOG_CONTEXT, MONITORING_CONTEXT, MONITORING_PORTS, monitoringContainerSpecs, type MonitoringRole, type MonitoringSecret, type MonitoringSpecArgs } from "./containers";

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
    const child = { parent: this, provider: runtime.provider };
    const specArgs: MonitoringSpecArgs = { ...args, labels: runtime.labels, receivers: args.webhooks ? "webhooks" : "alert-log" };
    const specs = monitoringContainerSpecs(specArgs);
    const built = {
      monitoring: () => buildLocalImage(`${name}-image`, runtime, { imageName: `sophia/monitoring:${args.stack}`, contextDir: MONITORING_CONTEXT, baseImage: args.baseImage }, this).ref,
      "alert-log": () => buildLocalImage(`${name}-alert-log-image`, runtime, { imageName: `sophia/alert-log:${args.stack}`, contextDir: ALERT_LOG_CONTEXT, baseImage: args.baseImage }, this).ref,
    };
    const images = new Map<string, pulumi.Output<string>>();
    const imageFor = (spec: (typeof specs)[number]) => {
      const key = "build" in spec.image ? spec.image.build : spec.image.upstream;
      if (!images.has(key)) {
        images.set(
          key,
          "build" in spec.image
            ? built[spec.image.build]()
            : // Pulled by digest; kept on the node when the stack goes, like any base image.
              new docker.RemoteImage(`${name}-${spec.hostname}-image`, { name: spec.image.upstream, keepLocally: true }, child).imageId,
        );
      }
      return images.get(key)!;
    };
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
      const { role, secretEnvs, hostMounts, dataDir, gpu, image: _image, ...container } = spec;
      const data = dataDir
        ? new docker.Volume(
            `${name}-${spec.hostname}-data`,
            { name: `sophia-${args.stack}-${spec.hostname}-data`, labels: Object.entries({ ...runtime.labels, "sophia.component": "monitoring" }).map(([label, value]) => ({ label, value })) },
            { ...child, protect: args.protect },
          )
        : undefined;
      const created = new docker.Container(
        `${name}-${spec.hostname}`,
        {
          ...container,
          ...gpu,
          image: imageFor(spec),
          envs: [...container.envs, ...secretEnvs.map((s) => pulumi.secret(pulumi.interpolate`${s.env}=${secrets[s.secret]!}`))],
          volumes: [...hostMounts, ...(data && dataDir ? [{ containerPath: dataDir, volumeName: data.name }] : [])],
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
    if (!grafanaAdmin) {
      pulumi.log.warn(`monitoring: no Grafana on ${args.stack} (Debian has no Grafana package, and no registry is reachable for its image); import packages/monitoring/dashboards/sophia-platform.json into any Grafana`, this);
    }
    this.grafanaAdminPassword = grafanaAdmin && pulumi.secret(grafanaAdmin);
    this.prometheusUrl = `http://prometheus:${MONITORING_PORTS.prometheus}`;
    this.registerOutputs({ containers: this.containers, grafanaAdminPassword: this.grafanaAdminPassword });
  }
}
