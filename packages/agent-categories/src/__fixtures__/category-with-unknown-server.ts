import type { CategorySpec } from "../categories";

export const broken: CategorySpec = {
  title: "Broken",
  description: "Names an MCP server that is not in the catalog.",
  needs: { cpu: 1, memoryGiB: 1, gpu: null },
  // @ts-expect-error "slack" is not in the MCP server catalog.
  mcpServers: ["slack"],
  cursor: { mode: "ask", rule: "n/a", globs: [] },
  concurrency: 1,
  latencyClass: "standard",
};
