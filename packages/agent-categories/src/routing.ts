// Who may hand tasks to which category through route_task. The orchestrator routes to every other
// category; code assistance and monitoring may ask infrastructure (plans); the others answer only
// what reaches them. Cursor, the developer's own client, may route to any category.
import { CATEGORY_NAMES, type CategoryName } from "./categories";

export const ROUTES_TO: Readonly<Record<CategoryName, readonly CategoryName[]>> = {
  "core-orchestration": CATEGORY_NAMES.filter((c) => c !== "core-orchestration"),
  "business-intelligence": [],
  infrastructure: [],
  "code-assistance": ["infrastructure"],
  research: [],
  monitoring: ["infrastructure"],
};

/** Route policy by client id (`cursor` or a category): the categories it may route to. */
export function routePolicy(cursorClient: string): Record<string, readonly CategoryName[]> {
  return { [cursorClient]: CATEGORY_NAMES, ...ROUTES_TO };
}
