// The post-deploy checklist of the original deployment strategy, run against any live deployment from
// its outputs: the ingress URL, the Cursor mcp.json, the client tokens, and the Docker engine it runs
// on. The deploy tool runs it after `pulumi up`; the smoke runs the same code after its own bring-up.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { generatedFiles } from "@sophia/agent-categories";
import { MONITORING_PATH, MONITORING_VIEWER, tokenEnvName } from "@sophia/mcp-servers";
import { dashboardQueries } from "@sophia/monitoring";
import { dockerOn, type DockerRunner } from "./docker-runner";
import { type Fleet, fleetChecks } from "./fleet-checks";
import { mapConcurrently } from "./concurrency";
import { pulumiChecks } from "./pulumi-checks";
import { agentRuntimesReported, containersReported, dashboardQueriesRun, dockerMemory, everyTargetUp, serverHistograms } from "./monitoring-checks";

/** The repository this package is part of (committed plans, generated Cursor rules). */
const root = path.resolve(__dirname, "..", "..", "..");

/** What a live deployment exposes, read from its stack outputs (or, in the smoke, its bring-up). */
export interface LiveDeployment {
  readonly stack: string;
  readonly ingressUrl: string;
  readonly cursorMcpJson: string;
  /** Bearer token per client id (cursor, infrastructure, …). */
  readonly tokens: Readonly<Record<string, string>>;
  /** `docker <args>` on the engine the platform runs on; the local engine when absent. */
  readonly docker?: DockerRunner;
  /** Extra environment for the conformance CLI's process (how it reaches a TLS ingress by name). */
  readonly conformanceEnv?: Readonly<Record<string, string>>;
  /** The last line `stack_plan` must print: the committed plan's. */
  readonly planLine: string;
  /** The labels that mark the deployment's containers, all of them; `sophia.stack=<stack>` when absent. */
  readonly containerLabels?: readonly string[];
  /** The monitoring viewers' token, where the ingress serves the monitoring UIs. */
  readonly monitoringToken?: string;
  /** Whether the engine measures containers' memory, where the caller has found out already (the
   * deploy's pre-check); otherwise the checklist asks Docker (`docker stats`, about 2 s). */
  readonly hostMemory?: { readonly enforced: boolean; readonly measured: boolean };
  /** A fleet's nodes, pools and private ports (staging, production): the per-node rows. */
  readonly fleet?: Fleet;
  /** Where Gong is the smoke's fake: the competitor one known call mentions, which the checks ask for. */
  readonly gongKnownAnswer?: { readonly competitor: string; readonly callTitle: string };
  /** Whether the deploy gave sophia-ops a Pulumi engine and the stack's state (the local deploy does). */
  readonly pulumiEngine?: boolean;
}

/** The last line of a stack's committed plan: what sophia-ops's stack_plan must answer, as the ops
 * image carries the committed stack files. */
export function committedPlanLine(stack: string): string {
  return fs.readFileSync(path.join(root, "stacks", "plans", `${stack}.md`), "utf8").trimEnd().split("\n").pop()!;
}

/** The items of the strategy's post-deployment and integration checklists, in its order. */
export const CHECKLIST_ITEMS = [
  "MCP servers healthy",
  "Cursor config connects",
  "agents instantiate",
  "Pulumi operations via MCP",
  "routing respects categories",
  "Cursor rules present",
  "end to end",
  "security and authentication",
  "monitoring",
  "every node of the fleet",
] as const;
export type ChecklistItem = (typeof CHECKLIST_ITEMS)[number];

export interface CheckResult {
  readonly item: ChecklistItem;
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly ms: number;
}

interface Check {
  readonly item: ChecklistItem;
  readonly name: string;
  readonly run: () => Promise<string>;
  /** Started first (the engine's rows take seconds; the rest, fractions of one). */
  readonly slow?: true;
}

export function cursorEntries(mcpJson: string, tokens: Readonly<Record<string, string>>) {
  const parsed = JSON.parse(mcpJson) as { mcpServers: Record<string, { url: string; headers: Record<string, string> }> };
  const env = Object.fromEntries(Object.entries(tokens).map(([client, token]) => [tokenEnvName(client), token]));
  // Cursor fills in ${env:NAME} from the developer's environment; the checklist does the same.
  const resolve = (v: string) => v.replace(/\$\{env:([A-Z0-9_]+)\}/g, (_, k: string) => env[k] ?? "");
  return Object.entries(parsed.mcpServers).map(([name, e]) => ({ name, url: e.url, headers: Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k, resolve(v)])) }));
}

