// Which MCP servers a stack runs, and who may call them: from config and the category library.
import { CATEGORIES } from "@sophia/agent-categories";
import { clientScopes, type ClientScope, MCP_SERVER_NAMES, MCP_SERVERS, type McpServerName } from "@sophia/mcp-servers";
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
