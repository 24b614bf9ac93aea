// Every MCP server of the platform speaks HTTP through this edge (sophia-ops natively, stdio servers
// through the bridge): one stateless MCP server per request, closed with its response, behind the
// ingress. It answers only requests that carry the ingress's key for this server, and only then
// trusts the client the ingress names; anything else on the internal network gets 401 however it
// dresses itself up. No session outlives its request, so none can leak or be lost to a restart.
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { Server as McpProtocolServer } from "@modelcontextprotocol/sdk/server/index.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv-provider.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ListToolsRequestSchema, type ListToolsResult, ListToolsResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { Histogram, Registry } from "prom-client";
import { BACKEND_KEY_HEADER, CLIENT_HEADER, EDGE_LIMITS } from "./caddyfile";

/** What every per-request MCP server of the process is built with. One JSON Schema validator for all
 * of them: without it the SDK builds a new Ajv, meta-schemas and all, for each server, which was a
 * fifth of sophia-ops's CPU per request (--cpu-prof, 16 clients of tools/list). A server uses it only
 * to check an elicitation's answer, which no server here asks for, so nothing accumulates in it. */
export const PER_REQUEST_SERVER_OPTIONS = { jsonSchemaValidator: new AjvJsonSchemaValidator() } as const;

/**
 * The tools/list answer of a server, asked once over an in-memory connection. McpServer turns every
 * tool's zod schema into JSON Schema on each tools/list, a sixth of sophia-ops's CPU per list
 * (--cpu-prof); a process's per-request servers all register the same tools, so the list is built
 * once at start and each of them answers with it (answerToolsListWith).
 */
export async function toolListOf(server: McpServer): Promise<ListToolsResult> {
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "tool-list", version: "0" });
  await server.connect(serverSide);
  await client.connect(clientSide);
  try {
    // The raw request: Client.listTools would also compile every output schema's validator.
    return await client.request({ method: "tools/list", params: {} }, ListToolsResultSchema);
  } finally {
    await client.close();
    await server.close();
  }
}

/** A per-request server that answers tools/list with the list its process built once (toolListOf of
 * a server with the same tools). */
export function answerToolsListWith(server: McpServer, list: ListToolsResult): McpServer {
  server.server.setRequestHandler(ListToolsRequestSchema, () => list);
  return server;
}

/** Anything that connects to a transport and closes: an McpServer or the low-level Server. */
type McpServerLike = Pick<McpProtocolServer, "connect" | "close">;

export interface McpHttpEdgeOptions {
  /** The server's catalog name: the `server` label of its metrics. */
  readonly name: string;
  /** The key the ingress presents for this server (SOPHIA_BACKEND_KEY). */
  readonly backendKey: string;
  /** A fresh MCP server for one request, for the client the ingress authenticated. */
  readonly serverFor: (caller: string | undefined) => McpServerLike;
  readonly health: () => Record<string, unknown>;
  /** GET path of the health check, open without a key (Docker's check runs inside the container). */
  readonly healthPath?: string;
  /** Where the server's own metrics live beside the edge's (route_task's); a fresh one by default. */
  readonly registry?: Registry;
}

/** Constant-time comparison, so the key cannot be guessed byte by byte from response times. */
export function keyMatches(presented: string | string[] | undefined, expected: string): boolean {
  if (typeof presented !== "string") return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/plain", ...headers }).end(text);
}

/** The request's body, refused (413) past the edge limit whatever Content-Length claims. */
async function readBody(req: IncomingMessage): Promise<unknown | "too-large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > EDGE_LIMITS.maxBodyBytes) return "too-large";
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/** OpenTelemetry's `mcp.server.operation.duration`, in Prometheus's naming; its buckets include the
 * latency SLO's 100 ms threshold, so the SLO reads `le="0.1"` exactly. */
export const OPERATION_DURATION_METRIC = "mcp_server_operation_duration_seconds";
export const OPERATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const LABEL_VALUE = /^[\w/.$-]{1,64}$/;

/** The JSON-RPC method of a request body (`tools/call`, `initialize`, …), or what it is instead. */
function methodOf(body: unknown): string {
  const method = (body as { method?: unknown } | null)?.method;
  return typeof method === "string" && LABEL_VALUE.test(method) ? method : Array.isArray(body) ? "batch" : "none";
}

/** The tool a `tools/call` names (OpenTelemetry's `gen_ai.tool.name`); empty for other methods. */
function toolOf(body: unknown): string {
  const message = body as { method?: unknown; params?: { name?: unknown } } | null;
  const name = message?.method === "tools/call" ? message.params?.name : undefined;
  return typeof name === "string" && LABEL_VALUE.test(name) ? name : "";
}

