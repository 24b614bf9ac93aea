// Prometheus rules generated from the SLOs (./slo.ts): recording rules for each SLO's error ratio
// over every window its alerts read, multiwindow multi-burn-rate alerts, the symptom alerts that
// page at once, and MTBF/MTTR per service.
import { AGENT_RUNTIME_UP_METRIC } from "@sophia/mcp-servers";
import { stringify } from "yaml";
import { AGENT_POOLS_JOB, NODE_JOB } from "./prometheus-config";
import { PROBE_INTERVAL_SECONDS, SLI_METRICS, type RatioSlo, type Slo, type ThresholdSlo } from "./slo";

/**
 * The Google SRE workbook's windows ("Alerting on SLOs", multiwindow, multi-burn-rate): each alert
 * fires while both its long window (how much budget is gone) and its short window (the burn is still
 * going on, so the alert resolves soon after it stops) burn faster than `factor` times the rate that
 * would spend the budget in exactly the SLO's period. With 30 days: 2 % of the budget in 1 h or 5 %
 * in 6 h pages; 10 % in 1 day or 10 % in 3 days opens a ticket.
 */
export const BURN_RATE_WINDOWS = [
  { severity: "page", long: "1h", short: "5m", factor: 14.4 },
  { severity: "page", long: "6h", short: "30m", factor: 6 },
  { severity: "ticket", long: "1d", short: "2h", factor: 3 },
  { severity: "ticket", long: "3d", short: "6h", factor: 1 },
] as const;

export type Severity = (typeof BURN_RATE_WINDOWS)[number]["severity"];

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly (RecordingRule | AlertingRule)[];
}

/** One alert name per severity, so each can be silenced, routed and tested on its own. */
export const burnAlertName = (severity: Severity) => (severity === "page" ? "ErrorBudgetBurnPage" : "ErrorBudgetBurnTicket");

/** The recorded error ratio of every SLO over `window`. */
export const errorRatioRecord = (window: string) => `slo:error_ratio:rate${window}`;

const windowsOf = (slo: RatioSlo) => [...new Set([...BURN_RATE_WINDOWS.flatMap((w) => [w.short, w.long]), `${slo.periodDays}d`])];

const sloLabels = (slo: Slo) => ({ slo: slo.id, service: slo.service, sli: slo.sli });

/** A threshold in PromQL without float noise (14.4 × 0.001 is 0.014400000000000001 in JavaScript). */
const number = (value: number) => String(Number(value.toPrecision(12)));

function ratioSloGroup(slo: RatioSlo): RuleGroup {
  const budget = 1 - slo.objective;
  const selector = (window: string) => `${errorRatioRecord(window)}{slo="${slo.id}"}`;
  const recordings: RecordingRule[] = windowsOf(slo).map((window) => ({ record: errorRatioRecord(window), expr: slo.errorRatio(window), labels: sloLabels(slo) }));
  const period = `${slo.periodDays}d`;
  recordings.push({ record: "slo:error_budget_remaining:ratio", expr: `1 - ${selector(period)} / ${number(budget)}`, labels: sloLabels(slo) });
  const alerts: AlertingRule[] = (["page", "ticket"] as const).map((severity) => {
    const pairs = BURN_RATE_WINDOWS.filter((w) => w.severity === severity);
    return {
      alert: burnAlertName(severity),
      expr: pairs.map((w) => `(${selector(w.long)} > ${number(w.factor * budget)} and ${selector(w.short)} > ${number(w.factor * budget)})`).join(" or "),
      labels: { severity, slo: slo.id, service: slo.service },
      annotations: {
        summary: `${slo.id}: the error budget burns ${severity === "page" ? "fast" : "steadily"}`,
        description: `${slo.description}. Burn rate over ${pairs.map((w) => `${w.long}/${w.short} above ${w.factor}×`).join(" or ")} the rate that spends the budget in ${slo.periodDays} days.`,
      },
    };
  });
  return { name: `slo-${slo.id}`, rules: [...recordings, ...alerts] };
}

function thresholdSloGroup(slo: ThresholdSlo): RuleGroup {
  return {
    name: `slo-${slo.id}`,
    rules: [
      {
        alert: "SloThresholdMissed",
        expr: `${slo.value} > ${number(slo.maxSeconds)}`,
        labels: { severity: "ticket", slo: slo.id, service: slo.service },
        annotations: { summary: `${slo.id}: {{ $labels.runtime }} took {{ $value | humanize }}s`, description: `Target: ${slo.description}.` },
      },
    ],
  };
}

