// The Gong client against the fake Gong API on loopback (a real HTTP server): paging, a wrong key, a
// 429 storm, a 5xx mid-page, an expired cursor, Gong's own rate limit, the daily cap.
import { GongClient, GongError, retryAfterSeconds, type GongCall, type GongTranscript } from "./client";
import { FakeGong, KNOWN_ANSWER } from "./testing/fake-gong";

const keys = { accessKey: "AK-fake-0123456789", accessKeySecret: "secret-fake-0123456789abcdef" };
const range = { fromDateTime: "2026-11-01T00:00:00Z", toDateTime: "2026-12-01T00:00:00Z" };

/** A clock whose waits are recorded and instant: retries do not slow the tests. */
function fastClock() {
  const waits: number[] = [];
  return { waits, clock: { now: () => Date.now(), sleep: async (ms: number) => void waits.push(ms) } };
}

let fake: FakeGong;
let url: string;
beforeEach(async () => {
  fake = new FakeGong({ ...keys, pageSize: 5, rateLimit: false });
  url = await fake.start();
});
afterEach(() => fake.stop());

test("every call of a date range, page by page with the cursor, in order; the data is the same for the same seed", async () => {
  const client = new GongClient({ baseUrl: url, ...keys, clock: fastClock().clock });
  const calls = (await client.all((cursor) => client.listCalls({ ...range, cursor }), (p) => p.calls)) as GongCall[];
  expect(calls.map((c) => c.id)).toEqual(fake.details.map((d) => d.metaData.id));
  expect(fake.log.filter((l) => l.path === "/v2/calls")).toHaveLength(Math.ceil(fake.details.length / 5));
  expect(new FakeGong({ ...keys }).details).toEqual(new FakeGong({ ...keys }).details);
});

test("a call's parties and topics, and its transcript by speaker: the known call names the competitor", async () => {
  const client = new GongClient({ baseUrl: url, ...keys, clock: fastClock().clock });
  const known = fake.details.find((d) => d.metaData.title === KNOWN_ANSWER.callTitle)!.metaData.id;
  const { calls } = await client.callsExtensive({ callIds: [known] });
  expect(calls[0]!.parties.map((p) => p.affiliation)).toEqual(["Internal", "External"]);
  expect(calls[0]!.content?.topics?.[0]?.name).toBe("Pricing");
  const { callTranscripts } = await client.transcripts({ callIds: [known] });
  const text = (callTranscripts as GongTranscript[])[0]!.transcript.flatMap((t) => t.sentences.map((s) => s.text)).join(" ");
  expect(text).toContain(KNOWN_ANSWER.competitor);
});

test("a wrong key gets its own message, naming the secrets to check, and is not retried", async () => {
  const client = new GongClient({ baseUrl: url, accessKey: "AK-wrong", accessKeySecret: "nope", clock: fastClock().clock });
  const error = (await client.listUsers().catch((e: unknown) => e)) as GongError;
  expect(error).toBeInstanceOf(GongError);
  expect(error.status).toBe(401);
  expect(error.message).toMatch(/^gong: GET \/v2\/users: Gong refused the access key \(401\): Invalid credentials\. Check sophia:gongAccessKey and sophia:gongAccessKeySecret/);
  expect(fake.log).toHaveLength(1);
});

test("a 429 storm: each Retry-After is honoured, then the answer comes; a storm longer than the retries is an error", async () => {
  const { waits, clock } = fastClock();
  const client = new GongClient({ baseUrl: url, ...keys, clock, retries: 4 });
  fake.fail({ kind: "429", retryAfterSeconds: 2 }, { kind: "429", retryAfterSeconds: 1 }, { kind: "429", retryAfterSeconds: 3 });
  const { users } = await client.listUsers();
  expect(users.length).toBe(5);
  // Retry-After waits are whole seconds; the rest are the pacing between calls.
  expect(waits.filter((w) => w >= 1000 && w % 1000 === 0)).toEqual([2000, 1000, 3000]);
  fake.fail(...Array.from({ length: 5 }, () => ({ kind: "429" as const, retryAfterSeconds: 1 })));
  await expect(client.listUsers()).rejects.toMatchObject({ status: 429, message: expect.stringMatching(/rate limit still hit after retries \(429\): API rate limit exceeded/) });
  fake.fail({ kind: "429", retryAfterSeconds: 3600 });
  await expect(client.listUsers()).rejects.toThrow("Gong asks to wait 3600s (Retry-After), more than 60s; the daily cap of 10,000 calls may be spent");
});

