// Which MCP servers a stack runs, and who may call them: from config and the category library.
import * as pulumi from "@pulumi/pulumi";
import { CATEGORIES } from "@sophia/agent-categories";
import { clientScopes, MCP_SERVER_NAMES, MCP_SERVERS, type McpServerName } from "@sophia/mcp-servers";

export function enabledServers(stack: string, configured: readonly McpServerName[] | undefined, secret: (key: string) => unknown): McpServerName[] {
  const servers = configured ?? MCP_SERVER_NAMES.filter((name) => !MCP_SERVERS[name].optional);
  for (const name of servers) {
    const missing = MCP_SERVERS[name].secrets.filter((s) => secret(s.configKey) === undefined).map((s) => s.configKey);
    if (missing.length > 0) {
      throw new pulumi.RunError(`stacks/Pulumi.${stack}.yaml: sophia:mcpServers: ${name} is enabled but its credentials are not set; expected secrets ${missing.join(", ")}; got none`);
    }
  }
  return [...servers];
}

export function scopesFor(servers: readonly McpServerName[]) {
  return clientScopes(CATEGORIES, servers);
}
