// npm run bench:agents — the agent runtime's speed targets, measured on the local stack in one run:
//   instantiation   inside the runtime image, Agno's PerformanceEval (1,000 constructions in 5 rounds taking turns): a bare
//                   Agno agent with the same model and tools (the 1.1× target's reference), Agno's
//                   own minimal example, and a manifest agent built the way the runtime builds it;
//   start-to-healthy  `docker start` of the runtime container until its /health answers 200 (its
//                   MCP connections up), median of 5, beside the stub model's (a bare Python server);
//                   and where the runtime's time went: `python -X importtime` of its entry module,
//                   and the phases its /health reports (imports, app built, serving);
//   route overhead  route_task through the ingress and the ops server, minus a direct AgentOS run
//                   of the same task on the same agent (the model's time is in both), medians of 30.
import { setTimeout as sleep } from "node:timers/promises";
import { containerIp, median, withLocalStack } from "./bench-support";
import { cursorEntries, withClient } from "@sophia/verify";
import { docker, type LocalProgram, smokeName } from "./local-stack";

const RUNTIME_NAME = "sophia-local-agents-local-0-infrastructure-cpu";
const RUNTIME = smokeName(RUNTIME_NAME);
const STUB = smokeName("sophia-local-model-stub");
const STARTS = 5;
const ROUTES = 30;
/** A task the stub model answers without a tool call, so both paths do the same model work. */
const TASK = "Say hello to the benchmark";

