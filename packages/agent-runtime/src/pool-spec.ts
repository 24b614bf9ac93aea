// What each runtime pool's container is, as plain data: its environment, limits, GPU requests and
// the route table the ops server uses to reach its agents. Pure, so tests read it directly.
import * as path from "node:path";
import type { AgentManifest, CategoryName, RuntimePool } from "@sophia/agent-categories";
import { cpuLimit, HARDENING, healthcheckFor, type LogRetention, type McpServerName, memoryLimit, tokenEnvName } from "@sophia/mcp-servers";

export const RUNTIME_PORT = 7777;
/** Image build contexts, found from this module (the engine runs the program in stacks/). */
export const RUNTIME_CONTEXT = path.resolve(__dirname, "..", "images", "runtime");
export const STUB_MODEL_CONTEXT = path.resolve(__dirname, "..", "testing", "stub-model");
export const STUB_MODEL_PORT = 8000;
export const STUB_MODEL_HOST = "model-stub";
/** Python, AgentOS and MCP connections on top of what the pool's agents need. */
export const RUNTIME_OVERHEAD_MIB = 256;

/** The model the agents use: a provider speaking the OpenAI API, or (tests, local) the stub. */
export type ModelChoice =
  | { readonly provider: "openai-compatible"; readonly baseUrl: string; readonly id: string }
  | { readonly provider: "stub" };

export function runtimeHost(poolId: string): string {
  return `agents-${poolId}`;
}

export function poolCategories(manifest: AgentManifest, poolId: string): string[] {
  return [...new Set(manifest.agents.filter((a) => a.pool === poolId).map((a) => a.category))].sort();
}

export function modelEndpoint(model: ModelChoice): { baseUrl: string; id: string } {
  return model.provider === "stub" ? { baseUrl: `http://${STUB_MODEL_HOST}:${STUB_MODEL_PORT}/v1`, id: "sophia-stub" } : { baseUrl: model.baseUrl, id: model.id };
}

/** The runtime's non-secret environment; tokens and the model key are added as secrets. */
export function poolEnvironment(manifest: AgentManifest, poolId: string, mcpUrl: string, servers: readonly McpServerName[], model: ModelChoice): Record<string, string> {
  const endpoint = modelEndpoint(model);
  return {
    SOPHIA_POOL: poolId,
    SOPHIA_MANIFEST: JSON.stringify(manifest),
    SOPHIA_MCP_URL: mcpUrl,
    // Only the enabled servers this pool's agents use: enabling a server (gong) changes the pools
    // whose categories use it, and leaves every other pool as it is.
    SOPHIA_MCP_SERVERS: servers.filter((s) => manifest.agents.some((a) => a.pool === poolId && a.mcpServers.includes(s))).join(","),
    SOPHIA_MODEL_BASE_URL: endpoint.baseUrl,
    SOPHIA_MODEL_ID: endpoint.id,
    SOPHIA_RUNTIME_PORT: String(RUNTIME_PORT),
  };
}

/** The environment variables holding the MCP tokens a pool needs: one per category it runs. */
export function poolTokenEnvs(manifest: AgentManifest, poolId: string): { category: string; env: string }[] {
  return poolCategories(manifest, poolId).map((category) => ({ category, env: tokenEnvName(category) }));
}

/** GPU pools get their agents' GPUs through the NVIDIA runtime; CPU pools get nothing. */
export function gpuRequest(manifest: AgentManifest, pool: RuntimePool): { runtime: string; deviceRequests: { driver: string; count: number; capabilities: string[] }[] } | undefined {
  if (!pool.gpu) return undefined;
  const count = manifest.agents.filter((a) => a.pool === pool.id).reduce((sum, a) => sum + a.gpus, 0);
  return { runtime: "nvidia", deviceRequests: [{ driver: "nvidia", count: Math.max(count, 1), capabilities: ["gpu"] }] };
}

