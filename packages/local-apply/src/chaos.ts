// npm run chaos -- local
// Faults and abuse on the real local stack, brought up the way the smoke does (./local-stack.ts, its
// own namespace and port), one at a time, with no person acting:
//   - SIGKILL of each container's main process (then: did Prometheus see every restart?);
//   - a restart of each MCP server while agents are mid-task;
//   - 2,000 MCP sessions opened and abandoned without DELETE;
//   - 16 parallel 10 MB bodies;
//   - one slow-header connection held open;
//   - every way around the ingress (packages/verify/src/probes.ts).
// After each: seconds until every container is healthy again (target 10), seconds until an end-to-end
// route_task answers again (target 15), no container OOM-killed, and one more acknowledged write to
// memory. At the end every acknowledged write must read back. Tears down on success, failure and Ctrl-C.
// Last line: `chaos local: <passed>/<total> checks passed, worst recovery <s>s, 0 bypasses, 0 lost writes`.
//
// A fault fails when the stack does not heal by itself within RECOVERY_LIMIT_S. Missing the 10 s and
// 15 s targets fails it too, unless `--report-targets` is given: `npm test` passes that, because
// recovery times are speed figures and CI's 2-core machine is shared and noisy (a Python runtime's
// imports alone took 3 to 6 s there, depending on what else ran), so there they are printed and
// counted, not asserted.
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { containerUsage } from "./bench-support";
import { CONTAINER_METRICS } from "@sophia/monitoring";
import { bigBodyFile, bypassProbes, dockerOn, notYet, promQuery, textOf, withClient, within } from "@sophia/verify";
import { bringUpLocal, type Created, docker, type LocalProgram, type LocalStack, smokeName, teardownOnSignal } from "./local-stack";

