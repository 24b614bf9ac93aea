// Who may route tasks where: every category is covered, names are real, and nobody routes to itself
// except through Cursor.
import { CATEGORY_NAMES } from "./categories";
import { routePolicy, ROUTES_TO } from "./routing";

test("cursor may route to every category; the orchestrator to every other one", () => {
  const policy = routePolicy("cursor");
  expect(policy.cursor).toEqual(CATEGORY_NAMES);
  expect([...policy["core-orchestration"]!].sort()).toEqual(CATEGORY_NAMES.filter((c) => c !== "core-orchestration"));
});

test("no category routes to itself, and specialists that only answer route nowhere", () => {
  for (const [from, to] of Object.entries(ROUTES_TO)) expect(to).not.toContain(from);
  expect(ROUTES_TO.monitoring).toEqual(["infrastructure"]);
  expect(ROUTES_TO["business-intelligence"]).toEqual([]);
});