export function createMcpHttpEdge(options: McpHttpEdgeOptions): Server {
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(options.name)) throw new Error(`SOPHIA_MCP_SERVER: expected the server's catalog name (lower-case letters, digits, dashes); got ${JSON.stringify(options.name)}`);
  if (options.backendKey.length < 16) throw new Error("SOPHIA_BACKEND_KEY: expected the ingress's key for this server (a Pulumi secret, at least 16 characters); got none or a short one");
  // Each edge has a registry of its own (or the server's): its metrics are this server's, whatever else
  // runs in the process.
  const registry = options.registry ?? new Registry();
  const operations = new Histogram({
    name: OPERATION_DURATION_METRIC,
    help: "Seconds from an MCP request's body to its answer, by JSON-RPC method, tool and outcome",
    labelNames: ["server", "mcp_method_name", "tool", "outcome"] as const,
    buckets: OPERATION_BUCKETS,
    registers: [registry],
  });
  const http = createServer(async (req, res) => {
    if (req.method === "GET" && req.url === (options.healthPath ?? "/health")) {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(options.health()));
      return;
    }
    if (req.url !== "/mcp" && req.url !== "/metrics") return send(res, 404, "not found");
    if (!keyMatches(req.headers[BACKEND_KEY_HEADER.toLowerCase()], options.backendKey)) return send(res, 401, "only the ingress may call this server");
    // The ingress forwards its scraper here (with the metrics token checked at the ingress).
    if (req.url === "/metrics") {
      if (req.method !== "GET") return send(res, 405, "GET only", { allow: "GET" });
      return send(res, 200, await registry.metrics(), { "content-type": registry.contentType });
    }
    // Stateless: no session, so no server-to-client stream to offer (GET) and nothing to end (DELETE).
    if (req.method !== "POST") return send(res, 405, "POST only", { allow: "POST" });
    if (Number(req.headers["content-length"] ?? 0) > EDGE_LIMITS.maxBodyBytes) return send(res, 413, `request body over ${EDGE_LIMITS.maxBodyBytes} bytes`);
    let body: unknown;
    try {
      body = await readBody(req);
    } catch {
      return send(res, 400, "expected a JSON-RPC message");
    }
    if (body === "too-large") return send(res, 413, `request body over ${EDGE_LIMITS.maxBodyBytes} bytes`);
    const stopTimer = operations.startTimer({ server: options.name, mcp_method_name: methodOf(body), tool: toolOf(body) });
    res.once("finish", () => stopTimer({ outcome: res.statusCode < 400 ? "ok" : "error" }));
    const caller = req.headers[CLIENT_HEADER.toLowerCase()];
    const server = options.serverFor(typeof caller === "string" ? caller : undefined);
    // Plain JSON answers, not an SSE stream per request: through Caddy 2.6, about one SSE answer in
    // 3,000 was closed unfinished at the server and its client waited out its 60 s timeout (3 hangs
    // in 3,000 sessions with SSE, none in 4,000 with JSON, same bridge behind a Caddy container). The
    // price: no progress notifications in the middle of a call, which no tool here sends.
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => void transport.close().then(() => server.close()));
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  // A client that never finishes its headers or body is cut off; answers may take long (a plan, an agent run).
  http.headersTimeout = EDGE_LIMITS.readHeaderSeconds * 1000;
  http.requestTimeout = 10 * 60_000;
  http.keepAliveTimeout = EDGE_LIMITS.idleSeconds * 1000;
  return http;
}

/** How long a stopping server lets answers in flight finish; under Docker's 10 s stop timeout. */
export const STOP_GRACE_MS = 5_000;

/**
 * Stops the server on SIGTERM or SIGINT: no new connections; a connection with no answer in flight is
 * closed at once, one with an answer in flight as soon as the answer is sent, and anything left after
 * `graceMs` is cut off; then `stopped` runs. A Node process that is a container's PID 1 has no default
 * action for SIGTERM, so without this `docker stop` (and every container Pulumi replaces) waits out
 * the stop timeout and then kills whatever was in flight.
 */
export function stopOnSignals(http: Server, stopped: (how: "drained" | "cut off") => void, graceMs = STOP_GRACE_MS): void {
  // Node's closeIdleConnections() spares connections that never sent a request, and Caddy's pool
  // keeps such spares open; so the edge tracks which connections owe an answer itself.
  const connections = new Set<Socket>();
  const answering = new Set<Socket>();
  let stopping = false;
  http.on("connection", (socket: Socket) => {
    connections.add(socket);
    socket.once("close", () => connections.delete(socket));
  });
  http.on("request", (req: IncomingMessage, res: ServerResponse) => {
    answering.add(req.socket);
    res.once("close", () => {
      answering.delete(req.socket);
      if (stopping) req.socket.end();
    });
  });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    let done = false;
    const finish = (how: "drained" | "cut off") => {
      if (done) return;
      done = true;
      clearTimeout(cutOff);
      if (how === "cut off") for (const socket of connections) socket.destroy();
      stopped(how);
    };
    const cutOff = setTimeout(() => finish("cut off"), graceMs);
    http.close(() => finish("drained"));
    for (const socket of connections) if (!answering.has(socket)) socket.end();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
