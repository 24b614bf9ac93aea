// The `.cursor/mcp.json` of a deployment: one remote entry per server Cursor's token
// reaches (scopes.ts), through the ingress.
// Tokens appear only as `${env:NAME}` references; the file itself holds no secret.
import type { McpServerName } from "./catalog";
import { CURSOR_CLIENT, tokenEnvName } from "./scopes";

export interface CursorMcpJson {
  readonly mcpServers: Record<string, { readonly url: string; readonly headers: Record<string, string> }>;
}

export function renderCursorMcpJson(ingressUrl: string, servers: readonly McpServerName[]): CursorMcpJson {
  const authorization = `Bearer \${env:${tokenEnvName(CURSOR_CLIENT)}}`;
  return {
    mcpServers: Object.fromEntries(servers.map((s) => [`sophia-${s}`, { url: `${ingressUrl.replace(/\/$/, "")}/${s}/mcp`, headers: { Authorization: authorization } }])),
  };
}
