// The platform's own MCP server: "Pulumi operations via MCP". It serves the stacks' plans (mock
// mode: works anywhere, no credentials) and, where the image has a Pulumi engine and the container
// its stack's state, the real preview, drift, outputs and history through the Automation API, and
// `up` behind a person's approval (./approvals.ts). Every tool call is logged as one JSON line; every
// Pulumi operation is also written to the audit log.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { PER_REQUEST_SERVER_OPTIONS } from "../http-edge";
import { type ApprovalStore, approveCommand, type AuditLog } from "./approvals";
import type { EngineAvailability } from "./engine";
import { checkPulumiCaller, NO_ENGINE, OperationRefused } from "./pulumi-operations";
import { type AgentRoute, type AgentRoutes, chooseRoute, RouteRefused, type RoutePolicy } from "./routing";

export const STACKS = ["local", "staging", "production"] as const;
export type StackName = (typeof STACKS)[number];

/** The audit log's entries by event and outcome (./approvals.ts). */
export const AUDIT_METRIC = "sophia_ops_audit_events_total";
/** route_task's own histogram: agent runs by category and outcome. */
export const ROUTE_TASK_METRIC = "sophia_route_task_duration_seconds";
/** Per agent runtime, as sophia-ops sees it: 1 while its /health answers ok, else 0; and the seconds
 * from its process start until it first served, as it reports them. */
export const AGENT_RUNTIME_UP_METRIC = "sophia_agent_runtime_up";
export const AGENT_RUNTIME_START_METRIC = "sophia_agent_runtime_start_seconds";

export interface OpsServerOptions {
  /** Renders a stack's plan (mock mode). */
  readonly plan: (stack: StackName) => Promise<string>;
  /** The real engine, or why there is none (absent: no engine). */
  readonly pulumi?: EngineAvailability;
  /** The clients that may run Pulumi operations (X-Sophia-Client), from the stack's config. */
  readonly pulumiClients?: readonly string[];
  /** The client the ingress authenticated for this request (X-Sophia-Client). */
  readonly caller?: string;
  /** Where stack_up's requests and the audit log live (the ops data volume). */
  readonly approvals?: { readonly store: ApprovalStore; readonly audit: AuditLog };
  /** `up` on production is refused unless this is true (config sophia:ops.allowProductionUp). */
  readonly allowProductionUp: boolean;
  readonly log: (entry: Record<string, unknown>) => void;
  /** Told of every route_task: its category (one of the routes', else "unknown"), how it ended, and
   * how long it took (metrics). */
  readonly taskRouted?: (event: { readonly category: string; readonly outcome: "ok" | "refused" | "error"; readonly seconds: number }) => void;
  /** route_task: present where the stack runs agent runtimes. */
  readonly routing?: {
    readonly routes: AgentRoutes;
    readonly policy: RoutePolicy;
    readonly run: (route: AgentRoute, task: string) => Promise<string>;
  };
}

/** Whether `up` may run on a stack; pure so the guard is tested on its own. */
export function upAllowed(stack: StackName, allowProductionUp: boolean): { allowed: true } | { allowed: false; reason: string } {
  if (stack === "production" && !allowProductionUp) {
    return { allowed: false, reason: "stack_up on production is off: the stack's config turns it on with sophia:ops.allowProductionUp: true" };
  }
  return { allowed: true };
}

type ToolResult = { content: { type: "text"; text: string }[]; isError?: boolean };

const stackArg = { stack: z.enum(STACKS).describe("Stack name: local, staging or production") };

/** route_task's schemas, built once per route table: every request gets a server of its own, and
 * building these zod schemas for each was a tenth of the server's CPU per tools/list. */
const routeTaskSchemas = new WeakMap<AgentRoutes, ReturnType<typeof buildRouteTaskSchemas>>();

