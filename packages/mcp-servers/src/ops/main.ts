// Entry point of the sophia-ops container: the MCP server over streamable HTTP (../http-edge.ts: stateless,
// only for the ingress), plus GET /health. Plans come from SOPHIA_OPS_PLAN_COMMAND; the Pulumi tools
// answer from a real engine where the image has one and the container its stack's state (./engine.ts).
// `node server.js approval …` is the approval command `npm run approve` runs here (./approvals.ts).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { Counter, Histogram, Registry } from "prom-client";
import { answerToolsListWith, createMcpHttpEdge, OPERATION_BUCKETS, stopOnSignals, toolListOf } from "../http-edge";
import { AgentRoutesSchema, RoutePolicySchema, runAgent } from "./routing";
import { watchRuntimes } from "./runtime-health";
import { approvalCommand, ApprovalStore, auditCounts, AuditLog } from "./approvals";
import { loadEngine } from "./engine";
import { DEFAULT_PULUMI_CLIENTS } from "./pulumi-operations";
import { AUDIT_METRIC, createOpsServer, ROUTE_TASK_METRIC, type StackName } from "./server";

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

/** The ops data volume: stack_up's requests and the audit log. */
function approvalsOn(dir: string | undefined) {
  if (!dir) return undefined;
  return { store: new ApprovalStore(path.join(dir, "approvals")), audit: new AuditLog(path.join(dir, "audit.log")) };
}

/** The Docker engine as the program in this container reaches it (unix:///var/run/docker.sock, a link
 * to this socket on the tmpfs), relayed byte for byte to the stack's read-only Docker API proxy, which decides what passes. */
function relayDocker(proxy: string, socket: string): void {
  const [host, port] = [proxy.slice(0, proxy.lastIndexOf(":")), Number(proxy.slice(proxy.lastIndexOf(":") + 1))];
  fs.rmSync(socket, { force: true });
  net
    .createServer((client) => {
      const upstream = net.connect(port, host);
      client.pipe(upstream).pipe(client);
      const end = () => (client.destroy(), upstream.destroy());
      client.on("error", end);
      upstream.on("error", end);
    })
    .listen(socket);
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
  const pulumi = loadEngine();
  const routing = routingConfig();
  const approvals = approvalsOn(process.env.SOPHIA_OPS_DATA_DIR);
  const pulumiClients = process.env.SOPHIA_PULUMI_CLIENTS ? (JSON.parse(process.env.SOPHIA_PULUMI_CLIENTS) as string[]) : [...DEFAULT_PULUMI_CLIENTS];
  const allowProductionUp = process.env.SOPHIA_OPS_ALLOW_PRODUCTION_UP === "true";
  if (process.env.SOPHIA_OPS_DOCKER_PROXY) relayDocker(process.env.SOPHIA_OPS_DOCKER_PROXY, process.env.SOPHIA_OPS_DOCKER_SOCKET ?? "/tmp/docker.sock");
  const registry = new Registry();
  const routed = new Histogram({
    name: ROUTE_TASK_METRIC,
    help: "Seconds route_task took, by category and outcome (ok, refused by the route policy, error)",
    labelNames: ["category", "outcome"] as const,
    buckets: OPERATION_BUCKETS,
    registers: [registry],
  });
  if (approvals) {
    // Counted from the log itself at each scrape: an approval's lines are written by another process.
    new Counter({
      name: AUDIT_METRIC,
      help: "Pulumi operations through sophia-ops and people's approvals, from its audit log, by event (tool, or approval) and outcome",
      labelNames: ["event", "outcome"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const { event, outcome, count } of auditCounts(approvals.audit.entries()).values()) this.inc({ event, outcome }, count);
      },
    });
  }
  const taskRouted = (e: { category: string; outcome: string; seconds: number }) => routed.observe({ category: e.category, outcome: e.outcome }, e.seconds);
  // Prometheus reads the agent runtimes' health from here: they are on a network it is not on.
  if (routing) watchRuntimes(routing.routes, registry);
  const serverFor = (caller: string | undefined) => createOpsServer({ plan, pulumi, pulumiClients, approvals, allowProductionUp, caller, log, taskRouted, routing });
  // The tools are the same for every caller (who may use them is checked when they are called).
  const tools = await toolListOf(serverFor(undefined));
  const engine = "engine" in pulumi ? `${pulumi.engine.stack}'s state` : pulumi.unavailable;
  const http = createMcpHttpEdge({
    name: "sophia-ops",
    registry,
    backendKey: process.env.SOPHIA_BACKEND_KEY ?? "",
    health: () => ({ status: "ok", pulumiEngine: "engine" in pulumi }),
    serverFor: (caller) => answerToolsListWith(serverFor(caller), tools),
  });
  http.listen(port, "0.0.0.0", () => log({ event: "listening", port, pulumiEngine: engine, allowProductionUp, routeTask: Boolean(routing) }));
  stopOnSignals(http, (how) => {
    log({ event: "stopped", how });
    // A plan still running is a child of this process; the container ends it with the server.
    process.exit(0);
  });
}

/** `node server.js approval …`: see approvalCommand. */
function approvalMain(argv: readonly string[]): void {
  const approvals = approvalsOn(process.env.SOPHIA_OPS_DATA_DIR);
  if (!approvals) throw new Error("approval: SOPHIA_OPS_DATA_DIR is not set in this container; it keeps no approvals");
  process.stdout.write(`${approvalCommand(argv, approvals.store, approvals.audit)}\n`);
}

if (process.argv[2] === "approval") {
  try {
    approvalMain(process.argv.slice(3));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  }
} else {
  main().catch((error: Error) => {
    // One line on stderr (a bad SOPHIA_* setting names itself), and a failing exit code.
    log({ event: "fatal", error: error.message });
    process.exitCode = 1;
  });
}
