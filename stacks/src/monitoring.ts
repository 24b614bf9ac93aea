// The monitoring stack of an environment, on the node that runs the MCP platform: it probes every MCP
// server through the ingress's internal site with a token of its own, and scrapes the ingress's
// metrics with the ingress's metrics token.
import { INGRESS_METRICS_PORT, INGRESS_MONITORING_ALIAS, type LogRetention, MCP_SERVERS, type McpPlatform, type McpServerName } from "@sophia/mcp-servers";
import { Monitoring } from "@sophia/monitoring";
import type { Placement } from "@sophia/agent-categories";
import type { DockerRuntime } from "@sophia/docker-runtime";

/** The ingress client whose token the probes present: it reaches every enabled server. */
export const PROBE_CLIENT = "monitoring-probe";

/** Scraped every 15 s; the probes run every 5 s (PROBE_INTERVAL_SECONDS). */
const SCRAPE_INTERVAL_SECONDS = 15;
/** Time series are kept for the SLOs' 30-day period, which MTBF, MTTR and the budget read. */
const RETENTION_DAYS = 30;

export interface MonitoringForArgs {
  readonly runtime: DockerRuntime;
  readonly stack: string;
  readonly baseImage: string;
  readonly servers: readonly McpServerName[];
  readonly mcp: McpPlatform;
  readonly placement: Pick<Placement, "nodes">;
  readonly logs: LogRetention;
  readonly protect?: boolean;
}

export function monitoringFor(name: string, args: MonitoringForArgs): Monitoring {
  return new Monitoring(name, {
    runtime: args.runtime,
    stack: args.stack,
    baseImage: args.baseImage,
    servers: args.servers,
    longRunningTools: Object.fromEntries(args.servers.map((s) => [s, MCP_SERVERS[s].longRunningTools])),
    ingressInternalUrl: args.mcp.monitoringUrl,
    ingressMetrics: `${INGRESS_MONITORING_ALIAS}:${INGRESS_METRICS_PORT}`,
    scrapeIntervalSeconds: SCRAPE_INTERVAL_SECONDS,
    retentionDays: RETENTION_DAYS,
    nodeCosts: args.placement.nodes.map((n) => ({ node: n.id, offer: n.offer, pricePerHour: n.pricePerHour })),
    tokens: { probe: args.mcp.tokens.apply((tokens) => tokens[PROBE_CLIENT]!), ingressMetrics: args.mcp.metricsToken },
    after: args.mcp.ready,
    logs: args.logs,
    protect: args.protect,
  });
}