const HEALTHY_TARGET_S = 10;
const END_TO_END_TARGET_S = 15;
const STOP_TARGET_S = 2;
/** Past this, nothing is coming back by itself: a person would have to act. */
const RECOVERY_LIMIT_S = 60;
const ABANDONED_SESSIONS = 2000;
const PARALLEL_BODIES = 16;

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const say = (line: string) => console.log(`[chaos ${elapsed()}] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ContainerState {
  readonly running: boolean;
  readonly health: string;
  readonly startedAt: string;
  readonly oom: boolean;
  readonly pid: number;
  readonly exitCode: number;
}

interface Outcome {
  readonly fault: string;
  readonly ok: boolean;
  readonly detail: string;
  /** Seconds to healthy and to an end-to-end answer, where the fault took something down. */
  readonly healthyS?: number;
  readonly endToEndS?: number;
  /** Recovered, but slower than the 10 s / 15 s targets: what was over. */
  readonly overTarget?: string;
}

/** What every fault needs: the stack's clients, and the checks run after each fault. */
class Harness {
  readonly writes: string[] = [];
  readonly containers: string[];
  private readonly ops: string;
  private readonly memory: string;
  private readonly auth: Record<string, string>;

  constructor(
    readonly stack: LocalStack,
    readonly reportTargetsOnly: boolean,
  ) {
    this.containers = [...stack.created.containers];
    this.ops = `${stack.live.ingressUrl}/sophia-ops/mcp`;
    this.memory = `${stack.live.ingressUrl}/memory/mcp`;
    this.auth = { Authorization: `Bearer ${stack.live.tokens.cursor}` };
  }

  /** One route_task through the ingress; throws unless an agent answered. */
  async routeTask(category: string, task: string, timeoutMs = 5000): Promise<string> {
    return withClient(this.ops, this.auth, async (client) => {
      const result = await client.callTool({ name: "route_task", arguments: { category, task } }, undefined, { timeout: timeoutMs });
      if (result.isError) throw new Error(textOf(result).slice(0, 160));
      return textOf(result);
    });
  }

  /** The end-to-end path through every kind of container: ingress → sophia-ops → the agent runtime
   * (each category's, when `category` names one) → the model, and memory through the agent's tools. */
  async endToEnd(category = "business-intelligence"): Promise<string> {
    const answer = category === "business-intelligence" ? await this.routeTask(category, "Search for chaos") : await this.routeTask(category, "Say hello to the chaos suite");
    if (category === "business-intelligence" && !answer.includes("search_nodes says:")) throw new Error(`no memory search in the answer: ${answer.slice(0, 120)}`);
    return answer;
  }

  /** An acknowledged write to memory through the ingress: recorded only once the server said ok. */
  async write(): Promise<void> {
    const name = `chaos-${this.writes.length}-${Date.now().toString(36)}`;
    await withClient(this.memory, this.auth, async (client) => {
      const result = await client.callTool({ name: "create_entities", arguments: { entities: [{ name, entityType: "chaos-write", observations: [`written at ${elapsed()}`] }] } });
      if (result.isError) throw new Error(`create_entities: ${textOf(result).slice(0, 160)}`);
    });
    this.writes.push(name);
  }

  async lostWrites(): Promise<string[]> {
    const graph = await withClient(this.memory, this.auth, (client) => client.callTool({ name: "search_nodes", arguments: { query: "chaos-" } }));
    const found = textOf(graph);
    return this.writes.filter((w) => !found.includes(w));
  }

  async state(container: string): Promise<ContainerState> {
    return (await this.states([container])).get(container)!;
  }

  /** One `docker inspect` for all of them: polling container by container, ten times a second, kept
   * a core of this 2-core machine busy and slowed the very restarts it timed. */
  async states(containers: readonly string[] = this.containers): Promise<Map<string, ContainerState>> {
    const format = "{{.Name}} {{.State.Running}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.StartedAt}} {{.State.OOMKilled}} {{.State.Pid}} {{.State.ExitCode}}";
    const out = await docker(["inspect", "-f", format, ...containers], "chaos");
    const found = new Map<string, ContainerState>();
    for (const line of out.split("\n").filter(Boolean)) {
      const [name, running, health, startedAt, oom, pid, exitCode] = line.split(" ");
      found.set(name!.replace(/^\//, ""), { running: running === "true", health: health!, startedAt: startedAt!, oom: oom === "true", pid: Number(pid), exitCode: Number(exitCode) });
    }
    return found;
  }

  async oomKilled(): Promise<string[]> {
    return [...(await this.states())].filter(([, s]) => s.oom).map(([c]) => c);
  }

  /** Seconds from `since` until every container runs and is healthy; `restarted` must also show a new
   * start (Docker keeps the old health status until the new process starts). */
  async untilHealthy(since: number, restarted: Record<string, string> = {}, limitS = RECOVERY_LIMIT_S): Promise<number> {
    for (;;) {
      const states = await this.states().catch(() => new Map<string, ContainerState>());
      const notReady = this.containers.filter((c) => {
        const s = states.get(c);
        return !s || !s.running || s.health !== "healthy" || s.startedAt === restarted[c];
      });
      const seconds = (performance.now() - since) / 1000;
      if (notReady.length === 0) return seconds;
      if (seconds > limitS) throw new Error(`not healthy after ${limitS}s: ${notReady.map((c) => `${c} ${states.get(c)?.health ?? "gone"}`).join(", ")}`);
      await sleep(200);
    }
  }

  async untilEndToEnd(since: number, category?: string, limitS = RECOVERY_LIMIT_S): Promise<number> {
    let last = "";
    for (;;) {
      const ok = await this.endToEnd(category).then(
        () => true,
        (e: Error) => ((last = e.message), false),
      );
      const seconds = (performance.now() - since) / 1000;
      if (ok) return seconds;
      if (seconds > limitS) throw new Error(`no end-to-end answer after ${limitS}s; last: ${last}`);
      await sleep(250);
    }
  }

  /** After a fault: healed by itself (within RECOVERY_LIMIT_S), no OOM kill, one more acknowledged
   * write; recovery times against the targets, which fail the fault unless only reported. */
  async recovered(fault: string, since: number, restarted: Record<string, string>, category?: string): Promise<Outcome> {
    const healthyS = await this.untilHealthy(since, restarted);
    const endToEndS = await this.untilEndToEnd(since, category);
    const oom = await this.oomKilled();
    await this.write();
    const slow = [
      ...(healthyS > HEALTHY_TARGET_S ? [`healthy after ${healthyS.toFixed(1)}s > ${HEALTHY_TARGET_S}s`] : []),
      ...(endToEndS > END_TO_END_TARGET_S ? [`end to end after ${endToEndS.toFixed(1)}s > ${END_TO_END_TARGET_S}s`] : []),
    ].join("; ");
    const failures = [...(slow && !this.reportTargetsOnly ? [slow] : []), ...(oom.length ? [`OOM-killed: ${oom.join(", ")}`] : [])];
    const detail = failures.join("; ") || (slow ? `recovered, over target: ${slow}` : "recovered");
    return { fault, ok: failures.length === 0, detail, healthyS, endToEndS, ...(slow ? { overTarget: slow } : {}) };
  }
}

const memoryMiB = async (container: string) => (await containerUsage(container)).mib;

async function killEach(h: Harness): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const container of h.containers) {
    const before = await h.state(container);
    const since = performance.now();
    // SIGKILL of the main process, as the kernel's OOM killer or a crash would end it; Docker's
    // restart policy must bring it back.
    process.kill(before.pid, "SIGKILL");
    const pool = container.match(/-agents-local-0-(.+)-cpu$/)?.[1];
    const outcome: Outcome = await h.recovered(`SIGKILL ${container}`, since, { [container]: before.startedAt }, pool).catch((e: Error) => ({ fault: `SIGKILL ${container}`, ok: false, detail: e.message }));
    say(`${outcome.ok ? "PASS" : "FAIL"} ${outcome.fault}: ${outcome.detail}${outcome.healthyS !== undefined ? ` (healthy ${outcome.healthyS.toFixed(1)}s, end to end ${outcome.endToEndS!.toFixed(1)}s)` : ""}`);
    outcomes.push(outcome);
  }
  return outcomes;
}

/** The SIGKILLs above, as monitoring saw them: Telegraf's restart count of every killed container,
 * scraped by Prometheus (itself killed and back, its series on its volume). */
async function restartsSeen(h: Harness): Promise<Outcome> {
  const prometheus = h.containers.find((c) => c.endsWith("-prometheus"))!;
  const detail = await within(60, "every killed container's restart in Prometheus", async () => {
    const counts = await promQuery((args) => dockerOn(undefined, args), prometheus, `max by (container_name) (max_over_time(${CONTAINER_METRICS.restarts}[30m]))`);
    const unseen = h.containers.filter((c) => !counts.some((r) => r.labels.container_name === c && r.value >= 1));
    if (unseen.length > 0) return notYet(`no restart recorded yet for ${unseen.join(", ")}`);
    return `${h.containers.length} of ${h.containers.length} killed containers show a restart count of at least 1`;
  });
  return { fault: "Prometheus saw every restart (Telegraf's restart count)", ok: true, detail };
}

async function restartMidTask(h: Harness): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const server of ["memory", "sophia-ops"]) {
    const container = smokeName(`sophia-local-${server}`);
    const before = await h.state(container);
    // Agents busy the whole time: tasks that use the server, sent back to back while it restarts.
    let busy = true;
    let answered = 0;
    let failed = 0;
    const load = (async () => {
      while (busy) await h.endToEnd().then(() => answered++, () => failed++);
    })();
    await sleep(500);
    const since = performance.now();
    // A restart as Docker and Pulumi do it: SIGTERM, and SIGKILL only if the server has not stopped
    // within 5 s. A server that stopped by itself exits 0.
    await docker(["stop", "-t", "5", container], container);
    const stoppedS = (performance.now() - since) / 1000;
    const { exitCode } = await h.state(container);
    await docker(["start", container], container);
    const recovery = await h.recovered(`restart ${server} while agents are mid-task`, since, { [container]: before.startedAt }).catch((e: Error): Outcome => ({ fault: `restart ${server}`, ok: false, detail: e.message }));
    // The tasks in flight answer within a second, so a stop that takes longer waited on something else.
    const killed = exitCode !== 0 ? `it ignored SIGTERM and was killed (exit ${exitCode})` : undefined;
    const slowStop = !killed && stoppedS > STOP_TARGET_S ? `it took ${stoppedS.toFixed(1)}s to stop > ${STOP_TARGET_S}s` : undefined;
    const outcome: Outcome = killed
      ? { ...recovery, ok: false, detail: `${killed}; ${recovery.detail}` }
      : slowStop
        ? { ...recovery, ok: recovery.ok && h.reportTargetsOnly, detail: `${slowStop}; ${recovery.detail}`, overTarget: [slowStop, recovery.overTarget].filter(Boolean).join("; ") }
        : recovery;
    busy = false;
    await load;
    const detail = `${outcome.detail}; stopped in ${stoppedS.toFixed(1)}s; ${answered} tasks answered, ${failed} failed during the restart`;
    say(`${outcome.ok ? "PASS" : "FAIL"} ${outcome.fault}: ${detail}`);
    outcomes.push({ ...outcome, detail });
  }
  return outcomes;
}

/** Sessions opened (initialize, tools/list) and dropped without DELETE, 32 at a time, alternating
 * between the servers, in two halves. A leak grows with every session; a warming heap does not: the
 * second half may add at most 16 MiB to any of the servers or the ingress, and nothing may be
 * OOM-killed. */
async function abandonSessions(h: Harness): Promise<Outcome> {
  const fault = `${ABANDONED_SESSIONS} MCP sessions opened and abandoned without DELETE`;
  const watched = ["sophia-local-ingress", "sophia-local-memory", "sophia-local-sophia-ops"].map(smokeName);
  const measure = async () => Object.fromEntries(await Promise.all(watched.map(async (c) => [c, await memoryMiB(c)] as const)));
  const auth = { Authorization: `Bearer ${h.stack.live.tokens.cursor}` };
  const servers = ["memory", "sophia-ops"];
  const errors: string[] = [];
  const open = async (count: number) => {
    let opened = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (opened < count) {
          const n = opened++;
          const client = new Client({ name: "chaos-abandoned", version: "1" });
          const transport = new StreamableHTTPClientTransport(new URL(`${h.stack.live.ingressUrl}/${servers[n % 2]}/mcp`), { requestInit: { headers: auth } });
          try {
            await client.connect(transport);
            await client.listTools();
          } catch (error) {
            const e = error as Error & { cause?: { code?: string } };
            errors.push(`${servers[n % 2]}: ${e.message}${e.cause?.code ? ` (${e.cause.code})` : ""}`);
          }
          // Dropped: the connection goes, no DELETE is sent.
          await transport.close().catch(() => undefined);
        }
      }),
    );
  };
  const before = await measure();
  const since = performance.now();
  await open(ABANDONED_SESSIONS / 2);
  const half = await measure();
  await open(ABANDONED_SESSIONS / 2);
  const seconds = (performance.now() - since) / 1000;
  const after = await measure();
  const growth = watched.map((c) => `${c.replace("sophia-smoke-", "")} ${before[c]!.toFixed(0)}→${half[c]!.toFixed(0)}→${after[c]!.toFixed(0)} MiB`).join(", ");
  const grew = watched.filter((c) => after[c]! - half[c]! > 16);
  const outcome = await h.recovered(fault, performance.now(), {});
  const problems = [...(errors.length ? [`${errors.length} sessions failed: ${[...new Set(errors)].slice(0, 3).join("; ")}`] : []), ...(grew.length ? [`still growing in the second half: ${grew.join(", ")}`] : []), ...(outcome.ok ? [] : [outcome.detail])];
  return { fault, ok: problems.length === 0, detail: `${ABANDONED_SESSIONS} sessions in ${seconds.toFixed(1)}s; memory before→half→all ${growth}${problems.length ? `; ${problems.join("; ")}` : ""}` };
}

async function bigBodies(h: Harness): Promise<Outcome> {
  const fault = `${PARALLEL_BODIES} parallel 10 MB bodies`;
  const body = readFileSync(bigBodyFile());
  const statuses = await Promise.all(
    Array.from({ length: PARALLEL_BODIES }, () =>
      fetch(`${h.stack.live.ingressUrl}/memory/mcp`, {
        method: "POST",
        headers: { Authorization: `Bearer ${h.stack.live.tokens.cursor}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body,
      }).then(
        (r) => r.status,
        (e: Error & { cause?: { code?: string } }) => `error ${e.cause?.code ?? e.message}`,
      ),
    ),
  );
  const outcome = await h.recovered(fault, performance.now(), {});
  const counts = Object.entries(statuses.reduce<Record<string, number>>((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {}))
    .map(([s, n]) => `${n}× ${s}`)
    .join(", ");
  const ok = statuses.every((s) => s === 413) && outcome.ok;
  return { fault, ok, detail: `${counts}${outcome.ok ? "" : `; ${outcome.detail}`}` };
}

