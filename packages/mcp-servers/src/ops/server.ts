// The platform's own MCP server: "Pulumi operations via MCP". It serves the stacks' plans (mock
// mode: works anywhere, no credentials) and, where a Pulumi CLI exists, preview, outputs and a
// guarded `up` through the Automation API. Every tool call is logged as one JSON line.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { PER_REQUEST_SERVER_OPTIONS } from "../http-edge";
import { type AgentRoute, type AgentRoutes, chooseRoute, RouteRefused, type RoutePolicy } from "./routing";

export const STACKS = ["local", "staging", "production"] as const;
export type StackName = (typeof STACKS)[number];

export interface PulumiOperations {
  preview(stack: StackName): Promise<string>;
  outputs(stack: StackName): Promise<Record<string, unknown>>;
  up(stack: StackName): Promise<string>;
}

/** route_task's own histogram: agent runs by category and outcome. */
export const ROUTE_TASK_METRIC = "sophia_route_task_duration_seconds";
/** Per agent runtime, as sophia-ops sees it: 1 while its /health answers ok, else 0; and the seconds
 * from its process start until it first served, as it reports them. */
export const AGENT_RUNTIME_UP_METRIC = "sophia_agent_runtime_up";
export const AGENT_RUNTIME_START_METRIC = "sophia_agent_runtime_start_seconds";

export interface OpsServerOptions {
  /** Renders a stack's plan (mock mode). */
  readonly plan: (stack: StackName) => Promise<string>;
  /** Present only where a Pulumi CLI exists. */
  readonly pulumi?: PulumiOperations;
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
    /** The client the ingress authenticated for this request (X-Sophia-Client). */
    readonly caller: string | undefined;
    readonly run: (route: AgentRoute, task: string) => Promise<string>;
  };
}

/** Whether `up` may run on a stack; pure so the guard is tested on its own. */
export function upAllowed(stack: StackName, allowProductionUp: boolean): { allowed: true } | { allowed: false; reason: string } {
  if (stack === "production" && !allowProductionUp) {
    return { allowed: false, reason: "up on production is disabled: set SOPHIA_OPS_ALLOW_PRODUCTION_UP=true on the ops server to enable it" };
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
          const route = chooseRoute(routing.routes, routing.policy, routing.caller, category, agent);
          const answer = await routing.run(route, task);
          const ms = Date.now() - started;
          options.log({ tool: "route_task", caller: routing.caller, category, agent: route.agent, outcome: "ok", ms });
          options.taskRouted?.({ category, outcome: "ok", seconds: ms / 1000 });
          return { content: [{ type: "text", text: answer }], structuredContent: { agent: route.agent, category, answer, ms } };
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          options.log({ tool: "route_task", caller: routing.caller, category, outcome: "error", error: message, ms: Date.now() - started });
          options.taskRouted?.({ category: categories.includes(category) ? category : "unknown", outcome: error instanceof RouteRefused ? "refused" : "error", seconds: (Date.now() - started) / 1000 });
          return { content: [{ type: "text", text: message }], isError: true };
        }
      },
    );
  }

  const pulumi = options.pulumi;
  if (pulumi) {
    server.registerTool("stack_preview", { description: "pulumi preview of a stack, through the Automation API.", inputSchema: stackArg }, logged("stack_preview", (s) => pulumi.preview(s)));
    server.registerTool(
      "stack_outputs",
      { description: "The current outputs of a stack (secrets stay redacted).", inputSchema: stackArg },
      logged("stack_outputs", async (s) => JSON.stringify(await pulumi.outputs(s), null, 2)),
    );
    server.registerTool(
      "stack_up",
      { description: "pulumi up of a stack. Refused on production unless the server allows it.", inputSchema: stackArg },
      logged("stack_up", async (s) => {
        const guard = upAllowed(s, options.allowProductionUp);
        if (!guard.allowed) throw new Error(guard.reason);
        return pulumi.up(s);
      }),
    );
  }
  return server;
}
