// The MCP servers the platform knows, as typed data. The agent-category library imports this module
// (and only this module) so that categories name servers through a literal union. Adding a server
// means adding one entry to MCP_SERVERS; containers, ingress routes, tokens and Cursor config follow.

export const MCP_SERVER_NAMES = ["sophia-ops", "memory", "gong"] as const;

/** Name of an MCP server in the catalog; a typo here fails to compile wherever a server is named. */
export type McpServerName = (typeof MCP_SERVER_NAMES)[number];

/** Where a server's image comes from: a Dockerfile in this repo (built on BASE_IMAGE) or a pinned image. */
export type ImageSource =
  | { readonly kind: "dockerfile"; /** Directory under packages/mcp-servers/images. */ readonly context: string }
  | { readonly kind: "remote"; /** Pinned by tag and digest. */ readonly ref: string };

/** How a server speaks MCP: natively over streamable HTTP, or over stdio behind the bridge (src/bridge). */
export type Transport =
  | { readonly kind: "streamable-http"; readonly path: "/mcp" }
  | { readonly kind: "stdio"; /** The stdio server's command line. */ readonly command: readonly string[] };

export interface SecretEnv {
  /** Variable the server reads. */
  readonly env: string;
  /** Stack config key holding it as a Pulumi secret. */
  readonly configKey: string;
}

/** A container's size, from what it used under `npm run bench:mcp` (64 clients on each server, the
 * heaviest load it applies), with headroom: memory twice the peak, rounded up to 32 MiB; CPU the
 * peak plus half, rounded up to a quarter core. `measured` says what the peak was, so a reviewer sees
 * where a number came from, and a re-measure shows up in the diff. */
export interface ContainerSizing {
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly measured: { readonly peakMiB: number; readonly peakCpus: number; readonly by: string };
}

/** The sizing rule above, so the numbers in the catalog can be checked against their measurement. */
export function sizeFromPeak(peakMiB: number, peakCpus: number): { memoryMiB: number; cpus: number } {
  return { memoryMiB: Math.ceil((peakMiB * 2) / 32) * 32, cpus: Math.ceil(peakCpus * 1.5 * 4) / 4 };
}

export interface McpServerSpec {
  readonly name: McpServerName;
  readonly description: string;
  /** Off unless its credentials are configured; enabling it without them fails at plan time. */
  readonly optional: boolean;
  readonly image: ImageSource;
  readonly transport: Transport;
  /** Port the server (or its bridge) listens on inside its container. */
  readonly port: number;
  readonly env: Readonly<Record<string, string>>;
  readonly secrets: readonly SecretEnv[];
  /** HTTP path answering 200 when healthy. */
  readonly healthPath: string;
  /** Writable paths on a read-only root filesystem: tmpfs, or a named volume when it must persist. */
  readonly writable: readonly { readonly path: string; readonly persist: boolean }[];
  readonly sizing: ContainerSizing;
  /** Tools whose work takes seconds, not milliseconds (a plan, an agent run): their calls are kept out
   * of the MCP latency SLO, which is about the protocol's answers, not about the work a tool does. */
  readonly longRunningTools: readonly string[];
  /** What the server reaches outside the node, if anything: it then joins the edge network too
   * (the MCP network has no way out). Absent: the MCP network only. */
  readonly egress?: string;
}

export const MCP_SERVERS: Readonly<Record<McpServerName, McpServerSpec>> = {
  "sophia-ops": {
    name: "sophia-ops",
    description: "The platform's own operations server: stack plans, previews, outputs and guarded updates.",
    optional: false,
    image: { kind: "dockerfile", context: "ops" },
    transport: { kind: "streamable-http", path: "/mcp" },
    port: 8080,
    // The data directory keeps stack_up's approval requests and the audit log of Pulumi operations.
    env: { SOPHIA_OPS_PORT: "8080", SOPHIA_OPS_DATA_DIR: "/var/lib/sophia-ops" },
    secrets: [],
    healthPath: "/health",
    writable: [{ path: "/tmp", persist: false }, { path: "/var/lib/sophia-ops", persist: true }],
    // The peak is the queued plans': the server idles near 30 MiB and a plan's child process adds ~200.
    sizing: { memoryMiB: 480, cpus: 1.5, measured: { peakMiB: 234, peakCpus: 1.0, by: "npm run bench:mcp (64 clients) and three parallel stack_plan calls, 2026-11-25" } },
    longRunningTools: ["route_task", "stack_drift", "stack_history", "stack_outputs", "stack_plan", "stack_preview", "stack_up"],
  },
  memory: {
    name: "memory",
    description: "Knowledge-graph memory (@modelcontextprotocol/server-memory); works fully offline.",
    optional: false,
    image: { kind: "dockerfile", context: "memory" },
    transport: { kind: "stdio", command: ["node", "/app/node_modules/@modelcontextprotocol/server-memory/dist/index.js"] },
    port: 8080,
    env: { MEMORY_FILE_PATH: "/data/memory.jsonl" },
    secrets: [],
    healthPath: "/ping",
    writable: [{ path: "/data", persist: true }, { path: "/tmp", persist: false }],
    sizing: { memoryMiB: 192, cpus: 1.75, measured: { peakMiB: 93, peakCpus: 1.14, by: "npm run bench:mcp (64 clients), 2026-11-25" } },
    longRunningTools: [],
  },
  gong: {
    name: "gong",
    description: "Gong sales-call data for business intelligence (src/gong, written here); needs Gong API credentials and the company's API base URL.",
    optional: true,
    image: { kind: "dockerfile", context: "gong" },
    transport: { kind: "streamable-http", path: "/mcp" },
    port: 8080,
    env: { SOPHIA_GONG_PORT: "8080" },
    secrets: [
      { env: "GONG_ACCESS_KEY", configKey: "sophia:gongAccessKey" },
      { env: "GONG_ACCESS_SECRET", configKey: "sophia:gongAccessKeySecret" },
    ],
    healthPath: "/health",
    writable: [{ path: "/tmp", persist: false }],
    // Not measured yet: sized as memory, a Node server of the same kind.
    sizing: { memoryMiB: 192, cpus: 1.75, measured: { peakMiB: 0, peakCpus: 0, by: "not measured yet" } },
    // Gong's API is a network away and rate-limited to about 3 calls a second.
    longRunningTools: ["get_transcript", "search_calls"],
    egress: "the company's Gong API (sophia:gong.baseUrl)",
  },
};

export interface McpServerSummary {
  readonly name: McpServerName;
  readonly description: string;
  readonly optional: boolean;
}

export const MCP_SERVER_SUMMARIES: Readonly<Record<McpServerName, McpServerSummary>> = MCP_SERVERS;

export function isMcpServerName(value: string): value is McpServerName {
  return (MCP_SERVER_NAMES as readonly string[]).includes(value);
}
