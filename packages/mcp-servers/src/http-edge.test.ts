// The servers' HTTP edge over real HTTP (here with sophia-ops behind it): only the ingress's key gets
// in, the client it names is trusted only then, and nothing but a bounded JSON-RPC POST reaches the
// MCP server, which is closed with its response.
import { type AddressInfo, connect } from "node:net";
import type { Server } from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { EDGE_LIMITS } from "./caddyfile";
import { createMcpHttpEdge, keyMatches, stopOnSignals } from "./http-edge";
import { createOpsServer } from "./ops/server";

const KEY = "k".repeat(40);
let http: Server;
let url: string;
const callers: (string | undefined)[] = [];
/** Servers made for requests and not closed yet. */
let open = 0;

beforeAll(async () => {
  http = createMcpHttpEdge({
    name: "sophia-ops",
    backendKey: KEY,
    health: () => ({ status: "ok" }),
    serverFor: (caller) => {
      callers.push(caller);
      const server = createOpsServer({ plan: async (stack) => `plan ${stack}`, allowProductionUp: false, log: () => undefined });
      open++;
      const close = server.close.bind(server);
      server.close = async () => {
        open--;
        await close();
      };
      return server;
    },
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => http.close(() => resolve())));

const initialize = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } });
const post = (headers: Record<string, string>, body = initialize) =>
  fetch(`${url}/mcp`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, body });

test("a request without the ingress's key gets 401, whatever client it claims to be", async () => {
  expect((await post({})).status).toBe(401);
  expect((await post({ "x-api-key": "k".repeat(39) + "x", "x-sophia-client": "cursor" })).status).toBe(401);
  expect((await post({ "x-sophia-client": "cursor", authorization: "Bearer anything" })).status).toBe(401);
  expect(callers).toEqual([]);
});

test("with the key, MCP works and the client the ingress names reaches the server", async () => {
  const client = new Client({ name: "t", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { "x-api-key": KEY, "x-sophia-client": "infrastructure" } } }));
  const tools = await client.listTools();
  expect(tools.tools.map((t) => t.name)).toContain("stack_plan");
  const result = await client.callTool({ name: "stack_plan", arguments: { stack: "local" } });
  expect(result.content).toEqual([{ type: "text", text: "plan local" }]);
  await client.close();
  expect(callers.at(-1)).toBe("infrastructure");
  // Every request's server is closed once its response is sent: nothing accumulates.
  for (let i = 0; i < 50 && open > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(open).toBe(0);
});

test("answers are plain JSON, not an event stream", async () => {
  const response = await post({ "x-api-key": KEY });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  expect(await response.json()).toMatchObject({ jsonrpc: "2.0", id: 1, result: { serverInfo: { name: "sophia-ops" } } });
});

test("stateless: GET and DELETE get 405; a body over the limit gets 413, declared or not", async () => {
  expect((await fetch(`${url}/mcp`, { headers: { "x-api-key": KEY } })).status).toBe(405);
  expect((await fetch(`${url}/mcp`, { method: "DELETE", headers: { "x-api-key": KEY } })).status).toBe(405);
  const big = "x".repeat(EDGE_LIMITS.maxBodyBytes + 1);
  expect((await post({ "x-api-key": KEY }, big)).status).toBe(413);
  const chunked = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode(big)), c.close()) });
  const response = await fetch(`${url}/mcp`, { method: "POST", headers: { "x-api-key": KEY }, body: chunked, duplex: "half" } as RequestInit);
  expect(response.status).toBe(413);
});

test("health answers without a key; a slow client has a header deadline", async () => {
  expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: "ok" });
  expect(http.headersTimeout).toBe(EDGE_LIMITS.readHeaderSeconds * 1000);
});

