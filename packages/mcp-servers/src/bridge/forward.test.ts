// The bridge forwards a real stdio MCP server (a child process speaking MCP on stdio) over the HTTP
// edge: tools list and call through it, with the key, and every request's server is closed.
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import type { Server as HttpServer } from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createMcpHttpEdge } from "../http-edge";
import { forwardingServer, UpstreamLanes } from "./forward";
import { parseBridgeArgs } from "./main";

const KEY = "b".repeat(40);
const STDIO_SERVER = path.resolve(__dirname, "__fixtures__/notes-server.cjs");
let upstream: Client;
let lanes: UpstreamLanes;
let http: HttpServer;
let url: string;
let open = 0;

beforeAll(async () => {
  upstream = new Client({ name: "test", version: "1" });
  await upstream.connect(new StdioClientTransport({ command: process.execPath, args: [STDIO_SERVER], cwd: __dirname, stderr: "inherit" }));
  lanes = await UpstreamLanes.open(upstream);
  http = createMcpHttpEdge({
    name: "memory",
    backendKey: KEY,
    healthPath: "/ping",
    health: () => ({ status: "ok" }),
    serverFor: () => {
      const server = forwardingServer(lanes);
      open++;
      server.onclose = () => open--;
      return server;
    },
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}, 30_000);
afterAll(async () => {
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await upstream.close();
});

test("tools are listed and called through the bridge, with the ingress's key only", async () => {
  expect((await fetch(`${url}/mcp`, { method: "POST", body: "{}" })).status).toBe(401);
  const client = new Client({ name: "t", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { "x-api-key": KEY } } }));
  expect(client.getServerVersion()?.name).toBe(upstream.getServerVersion()?.name);
  const tools = await client.listTools();
  expect(tools.tools.map((t) => t.name)).toEqual(["add_note", "search_notes", "concurrency", "learn_tool"]);
  await client.callTool({ name: "add_note", arguments: { text: "through the bridge" } });
  const found = await client.callTool({ name: "search_notes", arguments: { query: "bridge" } });
  expect(found.content).toEqual([{ type: "text", text: '["through the bridge"]' }]);
  await client.close();
});

test("writes go one at a time and none is lost; reads go together", async () => {
  const connect = async () => {
    const client = new Client({ name: "t", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { "x-api-key": KEY } } }));
    return client;
  };
  const clients = await Promise.all(Array.from({ length: 8 }, connect));
  // 8 clients at once, each writing 5 notes and searching between writes.
  await Promise.all(
    clients.map(async (client, c) => {
      for (let i = 0; i < 5; i++) {
        await Promise.all([client.callTool({ name: "add_note", arguments: { text: `lane-${c}-${i}` } }), client.callTool({ name: "search_notes", arguments: { query: "lane-" } })]);
      }
    }),
  );
  const text = async (name: string, args: Record<string, unknown>) => ((await clients[0]!.callTool({ name, arguments: args })).content as { text: string }[])[0]!.text;
  const found = JSON.parse(await text("search_notes", { query: "lane-" })) as string[];
  expect(found.sort()).toEqual(Array.from({ length: 40 }, (_, n) => `lane-${Math.floor(n / 5)}-${n % 5}`).sort());
  const most = JSON.parse(await text("concurrency", {})) as { reads: number; writes: number };
  expect(most.writes).toBe(1);
  expect(most.reads).toBeGreaterThan(1);
  expect(lanes.isWrite("tools/call", { name: "add_note" })).toBe(true);
  // A tool the server did not list (or did not annotate) is a write: the safe side.
  expect(lanes.isWrite("tools/call", { name: "unknown" })).toBe(true);
  expect(lanes.isWrite("tools/list", {})).toBe(false);
  await Promise.all(clients.map((client) => client.close()));
});

test("tools/list comes from the bridge's copy, read again when the server says its list changed", async () => {
  const client = new Client({ name: "t", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { "x-api-key": KEY } } }));
  await client.callTool({ name: "learn_tool", arguments: { name: "echo" } });
  let names: string[] = [];
  for (let i = 0; i < 100 && !names.includes("echo"); i++) {
    names = (await client.listTools()).tools.map((t) => t.name);
    if (!names.includes("echo")) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(names).toContain("echo");
  expect(lanes.isWrite("tools/call", { name: "echo" })).toBe(false);
  expect(lanes.isWrite("tools/call", { name: "learn_tool" })).toBe(true);
  await client.close();
});

test("200 requests leave no server open behind them", async () => {
  for (let i = 0; i < 20; i++) {
    const client = new Client({ name: "t", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { "x-api-key": KEY } } }));
    for (let j = 0; j < 9; j++) await client.listTools();
    await client.close();
  }
  for (let i = 0; i < 100 && open > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(open).toBe(0);
});

test("the command line: a port and the stdio command after --", () => {
  expect(parseBridgeArgs(["--port", "8080", "--", "node", "/app/server.js"])).toEqual({ port: 8080, command: "node", args: ["/app/server.js"] });
  expect(() => parseBridgeArgs(["--port", "8080"])).toThrow("usage: bridge.js");
  expect(() => parseBridgeArgs(["--port", "0", "--", "x"])).toThrow("--port: expected a port from 1 to 65535; got 0");
});
