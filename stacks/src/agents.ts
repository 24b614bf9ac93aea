// The agent side of a stack: the manifest placement decides, the route table and policy the ops
// server's route_task reads, and the runtime pools on the nodes.
import type * as pulumi from "@pulumi/pulumi";
import { buildManifest, DEFAULT_AGENTS, type Placement, routePolicy } from "@sophia/agent-categories";
import { agentApiKeys, agentKeyEnvName, AgentRuntimePools, type AgentRuntimePoolsArgs, agentRoutes, type ModelChoice, poolAliasUrl, type PoolUrl } from "@sophia/agent-runtime";
import type { DockerRuntime } from "@sophia/docker-runtime";
import { CURSOR_CLIENT, type LogRetention, type McpPlatform, type McpServerName } from "@sophia/mcp-servers";

export function agentManifest(environment: string, placement: Placement) {
  return buildManifest(environment, DEFAULT_AGENTS, placement);
}

/** What route_task needs: the sophia-ops server's environment (where each category's agents run, who
 * may route where) and secrets (each runtime's API key), and those keys for the pools themselves. */
export function agentRouting(name: string, manifest: ReturnType<typeof agentManifest>, poolUrl?: PoolUrl) {
  const apiKeys = agentApiKeys(name, manifest);
  const serverEnv: Partial<Record<McpServerName, Record<string, string>>> = {
    "sophia-ops": { SOPHIA_AGENT_ROUTES: JSON.stringify(agentRoutes(manifest, poolUrl)), SOPHIA_ROUTE_POLICY: JSON.stringify(routePolicy(CURSOR_CLIENT)) },
  };
  const serverSecretEnv: Partial<Record<McpServerName, Record<string, pulumi.Output<string>>>> = {
    "sophia-ops": Object.fromEntries(Object.entries(apiKeys).map(([pool, key]) => [agentKeyEnvName(pool), key])),
  };
  return { apiKeys, serverEnv, serverSecretEnv, poolUrl: poolUrl ?? poolAliasUrl };
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
  readonly apiKeys: Readonly<Record<string, pulumi.Output<string>>>;
  readonly cpuQuota: boolean;
  readonly logs: LogRetention;
  /** A fleet's private network: pools on other nodes reach the ingress through it, and are reached by it. */
  readonly privateNetwork?: AgentRuntimePoolsArgs["privateNetwork"];
}

export function agentPools(name: string, args: AgentPoolsArgs): AgentRuntimePools {
  return new AgentRuntimePools(name, {
    stack: args.stack,
    baseImage: args.baseImage,
    manifest: args.manifest,
    pools: args.placement.pools,
    nodes: args.nodes,
    mcp: {
      // Pools on another node than the MCP platform's reach its internal site over the private network.
      urlFor: (node) => {
        if (node === args.mcpNode) return args.mcp.internalUrl;
        if (!args.mcp.privateUrl) throw new Error(`pool on node ${node}: the MCP platform runs on ${args.mcpNode} and its internal site is on no private network`);
        return args.mcp.privateUrl;
      },
      servers: args.servers,
      tokens: args.mcp.tokens,
      ready: args.mcp.ready,
    },
    model: args.model,
    modelApiKey: args.modelApiKey,
    apiKeys: args.apiKeys,
    cpuQuota: args.cpuQuota,
    logs: args.logs,
    privateNetwork: args.privateNetwork,
  });
}