export async function withClient<T>(url: string, headers: Record<string, string>, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ name: "sophia-checklist", version: "0.1.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

export const textOf = (result: unknown) => ((result as { content?: { type: string; text?: string }[] }).content ?? []).map((c) => c.text ?? "").join("\n");

export function conformance(url: string, token: string, scenario: string, extraEnv: Readonly<Record<string, string>> = {}): Promise<{ code: number; output: string }> {
  // The conformance CLI has no option for headers; a preload adds this run's bearer token to its
  // requests to the ingress (./smoke-conformance-auth.cjs), so it is tested through the real auth.
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [require.resolve("@modelcontextprotocol/conformance/dist/index.js"), "server", "--url", url, "--scenario", scenario], {
      env: { ...process.env, ...extraEnv, NODE_OPTIONS: `--require ${path.join(__dirname, "smoke-conformance-auth.cjs")}`, SOPHIA_CONFORMANCE_URL: url, SOPHIA_CONFORMANCE_TOKEN: token },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

function checks(live: LiveDeployment, containers: readonly { name: string; component: string }[], docker: DockerRunner): Check[] {
  const entries = cursorEntries(live.cursorMcpJson, live.tokens);
  const entry = (name: string) => {
    const found = entries.find((e) => e.name === name);
    if (!found) throw new Error(`mcp.json has no entry ${name}; it has ${entries.map((e) => e.name).join(", ")}`);
    return found;
  };
  const token = (client: string) => {
    const found = live.tokens[client];
    if (!found) throw new Error(`the deployment has no token for client ${client}`);
    return found;
  };
  const routeTask = (headers: Record<string, string>, args: Record<string, string>) =>
    withClient(entry("sophia-sophia-ops").url, headers, (client) => client.callTool({ name: "route_task", arguments: args }, undefined, { timeout: 120_000 }));
  const probe = (name: string, headers: Record<string, string>, status: number, server = "memory"): Check => ({
    item: "security and authentication",
    name,
    run: async () => {
      const response = await fetch(`${live.ingressUrl}/${server}/mcp`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "probe", version: "0" } } }),
      });
      const body = (await response.text()).slice(0, 80).replace(/\s+/g, " ");
      if (response.status !== status) throw new Error(`expected ${status}; got ${response.status} ${body}`);
      return `${response.status} ${status === 200 ? "" : body}`.trim();
    },
  });
  return [
    ...containers
      .filter((c) => c.component !== "agents" && c.component !== "monitoring")
      .map((c) => healthy("MCP servers healthy", c.name, docker)),
    ...entries.map((e) => ({
      item: "Cursor config connects" as const,
      name: `mcp.json ${e.name}: tools/list through the ingress`,
      run: () =>
        withClient(e.url, e.headers, async (client) => {
          const { tools } = await client.listTools();
          return `${tools.length} tools: ${tools.map((t) => t.name).join(", ")}`;
        }),
    })),
    {
      item: "Cursor config connects",
      name: "memory: create_entities then search_nodes round-trips",
      run: () =>
        withClient(entry("sophia-memory").url, entry("sophia-memory").headers, async (client) => {
          const marker = `check-${randomBytes(4).toString("hex")}`;
          await client.callTool({ name: "create_entities", arguments: { entities: [{ name: marker, entityType: "check", observations: ["written by the post-deploy checklist"] }] } });
          const found = textOf(await client.callTool({ name: "search_nodes", arguments: { query: marker } }));
          if (!found.includes(marker)) throw new Error(`search_nodes did not return ${marker}: ${found.slice(0, 200)}`);
          return `entity ${marker} written and read back`;
        }),
    },
    ...containers
      .filter((c) => c.component === "agents")
      .map((c) => ({
        item: "agents instantiate" as const,
        name: `${c.name}: runtime /health green, every MCP connection up`,
        run: async () => {
          const body = await docker(["exec", c.name, "curl", "-fsS", "http://127.0.0.1:7777/health"]);
          const health = JSON.parse(body) as { status: string; agents: string[]; mcpDown: string[] };
          if (health.status !== "ok") throw new Error(body);
          return `status ok, ${health.agents.length} agents, mcpDown []`;
        },
      })),
    {
      item: "Pulumi operations via MCP",
      name: `sophia-ops: stack_plan ${live.stack} runs the program in mock mode inside the container`,
      run: () =>
        withClient(entry("sophia-sophia-ops").url, entry("sophia-sophia-ops").headers, async (client) => {
          const plan = textOf(await client.callTool({ name: "stack_plan", arguments: { stack: live.stack } }, undefined, { timeout: 120_000 }));
          const last = plan.trimEnd().split("\n").pop() ?? "";
          if (last !== live.planLine) throw new Error(`expected ${JSON.stringify(live.planLine)}; got ${JSON.stringify(last)}`);
          return last;
        }),
    },
    ...pulumiChecks({
      stack: live.stack,
      engine: live.pulumiEngine === true,
      docker,
      routeTask: (args) => routeTask(entry("sophia-sophia-ops").headers, args),
      callOps: (client, tool, args) =>
        withClient(entry("sophia-sophia-ops").url, { Authorization: `Bearer ${token(client)}` }, (c) => c.callTool({ name: tool, arguments: args }, undefined, { timeout: 300_000 })),
      textOf,
    }),
    {
      item: "routing respects categories",
      name: "business-intelligence task goes to its own agent, never to the infrastructure one",
      run: async () => {
        const result = await routeTask(entry("sophia-sophia-ops").headers, { category: "business-intelligence", task: "Search for the checklist's deals" });
        const routed = result.structuredContent as { agent: string; answer: string } | undefined;
        // The stub model names the agent whose system prompt it received, so the answer shows who ran.
        if (result.isError || routed?.agent !== "sales-analyst") throw new Error(textOf(result).slice(0, 300));
        return `${routed.agent}: ${routed.answer.slice(0, 120)}`;
      },
    },
    {
      item: "routing respects categories",
      name: "route_task refuses a category the caller's token may not use",
      run: async () => {
        const result = await routeTask({ Authorization: `Bearer ${token("monitoring")}` }, { category: "business-intelligence", task: "Show the pipeline" });
        const text = textOf(result);
        if (!result.isError || !text.includes("client monitoring may not route tasks to category business-intelligence")) throw new Error(`expected a refusal; got ${text.slice(0, 200)}`);
        return text;
      },
    },
    {
      item: "Cursor rules present",
      name: ".cursor/rules: one rule file per category, current with the catalog",
      run: async () => {
        const rules = generatedFiles().filter((f) => f.path.startsWith(".cursor/rules/"));
        const stale = rules.filter((f) => !fs.existsSync(path.join(root, f.path)) || fs.readFileSync(path.join(root, f.path), "utf8") !== f.content);
        if (stale.length > 0) throw new Error(`missing or stale: ${stale.map((f) => f.path).join(", ")} (npm run generate)`);
        return `${rules.length} rule files, current`;
      },
    },
    {
      item: "end to end",
      name: "Cursor config → route_task (infrastructure) → infra agent → stack_plan on sophia-ops → answer",
      run: async () => {
        const result = await routeTask(entry("sophia-sophia-ops").headers, { category: "infrastructure", task: `Show me the plan of the ${live.stack} stack` });
        const routed = result.structuredContent as { agent: string; answer: string; ms: number } | undefined;
        if (result.isError || routed?.agent !== "infra-operator" || !routed.answer.includes(live.planLine)) throw new Error(textOf(result).slice(0, 300));
        return `${routed.agent} answered in ${routed.ms} ms: ${routed.answer}`;
      },
    },
    ...["server-initialize", "tools-list"].map((scenario) => ({
      item: "end to end" as const,
      name: `MCP conformance ${scenario} through the ingress`,
      run: async () => {
        const { code, output } = await conformance(entry("sophia-memory").url, token("cursor"), scenario, live.conformanceEnv);
        const summary = output.split("\n").filter((l) => /passed|failed|Passed|Failed|✓|✗/.test(l)).slice(-3).join(" | ");
        if (code !== 0) throw new Error(`exit ${code}: ${output.slice(-600)}`);
        return summary || "exit 0";
      },
    })),
    probe("401 without a token", {}, 401),
    probe("401 with an unknown token", { Authorization: "Bearer not-a-real-token" }, 401),
    probe("403 for infrastructure's token on memory (outside its scope)", { Authorization: `Bearer ${token("infrastructure")}` }, 403),
    probe("200 for business-intelligence's token on memory (in scope)", { Authorization: `Bearer ${token("business-intelligence")}` }, 200),
    ...(containers.some((c) => c.name.endsWith("-gong")) ? gongChecks(live, token, routeTask, entry("sophia-sophia-ops").headers, probe) : []),
    ...monitoringChecks(containers, docker, live.hostMemory),
    ...monitoringEntryChecks(live),
    ...(live.fleet
      ? fleetChecks(live.fleet, docker, containers.find((c) => c.name.endsWith("-prometheus"))?.name, async (category, agent) => {
          const result = await routeTask(entry("sophia-sophia-ops").headers, { category, agent, task: "Say which agent you are" });
          const routed = result.structuredContent as { agent: string; answer: string } | undefined;
          if (result.isError || routed?.agent !== agent) throw new Error(textOf(result).slice(0, 300));
          return `${routed.agent}: ${routed.answer.slice(0, 80)}`;
        }).map((c) => ({ item: "every node of the fleet" as const, ...c }))
      : []),
  ];
}

