// A client of Gong's public REST API v2, for the Gong MCP server (server.ts). Basic auth from an access key and its secret; a base URL of the customer's own
// (Gong gives each one); cursor paging; Gong's documented limits (3 calls a second, 10,000 a day),
// with 429 and its Retry-After honoured; Gong's error bodies (`{ requestId, errors: [...] }`) turned
// into messages that say what to do. It keeps nothing: no call data is written anywhere.

export interface GongClientOptions {
  /** The customer's API base URL, e.g. https://us-12345.api.gong.io (Gong's API page shows it). */
  readonly baseUrl: string;
  readonly accessKey: string;
  readonly accessKeySecret: string;
  /** Plain http to a host other than loopback: only the local stack's fake on the project's own
   * network (stacks/src/mcp.ts sets it there, and the stack config refuses http elsewhere). */
  readonly plainHttpAllowed?: boolean;
  /** Calls a second; Gong allows 3. */
  readonly callsPerSecond?: number;
  /** Calls a day; Gong allows 10,000. */
  readonly callsPerDay?: number;
  /** Retries of a 429 or a 5xx before giving up. */
  readonly retries?: number;
  /** Longest Retry-After honoured, seconds; a longer one is an error naming it. */
  readonly maxRetryAfterSeconds?: number;
  readonly timeoutMs?: number;
  /** For tests: what "now" is and how to wait. */
  readonly clock?: { now: () => number; sleep: (ms: number) => Promise<void> };
}

/** A Gong API failure, with a message a person can act on. `status` is Gong's HTTP status. */
export class GongError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

export interface GongPage {
  readonly totalRecords: number;
  readonly currentPageSize: number;
  readonly currentPageNumber: number;
  /** Absent on the last page. */
  readonly cursor?: string;
}

export interface GongCall {
  readonly id: string;
  readonly title: string;
  readonly started: string;
  /** Seconds. */
  readonly duration: number;
  readonly primaryUserId: string;
  readonly workspaceId?: string;
  readonly url?: string;
}

export interface GongParty {
  readonly id: string;
  readonly name?: string;
  readonly emailAddress?: string;
  readonly userId?: string;
  readonly affiliation?: "Internal" | "External" | "Unknown";
  readonly speakerId?: string;
}

export interface GongCallDetail {
  readonly metaData: GongCall;
  readonly parties: readonly GongParty[];
  readonly content?: { readonly topics?: readonly { readonly name: string; readonly duration: number }[] };
}

export interface GongTranscript {
  readonly callId: string;
  readonly transcript: readonly { readonly speakerId: string; readonly topic?: string | null; readonly sentences: readonly { readonly start: number; readonly end: number; readonly text: string }[] }[];
}

