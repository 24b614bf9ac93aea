// The Gong MCP server's tools through a real MCP client (in-memory transport), on the Gong client,
// against the fake Gong API on loopback: schemas and structured content, bounds that say where to go
// on, the known answer found in a transcript, and log lines that carry no Gong data.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { GongClient } from "./client";
import { createGongServer } from "./server";
import { FakeGong, KNOWN_ANSWER } from "./testing/fake-gong";

const keys = { accessKey: "AK-fake-0123456789", accessKeySecret: "secret-fake-0123456789abcdef" };
const range = { from: "2026-11-01", to: "2026-12-01" };

let fake: FakeGong;
let client: Client;
const logs: Record<string, unknown>[] = [];

beforeAll(async () => {
  fake = new FakeGong({ ...keys, pageSize: 10, rateLimit: false });
  const url = await fake.start();
  const gong = new GongClient({ baseUrl: url, ...keys, clock: { now: () => Date.now(), sleep: async () => undefined } });
  const server = createGongServer(gong, (e) => logs.push(e));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  client = new Client({ name: "t", version: "1" });
  await client.connect(clientSide);
});
afterAll(async () => {
  await client.close();
  await fake.stop();
});

const call = async (name: string, args: Record<string, unknown>) => {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(JSON.stringify(result.content));
  return result.structuredContent as Record<string, unknown>;
};

test("the five tools are listed, each with an input and an output schema", async () => {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name).sort()).toEqual(["get_call", "get_transcript", "list_calls", "list_users", "search_calls"]);
  for (const t of tools) expect(t.outputSchema).toBeDefined();
});

test("list_calls pages through a range with nextCursor, and filters by participant", async () => {
  const first = (await call("list_calls", range)) as { calls: { id: string }[]; nextCursor?: string; totalInRange: number };
  expect(first.calls).toHaveLength(10);
  expect(first.totalInRange).toBe(fake.details.length);
  const second = (await call("list_calls", { ...range, cursor: first.nextCursor })) as { calls: { id: string }[] };
  expect(second.calls[0]!.id).toBe(fake.details[10]!.metaData.id);
  const ada = fake.users[0]!;
  const hers = (await call("list_calls", { ...range, participant: ada.emailAddress })) as { calls: { primaryUserId: string }[] };
  expect(hers.calls.length).toBeGreaterThan(0);
  expect(hers.calls.every((c) => c.primaryUserId === ada.id)).toBe(true);
});

test("get_call: parties and topics; get_transcript: speakers by name, bounded, with nextOffset to continue", async () => {
  const known = fake.details.find((d) => d.metaData.title === KNOWN_ANSWER.callTitle)!.metaData.id;
  const detail = (await call("get_call", { callId: known })) as { call: { title: string }; parties: { affiliation: string }[]; topics: { name: string }[] };
  expect(detail.call.title).toBe(KNOWN_ANSWER.callTitle);
  expect(detail.parties.map((p) => p.affiliation)).toEqual(["Internal", "External"]);
  const part = (await call("get_transcript", { callId: known, maxChars: 200 })) as { lines: { speaker: string; text: string }[]; totalLines: number; nextOffset?: number };
  expect(part.nextOffset).toBe(part.lines.length);
  expect(part.lines.length).toBeLessThan(part.totalLines);
  const rest = (await call("get_transcript", { callId: known, offset: part.nextOffset })) as { lines: { speaker: string; text: string }[]; nextOffset?: number };
  expect(rest.nextOffset).toBeUndefined();
  const all = [...part.lines, ...rest.lines];
  expect(all).toHaveLength(part.totalLines);
  expect(all.find((l) => l.text.includes(KNOWN_ANSWER.competitor))!.speaker).toMatch(/ from Acme Corp$/);
});

test("search_calls finds the competitor on the known call, with the sentences around it; a page of transcripts at a time", async () => {
  const found = (await call("search_calls", { ...range, phrase: "northwind" })) as { hits: { title: string; text: string; after?: string }[]; callsSearched: number; nextCursor?: string };
  expect(found.callsSearched).toBe(10);
  expect(found.hits).toEqual([expect.objectContaining({ title: KNOWN_ANSWER.callTitle, text: expect.stringContaining(KNOWN_ANSWER.competitor), after: "We need an answer on pricing by Friday." })]);
  expect(found.nextCursor).toBeDefined();
  const none = (await call("search_calls", { ...range, phrase: "northwind", cursor: found.nextCursor })) as { hits: unknown[] };
  expect(none.hits).toEqual([]);
});

test("a common phrase is bounded at 20 hits and says it was truncated", async () => {
  const many = (await call("search_calls", { ...range, phrase: "the" })) as { hits: unknown[]; truncated: boolean };
  expect(many.hits.length).toBeLessThanOrEqual(20);
  expect(many.truncated).toBe(many.hits.length === 20);
});

test("bad input is refused by the schema, naming the field; Gong's errors come back as the tool's error", async () => {
  const bad = await client.callTool({ name: "list_calls", arguments: { from: "yesterday", to: "2026-12-01" } });
  expect(bad.isError).toBe(true);
  expect(JSON.stringify(bad.content)).toMatch(/from/);
  const missing = await client.callTool({ name: "get_call", arguments: { callId: "no-such-call" } });
  expect(missing.isError).toBe(true);
  expect(JSON.stringify(missing.content)).toContain("get_call: no call no-such-call in Gong");
});

test("log lines name the tool, the outcome and the time, and nothing of Gong's data", () => {
  expect(logs.length).toBeGreaterThan(5);
  for (const line of logs) expect(Object.keys(line).sort()).toEqual(["ms", "outcome", "tool"]);
  expect(JSON.stringify(logs)).not.toContain(KNOWN_ANSWER.competitor);
});
