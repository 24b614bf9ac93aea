// route_task on the ops server, as a client calls it: each call's category and outcome reach the
// server's metrics hook (ok, refused by the route policy, failed in the agent), with a category
// label that only ever holds a known category.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { answerToolsListWith, toolListOf } from "../http-edge";
import { createOpsServer } from "./server";

const routes = {
  infrastructure: [{ agent: "infra-operator", url: "http://agents-a:7777", keyEnv: "SOPHIA_AGENT_KEY_A" }],
  "business-intelligence": [{ agent: "sales-analyst", url: "http://agents-a:7777", keyEnv: "SOPHIA_AGENT_KEY_A" }],
};
const policy = { cursor: ["infrastructure", "business-intelligence"], monitoring: ["infrastructure"] };

async function callAs(caller: string, args: Record<string, string>, events: unknown[]) {
  const server = createOpsServer({
    plan: async (stack) => `plan ${stack}`,
    allowProductionUp: false,
    caller,
    log: () => undefined,
    taskRouted: (e) => events.push({ category: e.category, outcome: e.outcome, timed: e.seconds >= 0 }),
    routing: { routes, policy, run: async (route, task) => (task === "fail" ? Promise.reject(new Error("model unreachable")) : `${route.agent}: done`) },
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "t", version: "1" });
  await client.connect(clientSide);
  try {
    return await client.callTool({ name: "route_task", arguments: args });
  } finally {
    await client.close();
    await server.close();
  }
}

test("each route_task reports its category and outcome: ok, refused, error; an unknown category as unknown", async () => {
  const events: unknown[] = [];
  expect((await callAs("cursor", { category: "infrastructure", task: "plan it" }, events)).isError).toBeFalsy();
  expect((await callAs("monitoring", { category: "business-intelligence", task: "sales?" }, events)).isError).toBe(true);
  expect((await callAs("cursor", { category: "business-intelligence", task: "fail" }, events)).isError).toBe(true);
  expect((await callAs("cursor", { category: "made-up", task: "x" }, events)).isError).toBe(true);
  expect(events).toEqual([
    { category: "infrastructure", outcome: "ok", timed: true },
    { category: "business-intelligence", outcome: "refused", timed: true },
    { category: "business-intelligence", outcome: "error", timed: true },
    { category: "unknown", outcome: "refused", timed: true },
  ]);
});

test("a server answering tools/list from its process's list answers exactly what it would build, and still calls", async () => {
  const build = () =>
    createOpsServer({ plan: async (stack) => `plan ${stack}`, allowProductionUp: false, caller: "cursor", log: () => undefined, routing: { routes, policy, run: async (route) => `${route.agent}: done` } });
  const built = await toolListOf(build());
  expect(built.tools.map((t) => t.name)).toEqual(["stack_plan", "route_task", "stack_preview", "stack_drift", "stack_outputs", "stack_history", "stack_up"]);
  const server = answerToolsListWith(build(), built);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "t", version: "1" });
  await client.connect(clientSide);
  // Through the SDK client, which validates the answer against the protocol's schema.
  expect(await client.listTools()).toEqual(await toolListOf(build()));
  expect(await client.callTool({ name: "route_task", arguments: { category: "infrastructure", task: "x" } })).toMatchObject({ structuredContent: { agent: "infra-operator", answer: "infra-operator: done" } });
  await client.close();
});