export interface GongUser {
  readonly id: string;
  readonly emailAddress: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly title?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export class GongClient {
  private readonly base: string;
  private readonly authorization: string;
  private readonly spacingMs: number;
  private readonly perDay: number;
  private readonly retries: number;
  private readonly maxRetryAfter: number;
  private readonly timeoutMs: number;
  private readonly clock: NonNullable<GongClientOptions["clock"]>;
  private nextSlot = 0;
  private day = { start: 0, used: 0 };

  constructor(options: GongClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new GongError(`gong: baseUrl: expected your Gong API base URL, such as https://us-12345.api.gong.io; got ${JSON.stringify(options.baseUrl)}`, 0);
    }
    if (url.protocol !== "https:" && !options.plainHttpAllowed && !["127.0.0.1", "localhost"].includes(url.hostname)) throw new GongError(`gong: baseUrl: expected https (the key travels in every request); got ${url.protocol}//${url.host}`, 0);
    if (!options.accessKey || !options.accessKeySecret) throw new GongError("gong: the access key and its secret are both needed (Gong's API page, Create)", 0);
    this.base = url.origin + url.pathname.replace(/\/+$/, "");
    this.authorization = `Basic ${Buffer.from(`${options.accessKey}:${options.accessKeySecret}`).toString("base64")}`;
    // A tenth slower than the limit: calls spaced exactly 1/3 s apart put a fourth one on the edge of
    // Gong's one-second window, which the fake's limiter (like Gong's) counts as too many.
    this.spacingMs = (1000 / (options.callsPerSecond ?? 3)) * 1.1;
    this.perDay = options.callsPerDay ?? 10_000;
    this.retries = options.retries ?? 4;
    this.maxRetryAfter = options.maxRetryAfterSeconds ?? 60;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.clock = options.clock ?? { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
  }

  /** Calls in a date range (ISO 8601), one page; `cursor` from the previous page. */
  listCalls(args: { fromDateTime: string; toDateTime: string; workspaceId?: string; cursor?: string }): Promise<{ records: GongPage; calls: GongCall[] }> {
    const query = new URLSearchParams({ fromDateTime: args.fromDateTime, toDateTime: args.toDateTime, ...(args.workspaceId ? { workspaceId: args.workspaceId } : {}), ...(args.cursor ? { cursor: args.cursor } : {}) });
    return this.request("GET", `/v2/calls?${query}`);
  }

  /** Calls with their parties and topics. */
  callsExtensive(args: { callIds: readonly string[]; cursor?: string }): Promise<{ records: GongPage; calls: GongCallDetail[] }> {
    return this.request("POST", "/v2/calls/extensive", {
      filter: { callIds: [...args.callIds] },
      contentSelector: { exposedFields: { parties: true, content: { topics: true } } },
      ...(args.cursor ? { cursor: args.cursor } : {}),
    });
  }

  /** Transcripts of calls, speaker by speaker. */
  transcripts(args: { callIds?: readonly string[]; fromDateTime?: string; toDateTime?: string; cursor?: string }): Promise<{ records: GongPage; callTranscripts: GongTranscript[] }> {
    const filter = { ...(args.callIds ? { callIds: [...args.callIds] } : {}), ...(args.fromDateTime ? { fromDateTime: args.fromDateTime } : {}), ...(args.toDateTime ? { toDateTime: args.toDateTime } : {}) };
    return this.request("POST", "/v2/calls/transcript", { filter, ...(args.cursor ? { cursor: args.cursor } : {}) });
  }

  listUsers(args: { cursor?: string } = {}): Promise<{ records: GongPage; users: GongUser[] }> {
    return this.request("GET", `/v2/users${args.cursor ? `?cursor=${encodeURIComponent(args.cursor)}` : ""}`);
  }

  /** Every page of a paged call, in order: at most `maxPages`, so a loop always ends. */
  async all<T>(page: (cursor?: string) => Promise<{ records: GongPage } & T>, pick: (p: T) => readonly unknown[], maxPages = 100): Promise<unknown[]> {
    const items: unknown[] = [];
    let cursor: string | undefined;
    for (let n = 0; n < maxPages; n++) {
      const p = await page(cursor);
      items.push(...pick(p));
      cursor = p.records.cursor;
      if (!cursor) return items;
    }
    throw new GongError(`gong: more than ${maxPages} pages; narrow the date range`, 0);
  }

  /** One API call: paced to the per-second limit, counted against the daily cap, retried on 429
   * (after its Retry-After) and on 5xx (with backoff). */
  private async request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.takeSlot();
      let response: Response;
      try {
        response = await fetch(`${this.base}${path}`, {
          method,
          headers: { authorization: this.authorization, accept: "application/json", ...(body !== undefined ? { "content-type": "application/json" } : {}) },
          body: body !== undefined ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        if (attempt < this.retries) {
          await this.clock.sleep(backoffMs(attempt));
          continue;
        }
        throw new GongError(`gong: ${method} ${pathOnly(path)}: no answer from ${this.base} (${(error as Error).message})`, 0);
      }
      const text = await response.text();
      const parsed = safeJson(text) as { requestId?: string; errors?: unknown } | undefined;
      if (response.ok) {
        if (parsed === undefined) throw new GongError(`gong: ${method} ${pathOnly(path)}: expected JSON; got ${JSON.stringify(text.slice(0, 80))}`, response.status);
        return parsed as T;
      }
      const requestId = typeof parsed?.requestId === "string" ? parsed.requestId : undefined;
      if (response.status === 429 && attempt < this.retries) {
        const wait = retryAfterSeconds(response.headers.get("retry-after"));
        if (wait > this.maxRetryAfter) throw new GongError(`gong: rate limit: Gong asks to wait ${wait}s (Retry-After), more than ${this.maxRetryAfter}s; the daily cap of 10,000 calls may be spent`, 429, requestId);
        await this.clock.sleep(wait * 1000);
        continue;
      }
      if (response.status >= 500 && attempt < this.retries) {
        await this.clock.sleep(backoffMs(attempt));
        continue;
      }
      throw explain(method, path, response.status, parsed, requestId);
    }
  }

  private async takeSlot(): Promise<void> {
    const now = this.clock.now();
    if (now - this.day.start >= DAY_MS) this.day = { start: now, used: 0 };
    if (this.day.used >= this.perDay) throw new GongError(`gong: the daily cap of ${this.perDay} API calls is spent; it resets ${new Date(this.day.start + DAY_MS).toISOString()}`, 429);
    this.day.used += 1;
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.spacingMs;
    if (slot > now) await this.clock.sleep(slot - now);
  }
}

const pathOnly = (path: string) => path.split("?")[0];
const backoffMs = (attempt: number) => Math.min(8000, 250 * 2 ** attempt);
const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

/** Retry-After as seconds: a number, or an HTTP date; 1 when absent or unreadable. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number {
  if (!header) return 1;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, Math.ceil((date - now) / 1000)) : 1;
}

/** Gong's error answer as a message that says what to do. */
export function explain(method: string, path: string, status: number, body: unknown, requestId?: string): GongError {
  const errors = Array.isArray((body as { errors?: unknown } | undefined)?.errors) ? ((body as { errors: unknown[] }).errors.map(String) as string[]) : [];
  const said = errors.length ? `: ${errors.join("; ")}` : "";
  const where = `gong: ${method} ${pathOnly(path)}`;
  const id = requestId ? ` (Gong request ${requestId})` : "";
  switch (status) {
    case 401:
      return new GongError(`${where}: Gong refused the access key (401)${said}. Check sophia:gongAccessKey and sophia:gongAccessKeySecret: a key pair from Gong's API page, both set as secrets${id}`, status, requestId);
    case 403:
      return new GongError(`${where}: the key may not read this (403)${said}; its API scopes in Gong must include it${id}`, status, requestId);
    case 404:
      return new GongError(`${where}: not found (404)${said}; an unknown call id, or a base URL that is not your company's${id}`, status, requestId);
    case 400:
      return new GongError(`${where}: Gong refused the request (400)${said}${id}`, status, requestId);
    case 429:
      return new GongError(`${where}: rate limit still hit after retries (429)${said}${id}`, status, requestId);
    default:
      return new GongError(`${where}: Gong answered ${status}${said}${id}`, status, requestId);
  }
}