/** Where Gong is enabled: its server answers business-intelligence's token through the ingress and
 * reaches Gong's API with the deployment's keys (list_users); Cursor's and infrastructure's tokens
 * get 403, as the category library says. Against the smoke's fake, whose calls are known, a search
 * and a business-intelligence agent's answer must name the competitor one call mentions. */
function gongChecks(
  live: LiveDeployment,
  token: (client: string) => string,
  routeTask: (headers: Record<string, string>, args: Record<string, string>) => Promise<Awaited<ReturnType<Client["callTool"]>>>,
  cursorHeaders: Record<string, string>,
  probe: (name: string, headers: Record<string, string>, status: number, server: string) => Check,
): Check[] {
  const bi = () => ({ Authorization: `Bearer ${token("business-intelligence")}` });
  const gong = <T>(use: (client: Client) => Promise<T>) => withClient(`${live.ingressUrl}/gong/mcp`, bi(), use);
  const known = live.gongKnownAnswer;
  // The fake's calls are in November 2026; a real account's last 30 days are searched otherwise.
  const range = { from: "2026-11-01", to: "2026-12-01" };
  const phrase = "looking at";
  return [
    {
      item: "Cursor config connects",
      name: "gong: tools/list and list_users (Gong's API, with the deployment's keys) through the ingress with business-intelligence's token",
      run: () =>
        gong(async (client) => {
          const { tools } = await client.listTools();
          const users = await client.callTool({ name: "list_users", arguments: {} }, undefined, { timeout: 60_000 });
          if (users.isError) throw new Error(`list_users: ${textOf(users).slice(0, 300)}`);
          const count = (users.structuredContent as { users?: unknown[] } | undefined)?.users?.length ?? 0;
          return `${tools.length} tools: ${tools.map((t) => t.name).join(", ")}; list_users: ${count} users`;
        }),
    },
    probe("403 for Cursor's token on gong (customer calls stay with business-intelligence)", { Authorization: `Bearer ${token("cursor")}` }, 403, "gong"),
    probe("403 for infrastructure's token on gong (outside its scope)", { Authorization: `Bearer ${token("infrastructure")}` }, 403, "gong"),
    probe("200 for business-intelligence's token on gong (in scope)", bi(), 200, "gong"),
    ...(known
      ? [
          {
            item: "end to end" as const,
            name: `gong: search_calls "${phrase}" finds the competitor on the fake's call "${known.callTitle}", in context`,
            run: () =>
              gong(async (client) => {
                const result = await client.callTool({ name: "search_calls", arguments: { ...range, phrase } }, undefined, { timeout: 60_000 });
                const hits = (result.structuredContent as { hits?: { title: string; speaker: string; text: string }[] } | undefined)?.hits ?? [];
                const hit = hits.find((h) => h.title === known.callTitle && h.text.includes(known.competitor));
                if (result.isError || !hit) throw new Error(`no hit naming ${known.competitor}: ${textOf(result).slice(0, 300)}`);
                return `${hits.length} hit(s); ${hit.speaker}: "${hit.text}"`;
              }),
          },
          {
            item: "end to end" as const,
            name: "route_task (business-intelligence) with a question a transcript answers: the agent calls Gong's search_calls and answers with the competitor it found",
            run: async () => {
              const task = `Which competitor did Acme Corp bring up? Search the calls from ${range.from} to ${range.to} for "${phrase}"`;
              const result = await routeTask(cursorHeaders, { category: "business-intelligence", task });
              const routed = result.structuredContent as { agent: string; answer: string } | undefined;
              // The stub model answers "<agent>: <tool> says: <the tool's result>": the answer shows the
              // tool was called, and that what it returned is what the agent said.
              if (result.isError || routed?.agent !== "sales-analyst" || !routed.answer.includes("search_calls says:") || !routed.answer.includes(known.competitor)) {
                throw new Error(textOf(result).slice(0, 400));
              }
              return `${routed.agent}: ${routed.answer.slice(0, 200)}`;
            },
          },
        ]
      : []),
  ];
}

