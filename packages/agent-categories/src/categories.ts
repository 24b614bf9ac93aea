// The agent categories of the platform. Each category says what its agents need to run, which MCP
// servers they may use, how Cursor should treat its tasks and how fast it must answer. Adding a
// category means adding one entry here; placement, tokens, manifest and Cursor rules follow.
import type { McpServerName } from "@sophia/mcp-servers/catalog";

export const CURSOR_MODES = ["agent", "ask", "plan"] as const;
export type CursorMode = (typeof CURSOR_MODES)[number];

export const LATENCY_CLASSES = ["interactive", "standard", "batch"] as const;
/** interactive: a person is waiting (p99 < 2 s to first token); standard: seconds; batch: minutes. */
export type LatencyClass = (typeof LATENCY_CLASSES)[number];

export interface GpuNeed {
  readonly count: number;
  /** Minimum memory per GPU, GiB. */
  readonly minMemoryGiB: number;
}

export interface RuntimeNeeds {
  /** vCPUs per agent. */
  readonly cpu: number;
  readonly memoryGiB: number;
  /** null: the category never needs a GPU. */
  readonly gpu: GpuNeed | null;
}

export interface CursorHints {
  readonly mode: CursorMode;
  /** One short rule that Cursor applies when working on this category's tasks. */
  readonly rule: string;
  /** Files the rule attaches to; empty means the rule is picked by its description. */
  readonly globs: readonly string[];
}

export interface CategorySpec {
  readonly title: string;
  readonly description: string;
  readonly needs: RuntimeNeeds;
  readonly mcpServers: readonly McpServerName[];
  readonly cursor: CursorHints;
  /** Concurrent sessions one agent of this category serves. */
  readonly concurrency: number;
  readonly latencyClass: LatencyClass;
}

export const CATEGORIES = {
  "core-orchestration": {
    title: "Core orchestration",
    description: "Routes work between agents and keeps the conversation state of a task.",
    needs: { cpu: 1, memoryGiB: 2, gpu: null },
    mcpServers: ["sophia-ops", "memory"],
    cursor: {
      mode: "agent",
      rule: "Route each task to the category that owns it; never call another category's MCP servers directly.",
      globs: [],
    },
    concurrency: 16,
    latencyClass: "interactive",
  },
  "business-intelligence": {
    title: "Business intelligence",
    description: "Answers sales questions from Gong call data and the CRM.",
    needs: { cpu: 1, memoryGiB: 4, gpu: null },
    mcpServers: ["gong", "memory"],
    cursor: {
      mode: "ask",
      rule: "Quote the Gong call or CRM record behind every figure; never invent a deal or a customer.",
      globs: [],
    },
    concurrency: 8,
    latencyClass: "standard",
  },
  infrastructure: {
    title: "Infrastructure",
    description: "Reads and changes the platform through Pulumi operations.",
    needs: { cpu: 1, memoryGiB: 2, gpu: null },
    mcpServers: ["sophia-ops"],
    cursor: {
      mode: "plan",
      rule: "Show the stack plan before any change; run `up` only where the stack's config allows it.",
      globs: ["stacks/**", "packages/**/src/**/*.ts", "Pulumi.yaml"],
    },
    concurrency: 4,
    latencyClass: "standard",
  },
  "code-assistance": {
    title: "Code assistance",
    description: "Helps engineers in Cursor: explains, reviews and edits code of this repository.",
    needs: { cpu: 2, memoryGiB: 4, gpu: null },
    mcpServers: ["memory", "sophia-ops"],
    cursor: {
      mode: "agent",
      rule: "Keep changes small and tested; follow docs/ARCHITECTURE.md and the package READMEs.",
      globs: ["**/*.ts", "**/*.py"],
    },
    concurrency: 8,
    latencyClass: "interactive",
  },
  research: {
    title: "Research",
    description: "Long-running research with a local model on a GPU: summaries, comparisons, embeddings.",
    needs: { cpu: 4, memoryGiB: 16, gpu: { count: 1, minMemoryGiB: 24 } },
    mcpServers: ["memory"],
    cursor: {
      mode: "ask",
      rule: "Cite a source for every claim and say how sure you are.",
      globs: ["docs/**"],
    },
    concurrency: 2,
    latencyClass: "batch",
  },
  monitoring: {
    title: "Monitoring",
    description: "Watches health checks and SLOs and explains alerts.",
    needs: { cpu: 0.5, memoryGiB: 1, gpu: null },
    mcpServers: ["sophia-ops"],
    cursor: {
      mode: "ask",
      rule: "Start from the alert's SLO and the metric behind it; propose a runbook step, not a guess.",
      globs: ["packages/monitoring/**"],
    },
    concurrency: 4,
    latencyClass: "standard",
  },
} as const satisfies Record<string, CategorySpec>;

/** Servers whose data only the categories that list them may read: the developer's own client,
 * Cursor, does not reach them. Gong holds customers' recorded sales calls. */
export const CATEGORY_ONLY_SERVERS: readonly McpServerName[] = ["gong"];

/** Name of a category; a typo fails to compile. */
export type CategoryName = keyof typeof CATEGORIES;

/** The MCP servers an agent of category C may use. */
export type AllowedMcpServer<C extends CategoryName> = (typeof CATEGORIES)[C]["mcpServers"][number];

export const CATEGORY_NAMES = Object.keys(CATEGORIES).sort() as CategoryName[];

export function categorySpec(name: CategoryName): CategorySpec {
  return CATEGORIES[name];
}

export function isCategoryName(value: string): value is CategoryName {
  return Object.prototype.hasOwnProperty.call(CATEGORIES, value);
}