/** The ops server's variable holding a pool's AgentOS API key (route_task presents it). */
export function agentKeyEnvName(poolId: string): string {
  return `SOPHIA_AGENT_KEY_${poolId.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** The runtime's own variable for its AgentOS API key: without it, it does not start. */
export const AGENT_API_KEY_ENV = "SOPHIA_AGENT_API_KEY";

/** Each category's pair of ports (CPU pool, GPU pool) on a node's private address. Pinned, like the
 * addresses: a category added to the catalog fails to compile until it has a slot, and no running
 * pool's port moves. */
export const POOL_PORT_SLOTS = {
  "business-intelligence": 0,
  "code-assistance": 1,
  "core-orchestration": 2,
  infrastructure: 3,
  monitoring: 4,
  research: 5,
} as const satisfies Record<CategoryName, number>;

/** The port a pool publishes on its node's private address: unique per (category, GPU or not), which
 * is what makes a pool unique on its node. */
export function poolPort(manifest: AgentManifest, pool: Pick<RuntimePool, "id" | "gpu">): number {
  // A pool holds one category's agents (placement's invariant).
  const category = poolCategories(manifest, pool.id)[0] as CategoryName | undefined;
  if (!category || !(category in POOL_PORT_SLOTS)) throw new Error(`pool ${pool.id}: no category in the manifest with a port slot`);
  return RUNTIME_PORT + 1 + 2 * POOL_PORT_SLOTS[category] + (pool.gpu ? 1 : 0);
}

/** Where sophia-ops reaches a pool: by its alias on the node's internal network (one node), or
 * `http://<private address>:<pool port>` over the stack's private network. */
export type PoolUrl = (poolId: string) => string;
export const poolAliasUrl: PoolUrl = (poolId) => `http://${runtimeHost(poolId)}:${RUNTIME_PORT}`;

/** category → its agents, the runtime URL serving each and where the ops server finds that runtime's
 * key, for route_task on the ops server. */
export function agentRoutes(manifest: AgentManifest, urlOf: PoolUrl = poolAliasUrl): Record<string, { agent: string; url: string; keyEnv: string; runtime?: string }[]> {
  const routes: Record<string, { agent: string; url: string; keyEnv: string; runtime?: string }[]> = {};
  for (const agent of manifest.agents) {
    const url = urlOf(agent.pool);
    // The runtime's name is its pool's host name; said only where the URL does not already say it.
    const runtime = urlOf === poolAliasUrl ? {} : { runtime: runtimeHost(agent.pool) };
    (routes[agent.category] ??= []).push({ agent: agent.name, url, keyEnv: agentKeyEnvName(agent.pool), ...runtime });
  }
  return routes;
}

/** The hardened container settings of a pool (the same defaults as the MCP servers). `cpuQuota`
 * false leaves CPU unlimited: the local engine promises more cores than the machine has, and Docker
 * refuses a quota above the real count. */
export function poolContainerSpec(stack: string, pool: RuntimePool, logs: LogRetention, labels: Readonly<Record<string, string>>, cpuQuota: boolean) {
  return {
    name: `sophia-${stack}-agents-${pool.id}`,
    hostname: runtimeHost(pool.id),
    ...HARDENING,
    capabilities: { drops: [...HARDENING.capabilities.drops] },
    securityOpts: [...HARDENING.securityOpts],
    tmpfs: { "/tmp": "rw,noexec,nosuid,size=64m" },
    ...memoryLimit(Math.ceil(pool.needs.memoryGiB * 1024) + RUNTIME_OVERHEAD_MIB),
    ...(cpuQuota ? { cpus: cpuLimit(pool.needs.cpu) } : {}),
    // Agent runs can take long; the runtime gets time to finish them before it is killed.
    stopTimeout: 30,
    healthcheck: healthcheckFor(RUNTIME_PORT, "/health"),
    logDriver: "json-file",
    logOpts: { "max-size": `${logs.maxSizeMiB}m`, "max-file": String(logs.maxFiles) },
    labels: Object.entries({ ...labels, "sophia.component": "agents", "sophia.agent-pool": pool.id }).map(([label, value]) => ({ label, value })),
  };
}