/**
 * MTBF and MTTR over 30 days from the up/down history of each service: an MCP server as its probe
 * through the ingress sees it, every other target as its scrape does. A failure is a transition to
 * down (`changes` counts both directions, so half of them, rounded up while a service is down);
 * up and down time are the samples' share times the sampled time. A service that never failed has
 * no MTBF or MTTR (no series), not an infinite one.
 */
export function reliabilityGroup(scrapeIntervalSeconds: number): RuleGroup {
  // `source` keeps the two families apart: the same record names, never the same series.
  const sources = [
    { source: "probe", series: `${SLI_METRICS.probeSuccess}{job="${SLI_METRICS.probeJob}"}`, by: "server", interval: PROBE_INTERVAL_SECONDS },
    { source: "scrape", series: `up{job!="${SLI_METRICS.probeJob}"}`, by: "job, instance", interval: scrapeIntervalSeconds },
  ];
  const rules: RecordingRule[] = sources.flatMap(({ source, series, by, interval }) => {
    const sampled = `count_over_time(${series}[30d]) * ${interval}`;
    const labels = { source };
    return [
      { record: "sophia:failures:30d", expr: `max by (${by}) (ceil(changes(${series}[30d]) / 2))`, labels },
      { record: "sophia:downtime_seconds:30d", expr: `max by (${by}) ((1 - avg_over_time(${series}[30d])) * ${sampled})`, labels },
      { record: "sophia:uptime_seconds:30d", expr: `max by (${by}) (avg_over_time(${series}[30d]) * ${sampled})`, labels },
    ];
  });
  rules.push(
    { record: "sophia:mttr_seconds:30d", expr: "sophia:downtime_seconds:30d / (sophia:failures:30d > 0)" },
    { record: "sophia:mtbf_seconds:30d", expr: "sophia:uptime_seconds:30d / (sophia:failures:30d > 0)" },
  );
  return { name: "reliability", rules };
}

/** Telegraf's docker input, as its Prometheus output names the series (one per container, by
 * `container_name`). */
export const CONTAINER_METRICS = {
  restarts: "docker_container_status_restart_count",
  oomKilled: "docker_container_status_oomkilled",
  memory: "docker_container_mem_usage",
  memoryLimit: "docker_container_mem_limit",
  cpuPercent: "docker_container_cpu_usage_percent",
} as const;

/** Restarts within RESTART_WINDOW that open a ticket: a container in a crash loop. */
export const RESTART_LIMIT = 3;
export const RESTART_WINDOW = "15m";

/** Alerts on symptoms that need no budget arithmetic: a server that stopped answering, a target
 * that cannot be scraped, an agent runtime that is down, a container that keeps restarting or was
 * OOM-killed. `fleet`: containers of the same name run on several nodes, told apart by `node`. */
export function symptomGroup(options: { readonly fleet?: boolean } = {}): RuleGroup {
  const container = options.fleet ? "container_name, node" : "container_name";
  return {
    name: "symptoms",
    rules: [
      {
        alert: "McpServerDown",
        expr: `${SLI_METRICS.probeSuccess}{job="${SLI_METRICS.probeJob}"} == 0`,
        // Two probes in a row: one lost packet does not page.
        for: `${2 * PROBE_INTERVAL_SECONDS}s`,
        labels: { severity: "page" },
        annotations: { summary: "{{ $labels.server }} does not answer MCP through the ingress", description: "The probe's JSON-RPC initialize failed twice in a row." },
      },
      {
        alert: "TargetDown",
        expr: `up{job!="${SLI_METRICS.probeJob}"} == 0`,
        for: "1m",
        labels: { severity: "ticket" },
        annotations: { summary: "{{ $labels.job }} {{ $labels.instance }} cannot be scraped", description: "Prometheus has not scraped it for a minute." },
      },
      {
        alert: "AgentRuntimeDown",
        expr: `${AGENT_RUNTIME_UP_METRIC} == 0`,
        for: "1m",
        labels: { severity: "page" },
        annotations: { summary: "agent runtime {{ $labels.runtime }} is down", description: "sophia-ops has not had an ok /health from it for a minute: route_task to its agents fails." },
      },
      {
        alert: "ContainerRestarting",
        // A gauge that goes back to 0 when a container is replaced: increase() reads that as a reset.
        expr: `increase(${CONTAINER_METRICS.restarts}[${RESTART_WINDOW}]) >= ${RESTART_LIMIT}`,
        labels: { severity: "ticket" },
        annotations: { summary: `{{ $labels.container_name }} restarted at least ${RESTART_LIMIT} times in ${RESTART_WINDOW}`, description: `Docker restarted it at least ${RESTART_LIMIT} times in ${RESTART_WINDOW}: a crash loop.` },
      },
      {
        alert: "ContainerOomKilled",
        expr: `${CONTAINER_METRICS.oomKilled} == 1 and on (${container}) increase(${CONTAINER_METRICS.restarts}[${RESTART_WINDOW}]) > 0`,
        labels: { severity: "ticket" },
        annotations: { summary: "{{ $labels.container_name }} was OOM-killed", description: `Its last exit, within ${RESTART_WINDOW}, was the kernel's OOM kill: its memory limit is too small for its load.` },
      },
    ],
  };
}

