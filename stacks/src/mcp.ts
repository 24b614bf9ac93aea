// Which MCP servers a stack runs, and who may call them: from config and the category library.
import { CATEGORIES, CATEGORY_ONLY_SERVERS } from "@sophia/agent-categories";
import { clientScopes, type ClientScope, DEFAULT_PULUMI_CLIENTS, MCP_SERVER_NAMES, MCP_SERVERS, type McpServerName } from "@sophia/mcp-servers";
import * as pulumi from "@pulumi/pulumi";
import { PROBE_CLIENT } from "./monitoring";

/** The configured servers; without sophia:mcpServers, every server that needs no credentials, and
 * each optional one (gong) whose secrets are all set. McpPlatform checks that an enabled server's
 * secrets are set, so naming gong without them is an error that names the missing secret. */
export function enabledServers(configured: readonly McpServerName[] | undefined, secretSet: (configKey: string) => boolean): McpServerName[] {
  return [...(configured ?? MCP_SERVER_NAMES.filter((name) => !MCP_SERVERS[name].optional || MCP_SERVERS[name].secrets.every((s) => secretSet(s.configKey))))];
}

/** The category library's clients, and the monitoring probe, which reaches every enabled server. */
export function scopesFor(servers: readonly McpServerName[]): ClientScope[] {
  return [...clientScopes(CATEGORIES, servers, CATEGORY_ONLY_SERVERS), { client: PROBE_CLIENT, servers: [...servers] }];
}

/** The Gong server's environment: the company's API base URL, from sophia:gong.baseUrl, which an
 * enabled gong needs (its keys are checked by McpPlatform). */
export function gongServerEnv(stack: string, servers: readonly McpServerName[], gong: { readonly baseUrl: string } | undefined): Partial<Record<McpServerName, Record<string, string>>> {
  if (!servers.includes("gong")) return {};
  if (!gong) throw new pulumi.RunError(`stacks/Pulumi.${stack}.yaml: sophia:gong: gong is enabled (its secrets are set, or sophia:mcpServers names it), so it needs your company's Gong API base URL (Gong's API page shows it); expected baseUrl: https://us-12345.api.gong.io or your own; got nothing`);
  // Plain http only reaches the local stack's fake on the project's own network; staging and
  // production refuse it in their config (stack-config's schema).
  return { gong: { GONG_BASE_URL: gong.baseUrl, ...(stack === "local" && gong.baseUrl.startsWith("http:") ? { GONG_PLAIN_HTTP: "allowed" } : {}) } };
}

/** sophia-ops's Pulumi settings from sophia:ops: the clients that may run Pulumi operations
 * (infrastructure unless the stack says otherwise), and stack_up on production, off unless turned on. */
export function opsServerEnv(ops: { readonly pulumiClients?: readonly string[]; readonly allowProductionUp?: boolean } | undefined): Record<string, string> {
  return { SOPHIA_PULUMI_CLIENTS: JSON.stringify(ops?.pulumiClients ?? DEFAULT_PULUMI_CLIENTS), ...(ops?.allowProductionUp ? { SOPHIA_OPS_ALLOW_PRODUCTION_UP: "true" } : {}) };
}

/** Per-server environments merged server by server (a later one's variables win). */
export function mergeServerEnv(...envs: Partial<Record<McpServerName, Readonly<Record<string, string>>>>[]): Partial<Record<McpServerName, Record<string, string>>> {
  const merged: Partial<Record<McpServerName, Record<string, string>>> = {};
  for (const env of envs) for (const [server, vars] of Object.entries(env) as [McpServerName, Record<string, string>][]) merged[server] = { ...merged[server], ...vars };
  return merged;
}