/** Seconds from `docker start` to a 200 from /health, and the body of that answer. */
async function startToHealthy(container: string, healthUrl: string): Promise<{ seconds: number; body: unknown }> {
  await docker(["stop", "-t", "5", container], container);
  const start = performance.now();
  await docker(["start", container], container);
  for (;;) {
    const response = await fetch(healthUrl, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
    if (response?.ok) return { seconds: (performance.now() - start) / 1000, body: await response.json().catch(() => undefined) };
    if (performance.now() - start > 60_000) throw new Error(`${container} not healthy 60 s after start`);
    await sleep(20);
  }
}

/** The largest imports of the runtime's entry module, from `python -X importtime` in its container:
 * the total, and the five largest of what the runtime's own modules import directly (each with
 * everything it imports in turn). */
async function importTimes(container: string): Promise<{ totalSeconds: number; largest: string }> {
  const report = await docker(["exec", container, "sh", "-c", "python -X importtime -c 'import sophia_runtime.app' 2>&1 >/dev/null"], container);
  const rows = report
    .split("\n")
    .map((line) => line.match(/^import time:\s+\d+ \|\s+(\d+) \|( +)(\S+)$/))
    .filter((m): m is RegExpMatchArray => m !== null)
    // Nesting is two spaces a level after the separator's one.
    .map((m) => ({ micros: Number(m[1]), depth: (m[2]!.length - 1) / 2, name: m[3]! }));
  const total = rows.find((r) => r.name === "sophia_runtime.app")?.micros ?? NaN;
  // A row's parent is the next row of lower depth (importtime prints children before their parent).
  const direct = rows.filter((row, i) => !row.name.startsWith("sophia_runtime") && rows.slice(i + 1).find((r) => r.depth < row.depth)?.name.startsWith("sophia_runtime"));
  const largest = direct
    .sort((a, b) => b.micros - a.micros)
    .slice(0, 5)
    .map((r) => `${r.name} ${(r.micros / 1e6).toFixed(2)}`)
    .join(", ");
  return { totalSeconds: total / 1e6, largest };
}

/** `npm run bench:agents`: the figures, then the last line. */
export async function benchAgents(program: LocalProgram): Promise<void> {
  await withLocalStack("bench:agents", program, async (stack) => {
    const instantiation = JSON.parse(await docker(["exec", RUNTIME, "python", "-m", "sophia_runtime.bench", "infra-operator"], RUNTIME)) as Record<string, { median_us: number; p95_us: number }> & { agent: string };
    const ours = instantiation[instantiation.agent]!;
    console.error(`[bench:agents] instantiation: ${JSON.stringify(instantiation)}`);
    const reference = instantiation["agno-reference"]!;
    const bare = instantiation["agno-bare"]!;

    const runtimeUrl = `http://${await containerIp(RUNTIME, smokeName("sophia-mcp"))}:7777`;
    // The direct run presents the runtime's own key, as the ops server does.
    const runtimeAuth = { authorization: `Bearer ${stack.envOf(RUNTIME_NAME).SOPHIA_AGENT_API_KEY}` };
    const ops = cursorEntries(stack.live.cursorMcpJson, stack.live.tokens).find((e) => e.name === "sophia-sophia-ops")!;
    const routed: number[] = [];
    const direct: number[] = [];
    await withClient(ops.url, ops.headers, async (client) => {
      for (let i = 0; i < ROUTES + 3; i++) {
        let t = performance.now();
        const result = await client.callTool({ name: "route_task", arguments: { category: "infrastructure", task: TASK } }, undefined, { timeout: 120_000 });
        if (result.isError) throw new Error(`route_task failed: ${JSON.stringify(result.content)}`);
        const routeMs = performance.now() - t;
        t = performance.now();
        const response = await fetch(`${runtimeUrl}/agents/infra-operator/runs`, { method: "POST", headers: runtimeAuth, body: new URLSearchParams({ message: TASK, stream: "false" }) });
        if (!response.ok) throw new Error(`direct run failed: ${response.status}`);
        await response.text();
        const directMs = performance.now() - t;
        console.error(`[bench:agents] route ${i + 1}/${ROUTES + 3}: route_task ${routeMs.toFixed(0)} ms, direct ${directMs.toFixed(0)} ms`);
        if (i >= 3) {
          routed.push(routeMs);
          direct.push(directMs);
        }
      }
    });

    // Restarts last: they reset the connections the route measurement would otherwise reuse.
    const log = (line: string) => console.error(`[bench:agents] ${line}`);
    const starts: { runtime: number[]; stub: number[] } = { runtime: [], stub: [] };
    const phases: { imports: number[]; app: number[]; connected: number[]; serving: number[] } = { imports: [], app: [], connected: [], serving: [] };
    for (let i = 0; i < STARTS; i++) {
      starts.stub.push((await startToHealthy(STUB, `http://${await containerIp(STUB, smokeName("sophia-mcp"))}:8000/health`)).seconds);
      const runtime = await startToHealthy(RUNTIME, `http://${await containerIp(RUNTIME, smokeName("sophia-mcp"))}:7777/health`);
      starts.runtime.push(runtime.seconds);
      const reported = (runtime.body as { startPhases?: Record<string, number> } | undefined)?.startPhases ?? {};
      for (const phase of ["imports", "app", "connected", "serving"] as const) if (typeof reported[phase] === "number") phases[phase].push(reported[phase]);
      log(`start ${i + 1}/${STARTS}: runtime ${runtime.seconds.toFixed(2)} s (${JSON.stringify(reported)}), stub ${starts.stub.at(-1)!.toFixed(2)} s`);
    }
    const imports = await importTimes(RUNTIME);

    // The pool must answer again after its restarts (and the model's), not only report healthy.
    const t = performance.now();
    const again = await withClient(ops.url, ops.headers, (client) => client.callTool({ name: "route_task", arguments: { category: "infrastructure", task: TASK } }, undefined, { timeout: 30_000 }));
    if (again.isError) throw new Error(`route_task after the restarts failed: ${JSON.stringify(again.content)}`);
    log(`route_task after ${STARTS} restarts: answered in ${(performance.now() - t).toFixed(0)} ms`);

    const fmt = (v: number, d = 1) => v.toFixed(d);
    const ratio = ours.median_us / bare.median_us;
    return [
      "measure                                              median      other                    ratio",
      `instantiate ${instantiation.agent} (model + MCP tools), µs   ${fmt(ours.median_us).padStart(8)}    bare agno, same model and tools ${fmt(bare.median_us).padStart(6)}   ${fmt(ratio, 2)}x   (target ≤ 1.1x)`,
      `  agno's minimal example agent (no model, no tools), µs  ${fmt(reference.median_us).padStart(8)}`,
      `runtime start-to-healthy (of ${STARTS}), s                 ${fmt(median(starts.runtime), 2).padStart(8)}    stub model ${fmt(median(starts.stub), 2).padStart(10)}   ${fmt(median(starts.runtime) / median(starts.stub), 2)}x   (target < 2 s)`,
      `  process age at: imports done ${fmt(median(phases.imports), 2)} s, app built ${fmt(median(phases.app), 2)} s, MCP connected ${fmt(median(phases.connected), 2)} s, serving ${fmt(median(phases.serving), 2)} s (medians, as /health reports them)`,
      `  python -X importtime of sophia_runtime.app: ${fmt(imports.totalSeconds, 2)} s; largest: ${imports.largest}`,
      `route_task vs direct AgentOS run (of ${ROUTES}), ms         ${fmt(median(routed)).padStart(8)}    direct ${fmt(median(direct)).padStart(14)}   ${fmt(median(routed) / median(direct), 2)}x`,
      `runtime starts, s: ${starts.runtime.map((s) => fmt(s, 2)).join(" ")}; stub starts, s: ${starts.stub.map((s) => fmt(s, 2)).join(" ")}`,
      `agents: instantiate-median-us=${fmt(ours.median_us)} bare-agno-us=${fmt(bare.median_us)} ratio=${fmt(ratio, 2)} start-to-healthy-s=${fmt(median(starts.runtime), 2)} route-overhead-ms=${fmt(median(routed) - median(direct))}`,
    ];
  });
}
