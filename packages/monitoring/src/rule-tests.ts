// Unit tests of the generated rules, in promtool's format (`promtool test rules`), generated from the
// same SLOs: for every burn-rate window pair of every ratio SLO, a synthetic SLI that burns at 1.2×
// the pair's factor must fire its severity's alert, and one at 0.8× must not; the symptom and
// threshold alerts fire and stay quiet; MTBF and MTTR come out of an up/down history with known
// answers; with a fleet's rules, a node or agent pool gone for a minute pages and a blip does not.
// What an alert must carry (labels, annotations) is read from the generated rules.
import { stringify } from "yaml";
import { AGENT_RUNTIME_UP_METRIC } from "@sophia/mcp-servers";
import { AGENT_POOLS_JOB, NODE_JOB } from "./prometheus-config";
import { BURN_RATE_WINDOWS, burnAlertName, CONTAINER_METRICS, FLEET_COST_RECORD, RESTART_LIMIT, RESTART_WINDOW, NODE_COST_RECORD, type AlertingRule, type RecordingRule, type RuleGroup, type Severity } from "./rules";
import { PROBE_INTERVAL_SECONDS, SLI_METRICS, type RatioSlo, type Slo, type ThresholdSlo } from "./slo";

interface Series {
  readonly series: string;
  readonly values: string;
}

interface ExpectedAlert {
  readonly exp_labels: Record<string, string>;
  readonly exp_annotations: Record<string, string>;
}

interface AlertTest {
  readonly eval_time: string;
  readonly alertname: string;
  readonly exp_alerts: readonly ExpectedAlert[];
}

interface ExprTest {
  readonly expr: string;
  readonly eval_time: string;
  readonly exp_samples: readonly { labels: string; value: number }[];
}

export interface PromtoolTestGroup {
  readonly name: string;
  readonly interval: string;
  readonly input_series: readonly Series[];
  readonly alert_rule_test?: readonly AlertTest[];
  readonly promql_expr_test?: readonly ExprTest[];
}

const SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86400 };
const seconds = (window: string) => Number(window.slice(0, -1)) * SECONDS[window.slice(-1)]!;

/** "1x3 0 1x2": promtool's notation for a run of 0/1 samples. */
function runs(samples: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < samples.length; ) {
    let j = i;
    while (j + 1 < samples.length && samples[j + 1] === samples[i]) j++;
    parts.push(j === i ? String(samples[i]) : `${samples[i]}x${j - i}`);
    i = j + 1;
  }
  return parts.join(" ");
}

/**
 * One burn scenario: no errors until the pair's long window begins, then errors at `multiple` × the
 * pair's factor × the budget until the end, where the alert is evaluated.
 */
interface Scenario {
  readonly severity: Severity;
  readonly long: string;
  readonly short: string;
  readonly factor: number;
  readonly multiple: number;
  /** The whole history: the severity's longest window. */
  readonly span: number;
}

/** Burn rates tested, as multiples of a pair's factor. */
const FIRING = 1.2;
const QUIET = 0.8;

function scenarios(): Scenario[] {
  return BURN_RATE_WINDOWS.flatMap((w) => {
    const span = Math.max(...BURN_RATE_WINDOWS.filter((o) => o.severity === w.severity).map((o) => seconds(o.long)));
    return [FIRING, QUIET].map((multiple) => ({ ...w, multiple, span }));
  });
}

/**
 * Probe results (0/1) with failures evenly spaced and one on the last sample, so that both windows
 * ending there hold at least (firing) or at most (quiet) the wanted share. The long window holds
 * about 6 / threshold samples: one failure more or less moves its share by a sixth of the threshold,
 * inside the 20 % margins. (promtool refuses a query over more than 10,000 samples; 3 days of them
 * stay near 6,000.)
 */
function probeScenario(slo: RatioSlo, s: Scenario, rules: Alerts): PromtoolTestGroup {
  const threshold = s.factor * (1 - slo.objective);
  // Samples must fall on the window edges and the evaluation time: an interval that divides both.
  let interval = Math.floor(seconds(s.long) / Math.ceil(6 / threshold));
  while (seconds(s.long) % interval !== 0 || s.span % interval !== 0) interval--;
  const total = s.span / interval + 1;
  const burning = seconds(s.long) / interval;
  const every = s.multiple > 1 ? Math.floor(1 / (s.multiple * threshold)) : Math.ceil(1 / (s.multiple * threshold));
  const samples = Array.from({ length: total }, (_, i) => {
    const fromEnd = total - 1 - i;
    return fromEnd < burning && fromEnd % every === 0 ? 0 : 1;
  });
  return {
    name: `${slo.id}: probes failing at ${s.multiple}× the ${s.long}/${s.short} burn rate ${s.factor}`,
    interval: `${interval}s`,
    input_series: [{ series: `${SLI_METRICS.probeSuccess}{job="${SLI_METRICS.probeJob}",server="${slo.service}",instance="probe"}`, values: runs(samples) }],
    alert_rule_test: [burnAlertTest(slo, s, rules)],
  };
}