function buildRouteTaskSchemas(routes: AgentRoutes) {
  const categories = Object.keys(routes).sort();
  return {
    categories,
    description: `Hands a task to the Agno agent of a category and returns its answer. Categories: ${categories.join(", ")}. Your token decides which categories you may route to.`,
    inputSchema: {
      category: z.string().describe(`One of: ${categories.join(", ")}`),
      task: z.string().min(1).describe("The task, in plain words"),
      agent: z.string().optional().describe("A specific agent of the category; default: its first agent"),
    },
    outputSchema: { agent: z.string(), category: z.string(), answer: z.string(), ms: z.number() },
  };
}

function routeTaskSchemasOf(routes: AgentRoutes) {
  let schemas = routeTaskSchemas.get(routes);
  if (!schemas) routeTaskSchemas.set(routes, (schemas = buildRouteTaskSchemas(routes)));
  return schemas;
}

export function createOpsServer(options: OpsServerOptions): McpServer {
  const server = new McpServer({ name: "sophia-ops", version: "0.1.0" }, PER_REQUEST_SERVER_OPTIONS);

  const logged = (tool: string, run: (stack: StackName) => Promise<string>) => async ({ stack }: { stack: StackName }): Promise<ToolResult> => {
    const started = Date.now();
    try {
      const text = await run(stack);
      options.log({ tool, stack, outcome: "ok", ms: Date.now() - started });
      return { content: [{ type: "text", text }] };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      options.log({ tool, stack, outcome: "error", error: message, ms: Date.now() - started });
      return { content: [{ type: "text", text: message }], isError: true };
    }
  };

  server.registerTool(
    "stack_plan",
    { title: "Stack plan", description: "The resource plan of a stack, from the Pulumi program in mock mode (no credentials, no changes).", inputSchema: stackArg },
    logged("stack_plan", options.plan),
  );

  const routing = options.routing;
  if (routing) {
    const { categories, description, inputSchema, outputSchema } = routeTaskSchemasOf(routing.routes);
    server.registerTool(
      "route_task",
      { title: "Route a task to an agent", description, inputSchema, outputSchema },
      async ({ category, task, agent }): Promise<ToolResult & { structuredContent?: Record<string, unknown> }> => {
        const started = Date.now();
        try {
          const route = chooseRoute(routing.routes, routing.policy, options.caller, category, agent);
          const answer = await routing.run(route, task);
          const ms = Date.now() - started;
          options.log({ tool: "route_task", caller: options.caller, category, agent: route.agent, outcome: "ok", ms });
          options.taskRouted?.({ category, outcome: "ok", seconds: ms / 1000 });
          return { content: [{ type: "text", text: answer }], structuredContent: { agent: route.agent, category, answer, ms } };
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          options.log({ tool: "route_task", caller: options.caller, category, outcome: "error", error: message, ms: Date.now() - started });
          options.taskRouted?.({ category: categories.includes(category) ? category : "unknown", outcome: error instanceof RouteRefused ? "refused" : "error", seconds: (Date.now() - started) / 1000 });
          return { content: [{ type: "text", text: message }], isError: true };
        }
      },
    );
  }

  registerPulumiTools(server, options);
  return server;
}

const historyArg = { ...stackArg, limit: z.number().int().min(1).max(50).optional().describe("How many updates, newest first (default 10)") };
const upArg = { ...stackArg, approvalId: z.string().optional().describe("The id a previous stack_up returned: asks how that request ended") };

/**
 * The Pulumi tools. Each is there whether or not the image has an engine: without one, each answers
 * why (NO_ENGINE). Each refuses callers outside the stack's Pulumi clients (infrastructure by default),
 * and each call is written to the audit log.
 */
