// The monitoring stack of an environment, on the node that runs the MCP platform: it probes every MCP
// server through the ingress's internal site with a token of its own, scrapes the ingress's metrics
// with the ingress's metrics token, and is viewed through the ingress's public site with the
// monitoring token. Local and rehearsal stacks build its programs from Debian's packages (no
// registry); staging and production pull each project's image by digest, Grafana among them.
import * as pulumi from "@pulumi/pulumi";
import { INGRESS_METRICS_PORT, INGRESS_MONITORING_ALIAS, type LogRetention, MCP_SERVERS, type McpPlatform, type McpServerName } from "@sophia/mcp-servers";
import { type FleetTargets, Monitoring, type MonitoringArgs, type MonitoringImageSource } from "@sophia/monitoring";
import type { Placement } from "@sophia/agent-categories";
import type { DockerRuntime } from "@sophia/docker-runtime";

/** The ingress client whose token the probes present: it reaches every enabled server. */
export const PROBE_CLIENT = "monitoring-probe";

/** Scraped every 15 s; the probes run every 5 s (PROBE_INTERVAL_SECONDS). */
const SCRAPE_INTERVAL_SECONDS = 15;
/** Time series are kept for the SLOs' 30-day period, which MTBF, MTTR and the budget read. */
const RETENTION_DAYS = 30;

/** Secrets naming where pages and tickets go (webhook URLs usually carry a key); both or neither. */
export const WEBHOOK_SECRETS = { page: "sophia:alertPageWebhookUrl", ticket: "sophia:alertTicketWebhookUrl" } as const;

export interface MonitoringForArgs {
  readonly runtime: DockerRuntime;
  readonly stack: string;
  readonly images: MonitoringImageSource;
  readonly baseImage: string;
  readonly servers: readonly McpServerName[];
  readonly mcp: McpPlatform;
  readonly placement: Pick<Placement, "nodes">;
  /** GPUs of the node monitoring runs on (dcgm-exporter reports them, upstream images only). */
  readonly gpus?: number;
  readonly secret: (key: string) => pulumi.Output<string> | undefined;
  readonly logs: LogRetention;
  readonly protect?: boolean;
  /** Where state outlives the node (Grafana's database, Prometheus's snapshots). */
  readonly dataFilesystem?: MonitoringArgs["dataFilesystem"];
  /** A fleet: every node's exporters and every pool, over the private network. */
  readonly fleet?: FleetTargets;
}

/** The webhooks pages and tickets go to, from the stack's secrets; none means the alert log. */
export function alertWebhooks(stack: string, secret: MonitoringForArgs["secret"]): { page: pulumi.Output<string>; ticket: pulumi.Output<string> } | undefined {
  const page = secret(WEBHOOK_SECRETS.page);
  const ticket = secret(WEBHOOK_SECRETS.ticket);
  if (!page && !ticket) return undefined;
  if (!page || !ticket) {
    const [missing, set] = page ? [WEBHOOK_SECRETS.ticket, WEBHOOK_SECRETS.page] : [WEBHOOK_SECRETS.page, WEBHOOK_SECRETS.ticket];
    throw new pulumi.RunError(`stacks/Pulumi.${stack}.yaml: ${missing}: ${set} is set, so pages and tickets leave the node; expected this secret too (pulumi config set --secret ${missing} <webhook URL> --stack ${stack}); got nothing`);
  }
  return { page, ticket };
}

export function monitoringFor(name: string, args: MonitoringForArgs): Monitoring {
  return new Monitoring(name, {
    runtime: args.runtime,
    stack: args.stack,
    images: args.images,
    baseImage: args.baseImage,
    servers: args.servers,
    longRunningTools: Object.fromEntries(args.servers.map((s) => [s, MCP_SERVERS[s].longRunningTools])),
    ingressInternalUrl: args.mcp.monitoringUrl,
    ingressMetrics: `${INGRESS_MONITORING_ALIAS}:${INGRESS_METRICS_PORT}`,
    publicUrl: args.mcp.publicUrl,
    scrapeIntervalSeconds: SCRAPE_INTERVAL_SECONDS,
    retentionDays: RETENTION_DAYS,
    nodeCosts: args.placement.nodes.map((n) => ({ node: n.id, offer: n.offer, pricePerHour: n.pricePerHour })),
    gpus: args.gpus,
    tokens: { probe: args.mcp.tokens.apply((tokens) => tokens[PROBE_CLIENT]!), ingressMetrics: args.mcp.metricsToken },
    webhooks: alertWebhooks(args.stack, args.secret),
    after: args.mcp.ready,
    logs: args.logs,
    protect: args.protect,
    dataFilesystem: args.dataFilesystem,
    fleet: args.fleet,
  });
}