/** Operation counts: 1,000 a minute, the slow ones at the scenario's share while it burns. */
function latencyScenario(slo: RatioSlo, s: Scenario, rules: Alerts): PromtoolTestGroup {
  const perMinute = 1000;
  const slowShare = s.multiple * s.factor * (1 - slo.objective);
  const quietMinutes = (s.span - seconds(s.long)) / 60;
  const burningMinutes = seconds(s.long) / 60;
  const metric = SLI_METRICS.operationDuration;
  const labels = `server="${slo.service}",mcp_method_name="tools/call"`;
  const fast = perMinute * (1 - slowShare);
  return {
    name: `${slo.id}: operations slow at ${s.multiple}× the ${s.long}/${s.short} burn rate ${s.factor}`,
    interval: "1m",
    input_series: [
      { series: `${metric}_count{${labels}}`, values: `0+${perMinute}x${quietMinutes + burningMinutes}` },
      { series: `${metric}_bucket{${labels},le="0.1"}`, values: `0+${perMinute}x${quietMinutes} ${perMinute * quietMinutes + fast}+${fast}x${burningMinutes - 1}` },
    ],
    alert_rule_test: [burnAlertTest(slo, s, rules)],
  };
}

/** Calls of a long-running tool, every one over the threshold, burn nothing: that tool is left out. */
function excludedToolScenario(slo: RatioSlo, tool: string): PromtoolTestGroup {
  const metric = SLI_METRICS.operationDuration;
  const labels = `server="${slo.service}",mcp_method_name="tools/call",tool="${tool}"`;
  const fast = `server="${slo.service}",mcp_method_name="tools/list",tool=""`;
  return {
    name: `${slo.id}: calls of ${tool}, all slower than the threshold, page no one`,
    interval: "1m",
    input_series: [
      { series: `${metric}_count{${labels}}`, values: "0+100x60" },
      { series: `${metric}_bucket{${labels},le="0.1"}`, values: "0x60" },
      { series: `${metric}_count{${fast}}`, values: "0+100x60" },
      { series: `${metric}_bucket{${fast},le="0.1"}`, values: "0+100x60" },
    ],
    alert_rule_test: [{ eval_time: "60m", alertname: burnAlertName("page"), exp_alerts: [] }],
  };
}

/** Only this severity's alert is asked about: a burn that should not page may rightly open a ticket. */
function burnAlertTest(slo: RatioSlo, s: Scenario, rules: Alerts): AlertTest {
  const alertname = burnAlertName(s.severity);
  return { eval_time: `${s.span}s`, alertname, exp_alerts: s.multiple > 1 ? [rules.expected(alertname, { slo: slo.id, sli: slo.sli })] : [] };
}

/** The generated alerting rules, and what one of them must carry once it fires with `labels`. */
class Alerts {
  private readonly rules: AlertingRule[];

  constructor(groups: readonly RuleGroup[]) {
    this.rules = groups.flatMap((g) => g.rules.filter((r): r is AlertingRule => "alert" in r));
  }

  /** Whether the rules hold this alert (the fleet's are there only for a fleet). */
  has(alertname: string): boolean {
    return this.rules.some((r) => r.alert === alertname);
  }

  /** `labels`: those of the series the rule's expression returns; `value`: its value. */
  expected(alertname: string, labels: Record<string, string>, value?: number): ExpectedAlert {
    const rule = this.rules.find((r) => r.alert === alertname && Object.entries(r.labels).every(([k, v]) => k === "severity" || labels[k] === undefined || labels[k] === v) && (r.labels.slo === undefined || r.labels.slo === labels.slo));
    if (!rule) throw new Error(`no generated alert ${alertname} for ${JSON.stringify(labels)}`);
    const all = { ...labels, ...rule.labels };
    // The two template forms the rules use; anything else would make the expectation a guess.
    const expand = (text: string) =>
      text.replace(/\{\{ ([^}]*) \}\}/g, (_, expr: string) => {
        const label = expr.match(/^\$labels\.(\w+)$/)?.[1];
        if (label !== undefined && all[label] !== undefined) return all[label]!;
        if (expr === "$value | humanize" && value !== undefined) return String(value);
        throw new Error(`${alertname}: template {{ ${expr} }} is not expanded by the test generator`);
      });
    return { exp_labels: all, exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, expand(v)])) };
  }
}

