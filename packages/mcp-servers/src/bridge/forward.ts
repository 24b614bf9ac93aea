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
} from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";

/** How long one forwarded request may take before the caller gets an MCP timeout error. */
export const FORWARD_TIMEOUT_MS = 120_000;

/** A protocol server announcing the upstream's name and capabilities and forwarding what they cover. */
export function forwardingServer(upstream: Client): Server {
  const capabilities = upstream.getServerCapabilities() ?? {};
  const server = new Server(upstream.getServerVersion() ?? { name: "bridged", version: "0" }, { capabilities, instructions: upstream.getInstructions() });
  // Raw requests, not Client.listTools/callTool: those compile a JSON Schema validator for every
  // tool's output schema on each tools/list, and the validator cache grows with every request
  // (about 150 KiB a tools/list on the memory server, until the heap ran out). The bridge passes
  // results through; the client at the other end validates them.
  const forward =
    <R extends z.ZodType>(method: string, result: R) =>
    (request: { params?: unknown }) =>
      upstream.request({ method, params: request.params as Record<string, unknown> | undefined }, result, { timeout: FORWARD_TIMEOUT_MS });
  if (capabilities.tools) {
    server.setRequestHandler(ListToolsRequestSchema, forward("tools/list", ListToolsResultSchema));
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
