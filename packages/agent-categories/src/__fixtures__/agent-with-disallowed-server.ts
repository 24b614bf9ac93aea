import { defineAgent } from "../agents";

defineAgent({
  name: "nosy-researcher",
  category: "research",
  // @ts-expect-error research may use "memory" only; "gong" holds sales data it must not reach.
  mcpServers: ["gong"],
  instructions: "This declaration must not compile.",
});