function thresholdTests(slo: ThresholdSlo, rules: Alerts): PromtoolTestGroup {
  return {
    name: `${slo.id}: a start over ${slo.maxSeconds}s is reported, one under is not`,
    interval: "1m",
    input_series: [
      { series: `${slo.value}{runtime="slow"}`, values: `${slo.maxSeconds * 1.25}x5` },
      { series: `${slo.value}{runtime="fast"}`, values: `${slo.maxSeconds * 0.75}x5` },
    ],
    alert_rule_test: [{ eval_time: "5m", alertname: "SloThresholdMissed", exp_alerts: [rules.expected("SloThresholdMissed", { slo: slo.id, runtime: "slow" }, slo.maxSeconds * 1.25)] }],
  };
}

/** Known history: up 5 min, down 30 s, up 5 min, down 1 min, up 5 min, probed every 5 s. */
export const RELIABILITY_HISTORY = { upSamples: 60, outagesSamples: [6, 12], finalUpSamples: 60 } as const;

function reliabilityTests(server: string): PromtoolTestGroup {
  const { upSamples, outagesSamples, finalUpSamples } = RELIABILITY_HISTORY;
  const samples = [...outagesSamples.flatMap((down) => [...Array<number>(upSamples).fill(1), ...Array<number>(down).fill(0)]), ...Array<number>(finalUpSamples).fill(1)];
  const downSeconds = outagesSamples.reduce((a, b) => a + b, 0) * PROBE_INTERVAL_SECONDS;
  const upSeconds = (samples.length - outagesSamples.reduce((a, b) => a + b, 0)) * PROBE_INTERVAL_SECONDS;
  const at = `${samples.length * PROBE_INTERVAL_SECONDS}s`;
  const labels = `{server="${server}",source="probe"}`;
  return {
    name: `MTBF and MTTR of ${server} from a known history: ${outagesSamples.length} outages, ${downSeconds}s down, ${upSeconds}s up`,
    interval: `${PROBE_INTERVAL_SECONDS}s`,
    input_series: [{ series: `${SLI_METRICS.probeSuccess}{job="${SLI_METRICS.probeJob}",server="${server}",instance="probe"}`, values: runs(samples) }],
    // Rounded to the millisecond: the sums of samples carry float noise (45.00000000000013).
    promql_expr_test: [
      { expr: `sophia:failures:30d${labels}`, eval_time: at, exp_samples: [{ labels: `sophia:failures:30d${labels}`, value: outagesSamples.length }] },
      { expr: `round(sophia:mttr_seconds:30d${labels}, 0.001)`, eval_time: at, exp_samples: [{ labels: labels, value: downSeconds / outagesSamples.length }] },
      { expr: `round(sophia:mtbf_seconds:30d${labels}, 0.001)`, eval_time: at, exp_samples: [{ labels: labels, value: upSeconds / outagesSamples.length }] },
    ],
  };
}

function symptomTests(server: string, rules: Alerts): PromtoolTestGroup {
  return {
    name: `McpServerDown pages after two failed probes of ${server}, and resolves`,
    interval: `${PROBE_INTERVAL_SECONDS}s`,
    input_series: [{ series: `${SLI_METRICS.probeSuccess}{job="${SLI_METRICS.probeJob}",server="${server}",instance="probe"}`, values: "1x3 0x4 1x3" }],
    alert_rule_test: [
      { eval_time: "15s", alertname: "McpServerDown", exp_alerts: [] },
      // Down from 20 s: pending at 20 s, firing once it has been down for 10 s.
      { eval_time: "30s", alertname: "McpServerDown", exp_alerts: [rules.expected("McpServerDown", { job: SLI_METRICS.probeJob, server, instance: "probe" })] },
      { eval_time: "45s", alertname: "McpServerDown", exp_alerts: [] },
    ],
  };
}

/** Containers as Telegraf reports them: a crash loop opens a ticket and one restart does not; an OOM
 * kill followed by a restart opens one, and an old OOM kill with no restart since does not. */