/** Alerts of a fleet (nodes joined by the stack's private network), by the `node` label its scrape
 * jobs put on every target: a node whose node-exporter cannot be scraped (the node, its WireGuard
 * link or the exporter is down) and an agent pool whose /health does not answer over the private
 * network. Both page: agents on that node are out of reach of sophia-ops. */
export function fleetGroup(): RuleGroup {
  return {
    name: "fleet",
    rules: [
      {
        alert: "SophiaNodeDown",
        expr: `up{job="${NODE_JOB}"} == 0`,
        for: "1m",
        labels: { severity: "page" },
        annotations: { summary: "node {{ $labels.node }} is down", description: "Prometheus has not scraped node-exporter on {{ $labels.node }} ({{ $labels.instance }}) for a minute: the node, its private-network link or its exporter is down." },
      },
      {
        alert: "SophiaAgentPoolUnreachable",
        expr: `${SLI_METRICS.probeSuccess}{job="${AGENT_POOLS_JOB}"} == 0`,
        for: "1m",
        labels: { severity: "page" },
        annotations: { summary: "agent pool {{ $labels.pool }} on {{ $labels.node }} is unreachable", description: "Its /health has not answered 2xx over the private network for a minute: route_task to its agents fails." },
      },
    ],
  };
}

/** What one node of the fleet costs, from placement's figures (Lambda's dated price list). */
export interface NodeCost {
  readonly node: string;
  readonly offer: string;
  readonly pricePerHour: number;
}

export const NODE_COST_RECORD = "sophia:node_cost_dollars:per_hour";
export const FLEET_COST_RECORD = "sophia:fleet_cost_dollars:per_hour";

/** The fleet's price as series, so a dashboard shows what it costs next to what it does: one per
 * node (labelled with its id and instance type) and their sum. Rules of a group run in order, so the
 * sum sees this evaluation's nodes. */
export function costGroup(nodes: readonly NodeCost[]): RuleGroup {
  return {
    name: "cost",
    rules: [
      ...nodes.map((n): RecordingRule => ({ record: NODE_COST_RECORD, expr: `vector(${number(n.pricePerHour)})`, labels: { node: n.node, offer: n.offer } })),
      { record: FLEET_COST_RECORD, expr: nodes.length > 0 ? `sum(${NODE_COST_RECORD})` : "vector(0)" },
    ],
  };
}

/** Every rule group for a stack's SLOs and fleet, in the order Prometheus loads them. `fleet`: the
 * stack watches other nodes over its private network (fleetGroup); without it the rules are the
 * single node's, unchanged (its targets carry no `node` label to name). */
export function platformRules(slos: readonly Slo[], scrapeIntervalSeconds: number, nodes: readonly NodeCost[] = [], options: { readonly fleet?: boolean } = {}): RuleGroup[] {
  return [...slos.map((slo) => (slo.kind === "ratio" ? ratioSloGroup(slo) : thresholdSloGroup(slo))), reliabilityGroup(scrapeIntervalSeconds), symptomGroup(options), costGroup(nodes), ...(options.fleet ? [fleetGroup()] : [])];
}

/** The rule file Prometheus reads (`rule_files`). */
export function renderRuleFile(groups: readonly RuleGroup[]): string {
  return stringify({ groups }, { lineWidth: 0 });
}
