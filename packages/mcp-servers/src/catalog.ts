// The MCP servers the platform knows. Pure data: the agent-category library imports this module
// (and only this module) so that categories name servers through a literal union.

export const MCP_SERVER_NAMES = ["sophia-ops", "memory", "gong"] as const;

/** Name of an MCP server in the catalog; a typo here fails to compile wherever a server is named. */
export type McpServerName = (typeof MCP_SERVER_NAMES)[number];

export interface McpServerSummary {
  readonly name: McpServerName;
  readonly description: string;
  /** Off unless its credentials are configured (enabling it without them fails at plan time). */
  readonly optional: boolean;
}

export const MCP_SERVER_SUMMARIES: Readonly<Record<McpServerName, McpServerSummary>> = {
  "sophia-ops": {
    name: "sophia-ops",
    description: "The platform's own operations server: stack plans, previews, outputs and guarded updates.",
    optional: false,
  },
  memory: {
    name: "memory",
    description: "Knowledge-graph memory (@modelcontextprotocol/server-memory); works fully offline.",
    optional: false,
  },
  gong: {
    name: "gong",
    description: "Gong sales-call data for business intelligence; needs Gong API credentials.",
    optional: true,
  },
};

export function isMcpServerName(value: string): value is McpServerName {
  return (MCP_SERVER_NAMES as readonly string[]).includes(value);
}