function containerTests(rules: Alerts): PromtoolTestGroup[] {
  const { restarts, oomKilled } = CONTAINER_METRICS;
  const series = (metric: string, name: string) => `${metric}{job="containers",instance="container-exporter:9273",container_name="${name}",container_image="sophia/x",container_status="running"}`;
  const labels = (name: string) => ({ job: "containers", instance: "container-exporter:9273", container_name: name, container_image: "sophia/x", container_status: "running" });
  return [
    {
      name: `ContainerRestarting: ${RESTART_LIMIT} restarts in ${RESTART_WINDOW} open a ticket, one does not`,
      interval: "1m",
      input_series: [
        { series: series(restarts, "sophia-t-looping"), values: `0 0 1 2 ${RESTART_LIMIT}x3` },
        { series: series(restarts, "sophia-t-once"), values: "0 0 1x5" },
      ],
      alert_rule_test: [
        { eval_time: "2m", alertname: "ContainerRestarting", exp_alerts: [] },
        { eval_time: "6m", alertname: "ContainerRestarting", exp_alerts: [rules.expected("ContainerRestarting", labels("sophia-t-looping"))] },
      ],
    },
    {
      name: "ContainerOomKilled: an OOM kill and a restart open a ticket; an OOM kill 20 minutes back with no restart since does not",
      interval: "1m",
      input_series: [
        { series: series(oomKilled, "sophia-t-oom"), values: "0x20 1x5" },
        { series: series(restarts, "sophia-t-oom"), values: "0x20 1x5" },
        { series: series(oomKilled, "sophia-t-old"), values: "1x25" },
        { series: series(restarts, "sophia-t-old"), values: "1x25" },
      ],
      alert_rule_test: [
        { eval_time: "19m", alertname: "ContainerOomKilled", exp_alerts: [] },
        { eval_time: "22m", alertname: "ContainerOomKilled", exp_alerts: [rules.expected("ContainerOomKilled", labels("sophia-t-oom"))] },
      ],
    },
  ];
}

/** An agent runtime whose /health fails for a minute pages; a shorter failure does not. */
function agentRuntimeTests(rules: Alerts): PromtoolTestGroup {
  const up = (runtime: string) => `${AGENT_RUNTIME_UP_METRIC}{job="mcp-servers",server="sophia-ops",runtime="${runtime}"}`;
  return {
    name: "AgentRuntimeDown pages after a minute down, and resolves",
    interval: "30s",
    input_series: [
      { series: up("agents-down"), values: "1x3 0x4 1x3" },
      { series: up("agents-blip"), values: "1x3 0 1x6" },
    ],
    alert_rule_test: [
      { eval_time: "1m30s", alertname: "AgentRuntimeDown", exp_alerts: [] },
      { eval_time: "3m", alertname: "AgentRuntimeDown", exp_alerts: [rules.expected("AgentRuntimeDown", { job: "mcp-servers", server: "sophia-ops", runtime: "agents-down" })] },
      { eval_time: "5m", alertname: "AgentRuntimeDown", exp_alerts: [] },
    ],
  };
}

/** A fleet's nodes and pools as Prometheus sees them over the private network, scraped every 15 s: one
 * gone from 60 s to 180 s pages from 120 s and resolves once it is back; one gone for 45 s does not. */
function fleetTests(rules: Alerts): PromtoolTestGroup[] {
  const gone = "1x3 0x8 1x4";
  const blip = "1x3 0x2 1x9";
  const checks = (alertname: string, down: Record<string, string>): AlertTest[] => [
    { eval_time: "1m30s", alertname, exp_alerts: [] },
    { eval_time: "2m30s", alertname, exp_alerts: [rules.expected(alertname, down)] },
    { eval_time: "4m", alertname, exp_alerts: [] },
  ];
  const series = (metric: string, labels: Record<string, string>) => `${metric}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",")}}`;
  const tests: PromtoolTestGroup[] = [];
  if (rules.has("SophiaNodeDown")) {
    const node = (id: string, address: string) => ({ job: NODE_JOB, instance: `${address}:9100`, node: id });
    tests.push({
      name: "SophiaNodeDown pages after a minute without node-exporter's scrape, names the node, and resolves; a 45 s gap does not page",
      interval: "15s",
      input_series: [
        { series: series("up", node("gpu-1x-a10-0", "10.210.8.2")), values: gone },
        { series: series("up", node("gpu-1x-a10-1", "10.210.8.3")), values: blip },
      ],
      alert_rule_test: checks("SophiaNodeDown", node("gpu-1x-a10-0", "10.210.8.2")),
    });
  }
  if (rules.has("SophiaAgentPoolUnreachable")) {
    const pool = (id: string, node: string, address: string) => ({ job: AGENT_POOLS_JOB, instance: `http://${address}:7780/health`, pool: id, node });
    tests.push({
      name: "SophiaAgentPoolUnreachable pages after a minute of failed /health probes, names the pool and its node, and resolves; a 45 s gap does not page",
      interval: "15s",
      input_series: [
        { series: series(SLI_METRICS.probeSuccess, pool("gpu-1x-a10-0-coding", "gpu-1x-a10-0", "10.210.8.2")), values: gone },
        { series: series(SLI_METRICS.probeSuccess, pool("gpu-1x-a10-1-research", "gpu-1x-a10-1", "10.210.8.3")), values: blip },
      ],
      alert_rule_test: checks("SophiaAgentPoolUnreachable", pool("gpu-1x-a10-0-coding", "gpu-1x-a10-0", "10.210.8.2")),
    });
  }
  return tests;
}

