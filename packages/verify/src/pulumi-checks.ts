// The checklist's rows for real Pulumi operations through sophia-ops (issue 32). Where the deploy gave
// sophia-ops an engine: the infrastructure agent's preview of the deployed stack says "no changes";
// after a harmless change made behind Pulumi's back, its drift names the container; and a category
// outside the stack's Pulumi clients is refused. Where there is none (CI, the smoke), the tools say so.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { serverContainerName } from "@sophia/mcp-servers";
import type { DockerRunner } from "./docker-runner";

type CallTool = Client["callTool"];
type ToolResult = Awaited<ReturnType<CallTool>>;

export interface PulumiCheckContext {
  readonly stack: string;
  /** Whether the deploy put an engine into sophia-ops and gave it the state. */
  readonly engine: boolean;
  readonly docker: DockerRunner;
  /** route_task through the ingress with Cursor's token. */
  readonly routeTask: (args: Record<string, string>) => Promise<ToolResult>;
  /** A sophia-ops tool called directly through the ingress with a client's token. */
  readonly callOps: (client: string, tool: string, args: Record<string, unknown>) => Promise<ToolResult>;
  readonly textOf: (result: unknown) => string;
}

interface PulumiCheck {
  readonly item: "Pulumi operations via MCP" | "end to end";
  readonly name: string;
  readonly run: () => Promise<string>;
  /** Runs the engine (seconds): started before the quick checks, so the checklist does not wait on it at its end. */
  readonly slow?: true;
}

/** The restart policy every platform container has (HARDENING), and the harmless one the drift row
 * sets for a moment. Docker cannot change a running container's labels; it can change this. */
const RESTART_POLICY = "unless-stopped";
const DRIFTED_POLICY = "on-failure";

export function pulumiChecks(ctx: PulumiCheckContext): PulumiCheck[] {
  const refusedCategory = "monitoring";
  const refusal: PulumiCheck = {
    item: "Pulumi operations via MCP",
    name: `stack_preview refused for ${refusedCategory}'s token (outside the stack's Pulumi clients)`,
    run: async () => {
      const result = await ctx.callOps(refusedCategory, "stack_preview", { stack: ctx.stack });
      const text = ctx.textOf(result);
      if (!result.isError || !text.includes(`client ${refusedCategory} may not run Pulumi operations`)) throw new Error(`expected a refusal; got ${text.slice(0, 200)}`);
      return text;
    },
  };
  if (!ctx.engine) {
    return [
      {
        item: "Pulumi operations via MCP",
        name: "stack_preview says plainly that this sophia-ops has no Pulumi engine",
        run: async () => {
          const result = await ctx.callOps("infrastructure", "stack_preview", { stack: ctx.stack });
          const text = ctx.textOf(result);
          if (!result.isError || !text.startsWith("no Pulumi engine")) throw new Error(`expected "no Pulumi engine …"; got ${text.slice(0, 200)}`);
          return text.split(":")[0]!;
        },
      },
      refusal,
    ];
  }
  const container = serverContainerName(ctx.stack, "memory");
  return [
    {
      item: "end to end",
      name: "Cursor config → route_task (infrastructure) → infra agent → the real stack_preview of the deployed stack → no changes",
      slow: true,
      run: async () => {
        const result = await ctx.routeTask({ category: "infrastructure", task: `Preview the ${ctx.stack} stack` });
        const routed = result.structuredContent as { agent: string; answer: string; ms: number } | undefined;
        if (result.isError || !routed?.answer.includes(`preview ${ctx.stack}: no changes`)) throw new Error(ctx.textOf(result).slice(0, 400));
        return `${routed.agent} answered in ${routed.ms} ms: ${routed.answer}`;
      },
    },
    {
      item: "end to end",
      name: `an out-of-band change (${container}'s restart policy, docker update) → the infra agent's stack_drift names that container`,
      slow: true,
      run: async () => {
        await ctx.docker(["update", `--restart=${DRIFTED_POLICY}`, container]);
        try {
          const result = await ctx.routeTask({ category: "infrastructure", task: `Check the drift of the ${ctx.stack} stack` });
          const routed = result.structuredContent as { agent: string; answer: string; ms: number } | undefined;
          // The answer is the drift's last line: the resources that differ, each with its container's
          // name; on a stack just deployed, that one alone.
          if (result.isError || !routed?.answer.includes(`1 resource differs from the state: `) || !routed.answer.includes(`(${container})`)) throw new Error(ctx.textOf(result).slice(0, 400));
          return `${routed.agent} answered in ${routed.ms} ms: ${routed.answer}`;
        } finally {
          // Put back at once: the stack's next up then changes nothing.
          await ctx.docker(["update", `--restart=${RESTART_POLICY}`, container]);
        }
      },
    },
    refusal,
  ];
}
