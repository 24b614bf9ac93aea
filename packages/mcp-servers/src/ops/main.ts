// Entry point of the sophia-ops container: the MCP server over streamable HTTP (../http-edge.ts: stateless,
// only for the ingress), plus GET /health. Plans come from SOPHIA_OPS_PLAN_COMMAND; preview/outputs/up
// are offered only when a `pulumi` CLI is on PATH.
import { spawn, spawnSync } from "node:child_process";
import { Histogram, Registry } from "prom-client";
import { answerToolsListWith, createMcpHttpEdge, OPERATION_BUCKETS, stopOnSignals, toolListOf } from "../http-edge";
import { AgentRoutesSchema, RoutePolicySchema, runAgent } from "./routing";
import { watchRuntimes } from "./runtime-health";
import { createOpsServer, type PulumiOperations, ROUTE_TASK_METRIC, type StackName } from "./server";

const port = Number(process.env.SOPHIA_OPS_PORT ?? 8080);
const planCommand = (process.env.SOPHIA_OPS_PLAN_COMMAND ?? "node /app/plan.js").split(" ");
const log = (entry: Record<string, unknown>) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);

// Plans run one at a time: each is a child process evaluating the program (about 150 MiB), and two at
// once beside the server would not fit the container's memory; calls beyond the first wait their turn.
let planQueue: Promise<unknown> = Promise.resolve();
// A stack's plan is computed once per container: the program and the stack files are the image's,
// fixed for the container's life, and mock mode is deterministic (the committed plans are compared
// byte for byte). A failed plan is not kept, so the next call tries again.
const plans = new Map<StackName, Promise<string>>();

function plan(stack: StackName): Promise<string> {
  const known = plans.get(stack);
  if (known) return known;
  const turn = planQueue.then(() => planOnce(stack));
  planQueue = turn.catch(() => undefined);
  plans.set(stack, turn);
  turn.catch(() => plans.delete(stack));
  return turn;
}

function planOnce(stack: StackName): Promise<string> {
  return new Promise((resolve, reject) => {
    // One evaluation per process: the Pulumi SDK keeps its state in module globals.
    const child = spawn(planCommand[0]!, [...planCommand.slice(1), stack], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(err.trim() || `plan exited with ${code}`))));
  });
}

async function automation(): Promise<PulumiOperations | undefined> {
  if (spawnSync("pulumi", ["version"], { stdio: "ignore" }).status !== 0) return undefined;
  // Loaded only where a CLI exists (never in the image); the image's bundle leaves the SDK out, which
  // keeps the server's own memory small.
  const { LocalWorkspace } = (await import("@pulumi/pulumi")).automation;
  const workDir = process.env.SOPHIA_OPS_WORKDIR ?? process.cwd();
  const select = (stack: StackName) => LocalWorkspace.selectStack({ stackName: stack, workDir });
  return {
    preview: async (s) => (await (await select(s)).preview()).stdout,
    outputs: async (s) => Object.fromEntries(Object.entries(await (await select(s)).outputs()).map(([k, v]: [string, { value: unknown; secret: boolean }]) => [k, v.secret ? "[secret]" : v.value])),
    up: async (s) => (await (await select(s)).up()).stdout,
  };
}

/** The route table and policy from the environment; absent where the stack runs no agents. */
function routingConfig() {
  const routes = process.env.SOPHIA_AGENT_ROUTES;
  const policy = process.env.SOPHIA_ROUTE_POLICY;
  if (!routes || !policy) return undefined;
  const parse = <T>(name: string, text: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } } }): T => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`${name}: expected JSON; got ${JSON.stringify(text.slice(0, 60))}`);
    }
    const result = schema.safeParse(value);
    if (!result.success) throw new Error(`${name}: ${result.error.message}`);
    return result.data;
  };
  const timeoutMs = Number(process.env.SOPHIA_ROUTE_TIMEOUT_MS ?? 120_000);
  return {
    routes: parse("SOPHIA_AGENT_ROUTES", routes, AgentRoutesSchema),
    policy: parse("SOPHIA_ROUTE_POLICY", policy, RoutePolicySchema),
    run: (route: Parameters<typeof runAgent>[0], task: string) => {
      const key = process.env[route.keyEnv];
      if (!key) throw new Error(`route_task: ${route.keyEnv} is not set on the ops server; the agent runtime of ${route.agent} needs it`);
      return runAgent(route, task, timeoutMs, key);
    },
  };
}

async function main(): Promise<void> {
  const pulumi = await automation();
  const routing = routingConfig();
  const allowProductionUp = process.env.SOPHIA_OPS_ALLOW_PRODUCTION_UP === "true";
  const registry = new Registry();
  const routed = new Histogram({
    name: ROUTE_TASK_METRIC,
    help: "Seconds route_task took, by category and outcome (ok, refused by the route policy, error)",
    labelNames: ["category", "outcome"] as const,
    buckets: OPERATION_BUCKETS,
    registers: [registry],
  });
  const taskRouted = (e: { category: string; outcome: string; seconds: number }) => routed.observe({ category: e.category, outcome: e.outcome }, e.seconds);
  // Prometheus reads the agent runtimes' health from here: they are on a network it is not on.
  if (routing) watchRuntimes(routing.routes, registry);
  const serverFor = (caller: string | undefined) => createOpsServer({ plan, pulumi, allowProductionUp, log, taskRouted, routing: routing && { ...routing, caller } });
  // The tools are the same for every caller (the route policy is checked when a task is routed).
  const tools = await toolListOf(serverFor(undefined));
  const http = createMcpHttpEdge({
    name: "sophia-ops",
    registry,
    backendKey: process.env.SOPHIA_BACKEND_KEY ?? "",
    health: () => ({ status: "ok", pulumiCli: Boolean(pulumi) }),
    serverFor: (caller) => answerToolsListWith(serverFor(caller), tools),
  });
  http.listen(port, "0.0.0.0", () => log({ event: "listening", port, pulumiCli: Boolean(pulumi), allowProductionUp, routeTask: Boolean(routing) }));
  stopOnSignals(http, (how) => {
    log({ event: "stopped", how });
    // A plan still running is a child of this process; the container ends it with the server.
    process.exit(0);
  });
}

main().catch((error: Error) => {
  // One line on stderr (a bad SOPHIA_* setting names itself), and a failing exit code.
  log({ event: "fatal", error: error.message });
  process.exitCode = 1;
});
