// Agents are declared against categories. `defineAgent` makes the compiler check both the category
// name and that every MCP server the agent names is one its category may use.
import { type AllowedMcpServer, type CategoryName, CATEGORIES, type RuntimeNeeds } from "./categories";

export interface AgentDeclaration<C extends CategoryName = CategoryName> {
  readonly name: string;
  readonly category: C;
  /** A subset of the category's servers; defaults to all of them. */
  readonly mcpServers: readonly AllowedMcpServer<C>[];
  readonly instructions: string;
  /** Overrides the category's runtime needs for this one agent (for example a bigger model). */
  readonly needs?: Partial<RuntimeNeeds>;
}

const AGENT_NAME = /^[a-z][a-z0-9-]{1,40}$/;

export function defineAgent<C extends CategoryName>(agent: {
  name: string;
  category: C;
  // NoInfer: the category alone decides C, so a server outside it is an error, not a wider C.
  mcpServers?: readonly NoInfer<AllowedMcpServer<C>>[];
  instructions: string;
  needs?: Partial<RuntimeNeeds>;
}): AgentDeclaration<C> {
  if (!AGENT_NAME.test(agent.name)) {
    throw new Error(`agent name ${JSON.stringify(agent.name)}: expected lowercase letters, digits and dashes (2–41 characters)`);
  }
  const mcpServers = agent.mcpServers ?? (CATEGORIES[agent.category].mcpServers as readonly AllowedMcpServer<C>[]);
  return { ...agent, mcpServers };
}

/** What one agent needs, after its category's needs and its own overrides are merged. */
export function agentNeeds(agent: AgentDeclaration): RuntimeNeeds {
  return { ...CATEGORIES[agent.category].needs, ...agent.needs };
}

export function assertUniqueAgentNames(agents: readonly AgentDeclaration[]): void {
  const seen = new Set<string>();
  for (const agent of agents) {
    if (seen.has(agent.name)) throw new Error(`agent ${agent.name} is declared twice`);
    seen.add(agent.name);
  }
}

/** The platform's default agents: one or more per category. */
export const DEFAULT_AGENTS: readonly AgentDeclaration[] = [
  defineAgent({
    name: "orchestrator",
    category: "core-orchestration",
    instructions: "Split the request into tasks and hand each to the agent of its category.",
  }),
  defineAgent({
    name: "sales-analyst",
    category: "business-intelligence",
    instructions: "Answer questions about deals, calls and pipeline from Gong and CRM data.",
  }),
  defineAgent({
    name: "infra-operator",
    category: "infrastructure",
    instructions: "Answer questions about the platform's stacks from their Pulumi plans; propose changes as plans.",
  }),
  defineAgent({
    name: "code-reviewer",
    category: "code-assistance",
    mcpServers: ["memory"],
    instructions: "Review changes against the project's conventions and point at the line that breaks one.",
  }),
  defineAgent({
    name: "code-helper",
    category: "code-assistance",
    instructions: "Explain and edit code of this repository; check the stack plan when infrastructure changes.",
  }),
  defineAgent({
    name: "research-scout",
    category: "research",
    instructions: "Research a question in depth with the local model and keep findings in memory.",
  }),
  defineAgent({
    name: "slo-watcher",
    category: "monitoring",
    instructions: "Explain which SLO an alert protects and what the plan says about the resource behind it.",
  }),
];
