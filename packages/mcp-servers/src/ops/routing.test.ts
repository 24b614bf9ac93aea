// route_task's choice of agent, and its refusals, on the route table and policy a stack generates.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { chooseRoute, RouteRefused, runAgent } from "./routing";

const routes = {
  infrastructure: [{ agent: "infra-operator", url: "http://agents-a:7777", keyEnv: "SOPHIA_AGENT_KEY_A" }],
  "code-assistance": [
    { agent: "code-helper", url: "http://agents-a:7777", keyEnv: "SOPHIA_AGENT_KEY_A" },
    { agent: "code-reviewer", url: "http://agents-b:7777", keyEnv: "SOPHIA_AGENT_KEY_B" },
  ],
  "business-intelligence": [{ agent: "sales-analyst", url: "http://agents-a:7777", keyEnv: "SOPHIA_AGENT_KEY_A" }],
};
const policy = { cursor: ["infrastructure", "code-assistance", "business-intelligence"], monitoring: ["infrastructure"], infrastructure: [] };

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RouteRefused);
    return (error as Error).message;
  }
  throw new Error("expected a refusal");
};

test("a category goes to its first agent, or to the named agent of that category", () => {
  expect(chooseRoute(routes, policy, "cursor", "infrastructure")).toEqual({ agent: "infra-operator", url: "http://agents-a:7777", keyEnv: "SOPHIA_AGENT_KEY_A" });
  expect(chooseRoute(routes, policy, "cursor", "code-assistance", "code-reviewer").url).toBe("http://agents-b:7777");
});

test("a category the caller's token may not use is refused, naming what it may use", () => {
  expect(refusal(() => chooseRoute(routes, policy, "monitoring", "business-intelligence"))).toBe(
    "route_task: client monitoring may not route tasks to category business-intelligence; it may route to: infrastructure",
  );
  expect(refusal(() => chooseRoute(routes, policy, "infrastructure", "infrastructure"))).toContain("it may route to: no category");
});

test("unknown callers, categories and agents are refused with what exists", () => {
  expect(refusal(() => chooseRoute(routes, policy, undefined, "infrastructure"))).toContain("call through the ingress");
  expect(refusal(() => chooseRoute(routes, policy, "cursor", "sales"))).toBe('route_task: no category "sales"; categories: business-intelligence, code-assistance, infrastructure');
  expect(refusal(() => chooseRoute(routes, policy, "cursor", "infrastructure", "code-helper"))).toBe(
    "route_task: agent code-helper is not in category infrastructure; its agents: infra-operator",
  );
});

describe("runAgent against an HTTP server speaking AgentOS's run endpoint", () => {
  let server: Server;
  let url: string;
  const seen: { path: string; body: string; auth?: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        seen.push({ path: req.url ?? "", body, auth: req.headers.authorization });
        if (req.headers.authorization !== "Bearer runtime-key") return void res.writeHead(401).end("Invalid authentication token");
        if (req.url === "/agents/broken/runs") return void res.writeHead(500).end("model unreachable");
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ content: `answer to ${new URLSearchParams(body).get("message")}`, status: "COMPLETED" }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const route = (agent: string) => ({ agent, url, keyEnv: "SOPHIA_AGENT_KEY_A" });

  test("posts the task as a non-streaming run, with the runtime's key, and returns the answer", async () => {
    await expect(runAgent(route("infra-operator"), "plan local", 5000, "runtime-key")).resolves.toBe("answer to plan local");
    expect(seen.at(-1)).toEqual({ path: "/agents/infra-operator/runs", body: "message=plan+local&stream=false", auth: "Bearer runtime-key" });
  });

  test("a failing run names the agent, the runtime and the status; a wrong key is one of them", async () => {
    await expect(runAgent(route("broken"), "x", 5000, "runtime-key")).rejects.toThrow(`route_task: agent broken at ${url} answered 500: model unreachable`);
    await expect(runAgent(route("infra-operator"), "x", 5000, "guessed")).rejects.toThrow(`route_task: agent infra-operator at ${url} answered 401: Invalid authentication token`);
  });

  test("a runtime nothing answers for (its node down) is named with fetch's cause, not \"fetch failed\"", async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const port = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(port));
      });
    });
    const gone = { agent: "infra-operator", url: `http://127.0.0.1:${closed}`, keyEnv: "SOPHIA_AGENT_KEY_A" };
    await expect(runAgent(gone, "x", 5000, "runtime-key")).rejects.toThrow(
      new RegExp(`^route_task: agent infra-operator at http://127\\.0\\.0\\.1:${closed} is unreachable \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${closed}\\); its runtime or its node is down`),
    );
  });
});
