// The Gong MCP server's tools (issue 17), on the Gong client: list_calls, get_call, get_transcript,
// search_calls and list_users, each with an input and an output schema (structured content). Large
// results are bounded and say so: a page size, a transcript's character budget with the offset to
// continue from, a search's hit limit with the cursor to go on; nothing is cut silently. Log lines
// name the tool, the outcome and the time, never Gong data. Its HTTP entry point is main.ts.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { PER_REQUEST_SERVER_OPTIONS } from "../http-edge";
import type { GongCall, GongCallDetail, GongClient, GongTranscript } from "./client";

export const TRANSCRIPT_DEFAULT_CHARS = 8000;
export const TRANSCRIPT_MAX_CHARS = 20000;
export const SEARCH_MAX_HITS = 20;
export const LIST_MAX_CALLS = 50;

type Log = (entry: Record<string, unknown>) => void;

const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), "an ISO 8601 date or date-time, such as 2026-11-01 or 2026-11-01T00:00:00Z");
const range = {
  from: isoDate.describe("Start of the range (inclusive), ISO 8601"),
  to: isoDate.describe("End of the range (exclusive), ISO 8601"),
};
const callSummary = z.object({ id: z.string(), title: z.string(), started: z.string(), durationSeconds: z.number(), primaryUserId: z.string() });

const toIso = (v: string) => new Date(v).toISOString();
const summary = (c: GongCall) => ({ id: c.id, title: c.title, started: c.started, durationSeconds: c.duration, primaryUserId: c.primaryUserId });

/** Whether a call's parties include this participant (an email address, a Gong user id, or part of a name). */
function hasParticipant(detail: GongCallDetail, participant: string): boolean {
  const p = participant.toLowerCase();
  return detail.parties.some((x) => x.emailAddress?.toLowerCase() === p || x.userId === participant || (x.name?.toLowerCase().includes(p) ?? false));
}

/** A transcript as lines "speaker: text", speakers named from the call's parties. */
export function transcriptLines(transcript: GongTranscript, parties: GongCallDetail["parties"]): { speaker: string; text: string }[] {
  const names = new Map(parties.flatMap((p) => (p.speakerId ? [[p.speakerId, p.name ?? p.emailAddress ?? p.speakerId] as const] : [])));
  return transcript.transcript.flatMap((t) => t.sentences.map((s) => ({ speaker: names.get(t.speakerId) ?? t.speakerId, text: s.text })));
}

