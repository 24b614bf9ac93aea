// Who may call which server through the ingress. Every agent category is a client whose token
// reaches exactly the servers its category lists; `cursor` is the developer's own client and
// reaches every enabled server but those the category library keeps to its categories (Gong's
// customer calls). Pure: the category library is the only input.
import type { McpServerName } from "./catalog";

export const CURSOR_CLIENT = "cursor";

export interface ClientScope {
  /** Client id: a category name, or `cursor`. */
  readonly client: string;
  readonly servers: readonly McpServerName[];
}

export function clientScopes(
  categories: Readonly<Record<string, { readonly mcpServers: readonly McpServerName[] }>>,
  enabled: readonly McpServerName[],
  categoryOnly: readonly McpServerName[] = [],
): ClientScope[] {
  const on = new Set(enabled);
  return [
    { client: CURSOR_CLIENT, servers: enabled.filter((s) => !categoryOnly.includes(s)) },
    ...Object.entries(categories).map(([client, c]) => ({ client, servers: c.mcpServers.filter((s) => on.has(s)) })),
  ];
}

/** The environment variable holding a client's token, in the ingress and in Cursor's environment. */
export function tokenEnvName(client: string): string {
  return `SOPHIA_MCP_TOKEN_${client.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}