test("a 5xx in the middle of the pages is retried with backoff, and no page is lost or repeated", async () => {
  const { waits, clock } = fastClock();
  const client = new GongClient({ baseUrl: url, ...keys, clock });
  let pages = 0;
  const calls = (await client.all(
    (cursor) => {
      if (++pages === 3) fake.fail({ kind: "5xx", status: 503 });
      return client.listCalls({ ...range, cursor });
    },
    (p) => p.calls,
  )) as GongCall[];
  expect(calls.map((c) => c.id)).toEqual(fake.details.map((d) => d.metaData.id));
  expect(fake.log.filter((l) => l.status === 503)).toHaveLength(1);
  expect(waits).toContain(250);
});

test("an expired cursor is Gong's own message, not retried: the caller starts the range again", async () => {
  const client = new GongClient({ baseUrl: url, ...keys, clock: fastClock().clock });
  const first = await client.listCalls(range);
  fake.fail({ kind: "expire-cursors" });
  await expect(client.listCalls({ ...range, cursor: first.records.cursor })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/Gong refused the request \(400\): cursor has expired/) });
});

test("the client keeps to Gong's 3 calls a second: against the fake's real limit, seven calls get no 429", async () => {
  await fake.stop();
  fake = new FakeGong({ ...keys, pageSize: 5, rateLimit: true });
  url = await fake.start();
  const client = new GongClient({ baseUrl: url, ...keys });
  for (let i = 0; i < 7; i++) await client.listUsers();
  expect(fake.log.map((l) => l.status)).toEqual(Array(7).fill(200));
  // And a client that ignores the limit is refused by the fake, as by Gong.
  const rude = new GongClient({ baseUrl: url, ...keys, callsPerSecond: 1000, retries: 0 });
  const results = await Promise.allSettled(Array.from({ length: 6 }, () => rude.listUsers()));
  expect(results.some((r) => r.status === "rejected" && (r.reason as GongError).status === 429)).toBe(true);
});

test("the daily cap is counted here, before Gong refuses, and says when it resets", async () => {
  const client = new GongClient({ baseUrl: url, ...keys, callsPerDay: 2, clock: fastClock().clock });
  await client.listUsers();
  await client.listUsers();
  await expect(client.listUsers()).rejects.toThrow(/the daily cap of 2 API calls is spent; it resets \d{4}-\d\d-\d\dT/);
  expect(fake.log).toHaveLength(2);
});

test("bad settings are refused before any call: a base URL that is not https, a missing secret", () => {
  expect(() => new GongClient({ baseUrl: "http://us-1.api.gong.io", ...keys })).toThrow("gong: baseUrl: expected https (the key travels in every request); got http://us-1.api.gong.io");
  // Only the local stack's fake, on the project's own network, is let through in plain http.
  expect(() => new GongClient({ baseUrl: "http://fake-gong:8080", plainHttpAllowed: true, ...keys })).not.toThrow();
  expect(() => new GongClient({ baseUrl: "not a url", ...keys })).toThrow(/expected your Gong API base URL/);
  expect(() => new GongClient({ baseUrl: "https://us-1.api.gong.io", accessKey: "a", accessKeySecret: "" })).toThrow("the access key and its secret are both needed");
  expect(retryAfterSeconds("7")).toBe(7);
  expect(retryAfterSeconds(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThanOrEqual(4);
  expect(retryAfterSeconds(null)).toBe(1);
});

test("the container's settings: each missing variable is named with the config key behind it", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { gongSettings } = require("./main") as typeof import("./main");
  expect(() => gongSettings({ GONG_ACCESS_KEY: "a", GONG_ACCESS_SECRET: "b" })).toThrow("GONG_BASE_URL: expected the company's Gong API base URL (sophia:gong.baseUrl); got nothing");
  expect(() => gongSettings({ GONG_BASE_URL: "https://x.api.gong.io", GONG_ACCESS_SECRET: "b" })).toThrow("GONG_ACCESS_KEY: expected the Gong access key (the secret sophia:gongAccessKey); got nothing");
  expect(gongSettings({ GONG_BASE_URL: "https://x.api.gong.io", GONG_ACCESS_KEY: "a", GONG_ACCESS_SECRET: "b" })).toEqual({ baseUrl: "https://x.api.gong.io", accessKey: "a", accessKeySecret: "b", plainHttpAllowed: false });
  expect(gongSettings({ GONG_BASE_URL: "http://fake-gong:8080", GONG_ACCESS_KEY: "a", GONG_ACCESS_SECRET: "b", GONG_PLAIN_HTTP: "allowed" }).plainHttpAllowed).toBe(true);
});
