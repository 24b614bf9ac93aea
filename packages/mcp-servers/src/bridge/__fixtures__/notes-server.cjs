// A stdio MCP server for the bridge's test: notes kept in memory, written with the MCP SDK. Writes
// are a read-modify-write across an await, as the memory server's store is, so two interleaved
// writes lose one; `concurrency` reports the most calls of each kind that were ever in flight at once.
const { McpServer } = require("@modelcontextprotocol/sdk/server/mcp.js");
const { StdioServerTransport } = require("@modelcontextprotocol/sdk/server/stdio.js");
const { z } = require("zod");

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let notes = [];
const inFlight = { reads: 0, writes: 0 };
const most = { reads: 0, writes: 0 };
const counted = async (kind, work) => {
  inFlight[kind]++;
  most[kind] = Math.max(most[kind], inFlight[kind]);
  try {
    return await work();
  } finally {
    inFlight[kind]--;
  }
};

const server = new McpServer({ name: "notes", version: "1.0.0" });
server.registerTool("add_note", { inputSchema: { text: z.string() }, annotations: { readOnlyHint: false } }, ({ text }) =>
  counted("writes", async () => {
    const copy = [...notes];
    await sleep(5);
    copy.push(text);
    notes = copy;
    return { content: [{ type: "text", text: `${notes.length} notes` }] };
  }),
);
server.registerTool("search_notes", { inputSchema: { query: z.string() }, annotations: { readOnlyHint: true } }, ({ query }) =>
  counted("reads", async () => {
    await sleep(20);
    return { content: [{ type: "text", text: JSON.stringify(notes.filter((n) => n.includes(query))) }] };
  }),
);
server.registerTool("concurrency", { annotations: { readOnlyHint: true } }, async () => ({ content: [{ type: "text", text: JSON.stringify(most) }] }));
// Registering a tool after connect makes the SDK send notifications/tools/list_changed.
server.registerTool("learn_tool", { inputSchema: { name: z.string() } }, async ({ name }) => {
  server.registerTool(name, { annotations: { readOnlyHint: true } }, async () => ({ content: [{ type: "text", text: name }] }));
  return { content: [{ type: "text", text: `learned ${name}` }] };
});
server.connect(new StdioServerTransport());
