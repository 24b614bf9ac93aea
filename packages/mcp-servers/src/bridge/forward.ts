// A stdio MCP server behind HTTP: one client holds the stdio server, and every HTTP request gets a
// fresh protocol server that forwards to it and is closed with the response. Replaces mcp-proxy,
// whose stateless mode kept every request's server subscribed to its upstream (memory grew by about
// 26 KiB a request until the container died) and whose stateful mode leaks the sessions of clients
// that leave without DELETE.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  CallToolResultSchema,
  CompleteRequestSchema,
  CompleteResultSchema,
  GetPromptRequestSchema,
  GetPromptResultSchema,
  ListPromptsRequestSchema,
  ListPromptsResultSchema,
  ListResourcesRequestSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesRequestSchema,
  ListResourceTemplatesResultSchema,
  ListToolsRequestSchema,
  ListToolsResultSchema,
  ReadResourceRequestSchema,
  ReadResourceResultSchema,
  type ListToolsResult,
  type Tool,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { PER_REQUEST_SERVER_OPTIONS } from "../http-edge";

/** How long one forwarded request may take before the caller gets an MCP timeout error. */
export const FORWARD_TIMEOUT_MS = 120_000;

/**
 * How the bridge sends requests to its one stdio server. Every request goes at once and its answer is
 * matched by JSON-RPC id (the SDK client's own pipelining): a slow call holds up nothing else. The
 * exception is a call of a tool the server does not annotate `readOnlyHint: true`: those go one at a
 * time, in the order they arrived. A pool of stdio servers would not be safe for memory, whose store
 * is one file that every write loads, changes and renames back whole; two writes interleaved inside
 * one process lose the first the same way, so writes are serialized here and reads are not.
 *
 * The lanes read the server's tool list once (and again when it says the list changed) to know its
 * read-only tools, and tools/list is answered from that copy: the list is fixed for the server's
 * life unless it announces otherwise, and each list rebuilt by the stdio server cost it ~1.4 ms of
 * its one core (700 lists/s at most), which every other call then queued behind.
 */
export class UpstreamLanes {
  private writes: Promise<unknown> = Promise.resolve();
  private readOnlyTools: ReadonlySet<string> = new Set();
  private toolList: ListToolsResult = { tools: [] };

  private constructor(readonly upstream: Client) {}

  /** Lanes for a connected upstream: its read-only tools from its own tools/list, read again when it
   * says its list changed. */
  static async open(upstream: Client): Promise<UpstreamLanes> {
    const lanes = new UpstreamLanes(upstream);
    if (upstream.getServerCapabilities()?.tools) {
      await lanes.readAnnotations();
      upstream.setNotificationHandler(ToolListChangedNotificationSchema, () => lanes.readAnnotations());
    }
    return lanes;
  }

  private async readAnnotations(): Promise<void> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.upstream.request({ method: "tools/list", params: cursor ? { cursor } : {} }, ListToolsResultSchema, { timeout: FORWARD_TIMEOUT_MS });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    this.toolList = { tools };
    this.readOnlyTools = new Set(tools.filter((tool) => tool.annotations?.readOnlyHint === true).map((tool) => tool.name));
  }

  /** The upstream's whole tool list, as it last gave it. */
  get tools(): ListToolsResult {
    return this.toolList;
  }

  /** Whether a tools/call must wait for the writes before it: any tool not known to be read-only. */
  isWrite(method: string, params: unknown): boolean {
    return method === "tools/call" && !this.readOnlyTools.has(String((params as { name?: unknown } | undefined)?.name));
  }

  send<R extends z.ZodType>(method: string, params: Record<string, unknown> | undefined, result: R): Promise<z.infer<R>> {
    const request = () => this.upstream.request({ method, params }, result, { timeout: FORWARD_TIMEOUT_MS });
    if (!this.isWrite(method, params)) return request();
    const turn = this.writes.then(request);
    this.writes = turn.catch(() => undefined);
    return turn;
  }
}

/** A protocol server announcing the upstream's name and capabilities and forwarding what they cover. */
export function forwardingServer(lanes: UpstreamLanes): Server {
  const { upstream } = lanes;
  const capabilities = upstream.getServerCapabilities() ?? {};
  const server = new Server(upstream.getServerVersion() ?? { name: "bridged", version: "0" }, { capabilities, instructions: upstream.getInstructions(), ...PER_REQUEST_SERVER_OPTIONS });
  // Raw requests, not Client.listTools/callTool: those compile a JSON Schema validator for every
  // tool's output schema on each tools/list, and the validator cache grows with every request
  // (about 150 KiB a tools/list on the memory server, until the heap ran out). The bridge passes
  // results through; the client at the other end validates them.
  const forward =
    <R extends z.ZodType>(method: string, result: R) =>
    (request: { params?: unknown }) =>
      lanes.send(method, request.params as Record<string, unknown> | undefined, result);
  if (capabilities.tools) {
    server.setRequestHandler(ListToolsRequestSchema, () => lanes.tools);
    server.setRequestHandler(CallToolRequestSchema, forward("tools/call", CallToolResultSchema));
  }
  if (capabilities.resources) {
    server.setRequestHandler(ListResourcesRequestSchema, forward("resources/list", ListResourcesResultSchema));
    server.setRequestHandler(ListResourceTemplatesRequestSchema, forward("resources/templates/list", ListResourceTemplatesResultSchema));
    server.setRequestHandler(ReadResourceRequestSchema, forward("resources/read", ReadResourceResultSchema));
  }
  if (capabilities.prompts) {
    server.setRequestHandler(ListPromptsRequestSchema, forward("prompts/list", ListPromptsResultSchema));
    server.setRequestHandler(GetPromptRequestSchema, forward("prompts/get", GetPromptResultSchema));
  }
  if (capabilities.completions) server.setRequestHandler(CompleteRequestSchema, forward("completion/complete", CompleteResultSchema));
  return server;
}
