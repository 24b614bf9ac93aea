// A stdio MCP server for the bridge's test: notes kept in memory, written with the MCP SDK.
const { McpServer } = require("@modelcontextprotocol/sdk/server/mcp.js");
const { StdioServerTransport } = require("@modelcontextprotocol/sdk/server/stdio.js");
const { z } = require("zod");

const notes = [];
const server = new McpServer({ name: "notes", version: "1.0.0" });
server.registerTool("add_note", { inputSchema: { text: z.string() } }, async ({ text }) => {
  notes.push(text);
  return { content: [{ type: "text", text: `${notes.length} notes` }] };
});
server.registerTool("search_notes", { inputSchema: { query: z.string() } }, async ({ query }) => ({
  content: [{ type: "text", text: JSON.stringify(notes.filter((n) => n.includes(query))) }],
}));
server.connect(new StdioServerTransport());