/** One connection that sends half a request line and then nothing: the ingress must cut it off, and
 * serve everyone else meanwhile. */
async function slowHeader(h: Harness): Promise<Outcome> {
  const fault = "one slow-header connection held open";
  const url = new URL(h.stack.live.ingressUrl);
  const socket = connect(Number(url.port), url.hostname);
  const opened = performance.now();
  const closed = new Promise<number>((resolve) => socket.on("close", () => resolve((performance.now() - opened) / 1000)));
  socket.on("error", () => undefined);
  socket.write(`GET /healthz HTTP/1.1\r\nHost: ${url.host}\r\nX-Slow: `);
  const meanwhile = await h.endToEnd().then(
    () => "answered",
    (e: Error) => `failed: ${e.message}`,
  );
  const seconds = await Promise.race([closed, sleep(30_000).then(() => Infinity)]);
  socket.destroy();
  const outcome = await h.recovered(fault, performance.now(), {});
  const ok = seconds <= 10 && meanwhile === "answered" && outcome.ok;
  return { fault, ok, detail: `the ingress closed it after ${seconds === Infinity ? "> 30" : seconds.toFixed(1)}s; an end-to-end task meanwhile ${meanwhile}` };
}

async function bypasses(h: Harness): Promise<{ outcomes: Outcome[]; bypasses: number }> {
  const outcomes: Outcome[] = [];
  let count = 0;
  const probes = bypassProbes({
    container: smokeName,
    mcpNetwork: smokeName("sophia-mcp"),
    edgeNetwork: smokeName("sophia-edge"),
    publicUrl: h.stack.live.ingressUrl,
    cursorToken: h.stack.live.tokens.cursor!,
    agent: { name: "infra-operator", host: "agents-local-0-infrastructure-cpu" },
  });
  for (const probe of probes) {
    const status = await probe.run();
    const ok = status === probe.expected;
    if (!ok) count++;
    outcomes.push({ fault: `bypass: ${probe.name}`, ok, detail: `${status} (stopped if ${probe.expected})` });
    say(`${ok ? "PASS" : "FAIL"} bypass: ${probe.name}: ${status}`);
  }
  return { outcomes, bypasses: count };
}

