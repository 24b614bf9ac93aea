// The agent side of a stack: the manifest placement decides, the route table and policy the ops
// server's route_task reads, and the runtime pools on the nodes.
import type * as pulumi from "@pulumi/pulumi";
import { buildManifest, DEFAULT_AGENTS, type Placement, routePolicy } from "@sophia/agent-categories";
import { AgentRuntimePools, agentRoutes, type ModelChoice } from "@sophia/agent-runtime";
import type { DockerRuntime } from "@sophia/docker-runtime";
import { CURSOR_CLIENT, type LogRetention, type McpPlatform, type McpServerName } from "@sophia/mcp-servers";

export function agentManifest(environment: string, placement: Placement) {
  return buildManifest(environment, DEFAULT_AGENTS, placement);
}

/** Environment of the sophia-ops server: where each category's agents run, and who may route where. */
export function routingEnv(manifest: ReturnType<typeof agentManifest>): Partial<Record<McpServerName, Record<string, string>>> {
  return { "sophia-ops": { SOPHIA_AGENT_ROUTES: JSON.stringify(agentRoutes(manifest)), SOPHIA_ROUTE_POLICY: JSON.stringify(routePolicy(CURSOR_CLIENT)) } };
}

export interface AgentPoolsArgs {
  readonly stack: string;
  readonly baseImage: string;
  readonly manifest: ReturnType<typeof agentManifest>;
  readonly placement: Placement;
  readonly nodes: Readonly<Record<string, DockerRuntime>>;
  readonly mcp: McpPlatform;
  /** The node running the MCP platform: its pools use the internal ingress, others the public one. */
  readonly mcpNode: string;
  readonly servers: readonly McpServerName[];
  readonly model: ModelChoice;
  readonly modelApiKey: pulumi.Output<string> | undefined;
  readonly cpuQuota: boolean;
  readonly logs: LogRetention;
}

export function agentPools(name: string, args: AgentPoolsArgs): AgentRuntimePools {
  return new AgentRuntimePools(name, {
    stack: args.stack,
    baseImage: args.baseImage,
    manifest: args.manifest,
    pools: args.placement.pools,
    nodes: args.nodes,
    mcp: {
      // Pools on another node than the MCP platform cannot see its internal network.
      urlFor: (node) => (node === args.mcpNode ? args.mcp.internalUrl : args.mcp.publicUrl),
      servers: args.servers,
      tokens: args.mcp.tokens,
      ready: args.mcp.ready,
    },
    model: args.model,
    modelApiKey: args.modelApiKey,
    cpuQuota: args.cpuQuota,
    logs: args.logs,
  });
}
