// npm run smoke -- local
// CI's stand-in for a real `pulumi up` (CI has no Pulumi engine): brings the local stack up on the local
// Docker engine with ./local-stack.ts (exactly what the program registers, every input applied or a
// failure naming it), runs the post-deploy checklist the deploy tool runs (packages/verify), then
// removes everything it created, on failure and on Ctrl-C too.
import { alertLog, type CheckResult, dockerOn, type LiveDeployment, notYet, promQuery, renderChecklist, runChecklist, textOf, withClient, within } from "@sophia/verify";
import { bringUpLocal, type Created, type LocalProgram, SmokeError, smokeName, teardownOnSignal } from "./local-stack";

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const say = (line: string) => console.log(`[smoke ${elapsed()}] ${line}`);

/** `npm run smoke -- local`: the whole smoke; its exit code. */
export async function smoke(argv: readonly string[], program: LocalProgram): Promise<number> {
  const stack = argv[0];
  if (stack !== "local") {
    console.error(`usage: npm run smoke -- local   (the smoke brings up the local stack on this machine's Docker; got ${stack ?? "nothing"})`);
    return 2;
  }
  const created: Created = { containers: [], networks: [], volumes: [] };
  const finish = teardownOnSignal(created, say);

  const results: Pick<CheckResult, "ok">[] = [];
  try {
    // Gong on, against the smoke's own fake Gong API (the committed local stack keeps it off).
    const { live } = await bringUpLocal(program, created, say, { fakeGong: true });
    const checked = await runChecklist(live, (r) => say(`${r.ok ? "PASS" : "FAIL"} ${r.name}: ${r.detail}`));
    results.push(...checked);
    console.log(renderChecklist(checked));
    for (const fault of faults(live)) {
      const t = Date.now();
      try {
        const detail = await fault.run();
        results.push({ ok: true });
        say(`PASS ${fault.name}: ${detail} (${((Date.now() - t) / 1000).toFixed(1)}s)`);
      } catch (error) {
        results.push({ ok: false });
        say(`FAIL ${fault.name}: ${(error as Error).message}`);
      }
    }
  } catch (error) {
    if (!(error instanceof SmokeError)) throw error;
    results.push({ ok: false });
    say(`FAIL bring-up: ${error.message}`);
  } finally {
    await finish();
  }
  const passed = results.filter((r) => r.ok).length;
  console.log(`smoke ${stack}: ${passed}/${results.length} checks passed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return passed === results.length ? 0 : 1;
}

/** Faults a live deployment must ride out by itself. The smoke's stack is its own, so it may hurt it;
 * the deploy tool's checklist never does this to a real deployment. */
function faults(live: LiveDeployment): { name: string; run: () => Promise<string> }[] {
  const ops = `${live.ingressUrl}/sophia-ops/mcp`;
  const auth = { Authorization: `Bearer ${live.tokens.cursor}` };
  const call = (name: string, args: Record<string, string>) =>
    withClient(ops, auth, async (client) => {
      const result = await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
      if (result.isError) throw new Error(`${name}: ${textOf(result).slice(0, 200)}`);
      return textOf(result).trimEnd().split("\n").pop() ?? "";
    });
  const inspect = (container: string) => dockerOn(undefined, ["inspect", "-f", "restarts={{.RestartCount}} oom={{.State.OOMKilled}}", container]);
  return [
    {
      name: "an MCP server stopped: its McpServerDown alert reaches Alertmanager and the webhook, resolves after it is back, and its MTTR is recorded",
      run: () => alertRoundTrip(smokeName("sophia-local-memory"), "memory"),
    },
    {
      name: "two stack_plan calls at once and a route_task meanwhile all answer, and sophia-ops is not OOM-killed",
      run: async () => {
        const answers = await Promise.all([call("stack_plan", { stack: "local" }), call("stack_plan", { stack: "local" }), call("route_task", { category: "infrastructure", task: "Show me the plan of the local stack" })]);
        const state = await inspect(smokeName("sophia-local-sophia-ops"));
        if (state !== "restarts=0 oom=false") throw new Error(`sophia-ops: ${state}`);
        return `${answers.join(" | ")}; sophia-ops ${state}`;
      },
    },
    {
      // Healing by itself is what is checked; how fast is chaos's and the benchmarks' figure (a bound of
      // 60 s, not the 15 s target, keeps this from failing on a busy machine).
      name: "agents heal after their MCP server restarts: runtime /health green and a memory tool works again, with no person acting",
      run: async () => {
        const started = Date.now();
        await dockerOn(undefined, ["restart", smokeName("sophia-local-memory")]);
        for (;;) {
          const elapsed = (Date.now() - started) / 1000;
          if (elapsed > 60) throw new Error("not healed within 60 s");
          const health = await dockerOn(undefined, ["exec", smokeName("sophia-local-agents-local-0-business-intelligence-cpu"), "curl", "-s", "http://127.0.0.1:7777/health"]).catch(() => "");
          const answer = health.includes('"status":"ok"') ? await call("route_task", { category: "business-intelligence", task: "Search for the smoke's deals" }).catch(() => "") : "";
          // The stub model calls search_nodes when the agent has the memory tools, and says what it
          // answered: a tool that failed is not healed.
          if (answer.includes("search_nodes says:") && !answer.includes("failed")) return `healed in ${elapsed.toFixed(1)}s: ${answer.slice(0, 80)}`;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      },
    },
  ];
}

/** Stop a server, and time each step of its alert: firing in Prometheus, delivered by Alertmanager to
 * the webhook receiver (the alert log), resolved there once the server is back, then the MTTR
 * Prometheus records for it. */
async function alertRoundTrip(container: string, server: string): Promise<string> {
  const docker = (args: string[]) => dockerOn(undefined, args);
  const prometheus = smokeName("sophia-local-prometheus");
  const log = smokeName("sophia-local-alert-log");
  const t0 = Date.now();
  const at = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  const ours = (a: { labels: Record<string, string> }) => a.labels.alertname === "McpServerDown" && a.labels.server === server;
  const before = (await alertLog(docker, log)).filter(ours).length;
  await docker(["stop", container]);
  const steps = [`stopped ${server}`];
  try {
    await within(120, "McpServerDown firing in Prometheus", async () => ((await promQuery(docker, prometheus, `ALERTS{alertname="McpServerDown",server="${server}",alertstate="firing"}`)).length > 0 ? true : notYet("not firing")));
    steps.push(`firing at ${at()}`);
    await within(60, "the webhook receiving it", async () => ((await alertLog(docker, log)).filter(ours).slice(before).some((a) => a.status === "firing") ? true : notYet("not received")));
    steps.push(`at the webhook (page) at ${at()}`);
  } finally {
    await docker(["start", container]);
  }
  steps.push(`started again at ${at()}`);
  await within(180, "the resolved notice at the webhook", async () => ((await alertLog(docker, log)).filter(ours).slice(before).some((a) => a.status === "resolved") ? true : notYet("not resolved")));
  steps.push(`resolved at the webhook at ${at()}`);
  const mttr = await within(60, "MTTR recorded", async () => {
    const [sample] = await promQuery(docker, prometheus, `sophia:mttr_seconds:30d{server="${server}",source="probe"}`);
    return sample ? sample.value : notYet("no MTTR series yet");
  });
  return `${steps.join(", ")}; MTTR ${mttr.toFixed(0)}s over 30 days`;
}