function table(outcomes: readonly Outcome[]): string {
  const rows = outcomes.map((o) => `  ${o.ok ? (o.overTarget ? "⚠" : "✔") : "✘"}  ${(o.healthyS?.toFixed(1) ?? "").padStart(7)}  ${(o.endToEndS?.toFixed(1) ?? "").padStart(7)}  ${o.fault}: ${o.detail}`);
  return ["  ok  healthy  end2end  fault: result (seconds after the fault; targets 10 and 15)", ...rows].join("\n");
}

/** `npm run chaos -- local`: the whole chaos suite; its exit code. */
export async function chaos(argv: readonly string[], program: LocalProgram): Promise<number> {
  const [stackName, ...flags] = argv;
  const unknown = flags.filter((f) => f !== "--report-targets");
  if (stackName !== "local" || unknown.length > 0) {
    console.error(
      `usage: npm run chaos -- local [--report-targets]   (faults on the local stack brought up on this machine's Docker; ` +
        `--report-targets prints recovery times against the targets instead of failing on them; got ${argv.join(" ") || "nothing"})`,
    );
    return 2;
  }
  const reportTargetsOnly = flags.includes("--report-targets");
  const created: Created = { containers: [], networks: [], volumes: [] };
  const finish = teardownOnSignal(created, say);
  const outcomes: Outcome[] = [];
  let bypassCount = 0;
  let lost: string[] = [];
  try {
    const stack = await bringUpLocal(program, created, say);
    const h = new Harness(stack, reportTargetsOnly);
    await h.untilHealthy(performance.now());
    await h.untilEndToEnd(performance.now());
    await h.write();
    say(`stack up, end to end answering, first write acknowledged; faults begin`);
    outcomes.push(...(await killEach(h)));
    const seen = await restartsSeen(h).catch((e: Error) => ({ fault: "Prometheus saw every restart", ok: false, detail: e.message }));
    say(`${seen.ok ? "PASS" : "FAIL"} ${seen.fault}: ${seen.detail}`);
    outcomes.push(seen);
    outcomes.push(...(await restartMidTask(h)));
    for (const fault of [abandonSessions, bigBodies, slowHeader]) {
      const outcome = await fault(h).catch((e: Error) => ({ fault: fault.name, ok: false, detail: e.message }));
      say(`${outcome.ok ? "PASS" : "FAIL"} ${outcome.fault}: ${outcome.detail}`);
      outcomes.push(outcome);
    }
    const probed = await bypasses(h);
    outcomes.push(...probed.outcomes);
    bypassCount = probed.bypasses;
    lost = await h.lostWrites();
    outcomes.push({ fault: `${h.writes.length} acknowledged writes to memory read back`, ok: lost.length === 0, detail: lost.length ? `lost: ${lost.join(", ")}` : "all there" });
  } catch (error) {
    outcomes.push({ fault: "chaos run", ok: false, detail: (error as Error).message });
    say(`FAIL ${(error as Error).message}`);
  } finally {
    await finish();
  }
  console.log(table(outcomes));
  const timed = outcomes.filter((o) => o.healthyS !== undefined);
  const slow = timed.filter((o) => o.overTarget);
  console.log(
    `recovery targets (healthy ${HEALTHY_TARGET_S}s, end to end ${END_TO_END_TARGET_S}s): met after ${timed.length - slow.length} of ${timed.length} faults` +
      (slow.length ? `; over: ${slow.map((o) => `${o.fault} (${o.overTarget})`).join(", ")}${reportTargetsOnly ? " (reported, not failed: --report-targets)" : ""}` : ""),
  );
  const passed = outcomes.filter((o) => o.ok).length;
  const worst = Math.max(0, ...outcomes.map((o) => o.endToEndS ?? 0), ...outcomes.map((o) => o.healthyS ?? 0));
  console.log(`chaos local: ${passed}/${outcomes.length} checks passed, worst recovery ${worst.toFixed(1)}s, ${bypassCount} bypasses, ${lost.length} lost writes`);
  return passed === outcomes.length ? 0 : 1;
}
