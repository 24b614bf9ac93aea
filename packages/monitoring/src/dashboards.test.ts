// The generated dashboard, validated offline: committed and current, every query valid PromQL (parsed
// by promtool), every series it reads produced by this platform's rules or exporters, every panel on
// the provisioned datasource.
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { AGENT_RUNTIME_UP_METRIC, AUDIT_METRIC, ROUTE_TASK_METRIC } from "@sophia/mcp-servers";
import { runChecker } from "./checker";
import { DASHBOARD_ROWS, DASHBOARD_UID, DATASOURCE, dashboardQueries, generatedMonitoringFiles, GPU_METRICS, grafanaProvisioning, platformDashboard } from "./dashboards";
import { CONTAINER_METRICS, platformRules } from "./rules";
import { platformSlos, SLI_METRICS } from "./slo";

const repoRoot = path.resolve(__dirname, "../../..");
const queries = dashboardQueries();

/** The series names a PromQL expression reads: what is left once labels, ranges, functions,
 * grouping clauses, strings, numbers and keywords are taken out. */
export function seriesNames(expr: string): string[] {
  const stripped = expr
    .replace(/"[^"]*"/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\b[a-z_]+\s*\(/g, "(");
  return [...new Set((stripped.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter((t) => !["and", "or", "unless", "bool", "offset"].includes(t)))];
}

test("the dashboard is committed and current (run `npm run generate` if not)", () => {
  for (const file of generatedMonitoringFiles()) expect(fs.readFileSync(path.join(repoRoot, file.path), "utf8")).toBe(file.content);
});

test("every panel's query is valid PromQL: promtool parses each as a recording rule", () => {
  const rules = { groups: [{ name: "dashboard", rules: queries.map((q, k) => ({ record: `dashboard:query_${k}`, expr: q.expr.replaceAll("$__rate_interval", "5m") })) }] };
  const dir = fs.mkdtempSync(path.join(tmpdir(), "sophia-dashboard-"));
  fs.writeFileSync(path.join(dir, "dashboard.yml"), stringify(rules));
  expect(runChecker("promtool", ["check", "rules", "dashboard.yml"], dir)).toMatch(new RegExp(`SUCCESS: ${queries.length} rules found`));
});

test("every series a panel reads is produced here: by the generated rules, the servers' histograms, sophia-ops, node-exporter, Telegraf, dcgm-exporter or Prometheus itself", () => {
  const recorded = platformRules(platformSlos(["memory"]), 15, [{ node: "n", offer: "o", pricePerHour: 1 }], { fleet: true })
    .flatMap((g) => g.rules)
    .flatMap((r) => ("record" in r ? [r.record] : []));
  const histogram = [SLI_METRICS.operationDuration, ROUTE_TASK_METRIC].flatMap((m) => ["_bucket", "_count", "_sum"].map((s) => `${m}${s}`));
  const exporters = ["up", SLI_METRICS.probeSuccess, "node_cpu_seconds_total", "node_memory_MemAvailable_bytes", "node_memory_MemTotal_bytes", ...Object.values(CONTAINER_METRICS), ...Object.values(GPU_METRICS), AGENT_RUNTIME_UP_METRIC, AUDIT_METRIC, SLI_METRICS.agentStart];
  const produced = new Set([...recorded, ...histogram, ...exporters]);
  const unknown = queries.flatMap((q) => seriesNames(q.expr).filter((n) => !produced.has(n)).map((n) => `${q.panel}: ${n}`));
  expect(unknown).toEqual([]);
  expect(seriesNames('sum by (server) (rate(a_total{job="x"}[5m])) / on (job) b and c')).toEqual(["a_total", "b", "c"]);
});

test("every panel and query names the provisioned Prometheus datasource; the dashboard lists its panels by row", () => {
  const built = platformDashboard() as { uid: string; panels: { type: string; title: string; datasource?: unknown; targets?: { datasource?: unknown; expr?: string }[] }[] };
  expect(built.uid).toBe(DASHBOARD_UID);
  const panels = built.panels.filter((p) => p.type !== "row");
  expect(panels.map((p) => p.title)).toEqual(DASHBOARD_ROWS.flatMap((r) => r.panels.map((p) => p.title)));
  expect(built.panels.filter((p) => p.type === "row").map((p) => p.title)).toEqual(["SLOs", "MCP traffic", "Agents", "Pulumi operations via MCP", "Containers", "GPUs", "Host and cost", "Nodes"]);
  for (const p of panels) {
    expect(p.datasource).toEqual(DATASOURCE);
    for (const t of p.targets ?? []) expect(t.datasource).toEqual(DATASOURCE);
  }
  const provisioned = parse(grafanaProvisioning("/etc/grafana/dashboards", "http://prometheus:9090").datasources) as { datasources: { uid: string; url: string }[] };
  expect(provisioned.datasources).toEqual([expect.objectContaining({ uid: DATASOURCE.uid, url: "http://prometheus:9090" })]);
});

test("the Nodes row shows each node apart: up, CPU busy and memory used by node from node-exporter's job, and agent pools reachable by node from their probes", () => {
  const row = DASHBOARD_ROWS.find((r) => r.title === "Nodes")!;
  const exprs = row.panels.flatMap((p) => p.queries.map((q) => q.expr));
  expect(exprs).toEqual([
    'up{job="node"}',
    '1 - avg by (node, instance) (rate(node_cpu_seconds_total{job="node",mode="idle"}[$__rate_interval]))',
    '1 - node_memory_MemAvailable_bytes{job="node"} / node_memory_MemTotal_bytes{job="node"}',
    'sum by (node) (probe_success{job="agent-pools"})',
    'count by (node) (probe_success{job="agent-pools"})',
  ]);
  for (const p of row.panels) for (const q of p.queries) expect(q.legend).toContain("{{node}}");
});