test("the operation histogram: /metrics answers only the ingress's key, and counts each request by method and outcome, with the SLO's 100 ms bucket", async () => {
  expect((await fetch(`${url}/metrics`)).status).toBe(401);
  expect((await fetch(`${url}/metrics`, { headers: { "x-api-key": "x".repeat(KEY.length) } })).status).toBe(401);
  const count = async () => {
    const text = await (await fetch(`${url}/metrics`, { headers: { "x-api-key": KEY } })).text();
    const line = text.split("\n").find((l) => l.startsWith('mcp_server_operation_duration_seconds_count{server="sophia-ops",mcp_method_name="initialize",tool="",outcome="ok"}'));
    return { n: Number(line?.split(" ")[1] ?? 0), text };
  };
  const before = (await count()).n;
  await post({ "x-api-key": KEY });
  await post({ "x-api-key": KEY });
  const after = await count();
  expect(after.n).toBe(before + 2);
  expect(after.text).toContain('mcp_server_operation_duration_seconds_bucket{le="0.1",server="sophia-ops",mcp_method_name="initialize",tool="",outcome="ok"}');
  expect((await fetch(`${url}/metrics`, { method: "POST", headers: { "x-api-key": KEY } })).status).toBe(405);
  // A tool call is labelled with its tool, so the SLO can leave out the long-running ones.
  await (await post({ "x-api-key": KEY }, JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "stack_plan", arguments: { stack: "local" } } }))).text();
  expect((await count()).text).toMatch(/mcp_server_operation_duration_seconds_count\{server="sophia-ops",mcp_method_name="tools\/call",tool="stack_plan",outcome="(ok|error)"\} [1-9]/);
});

test("a server without its catalog name does not start", () => {
  expect(() => createMcpHttpEdge({ name: "", backendKey: KEY, health: () => ({}), serverFor: () => { throw new Error("unused"); } })).toThrow(/^SOPHIA_MCP_SERVER: expected the server's catalog name/);
});

test("a missing or short key stops the server from starting; keys compare only when equal in full", () => {
  expect(() => createMcpHttpEdge({ name: "sophia-ops", backendKey: "", health: () => ({}), serverFor: () => { throw new Error("unused"); } })).toThrow(/^SOPHIA_BACKEND_KEY: expected/);
  expect(keyMatches(KEY, KEY)).toBe(true);
  expect(keyMatches(KEY.slice(1), KEY)).toBe(false);
  expect(keyMatches([KEY, KEY], KEY)).toBe(false);
  expect(keyMatches(undefined, KEY)).toBe(false);
});

describe("on SIGTERM", () => {
  /** An edge whose plans wait until `finish` is called; `stopped` records how it stopped. */
  async function slowEdge(graceMs: number) {
    let finish = () => {};
    const planned = new Promise<void>((resolve) => (finish = resolve));
    const edge = createMcpHttpEdge({
      name: "sophia-ops",
      backendKey: KEY,
      health: () => ({ status: "ok" }),
      serverFor: () => createOpsServer({ plan: async (stack) => (await planned, `plan ${stack}`), allowProductionUp: false, log: () => undefined }),
    });
    await new Promise<void>((resolve) => edge.listen(0, "127.0.0.1", resolve));
    const stopped = new Promise<{ how: string; at: number }>((resolve) => stopOnSignals(edge, (how) => resolve({ how, at: performance.now() }), graceMs));
    const base = `http://127.0.0.1:${(edge.address() as AddressInfo).port}`;
    const call = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "stack_plan", arguments: { stack: "local" } } });
    // A spare connection that never sends a request, as a proxy's connection pool keeps.
    const spare = connect((edge.address() as AddressInfo).port, "127.0.0.1");
    await new Promise((resolve) => spare.once("connect", resolve));
    const inFlight = fetch(`${base}/mcp`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "x-api-key": KEY }, body: call });
    // The call has reached the server once its plan is waiting.
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { base, finish, stopped, inFlight, spare };
  }

  test("the server takes no new connection, closes spare ones, lets the answer in flight finish, and stops as soon as it is sent", async () => {
    const { base, finish, stopped, inFlight, spare } = await slowEdge(10_000);
    const spareClosed = new Promise((resolve) => spare.once("close", resolve));
    process.emit("SIGTERM");
    await spareClosed;
    await expect(fetch(`${base}/health`)).rejects.toThrow();
    setTimeout(finish, 200);
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(JSON.stringify(await answer.json())).toContain("plan local");
    const sent = performance.now();
    const { how, at } = await stopped;
    expect(how).toBe("drained");
    // Well before the grace period: nothing waited for it.
    expect(at - sent).toBeLessThan(1_000);
  });

  test("an answer that outlasts the grace period is cut off, and the server stops anyway", async () => {
    const { finish, stopped, inFlight, spare } = await slowEdge(300);
    spare.destroy();
    process.emit("SIGINT");
    await expect(inFlight).rejects.toThrow();
    expect((await stopped).how).toBe("cut off");
    finish();
  });
});
