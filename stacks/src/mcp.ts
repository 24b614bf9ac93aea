// Which MCP servers a stack runs, and who may call them: from config and the category library.
import { CATEGORIES } from "@sophia/agent-categories";
import { clientScopes, type ClientScope, MCP_SERVER_NAMES, MCP_SERVERS, type McpServerName } from "@sophia/mcp-servers";
import * as pulumi from "@pulumi/pulumi";
import { PROBE_CLIENT } from "./monitoring";

/** The configured servers, or every server that needs no credentials. McpPlatform checks that an
 * enabled server's secrets are set. */
export function enabledServers(configured: readonly McpServerName[] | undefined): McpServerName[] {
  return [...(configured ?? MCP_SERVER_NAMES.filter((name) => !MCP_SERVERS[name].optional))];
}

/** The category library's clients, and the monitoring probe, which reaches every enabled server. */
export function scopesFor(servers: readonly McpServerName[]): ClientScope[] {
  return [...clientScopes(CATEGORIES, servers), { client: PROBE_CLIENT, servers: [...servers] }];
}

/** The Gong server's environment: the company's API base URL, from sophia:gong.baseUrl, which an
 * enabled gong needs (its keys are checked by McpPlatform). */
export function gongServerEnv(stack: string, servers: readonly McpServerName[], gong: { readonly baseUrl: string } | undefined): Partial<Record<McpServerName, Record<string, string>>> {
  if (!servers.includes("gong")) return {};
  if (!gong) throw new pulumi.RunError(`stacks/Pulumi.${stack}.yaml: sophia:gong: gong is in sophia:mcpServers, so it needs your company's Gong API base URL (Gong's API page shows it); expected baseUrl: https://us-12345.api.gong.io or your own; got nothing`);
  return { gong: { GONG_BASE_URL: gong.baseUrl } };
}
