// What the checklist and the smoke ask of a live monitoring stack. Prometheus, Alertmanager and the
// alert log publish no port, so every question goes through `docker exec … curl` inside their own
// containers, on the engine the stack runs on.
import { AGENT_RUNTIME_START_METRIC, AGENT_RUNTIME_UP_METRIC } from "@sophia/mcp-servers";
import { CONTAINER_METRICS } from "@sophia/monitoring";
import type { DockerRunner } from "./docker-runner";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface MonitoringContainers {
  readonly prometheus: string;
  readonly alertLog: string;
}

interface Target {
  readonly labels: Record<string, string>;
  readonly health: string;
  readonly lastError: string;
}

type Series = { labels: Record<string, string>; value: number }[];

const seriesOf = (answer: string): Series =>
  (JSON.parse(answer) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));

/** Prometheus's API answer for an instant query: each series' labels and value. */
export async function promQuery(docker: DockerRunner, prometheus: string, query: string): Promise<Series> {
  return seriesOf(await docker(["exec", prometheus, "curl", "-fsS", "-G", "--data-urlencode", `query=${query}`, "http://127.0.0.1:9090/api/v1/query"]));
}

/** Many instant queries in one `docker exec` (each exec costs about 0.1 s, more over ssh): the
 * queries go as arguments of a shell loop, never through a shell's parsing, one answer a line. A
 * query that fails ends the loop with curl's error. */
export async function promQueries(docker: DockerRunner, prometheus: string, queries: readonly string[]): Promise<Series[]> {
  if (queries.length === 0) return [];
  const loop = 'for q in "$@"; do curl -fsS -G --data-urlencode "query=$q" http://127.0.0.1:9090/api/v1/query || exit 1; echo; done';
  const answers = (await docker(["exec", prometheus, "sh", "-c", loop, "sh", ...queries])).split("\n").filter(Boolean);
  if (answers.length !== queries.length) throw new Error(`${queries.length} queries sent, ${answers.length} answered`);
  return answers.map(seriesOf);
}

export async function scrapeTargets(docker: DockerRunner, prometheus: string): Promise<Target[]> {
  const out = await docker(["exec", prometheus, "curl", "-fsS", "http://127.0.0.1:9090/api/v1/targets?state=active"]);
  return (JSON.parse(out) as { data: { activeTargets: Target[] } }).data.activeTargets;
}

/** Not yet, and why: what a poll returns until its condition holds. */
export interface NotYet {
  readonly notYet: string;
}
export const notYet = (reason: string): NotYet => ({ notYet: reason });
const isNotYet = (v: unknown): v is NotYet => typeof v === "object" && v !== null && "notYet" in v;

