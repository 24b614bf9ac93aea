// TEST SCAFFOLDING: a fake of Gong's REST API v2 on loopback, like the fake Lambda API: generated,
// seeded users, calls, parties, topics and transcripts (one call names a competitor, so a test knows
// an answer), the real endpoints' shapes and cursor paging, Basic auth, Gong's own rate limit (3 a
// second: a faster client gets 429 with Retry-After), and scripted failures: 429 storms, a 5xx, an
// expired cursor. Never used outside tests and the smoke.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { GongCall, GongCallDetail, GongTranscript, GongUser } from "../client";

/** The competitor one generated call mentions, and that call's title: what a test can ask for. */
export const KNOWN_ANSWER = { competitor: "Northwind Analytics", callTitle: "Acme Corp renewal: pricing review" } as const;

export interface FakeGongOptions {
  readonly seed?: number;
  readonly accessKey: string;
  readonly accessKeySecret: string;
  readonly users?: number;
  readonly calls?: number;
  /** Records per page (Gong's is 100). */
  readonly pageSize?: number;
  /** Enforce 3 calls a second, as Gong does. */
  readonly rateLimit?: boolean;
}

export type ScriptedFailure = { kind: "429"; retryAfterSeconds: number } | { kind: "5xx"; status?: number } | { kind: "expire-cursors" };

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Leslie"];
const LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "Lamport"];
const ACCOUNTS = ["Globex", "Initech", "Umbrella", "Stark Industries", "Wayne Enterprises", "Hooli", "Vandelay", "Soylent"];
const TOPICS = ["Pricing", "Security review", "Onboarding", "Integrations", "Renewal", "Roadmap"];
const LINES = [
  "Thanks for making the time today.",
  "Could you walk me through how the rollout would work?",
  "Our security team will want to see the audit reports.",
  "The integration with our data warehouse is the main question.",
  "Let's pick a date for the technical deep dive.",
  "Budget is approved for this quarter.",
];

export class FakeGong {
  readonly users: GongUser[];
  readonly details: GongCallDetail[];
  readonly transcripts: Map<string, GongTranscript>;
  /** Every request: when, method, path, status served. */
  readonly log: { at: number; method: string; path: string; status: number }[] = [];
  private readonly script: ScriptedFailure[] = [];
  private cursorsExpired = false;
  private server?: Server;
  private readonly pageSize: number;

  constructor(private readonly options: FakeGongOptions) {
    const rand = random(options.seed ?? 17);
    const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
    this.pageSize = options.pageSize ?? 100;
    this.users = Array.from({ length: options.users ?? 8 }, (_, i) => {
      const [firstName, lastName] = [FIRST[i % FIRST.length]!, LAST[(i * 3) % LAST.length]!];
      return { id: String(1000 + i), emailAddress: `${firstName}.${lastName}@sophia.example`.toLowerCase(), firstName, lastName, title: i % 2 ? "Account Executive" : "Sales Engineer" };
    });
    const start = Date.parse("2026-11-02T09:00:00Z");
    this.transcripts = new Map();
    this.details = Array.from({ length: options.calls ?? 24 }, (_, i) => {
      const user = this.users[i % this.users.length]!;
      const known = i === 7;
      const account = known ? "Acme Corp" : pick(ACCOUNTS);
      const id = String(7_000_000 + i * 13);
      const metaData: GongCall = {
        id,
        title: known ? KNOWN_ANSWER.callTitle : `${account}: ${pick(TOPICS).toLowerCase()} call`,
        started: new Date(start + i * 7 * 3600_000).toISOString(),
        duration: 900 + Math.floor(rand() * 2700),
        primaryUserId: user.id,
        workspaceId: i % 3 === 0 ? "ws-emea" : "ws-na",
        url: `https://app.gong.io/call?id=${id}`,
      };
      const external = { id: `p-${id}-ext`, name: `${pick(FIRST)} from ${account}`, emailAddress: `buyer@${account.toLowerCase().replace(/[^a-z]/g, "")}.example`, affiliation: "External" as const, speakerId: `s-${id}-2` };
      const internal = { id: `p-${id}-int`, name: `${user.firstName} ${user.lastName}`, emailAddress: user.emailAddress, userId: user.id, affiliation: "Internal" as const, speakerId: `s-${id}-1` };
      const sentences = (speaker: string, texts: string[], at: number) => ({ speakerId: speaker, topic: pick(TOPICS), sentences: texts.map((text, k) => ({ start: at + k * 4000, end: at + k * 4000 + 3500, text })) });
      const buyerLines = known ? [`Honestly we are also looking at ${KNOWN_ANSWER.competitor}, their pricing is lower.`, "We need an answer on pricing by Friday."] : [pick(LINES), pick(LINES)];
      this.transcripts.set(id, { callId: id, transcript: [sentences(internal.speakerId, [pick(LINES), pick(LINES)], 0), sentences(external.speakerId, buyerLines, 10_000), sentences(internal.speakerId, [pick(LINES)], 20_000)] });
      return { metaData, parties: [internal, external], content: { topics: [{ name: known ? "Pricing" : pick(TOPICS), duration: 300 }, { name: pick(TOPICS), duration: 200 }] } };
    });
  }