export function createGongServer(gong: GongClient, log: Log): McpServer {
  const server = new McpServer({ name: "gong", version: "0.1.0" }, PER_REQUEST_SERVER_OPTIONS);
  const tool = <A, R extends Record<string, unknown>>(name: string, run: (args: A) => Promise<R>) => async (args: A) => {
    const started = Date.now();
    try {
      const result = await run(args);
      log({ tool: name, outcome: "ok", ms: Date.now() - started });
      return { content: [{ type: "text" as const, text: JSON.stringify(result) }], structuredContent: result };
    } catch (error) {
      log({ tool: name, outcome: "error", ms: Date.now() - started });
      return { content: [{ type: "text" as const, text: (error as Error).message }], isError: true };
    }
  };

  server.registerTool(
    "list_calls",
    {
      title: "List Gong calls",
      description: `Calls in a date range, newest last, at most ${LIST_MAX_CALLS} a page; nextCursor continues. Optionally only a workspace's, or only those a participant (email, Gong user id or part of a name) took part in.`,
      inputSchema: { ...range, workspaceId: z.string().optional(), participant: z.string().min(2).optional(), cursor: z.string().optional() },
      outputSchema: { calls: z.array(callSummary), nextCursor: z.string().optional(), totalInRange: z.number() },
    },
    tool("list_calls", async ({ from, to, workspaceId, participant, cursor }: { from: string; to: string; workspaceId?: string; participant?: string; cursor?: string }) => {
      const page = await gong.listCalls({ fromDateTime: toIso(from), toDateTime: toIso(to), workspaceId, cursor });
      let calls = page.calls.slice(0, LIST_MAX_CALLS);
      if (participant && calls.length > 0) {
        const details = await gong.callsExtensive({ callIds: calls.map((c) => c.id) });
        const matching = new Set(details.calls.filter((d) => hasParticipant(d, participant)).map((d) => d.metaData.id));
        calls = calls.filter((c) => matching.has(c.id));
      }
      return { calls: calls.map(summary), ...(page.records.cursor ? { nextCursor: page.records.cursor } : {}), totalInRange: page.records.totalRecords };
    }),
  );

  server.registerTool(
    "get_call",
    {
      title: "Get a Gong call",
      description: "A call's metadata, parties (internal and external) and topics.",
      inputSchema: { callId: z.string().min(1) },
      outputSchema: {
        call: callSummary,
        parties: z.array(z.object({ name: z.string().optional(), email: z.string().optional(), affiliation: z.string().optional() })),
        topics: z.array(z.object({ name: z.string(), durationSeconds: z.number() })),
      },
    },
    tool("get_call", async ({ callId }: { callId: string }) => {
      const { calls } = await gong.callsExtensive({ callIds: [callId] });
      const detail = calls[0];
      if (!detail) throw new Error(`get_call: no call ${callId} in Gong`);
      return {
        call: summary(detail.metaData),
        parties: detail.parties.map((p) => ({ name: p.name, email: p.emailAddress, affiliation: p.affiliation })),
        topics: (detail.content?.topics ?? []).map((t) => ({ name: t.name, durationSeconds: t.duration })),
      };
    }),
  );

  server.registerTool(
    "get_transcript",
    {
      title: "Get a Gong call's transcript",
      description: `A call's transcript, speaker by speaker, at most maxChars characters (default ${TRANSCRIPT_DEFAULT_CHARS}, at most ${TRANSCRIPT_MAX_CHARS}) from offset; nextOffset continues where it stopped.`,
      inputSchema: { callId: z.string().min(1), offset: z.number().int().min(0).optional(), maxChars: z.number().int().min(200).max(TRANSCRIPT_MAX_CHARS).optional() },
      outputSchema: { callId: z.string(), lines: z.array(z.object({ speaker: z.string(), text: z.string() })), totalLines: z.number(), nextOffset: z.number().optional() },
    },
    tool("get_transcript", async ({ callId, offset = 0, maxChars = TRANSCRIPT_DEFAULT_CHARS }: { callId: string; offset?: number; maxChars?: number }) => {
      const [{ callTranscripts }, { calls }] = [await gong.transcripts({ callIds: [callId] }), await gong.callsExtensive({ callIds: [callId] })];
      const transcript = callTranscripts[0];
      if (!transcript) throw new Error(`get_transcript: Gong has no transcript of call ${callId}`);
      const all = transcriptLines(transcript, calls[0]?.parties ?? []);
      const lines: { speaker: string; text: string }[] = [];
      let used = 0;
      let at = offset;
      // Whole lines only, and at least one, so every call moves forward.
      while (at < all.length && (lines.length === 0 || used + all[at]!.speaker.length + all[at]!.text.length <= maxChars)) {
        used += all[at]!.speaker.length + all[at]!.text.length;
        lines.push(all[at]!);
        at++;
      }
      return { callId, lines, totalLines: all.length, ...(at < all.length ? { nextOffset: at } : {}) };
    }),
  );

  server.registerTool(
    "search_calls",
    {
      title: "Search Gong calls",
      description: `Sentences of the transcripts in a date range that contain a phrase (case-insensitive), with the sentence before and after, at most ${SEARCH_MAX_HITS} hits; nextCursor searches on where a full page of transcripts stopped. Optionally only calls a participant took part in.`,
      inputSchema: { ...range, phrase: z.string().min(2), participant: z.string().min(2).optional(), cursor: z.string().optional() },
      outputSchema: {
        hits: z.array(z.object({ callId: z.string(), title: z.string(), speaker: z.string(), text: z.string(), before: z.string().optional(), after: z.string().optional() })),
        callsSearched: z.number(),
        truncated: z.boolean(),
        nextCursor: z.string().optional(),
      },
    },
    tool("search_calls", async ({ from, to, phrase, participant, cursor }: { from: string; to: string; phrase: string; participant?: string; cursor?: string }) => {
      const page = await gong.transcripts({ fromDateTime: toIso(from), toDateTime: toIso(to), cursor });
      const ids = page.callTranscripts.map((t) => t.callId);
      const details = ids.length ? (await gong.callsExtensive({ callIds: ids })).calls : [];
      const byId = new Map(details.map((d) => [d.metaData.id, d]));
      const needle = phrase.toLowerCase();
      const hits: { callId: string; title: string; speaker: string; text: string; before?: string; after?: string }[] = [];
      let truncated = false;
      for (const t of page.callTranscripts) {
        const detail = byId.get(t.callId);
        if (participant && (!detail || !hasParticipant(detail, participant))) continue;
        const lines = transcriptLines(t, detail?.parties ?? []);
        lines.forEach((line, i) => {
          if (!line.text.toLowerCase().includes(needle)) return;
          if (hits.length >= SEARCH_MAX_HITS) return void (truncated = true);
          hits.push({ callId: t.callId, title: detail?.metaData.title ?? "", speaker: line.speaker, text: line.text, before: lines[i - 1]?.text, after: lines[i + 1]?.text });
        });
      }
      return { hits, callsSearched: page.callTranscripts.length, truncated, ...(page.records.cursor ? { nextCursor: page.records.cursor } : {}) };
    }),
  );

  server.registerTool(
    "list_users",
    {
      title: "List Gong users",
      description: "The company's Gong users, a page at a time; nextCursor continues.",
      inputSchema: { cursor: z.string().optional() },
      outputSchema: { users: z.array(z.object({ id: z.string(), email: z.string(), name: z.string(), title: z.string().optional() })), nextCursor: z.string().optional() },
    },
    tool("list_users", async ({ cursor }: { cursor?: string }) => {
      const page = await gong.listUsers({ cursor });
      return { users: page.users.map((u) => ({ id: u.id, email: u.emailAddress, name: [u.firstName, u.lastName].filter(Boolean).join(" "), title: u.title })), ...(page.records.cursor ? { nextCursor: page.records.cursor } : {}) };
    }),
  );
  return server;
}