/** Polls until `ready` gives a value or `seconds` pass (then throws with the last reason). */
export async function within<T>(seconds: number, what: string, ready: () => Promise<T | NotYet>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last = "";
  for (;;) {
    const answer = await ready().catch((e: Error) => notYet(`error: ${e.message}`));
    if (!isNotYet(answer)) return answer;
    last = answer.notYet;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds}s; last: ${last}`);
    await sleep(1000);
  }
}

/** Every scrape target up (a first scrape can take one interval), and every MCP server's probe through
 * the ingress succeeding. */
export async function everyTargetUp(docker: DockerRunner, prometheus: string, seconds = 60): Promise<string> {
  return within(seconds, "every scrape target up", async () => {
    const targets = await scrapeTargets(docker, prometheus);
    const down = targets.filter((t) => t.health !== "up");
    if (targets.length === 0 || down.length > 0) return notYet(`${down.length} of ${targets.length} down: ${down.map((t) => `${t.labels.job} ${t.labels.instance} ${t.health} ${t.lastError}`.trim()).join("; ")}`);
    const probes = await promQuery(docker, prometheus, 'probe_success{job="mcp-probe"}');
    const failing = probes.filter((p) => p.value !== 1);
    if (probes.length === 0 || failing.length > 0) return notYet(`probes failing: ${failing.map((p) => p.labels.server).join(", ") || "none reported yet"}`);
    const jobs = [...new Set(targets.map((t) => t.labels.job))].sort();
    return `${targets.length} targets up (${jobs.join(", ")}); MCP probes ok: ${probes.map((p) => p.labels.server).sort().join(", ")}`;
  });
}

export interface LoggedAlert {
  readonly receiver: string;
  readonly status: "firing" | "resolved";
  readonly labels: Record<string, string>;
  readonly receivedAt: string;
}

export async function alertLog(docker: DockerRunner, container: string): Promise<LoggedAlert[]> {
  return JSON.parse(await docker(["exec", container, "curl", "-fsS", "http://127.0.0.1:9095/alerts"])) as LoggedAlert[];
}

/** Each MCP server's own operation histogram reaches Prometheus (through the ingress's metrics site),
 * and the latency SLO's error ratio is recorded from it. */
export async function serverHistograms(docker: DockerRunner, prometheus: string, seconds = 90): Promise<string> {
  return within(seconds, "the servers' operation histograms and the latency SLI", async () => {
    const probed = (await promQuery(docker, prometheus, 'probe_success{job="mcp-probe"}')).map((p) => p.labels.server!).sort();
    const counted = await promQuery(docker, prometheus, 'sum by (server) (mcp_server_operation_duration_seconds_count{job="mcp-servers"})');
    const missing = probed.filter((s) => !counted.some((c) => c.labels.server === s));
    if (probed.length === 0 || missing.length > 0) return notYet(`no operation histogram yet from ${missing.join(", ") || "any server"}`);
    const latency = await promQuery(docker, prometheus, 'slo:error_ratio:rate5m{sli="latency"}');
    const unrecorded = probed.filter((s) => !latency.some((l) => l.labels.service === s));
    if (unrecorded.length > 0) return notYet(`latency SLI not recorded yet for ${unrecorded.join(", ")}`);
    return `${counted.map((c) => `${c.labels.server} ${c.value} operations`).join(", ")}; latency SLI (share over 100 ms, 5 m): ${latency.map((l) => `${l.labels.service} ${Number.isNaN(l.value) ? "no traffic" : l.value.toFixed(4)}`).join(", ")}`;
  });
}

/** Every query of the generated dashboard runs on this Prometheus ($__rate_interval as 1 m), and how
 * many of them have data. */
export async function dashboardQueriesRun(docker: DockerRunner, prometheus: string, queries: readonly { panel: string; expr: string }[]): Promise<string> {
  const exprs = queries.map((q) => q.expr.replaceAll("$__rate_interval", "1m"));
  const answers = await promQueries(docker, prometheus, exprs).catch(async () => {
    // Which one failed, by itself: the batch stops at the first failure without naming it.
    for (const [i, q] of queries.entries()) await promQuery(docker, prometheus, exprs[i]!).catch((e: Error) => Promise.reject(new Error(`${q.panel}: ${e.message}`)));
    throw new Error("a dashboard query failed in the batch and passed alone; run the checklist again");
  });
  const empty = queries.filter((_, i) => answers[i]!.length === 0).map((q) => q.panel);
  return `${queries.length} queries ran, ${queries.length - empty.length} with data${empty.length ? `; none yet: ${[...new Set(empty)].join(", ")}` : ""}`;
}

/** Whether Docker measures containers' memory: `docker info`'s MemoryLimit (false without a cgroup
 * memory controller: no limit is enforced), and Docker's own stats of the running containers, which
 * Telegraf reads too. Some hosts enforce limits in the cgroup yet Docker reports every container at
 * 0 B (this project's build machines); there, as without a controller, memory is not measurable. */
export async function dockerMemory(docker: DockerRunner, containers: readonly string[]): Promise<{ enforced: boolean; measured: boolean }> {
  const enforced = (await docker(["info", "-f", "{{json .MemoryLimit}}"])).trim() === "true";
  if (!enforced || containers.length === 0) return { enforced, measured: enforced };
  const usage = (await docker(["stats", "--no-stream", "--format", "{{.MemUsage}}", ...containers])).split("\n").filter(Boolean);
  return { enforced, measured: usage.some((u) => !/^0B\b/.test(u.trim())) };
}

/** What the checks say where Docker reports no container's memory. */
export function memoryNotMeasurable(enforced: boolean): string {
  return enforced
    ? "memory not measurable here: the host enforces limits, but Docker reports every container at 0 B"
    : "memory not measurable here: no cgroup memory controller, so Docker enforces no memory limit and reports 0 B";
}

/** Telegraf's series for each of these containers: its restart count, OOM flag and memory use. Where
 * Docker measures memory, a container Telegraf reports at 0 B fails; where it does not, the figure says
 * so instead of passing on zeros. */
export async function containersReported(
  docker: DockerRunner,
  prometheus: string,
  names: readonly string[],
  seconds = 60,
  // A promise is awaited beside the queries (dockerMemory's `docker stats` takes about 2 s).
  hostMemory?: Promise<{ enforced: boolean; measured: boolean }> | { enforced: boolean; measured: boolean },
): Promise<string> {
  return within(seconds, "every container reported by Telegraf", async () => {
    const [restarts, memory, oom, host] = await Promise.all([
      promQuery(docker, prometheus, `${CONTAINER_METRICS.restarts}{container_status="running"}`),
      promQuery(docker, prometheus, CONTAINER_METRICS.memory),
      promQuery(docker, prometheus, CONTAINER_METRICS.oomKilled),
      hostMemory,
    ]);
    const missing = names.filter((n) => ![restarts, memory, oom].every((series) => series.some((s) => s.labels.container_name === n)));
    if (missing.length > 0) return notYet(`not reported yet: ${missing.join(", ")}`);
    const mine = (series: typeof restarts) => series.filter((s) => names.includes(s.labels.container_name!));
    const restarted = mine(restarts).filter((s) => s.value > 0);
    const killed = mine(oom).filter((s) => s.value === 1);
    const mib = mine(memory).map((s) => s.value / 2 ** 20);
    const measured = host?.measured ?? true;
    const zero = mine(memory).filter((s) => s.value === 0).map((s) => s.labels.container_name);
    if (measured && zero.length > 0) return notYet(`memory reported as 0 B although Docker measures it: ${zero.join(", ")}`);
    const memoryFigure = measured ? `memory ${Math.min(...mib).toFixed(0)}–${Math.max(...mib).toFixed(0)} MiB` : memoryNotMeasurable(host!.enforced);
    return `${names.length} containers reported; ${memoryFigure}; restarts: ${restarted.map((s) => `${s.labels.container_name} ${s.value}`).join(", ") || "none"}; OOM-killed: ${killed.map((s) => s.labels.container_name).join(", ") || "none"}`;
  });
}

/** sophia-ops's view of the agent runtimes, as Prometheus scraped it: every deployed one up, with its
 * start time. `runtimes`: the deployed runtimes' names (their host names); a route to a runtime that
 * is not deployed (a rehearsal skips GPU pools) is reported, not failed. */
export async function agentRuntimesReported(docker: DockerRunner, prometheus: string, runtimes: readonly string[], seconds = 60): Promise<string> {
  return within(seconds, "every agent runtime up, with its start time", async () => {
    const up = await promQuery(docker, prometheus, AGENT_RUNTIME_UP_METRIC);
    const starts = await promQuery(docker, prometheus, AGENT_RUNTIME_START_METRIC);
    const upNames = up.filter((u) => u.value === 1).map((u) => u.labels.runtime!);
    const notUp = runtimes.filter((r) => !upNames.includes(r));
    if (notUp.length > 0) return notYet(`not up: ${notUp.join(", ")}`);
    const unmeasured = runtimes.filter((r) => !starts.some((s) => s.labels.runtime === r));
    if (unmeasured.length > 0) return notYet(`no start time yet from ${unmeasured.join(", ")}`);
    const undeployed = up.filter((u) => !runtimes.includes(u.labels.runtime!) && u.value !== 1).map((u) => u.labels.runtime);
    const mine = starts.filter((s) => runtimes.includes(s.labels.runtime!));
    return `${runtimes.length} runtimes up; start to serving: ${mine.map((s) => `${s.labels.runtime} ${s.value.toFixed(2)} s`).join(", ")}${undeployed.length ? `; routed to but not deployed here (down): ${undeployed.join(", ")}` : ""}`;
  });
}
