// npm run smoke -- local
// Brings the local stack up for real on the local Docker engine (tools/local-stack.ts: exactly what
// the program registers, every input applied or a failure naming it) and runs the post-deploy
// checklist, then removes everything it created, on failure and on Ctrl-C too.
import { randomBytes } from "node:crypto";
import { type Created, SmokeError, bringUpLocal, conformance, docker, teardownOnSignal, textOf, withClient } from "./local-stack";

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const say = (line: string) => console.log(`[smoke ${elapsed()}] ${line}`);

interface Check {
  readonly name: string;
  readonly run: () => Promise<string>;
}

async function main(argv: string[]): Promise<number> {
  const stack = argv[0];
  if (stack !== "local") {
    console.error(`usage: npm run smoke -- local   (the smoke brings up the local stack on this machine's Docker; got ${stack ?? "nothing"})`);
    return 2;
  }
  const created: Created = { containers: [], networks: [], volumes: [] };
  const finish = teardownOnSignal(created, say);

  const results: { name: string; ok: boolean; detail: string }[] = [];
  try {
    const { evaluation, ingressUrl, tokens, entries } = await bringUpLocal(created, say);
    const checks: Check[] = [
      ...created.containers.map((c) => ({ name: `${c} healthy`, run: async () => `health ${await docker(["inspect", "-f", "{{.State.Health.Status}}", c], c)}` })),
      ...entries.map((e) => ({
        name: `mcp.json ${e.name}: tools/list through the ingress`,
        run: () =>
          withClient(e.url, e.headers, async (client) => {
            const { tools } = await client.listTools();
            return `${tools.length} tools: ${tools.map((t) => t.name).join(", ")}`;
          }),
      })),
      {
        name: "memory: create_entities then search_nodes round-trips",
        run: async () => {
          const memory = entries.find((e) => e.name === "sophia-memory")!;
          return withClient(memory.url, memory.headers, async (client) => {
            const marker = `smoke-${randomBytes(4).toString("hex")}`;
            await client.callTool({ name: "create_entities", arguments: { entities: [{ name: marker, entityType: "check", observations: ["written by the smoke"] }] } });
            const found = textOf(await client.callTool({ name: "search_nodes", arguments: { query: marker } }));
            if (!found.includes(marker)) throw new Error(`search_nodes did not return ${marker}: ${found.slice(0, 200)}`);
            return `entity ${marker} written and read back`;
          });
        },
      },
      {
        name: "sophia-ops: stack_plan local runs the program in mock mode inside the container",
        run: async () => {
          const ops = entries.find((e) => e.name === "sophia-sophia-ops")!;
          return withClient(ops.url, ops.headers, async (client) => {
            const plan = textOf(await client.callTool({ name: "stack_plan", arguments: { stack: "local" } }));
            const last = plan.trimEnd().split("\n").pop() ?? "";
            if (last !== `plan local: ${evaluation.resources.length} resources`) throw new Error(`unexpected plan ending: ${last}`);
            return last;
          });
        },
      },
      ...created.containers
        .filter((c) => c.includes("-agents-"))
        .map((c) => ({
          name: `${c}: runtime /health green, every MCP connection up`,
          run: async () => {
            const body = await docker(["exec", c, "curl", "-fsS", "http://127.0.0.1:7777/health"], c);
            const health = JSON.parse(body) as { status: string; agents: string[]; mcpDown: string[] };
            if (health.status !== "ok") throw new Error(body);
            return `status ok, ${health.agents.length} agents, mcpDown []`;
          },
        })),
      {
        name: "end to end: Cursor config → route_task (infrastructure) → infra agent → stack_plan on sophia-ops → answer",
        run: async () => {
          const ops = entries.find((e) => e.name === "sophia-sophia-ops")!;
          const result = await withClient(ops.url, ops.headers, (client) =>
            client.callTool({ name: "route_task", arguments: { category: "infrastructure", task: "Show me the plan of the local stack" } }, undefined, { timeout: 120_000 }),
          );
          const routed = result.structuredContent as { agent: string; answer: string; ms: number } | undefined;
          const expected = `plan local: ${evaluation.resources.length} resources`;
          if (result.isError || routed?.agent !== "infra-operator" || !routed.answer.includes(`stack_plan says: ${expected}`)) throw new Error(textOf(result).slice(0, 300));
          return `${routed.agent} answered in ${routed.ms} ms: ${routed.answer}`;
        },
      },
      {
        name: "business-intelligence task goes to its own agent, never to the infrastructure one",
        run: async () => {
          const ops = entries.find((e) => e.name === "sophia-sophia-ops")!;
          const result = await withClient(ops.url, ops.headers, (client) =>
            client.callTool({ name: "route_task", arguments: { category: "business-intelligence", task: "Search for the smoke's deals" } }, undefined, { timeout: 120_000 }),
          );
          const routed = result.structuredContent as { agent: string; answer: string } | undefined;
          // The stub model names the agent whose system prompt it received, so the answer shows who ran.
          if (result.isError || routed?.agent !== "sales-analyst" || !routed.answer.startsWith("sales-analyst: search_nodes says:")) throw new Error(textOf(result).slice(0, 300));
          return `${routed.agent}: ${routed.answer.slice(0, 120)}`;
        },
      },
      {
        name: "route_task refuses a category the caller's token may not use",
        run: async () => {
          const ops = entries.find((e) => e.name === "sophia-sophia-ops")!;
          const monitoring = { Authorization: `Bearer ${tokens.SOPHIA_MCP_TOKEN_MONITORING}` };
          const result = await withClient(ops.url, monitoring, (client) => client.callTool({ name: "route_task", arguments: { category: "business-intelligence", task: "Show the pipeline" } }));
          const text = textOf(result);
          if (!result.isError || !text.includes("client monitoring may not route tasks to category business-intelligence")) throw new Error(`expected a refusal; got ${text.slice(0, 200)}`);
          return text;
        },
      },
      ...["server-initialize", "tools-list"].map((scenario) => ({
        name: `conformance ${scenario} through the ingress`,
        run: async () => {
          const memory = entries.find((e) => e.name === "sophia-memory")!;
          const { code, output } = await conformance(memory.url, tokens.SOPHIA_MCP_TOKEN_CURSOR!, scenario);
          const summary = output.split("\n").filter((l) => /passed|failed|Passed|Failed|✓|✗/.test(l)).slice(-3).join(" | ");
          if (code !== 0) throw new Error(`exit ${code}: ${output.slice(-600)}`);
          return summary || "exit 0";
        },
      })),
      ...(<{ name: string; headers: Record<string, string>; server: string; status: number }[]>[
        { name: "401 without a token", headers: {}, server: "memory", status: 401 },
        { name: "401 with an unknown token", headers: { Authorization: "Bearer not-a-real-token" }, server: "memory", status: 401 },
        { name: "403 for infrastructure's token on memory (outside its scope)", headers: { Authorization: `Bearer ${tokens.SOPHIA_MCP_TOKEN_INFRASTRUCTURE}` }, server: "memory", status: 403 },
        { name: "200 for business-intelligence's token on memory (in scope)", headers: { Authorization: `Bearer ${tokens.SOPHIA_MCP_TOKEN_BUSINESS_INTELLIGENCE}` }, server: "memory", status: 200 },
      ]).map((probe) => ({
        name: probe.name,
        run: async () => {
          const response = await fetch(`${ingressUrl}/${probe.server}/mcp`, {
            method: "POST",
            headers: { ...probe.headers, "content-type": "application/json", accept: "application/json, text/event-stream" },
            body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "probe", version: "0" } } }),
          });
          const body = (await response.text()).slice(0, 80).replace(/\s+/g, " ");
          if (response.status !== probe.status) throw new Error(`expected ${probe.status}; got ${response.status} ${body}`);
          return `${response.status} ${probe.status === 200 ? "" : body}`.trim();
        },
      })),
    ];
    for (const check of checks) {
      try {
        const detail = await check.run();
        results.push({ name: check.name, ok: true, detail });
        say(`PASS ${check.name}: ${detail}`);
      } catch (error) {
        results.push({ name: check.name, ok: false, detail: (error as Error).message });
        say(`FAIL ${check.name}: ${(error as Error).message}`);
      }
    }
  } catch (error) {
    if (!(error instanceof SmokeError)) throw error;
    results.push({ name: "bring-up", ok: false, detail: error.message });
    say(`FAIL ${error.message}`);
  } finally {
    await finish();
  }
  const passed = results.filter((r) => r.ok).length;
  console.log(`smoke ${stack}: ${passed}/${results.length} checks passed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return passed === results.length ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(error.stack ?? String(error));
      process.exit(1);
    },
  );
}

