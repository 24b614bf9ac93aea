import { defineAgent } from "../agents";

defineAgent({
  name: "lost-agent",
  // @ts-expect-error "sales-magic" is not a category of the catalog.
  category: "sales-magic",
  instructions: "This declaration must not compile.",
});