/** The monitoring UIs through the ingress's public site: the monitoring token reaches Prometheus and
 * Alertmanager (as a bearer token, or as basic auth's password, which is how a browser sends it),
 * and nothing else does, an MCP client's token included. */
function monitoringEntryChecks(live: LiveDeployment): Check[] {
  const token = live.monitoringToken;
  if (!token) return [];
  const get = (path: string, authorization?: string) => fetch(`${live.ingressUrl}${MONITORING_PATH}${path}`, { headers: authorization ? { authorization } : {} });
  const query = "/prometheus/api/v1/query?query=up";
  const refused = (name: string, authorization: string | undefined): Check => ({
    item: "security and authentication",
    name,
    run: async () => {
      const response = await get(query, authorization);
      const challenge = response.headers.get("www-authenticate");
      if (response.status !== 401 || !challenge?.startsWith("Basic ")) throw new Error(`expected 401 with a basic-auth challenge; got ${response.status} ${challenge ?? ""}`);
      return `401, ${challenge}`;
    },
  });
  return [
    {
      item: "monitoring",
      name: `Prometheus and Alertmanager through the ingress (${MONITORING_PATH}/…) with the monitoring token, as a bearer token and as a browser's basic auth; Prometheus's admin API refused there`,
      run: async () => {
        const bearer = await get(query, `Bearer ${token}`);
        const body = (await bearer.json().catch(() => ({}))) as { status?: string; data?: { result?: unknown[] } };
        if (bearer.status !== 200 || body.status !== "success") throw new Error(`Prometheus: ${bearer.status} ${JSON.stringify(body).slice(0, 200)}`);
        const basic = await get("/alertmanager/api/v2/status", `Basic ${Buffer.from(`${MONITORING_VIEWER}:${token}`).toString("base64")}`);
        if (basic.status !== 200) throw new Error(`Alertmanager with basic auth: ${basic.status} ${(await basic.text()).slice(0, 200)}`);
        // Where Prometheus snapshots to a persistent filesystem its admin API is on; never for viewers.
        const admin = await fetch(`${live.ingressUrl}${MONITORING_PATH}/prometheus/api/v1/admin/tsdb/snapshot`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
        if (admin.status !== 403) throw new Error(`Prometheus's admin API through the ingress: expected 403; got ${admin.status} ${(await admin.text()).slice(0, 200)}`);
        return `Prometheus query up: ${bearer.status}, ${body.data?.result?.length ?? 0} series; Alertmanager status (basic auth): ${basic.status}; admin API (POST …/api/v1/admin/tsdb/snapshot): ${admin.status}`;
      },
    },
    refused("monitoring UIs: 401 without a token", undefined),
    refused("monitoring UIs: 401 for an MCP client's token (cursor's)", `Bearer ${live.tokens.cursor ?? ""}`),
  ];
}

/** Docker's health check of one container passes. */
function healthy(item: ChecklistItem, container: string, docker: DockerRunner): Check {
  return {
    item,
    name: `${container} healthy`,
    run: async () => {
      const status = await docker(["inspect", "-f", "{{.State.Health.Status}}", container]);
      if (status !== "healthy") throw new Error(`health ${status}`);
      return "health healthy";
    },
  };
}

/** An agent pool's runtime name (its host name, `agents-<pool>`) from its container's name,
 * `sophia-<stack>-agents-<pool>`. */
const runtimeOf = (container: string) => container.replace(/^sophia-[a-z0-9]+-(?=agents-)/, "");

/** The monitoring stack's containers healthy, and Prometheus scraping every target and probing every
 * MCP server through the ingress. None where the deployment has no monitoring stack. */
function monitoringChecks(containers: readonly { name: string; component: string }[], docker: DockerRunner, hostMemory?: LiveDeployment["hostMemory"]): Check[] {
  const mine = containers.filter((c) => c.component === "monitoring");
  const prometheus = mine.find((c) => c.name.endsWith("-prometheus"));
  return [
    ...mine.map((c) => healthy("monitoring", c.name, docker)),
    ...(prometheus
      ? [
          { item: "monitoring" as const, name: "Prometheus scrapes every target (up == 1) and every MCP server's probe through the ingress succeeds", run: () => everyTargetUp(docker, prometheus.name) },
          { item: "monitoring" as const, name: "each MCP server's operation histogram reaches Prometheus through the ingress, and the latency SLI is recorded from it", run: () => serverHistograms(docker, prometheus.name) },
          {
            item: "monitoring" as const,
            name: "Telegraf reports every container of the deployment to Prometheus: state, restarts, OOM kill, memory",
            run: () => containersReported(docker, prometheus.name, containers.map((c) => c.name), 60, hostMemory ?? dockerMemory(docker, containers.map((c) => c.name))),
          },
          ...(containers.some((c) => c.component === "agents")
            ? [{ item: "monitoring" as const, name: "sophia-ops reports every agent runtime up to Prometheus, with the seconds its start took", run: () => agentRuntimesReported(docker, prometheus.name, containers.filter((c) => c.component === "agents").map((c) => runtimeOf(c.name))) }]
            : []),
          {
            item: "monitoring" as const,
            name: "every query of the generated Grafana dashboard runs on this Prometheus",
            run: () => dashboardQueriesRun(docker, prometheus.name, dashboardQueries()),
          },
        ]
      : []),
  ];
}

/** Runs every check in order, reporting each as it ends; never throws for a failed check. */
export interface ChecklistOptions {
  /** Checks that run at once (1: one after another, as the smoke and chaos suite run them). Results
   * come back in the checklist's order whatever order they finish in. */
  readonly concurrency?: number;
}

export async function runChecklist(live: LiveDeployment, report: (result: CheckResult) => void = () => undefined, options: ChecklistOptions = {}): Promise<CheckResult[]> {
  const docker = live.docker ?? ((args: string[]) => dockerOn(undefined, args));
  const labels = live.containerLabels ?? [`sophia.stack=${live.stack}`];
  const listed = await docker(["ps", "-a", ...labels.flatMap((l) => ["--filter", `label=${l}`]), "--format", '{{.Names}}\t{{.Label "sophia.component"}}\t{{.Label "sophia.smoke"}}']);
  const containers = listed
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split("\t"))
    // A deployment's checklist leaves out a smoke or chaos run beside it (same stack label, sophia.smoke=true).
    .filter((fields) => live.containerLabels !== undefined || fields[2] !== "true")
    .map((fields) => ({ name: fields[0]!, component: fields[1] ?? "" }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const written = checks(live, containers, docker);
  const startOrder = slowFirst(written);
  const results = await mapConcurrently(startOrder, options.concurrency ?? 1, async (check) => {
    const started = Date.now();
    let result: CheckResult;
    try {
      result = { item: check.item, name: check.name, ok: true, detail: await check.run(), ms: Date.now() - started };
    } catch (error) {
      result = { item: check.item, name: check.name, ok: false, detail: (error as Error).message, ms: Date.now() - started };
    }
    report(result);
    return result;
  });
  // In the written order again.
  return written.map((check) => results[startOrder.indexOf(check)]!);
}

/** The slow checks first, each group in its written order: the checklist then ends about when its
 * slowest check does, instead of starting that one last. */
export function slowFirst<T extends { readonly slow?: true }>(checks: readonly T[]): T[] {
  return [...checks.filter((c) => c.slow), ...checks.filter((c) => !c.slow)];
}

/** The checklist as a table: per item of the strategy, ✔ or ✘, its checks, their figures and times. */
export function renderChecklist(results: readonly CheckResult[]): string {
  const lines = ["  item                          ok  time     check: figure"];
  for (const item of CHECKLIST_ITEMS) {
    const mine = results.filter((r) => r.item === item);
    if (mine.length === 0) continue;
    mine.forEach((r, i) => {
      const label = i === 0 ? item : "";
      lines.push(`  ${label.padEnd(30)}${r.ok ? "✔" : "✘"}   ${`${(r.ms / 1000).toFixed(2)}s`.padStart(7)}  ${r.name}: ${r.detail.replace(/\s+/g, " ").slice(0, 140)}`);
    });
  }
  return lines.join("\n");
}