function registerPulumiTools(server: McpServer, options: OpsServerOptions): void {
  const clients = options.pulumiClients ?? [];
  const audit = options.approvals?.audit;
  const tool = <A extends { stack: StackName }>(name: string, run: (args: A) => Promise<{ text: string; outcome?: string; approvalId?: string }>) =>
    async (args: A): Promise<ToolResult> => {
      const started = Date.now();
      const record = (outcome: string, detail: string, approvalId?: string) => {
        options.log({ tool: name, stack: args.stack, caller: options.caller, outcome, ms: Date.now() - started });
        audit?.append({ event: name, outcome, stack: args.stack, caller: options.caller, approvalId, detail: detail.split("\n").pop()?.slice(0, 300), ms: Date.now() - started });
      };
      try {
        checkPulumiCaller(options.caller, clients, name);
        const answer = await run(args);
        record(answer.outcome ?? "ok", answer.text, answer.approvalId);
        return { content: [{ type: "text", text: answer.text }] };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        record(error instanceof OperationRefused ? "refused" : "error", message, (args as { approvalId?: string }).approvalId);
        return { content: [{ type: "text", text: message }], isError: true };
      }
    };
  const engine = () => {
    const pulumi = options.pulumi;
    if (!pulumi) throw new OperationRefused(NO_ENGINE);
    if ("unavailable" in pulumi) throw new OperationRefused(pulumi.unavailable);
    return pulumi.engine;
  };

  server.registerTool(
    "stack_preview",
    { title: "Stack preview", description: "The real `pulumi preview --diff` of the deployed stack: what an up would create, update, replace or delete and why, and the policy pack's verdicts. Changes nothing.", inputSchema: stackArg },
    tool("stack_preview", async ({ stack }) => ({ text: (await engine().preview(stack, { refresh: false })).text })),
  );
  server.registerTool(
    "stack_drift",
    { title: "Stack drift", description: "`pulumi refresh --preview-only`: the resources whose real state differs from the stack's state, and how. Changes nothing.", inputSchema: stackArg },
    tool("stack_drift", async ({ stack }) => ({ text: await engine().drift(stack) })),
  );
  server.registerTool(
    "stack_outputs",
    { title: "Stack outputs", description: "The deployed stack's outputs; secrets stay redacted.", inputSchema: stackArg },
    tool("stack_outputs", async ({ stack }) => ({ text: JSON.stringify(await engine().outputs(stack), null, 2) })),
  );
  server.registerTool(
    "stack_history",
    { title: "Stack history", description: "The stack's last updates: kind, result, time and resource changes.", inputSchema: historyArg },
    tool("stack_history", async ({ stack, limit }: { stack: StackName; limit?: number }) => ({ text: await engine().history(stack, limit ?? 10) })),
  );
  server.registerTool(
    "stack_up",
    {
      title: "Stack up (a person approves)",
      description: "Asks for a `pulumi up --refresh` of the stack. Returns the preview and an approval id; nothing changes until a person approves that id (npm run approve -- <stack> <id>), which checks that the preview is still current and runs the up. Call again with approvalId to learn how it ended.",
      inputSchema: upArg,
    },
    tool("stack_up", async ({ stack, approvalId }: { stack: StackName; approvalId?: string }) => {
      const guard = upAllowed(stack, options.allowProductionUp);
      if (!guard.allowed) throw new OperationRefused(guard.reason);
      const store = options.approvals?.store;
      if (!store) throw new OperationRefused("stack_up: this sophia-ops has no volume for approvals");
      if (approvalId !== undefined) {
        const approval = store.get(approvalId);
        if (!approval || approval.stack !== stack) throw new OperationRefused(`stack_up: no approval ${approvalId} for ${stack} on this sophia-ops`);
        if (approval.state === "pending") throw new OperationRefused(`stack_up: approval ${approvalId} is pending; nothing has changed. A person approves it with: ${approveCommand(stack, approvalId)}`);
        return { text: `approval ${approvalId} ${approval.state} by ${approval.decidedBy} at ${approval.decidedAt}: ${approval.result ?? ""}`.trim(), outcome: approval.state, approvalId };
      }
      const preview = await engine().preview(stack, { refresh: true });
      if (preview.steps.length === 0) return { text: `${preview.text}\nnothing to apply: no approval needed`, outcome: "no changes" };
      const approval = store.create({ stack, requestedBy: options.caller ?? "unknown", requestedAt: new Date().toISOString(), digest: preview.digest, preview: preview.text });
      const text = `${preview.text}\napproval ${approval.id} pending (${preview.digest}): nothing changes until a person approves it with: ${approveCommand(stack, approval.id)}`;
      return { text, outcome: "pending", approvalId: approval.id };
    }),
  );
}