/** The cost series say what placement said: each node's price, and the fleet's as their sum. */
function costTests(groups: readonly RuleGroup[]): PromtoolTestGroup[] {
  const nodes = groups
    .flatMap((g) => g.rules)
    .filter((r): r is RecordingRule => "record" in r && r.record === NODE_COST_RECORD)
    .map((r) => ({ labels: r.labels!, price: Number(r.expr.match(/^vector\((.+)\)$/)![1]) }));
  const total = Math.round(nodes.reduce((t, n) => t + n.price, 0) * 100) / 100;
  return [
    {
      name: `the fleet's cost: ${nodes.length} node(s), $${total}/hour`,
      interval: "1m",
      input_series: [],
      promql_expr_test: [
        ...nodes.map((n) => ({ expr: `${NODE_COST_RECORD}{node="${n.labels.node}"}`, eval_time: "1m", exp_samples: [{ labels: `${NODE_COST_RECORD}{node="${n.labels.node}",offer="${n.labels.offer}"}`, value: n.price }] })),
        { expr: `round(${FLEET_COST_RECORD}, 0.01)`, eval_time: "1m", exp_samples: [{ labels: "{}", value: total }] },
      ],
    },
  ];
}

export interface PromtoolTestFile {
  readonly fileName: string;
  readonly content: string;
}

/**
 * The promtool test files for `ruleFile` (a path relative to them). promtool evaluates every rule
 * at each evaluation interval from 0 to the last time a test asks about, and the interval is one per
 * file: seconds for the symptom alerts, minutes over the 6 h of a page scenario, 10 minutes over the
 * 3 days of a ticket scenario.
 */
export function renderRuleTests(slos: readonly Slo[], groups: readonly RuleGroup[], ruleFile: string): PromtoolTestFile[] {
  const rules = new Alerts(groups);
  const ratio = slos.filter((s): s is RatioSlo => s.kind === "ratio");
  const burn = (severity: Severity) => [
    ...ratio.flatMap((slo) => scenarios().filter((s) => s.severity === severity).map((s) => (slo.sli === "availability" ? probeScenario(slo, s, rules) : latencyScenario(slo, s, rules)))),
    ...(severity === "page" ? ratio.flatMap((slo) => (slo.excludedTools ?? []).slice(0, 1).map((tool) => excludedToolScenario(slo, tool))) : []),
  ];
  const files: { fileName: string; evaluationInterval: string; tests: PromtoolTestGroup[] }[] = [
    { fileName: "burn-rate-page.test.yml", evaluationInterval: "30m", tests: burn("page") },
    { fileName: "burn-rate-ticket.test.yml", evaluationInterval: "6h", tests: burn("ticket") },
    {
      fileName: "symptoms.test.yml",
      evaluationInterval: `${PROBE_INTERVAL_SECONDS}s`,
      tests: [
        ...slos.filter((s): s is ThresholdSlo => s.kind === "threshold").map((slo) => thresholdTests(slo, rules)),
        ...[...new Set(ratio.map((s) => s.service))].flatMap((server) => [reliabilityTests(server), symptomTests(server, rules)]),
        ...containerTests(rules),
        agentRuntimeTests(rules),
        ...fleetTests(rules),
        ...costTests(groups),
      ],
    },
  ];
  return files.map(({ fileName, evaluationInterval, tests }) => ({
    fileName,
    content: stringify({ rule_files: [ruleFile], evaluation_interval: evaluationInterval, tests }, { lineWidth: 0 }),
  }));
}
