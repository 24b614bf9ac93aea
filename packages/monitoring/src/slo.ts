// The platform's own targets, declared once: everything Prometheus evaluates about them (recording
// rules, burn-rate alerts, the tests of those alerts) is generated from this file.
//
// Targets from the deployment strategy: 99.9 % uptime, MCP latency under 100 ms, agent start under 2 s.

import { AGENT_RUNTIME_START_METRIC, OPERATION_DURATION_METRIC } from "@sophia/mcp-servers";

/** Where each SLI comes from: the metric names the exporters and the platform's servers expose. */
export const SLI_METRICS = {
  /** blackbox-exporter's result of a JSON-RPC `initialize` POSTed to a server through the ingress. */
  probeSuccess: "probe_success",
  probeJob: "mcp-probe",
  /** The servers' own request histogram (OpenTelemetry's `mcp.server.operation.duration`, in the
   * Prometheus naming of its exporter). */
  operationDuration: OPERATION_DURATION_METRIC,
  /** Seconds from an agent runtime's process start until it first served, per runtime (its latest
   * start), as sophia-ops reads it from the runtime's /health. */
  agentStart: AGENT_RUNTIME_START_METRIC,
} as const;

/** An SLO over a ratio of bad to all events, alerted on by its error-budget burn rate. */
export interface RatioSlo {
  readonly kind: "ratio";
  /** Identity in rule labels and alert names: `<sli>-<service>`. */
  readonly id: string;
  readonly service: string;
  readonly sli: "availability" | "latency";
  /** Fraction of good events, e.g. 0.999. */
  readonly objective: number;
  readonly periodDays: number;
  readonly description: string;
  /** PromQL: the fraction of bad events over the range `window` (e.g. "1h"). */
  readonly errorRatio: (window: string) => string;
  /** Latency: the tools whose calls this SLO leaves out. */
  readonly excludedTools?: readonly string[];
}

/** An SLO every single event must meet, alerted on when one does not. */
export interface ThresholdSlo {
  readonly kind: "threshold";
  readonly id: string;
  readonly service: string;
  readonly sli: "agent-start";
  /** The largest acceptable value, in seconds. */
  readonly maxSeconds: number;
  readonly description: string;
  /** PromQL selecting the measured values. */
  readonly value: string;
}

export type Slo = RatioSlo | ThresholdSlo;

/** Seconds between two probes of an MCP server: 60 samples in the shortest (5 m) window. */
export const PROBE_INTERVAL_SECONDS = 5;

const AVAILABILITY_OBJECTIVE = 0.999;
/** The latency SLO's threshold: a bound of the servers' histogram buckets (OPERATION_BUCKETS). */
export const LATENCY_THRESHOLD_SECONDS = 0.1;
/** "p99 under 100 ms": at least 99 % of operations answer within the threshold. */
const LATENCY_OBJECTIVE = 0.99;
const AGENT_START_MAX_SECONDS = 2;
const PERIOD_DAYS = 30;

/** The platform's SLOs for the MCP servers a stack runs. `longRunningTools` (server → tools, from the
 * catalog) are left out of the latency SLO: a plan or an agent run takes seconds by design, and the
 * 100 ms target is for the protocol's answers. */
export function platformSlos(servers: readonly string[], longRunningTools: Readonly<Record<string, readonly string[]>> = {}): Slo[] {
  if (servers.length === 0) throw new Error("platformSlos: servers: expected at least one MCP server; got none");
  const { probeSuccess, probeJob, operationDuration, agentStart } = SLI_METRICS;
  return [
    ...servers.map(
      (server): RatioSlo => ({
        kind: "ratio",
        id: `availability-${server}`,
        service: server,
        sli: "availability",
        objective: AVAILABILITY_OBJECTIVE,
        periodDays: PERIOD_DAYS,
        description: `${server} answers an MCP initialize through the ingress, ${AVAILABILITY_OBJECTIVE * 100} % of probes over ${PERIOD_DAYS} days`,
        errorRatio: (w) => `1 - avg(avg_over_time(${probeSuccess}{job="${probeJob}",server="${server}"}[${w}]))`,
      }),
    ),
    ...servers.map(
      (server): RatioSlo => ({
        kind: "ratio",
        id: `latency-${server}`,
        service: server,
        sli: "latency",
        objective: LATENCY_OBJECTIVE,
        periodDays: PERIOD_DAYS,
        description: `${LATENCY_OBJECTIVE * 100} % of ${server}'s MCP operations answer within ${LATENCY_THRESHOLD_SECONDS * 1000} ms over ${PERIOD_DAYS} days${longRunningTools[server]?.length ? ` (calls of ${longRunningTools[server]!.join(", ")} left out: long-running by design)` : ""}`,
        excludedTools: longRunningTools[server] ?? [],
        errorRatio: (w) => {
          const slow = longRunningTools[server] ?? [];
          const selector = `server="${server}"${slow.length ? `,tool!~"${slow.join("|")}"` : ""}`;
          return `1 - (sum(rate(${operationDuration}_bucket{${selector},le="${LATENCY_THRESHOLD_SECONDS}"}[${w}])) / sum(rate(${operationDuration}_count{${selector}}[${w}])))`;
        },
      }),
    ),
    {
      kind: "threshold",
      id: "agent-start",
      service: "agents",
      sli: "agent-start",
      maxSeconds: AGENT_START_MAX_SECONDS,
      description: `every agent runtime serves within ${AGENT_START_MAX_SECONDS} s of its start`,
      value: agentStart,
    },
  ];
}