  /** The next requests fail as scripted, in order (one entry each). */
  fail(...failures: ScriptedFailure[]): void {
    this.script.push(...failures);
  }

  /** Listens on loopback (tests), or on every address of a container of the smoke's own (main.ts). */
  async start(host = "127.0.0.1", port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    return `http://${host}:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.log.push({ at: Date.now(), method: req.method ?? "", path: (req.url ?? "").split("?")[0]!, status });
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify({ requestId: randomUUID().slice(0, 12), ...(body as object) }));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>) : {};
    const expected = `Basic ${Buffer.from(`${this.options.accessKey}:${this.options.accessKeySecret}`).toString("base64")}`;
    if (req.headers.authorization !== expected) return this.send(req, res, 401, { errors: ["Invalid credentials"] });
    if (this.options.rateLimit !== false) {
      const recent = this.log.filter((l) => l.status !== 429 && Date.now() - l.at < 1000).length;
      if (recent >= 3) return this.send(req, res, 429, { errors: ["API rate limit exceeded"] }, { "retry-after": "1" });
    }
    const scripted = this.script.shift();
    if (scripted?.kind === "429") return this.send(req, res, 429, { errors: ["API rate limit exceeded"] }, { "retry-after": String(scripted.retryAfterSeconds) });
    if (scripted?.kind === "5xx") return this.send(req, res, scripted.status ?? 503, { errors: ["Service temporarily unavailable"] });
    if (scripted?.kind === "expire-cursors") this.cursorsExpired = true;
    const url = new URL(req.url ?? "/", "http://fake");
    const cursor = (url.searchParams.get("cursor") ?? (body.cursor as string | undefined)) || undefined;
    let offset = 0;
    if (cursor) {
      const decoded = decodeCursor(cursor);
      if (decoded === undefined || this.cursorsExpired) return this.send(req, res, 400, { errors: ["cursor has expired"] });
      offset = decoded;
    }
    const page = <T>(items: readonly T[]) => {
      const slice = items.slice(offset, offset + this.pageSize);
      const next = offset + slice.length < items.length ? encodeCursor(offset + slice.length) : undefined;
      return { slice, records: { totalRecords: items.length, currentPageSize: slice.length, currentPageNumber: Math.floor(offset / this.pageSize), ...(next ? { cursor: next } : {}) } };
    };
    const filter = (body.filter ?? {}) as { callIds?: string[]; fromDateTime?: string; toDateTime?: string };
    const inRange = (c: GongCall, from?: string | null, to?: string | null) => (!from || c.started >= from) && (!to || c.started < to);
    switch (`${req.method} ${url.pathname}`) {
      case "GET /v2/calls": {
        const from = url.searchParams.get("fromDateTime");
        const to = url.searchParams.get("toDateTime");
        const workspace = url.searchParams.get("workspaceId");
        const calls = this.details.map((d) => d.metaData).filter((c) => inRange(c, from, to) && (!workspace || c.workspaceId === workspace));
        if (calls.length === 0) return this.send(req, res, 404, { errors: ["No calls found corresponding to the provided filters"] });
        const { slice, records } = page(calls);
        return this.send(req, res, 200, { records, calls: slice });
      }
      case "POST /v2/calls/extensive": {
        const details = this.details.filter((d) => (filter.callIds ?? []).includes(d.metaData.id));
        const { slice, records } = page(details);
        return this.send(req, res, 200, { records, calls: slice });
      }
      case "POST /v2/calls/transcript": {
        const ids = filter.callIds ?? this.details.map((d) => d.metaData).filter((c) => inRange(c, filter.fromDateTime, filter.toDateTime)).map((c) => c.id);
        const { slice, records } = page(ids.flatMap((id) => (this.transcripts.has(id) ? [this.transcripts.get(id)!] : [])));
        return this.send(req, res, 200, { records, callTranscripts: slice });
      }
      case "GET /v2/users": {
        const { slice, records } = page(this.users);
        return this.send(req, res, 200, { records, users: slice });
      }
      default:
        return this.send(req, res, 404, { errors: [`no such endpoint: ${req.method} ${url.pathname}`] });
    }
  }
}

const encodeCursor = (offset: number) => Buffer.from(JSON.stringify({ offset })).toString("base64url");
function decodeCursor(cursor: string): number | undefined {
  try {
    const offset = (JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { offset?: unknown }).offset;
    return typeof offset === "number" && offset >= 0 ? offset : undefined;
  } catch {
    return undefined;
  }
}
