// The platform's Grafana dashboard, built with Grafana's foundation SDK from the same names the rules
// and exporters use, and the provisioning files that point Grafana at this stack's Prometheus. The
// dashboard is a committed, generated file (`npm run generate`), so reviewers see panels change.
import { DashboardBuilder, RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { AGENT_RUNTIME_UP_METRIC, AUDIT_METRIC, ROUTE_TASK_METRIC } from "@sophia/mcp-servers";
import { stringify } from "yaml";
import { AGENT_POOLS_JOB, NODE_JOB, SERVER_METRICS_JOB } from "./prometheus-config";
import { CONTAINER_METRICS, FLEET_COST_RECORD, NODE_COST_RECORD, RESTART_WINDOW } from "./rules";
import { SLI_METRICS } from "./slo";

export const DATASOURCE = { type: "prometheus", uid: "sophia-prometheus" } as const;
export const DASHBOARD_UID = "sophia-platform";
export const DASHBOARD_FILE_NAME = "sophia-platform.json";
export const DASHBOARD_PATH = `packages/monitoring/dashboards/${DASHBOARD_FILE_NAME}`;

interface PanelSpec {
  readonly title: string;
  readonly kind: "timeseries" | "stat";
  readonly unit: string;
  readonly queries: readonly { readonly expr: string; readonly legend: string }[];
  readonly description: string;
}

const ops = `${SLI_METRICS.operationDuration}`;

/** dcgm-exporter's default counters read by the GPU row. */
export const GPU_METRICS = { utilisation: "DCGM_FI_DEV_GPU_UTIL", memoryUsed: "DCGM_FI_DEV_FB_USED", temperature: "DCGM_FI_DEV_GPU_TEMP" } as const;
const byServer = `job="${SERVER_METRICS_JOB}"`;
const nodes = `job="${NODE_JOB}"`;
const pools = `${SLI_METRICS.probeSuccess}{job="${AGENT_POOLS_JOB}"}`;

/** The dashboard's rows and panels, as data: what each shows and the PromQL behind it. */
export const DASHBOARD_ROWS: readonly { readonly title: string; readonly panels: readonly PanelSpec[] }[] = [
  {
    title: "SLOs",
    panels: [
      { title: "Error budget left (30 days)", kind: "stat", unit: "percentunit", queries: [{ expr: "slo:error_budget_remaining:ratio", legend: "{{slo}}" }], description: "Share of each SLO's 30-day error budget not yet spent." },
      { title: "MCP availability through the ingress (1 h)", kind: "timeseries", unit: "percentunit", queries: [{ expr: "1 - slo:error_ratio:rate1h{sli=\"availability\"}", legend: "{{service}}" }], description: "Share of successful MCP initialize probes; the target is 99.9 %." },
      { title: "MCP operations over 100 ms (5 m)", kind: "timeseries", unit: "percentunit", queries: [{ expr: "slo:error_ratio:rate5m{sli=\"latency\"}", legend: "{{service}}" }], description: "Share of operations slower than the 100 ms target (long-running tools left out); the budget is 1 %." },
      { title: "MTTR and MTBF (30 days)", kind: "stat", unit: "s", queries: [{ expr: "sophia:mttr_seconds:30d", legend: "MTTR {{server}}{{job}}" }, { expr: "sophia:mtbf_seconds:30d", legend: "MTBF {{server}}{{job}}" }], description: "From up/down transitions of each probe and scrape target." },
    ],
  },
  {
    title: "MCP traffic",
    panels: [
      { title: "Operations per second, by server", kind: "timeseries", unit: "reqps", queries: [{ expr: `sum by (server) (rate(${ops}_count{${byServer}}[$__rate_interval]))`, legend: "{{server}}" }], description: "Every MCP request the servers answered, by server." },
      { title: "p99 latency, by server and method", kind: "timeseries", unit: "s", queries: [{ expr: `histogram_quantile(0.99, sum by (server, mcp_method_name, le) (rate(${ops}_bucket{${byServer}}[$__rate_interval])))`, legend: "{{server}} {{mcp_method_name}}" }], description: "From the servers' own histograms." },
      { title: "Errors per second, by server", kind: "timeseries", unit: "reqps", queries: [{ expr: `sum by (server) (rate(${ops}_count{${byServer},outcome="error"}[$__rate_interval]))`, legend: "{{server}}" }], description: "Answers with an HTTP error status." },
      { title: "Tool calls per second, by tool", kind: "timeseries", unit: "reqps", queries: [{ expr: `sum by (server, tool) (rate(${ops}_count{${byServer},mcp_method_name="tools/call"}[$__rate_interval]))`, legend: "{{server}} {{tool}}" }], description: "route_task is the agents' traffic; the stack_ tools the Pulumi operations." },
    ],
  },
  {
    title: "Agents",
    panels: [
      { title: "Agent runs per second, by category and outcome", kind: "timeseries", unit: "reqps", queries: [{ expr: `sum by (category, outcome) (rate(${ROUTE_TASK_METRIC}_count[$__rate_interval]))`, legend: "{{category}} {{outcome}}" }], description: "route_task on sophia-ops: ok, refused by the route policy, or failed in the agent." },
      { title: "Agent run p99, by category", kind: "timeseries", unit: "s", queries: [{ expr: `histogram_quantile(0.99, sum by (category, le) (rate(${ROUTE_TASK_METRIC}_bucket{outcome="ok"}[$__rate_interval])))`, legend: "{{category}}" }], description: "An agent's whole run, model included." },
      { title: "Agent runtimes up", kind: "stat", unit: "none", queries: [{ expr: `sum(${AGENT_RUNTIME_UP_METRIC})`, legend: "up" }, { expr: `count(${AGENT_RUNTIME_UP_METRIC})`, legend: "runtimes" }], description: "Runtimes whose /health answers ok, as sophia-ops checks them every few seconds." },
      { title: "Agent runtime start to healthy", kind: "stat", unit: "s", queries: [{ expr: SLI_METRICS.agentStart, legend: "{{runtime}}" }], description: "Seconds from each runtime's process start to its first ok /health (its latest start); the target is 2 s." },
    ],
  },
  {
    title: "Pulumi operations via MCP",
    panels: [
      { title: "Pulumi operations and approvals (24 h), by event and outcome", kind: "stat", unit: "none", queries: [{ expr: `sum by (event, outcome) (increase(${AUDIT_METRIC}[24h])) > 0`, legend: "{{event}} {{outcome}}" }], description: "sophia-ops's audit log: each stack_preview, stack_drift, stack_outputs, stack_history and stack_up call (ok, refused, error; stack_up pending or applied), and each person's approval (approved, applied, failed, stale)." },
      { title: "stack_up requests waiting for a person", kind: "stat", unit: "none", queries: [{ expr: `sum(${AUDIT_METRIC}{event="stack_up",outcome="pending"}) - sum(${AUDIT_METRIC}{event="approval",outcome=~"approved|stale"}) or vector(0)`, legend: "pending" }], description: "Requests no one has approved or refused yet: npm run approve -- <stack> <id> decides one." },
    ],
  },
  {
    title: "Containers",
    panels: [
      { title: "Memory used of the limit, by container", kind: "timeseries", unit: "percentunit", queries: [{ expr: `${CONTAINER_METRICS.memory} / ${CONTAINER_METRICS.memoryLimit}`, legend: "{{container_name}} {{node}}" }], description: "Telegraf, from Docker's stats: near 1 is an OOM kill coming." },
      { title: "CPU, by container", kind: "timeseries", unit: "percent", queries: [{ expr: `${CONTAINER_METRICS.cpuPercent}{cpu="cpu-total"}`, legend: "{{container_name}} {{node}}" }], description: "Percent of one core." },
      { title: `Restarts (${RESTART_WINDOW})`, kind: "stat", unit: "none", queries: [{ expr: `sum by (node, container_name) (increase(${CONTAINER_METRICS.restarts}[${RESTART_WINDOW}])) > 0`, legend: "{{container_name}} {{node}}" }], description: "Restarts Docker made (restart policy), by container (and node, in a fleet); blank when there were none." },
      { title: "OOM-killed at last exit", kind: "stat", unit: "none", queries: [{ expr: `${CONTAINER_METRICS.oomKilled} == 1`, legend: "{{container_name}} {{node}}" }], description: "Containers whose last exit was the kernel's OOM kill." },
    ],
  },
  {
    title: "GPUs",
    panels: [
      { title: "GPU utilisation", kind: "timeseries", unit: "percent", queries: [{ expr: `${GPU_METRICS.utilisation}`, legend: "{{node}} GPU {{gpu}}" }], description: "dcgm-exporter on each watched GPU node (upstream images only; none locally)." },
      { title: "GPU memory used", kind: "timeseries", unit: "decmbytes", queries: [{ expr: `${GPU_METRICS.memoryUsed}`, legend: "{{node}} GPU {{gpu}}" }], description: "Framebuffer memory in use, MiB." },
      { title: "GPU temperature", kind: "timeseries", unit: "celsius", queries: [{ expr: `${GPU_METRICS.temperature}`, legend: "{{node}} GPU {{gpu}}" }], description: "Degrees Celsius." },
    ],
  },
  {
    title: "Host and cost",
    panels: [
      { title: "CPU busy", kind: "timeseries", unit: "percentunit", queries: [{ expr: `1 - avg(rate(node_cpu_seconds_total{mode="idle"}[$__rate_interval]))`, legend: "busy" }], description: "node-exporter, averaged over every watched node (the platform's node alone without a fleet); per node in the Nodes row." },
      { title: "Memory available", kind: "timeseries", unit: "bytes", queries: [{ expr: "node_memory_MemAvailable_bytes", legend: "available {{node}}" }], description: "node-exporter, per watched node." },
      { title: "Scrape targets up", kind: "stat", unit: "none", queries: [{ expr: "sum(up)", legend: "up" }, { expr: "count(up)", legend: "targets" }], description: "Every target Prometheus scrapes." },
      { title: "Fleet cost", kind: "stat", unit: "currencyUSD", queries: [{ expr: FLEET_COST_RECORD, legend: "$/hour" }, { expr: `${FLEET_COST_RECORD} * 730`, legend: "$/month (730 h)" }], description: "Placement's figures, Lambda's dated price list." },
      { title: "Cost per node", kind: "stat", unit: "currencyUSD", queries: [{ expr: NODE_COST_RECORD, legend: "{{node}} ({{offer}})" }], description: "$/hour of each node." },
    ],
  },
  {
    // One series per node in each panel, by the `node` label the fleet's scrape jobs set (a stack
    // without a fleet has one unlabelled node; the instance tells it).
    title: "Nodes",
    panels: [
      { title: "Nodes up", kind: "stat", unit: "none", queries: [{ expr: `up{${nodes}}`, legend: "{{node}} {{instance}}" }], description: "1 while Prometheus scrapes the node's node-exporter (over the private network for other nodes); 0 pages as SophiaNodeDown after a minute." },
      { title: "CPU busy, by node", kind: "timeseries", unit: "percentunit", queries: [{ expr: `1 - avg by (node, instance) (rate(node_cpu_seconds_total{${nodes},mode="idle"}[$__rate_interval]))`, legend: "{{node}} {{instance}}" }], description: "Share of CPU time not idle, over all of the node's cores." },
      { title: "Memory used, by node", kind: "timeseries", unit: "percentunit", queries: [{ expr: `1 - node_memory_MemAvailable_bytes{${nodes}} / node_memory_MemTotal_bytes{${nodes}}`, legend: "{{node}} {{instance}}" }], description: "Share of the node's memory not available to new work." },
      { title: "Agent pools reachable, by node", kind: "stat", unit: "none", queries: [{ expr: `sum by (node) (${pools})`, legend: "{{node}} reachable" }, { expr: `count by (node) (${pools})`, legend: "{{node}} pools" }], description: "Pools whose /health answers over the private network, of those placed on each node; one down for a minute pages as SophiaAgentPoolUnreachable. Empty without a fleet." },
    ],
  },
];

/** Every query of the dashboard, with the title of its panel. */
export function dashboardQueries(): { panel: string; expr: string }[] {
  return DASHBOARD_ROWS.flatMap((row) => row.panels.flatMap((p) => p.queries.map((q) => ({ panel: p.title, expr: q.expr }))));
}

/** The dashboard as Grafana's JSON model. */
export function platformDashboard(): object {
  const dashboard = new DashboardBuilder("Sophia platform").uid(DASHBOARD_UID).tags(["sophia", "generated"]).refresh("30s").time({ from: "now-6h", to: "now" }).timezone("browser");
  for (const row of DASHBOARD_ROWS) {
    dashboard.withRow(new RowBuilder(row.title));
    for (const p of row.panels) {
      const panel = p.kind === "stat" ? new StatPanel() : new TimeseriesPanel();
      panel.title(p.title).description(p.description).unit(p.unit).datasource(DATASOURCE).span(p.kind === "stat" ? 6 : 12).height(8);
      p.queries.forEach((q, k) => panel.withTarget(new DataqueryBuilder().expr(q.expr).legendFormat(q.legend).refId(String.fromCharCode(65 + k)).datasource(DATASOURCE)));
      dashboard.withPanel(panel);
    }
  }
  return dashboard.build();
}

/** Grafana's provisioning: this stack's Prometheus as the datasource the panels name, and the
 * directory the dashboard file is read from. */
export function grafanaProvisioning(dashboardsDir: string, prometheusUrl: string): { datasources: string; dashboards: string } {
  return {
    datasources: stringify({ apiVersion: 1, datasources: [{ name: "Prometheus", type: DATASOURCE.type, uid: DATASOURCE.uid, access: "proxy", url: prometheusUrl, isDefault: true, editable: false }] }),
    dashboards: stringify({ apiVersion: 1, providers: [{ name: "sophia", type: "file", disableDeletion: true, allowUiUpdates: false, options: { path: dashboardsDir } }] }),
  };
}

/** Files generated from this package and committed; `npm run generate` writes them. */
export function generatedMonitoringFiles(): { path: string; content: string }[] {
  return [{ path: DASHBOARD_PATH, content: JSON.stringify(platformDashboard(), null, 2) + "\n" }];
}
