// npm run bench:mcp — MCP latency through the ingress under concurrency, beside the same calls made
// directly to each server, in one run. Brings the local stack up (as the smoke does), then for every
// MCP server, at 1, 16 and 64 concurrent clients: each client opens its own MCP session (JSON-RPC over
// HTTP, see Session), calls tools/list in a loop for a fixed window, and closes its session. Direct and ingress windows
// alternate, round after round, so both see the same machine. Meanwhile each server's cgroup gives its
// peak memory and CPU: the catalog's container sizes come from these peaks
// (packages/mcp-servers/src/catalog.ts). Target: p99 under 100 ms at 16 clients, no errors at 64.
// Last line: `mcp: worst-p99-ms=<x> at 16 clients, errors=<n> at 64 clients`.
import { containerIp, containerUsage, percentile, withLocalStack } from "./bench-support";
import { type LocalProgram, smokeName } from "./local-stack";

const LEVELS = [1, 16, 64] as const;
const SERVERS = ["sophia-ops", "memory"] as const;
const PATHS = ["direct", "ingress"] as const;
const ROUNDS = 3;
const WINDOW_MS = 3000;

type Path = (typeof PATHS)[number];
interface Window {
  latencies: number[];
  errors: number;
  firstError?: string;
  seconds: number;
}

const describeError = (error: unknown) => {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  return `${e.message}${e.cause ? ` (${e.cause.code ?? e.cause.message})` : ""}`.slice(0, 200);
};

/** One MCP session spoken directly in JSON-RPC over HTTP: initialize, notifications/initialized,
 * then calls; closed with DELETE when the server gave a session id. Not the SDK's Client: its
 * listTools compiles a JSON Schema validator for every tool on every call, and 64 of them in this one
 * process measured the load generator's CPU more than the servers (p50 of sophia-ops at 16 clients:
 * 28 ms with the SDK client, on a box where the client competes with the servers for 2 cores). */
class Session {
  private id: string | undefined;
  private next = 1;
  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
  ) {}

  private async post(message: Record<string, unknown>): Promise<unknown> {
    const response = await fetch(this.url, {
      method: "POST",
      headers: { ...this.headers, "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18", ...(this.id ? { "mcp-session-id": this.id } : {}) },
      body: JSON.stringify({ jsonrpc: "2.0", ...message }),
    });
    this.id ??= response.headers.get("mcp-session-id") ?? undefined;
    const text = await response.text();
    if (!response.ok) throw new Error(`${response.status} ${text.slice(0, 120)}`);
    if (!("id" in message)) return undefined;
    // A server may answer as an event stream: its data line is the JSON-RPC message.
    const json = JSON.parse(response.headers.get("content-type")?.startsWith("text/event-stream") ? (text.match(/^data: (.*)$/m)?.[1] ?? "") : text) as { error?: { message: string }; result?: unknown };
    if (json.error) throw new Error(json.error.message);
    return json.result;
  }

  async open(): Promise<void> {
    await this.post({ id: this.next++, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench-mcp", version: "0.1.0" } } });
    await this.post({ method: "notifications/initialized" });
  }

  listTools(): Promise<unknown> {
    return this.post({ id: this.next++, method: "tools/list", params: {} });
  }

  async close(): Promise<void> {
    if (this.id) await fetch(this.url, { method: "DELETE", headers: { ...this.headers, "mcp-session-id": this.id } }).then((r) => r.text());
  }
}

/** `clients` clients, each on its own session, calling tools/list until the window closes. A failed
 * open or call is counted, never retried: a failure under load is a finding. */
async function timeWindow(url: string, headers: Record<string, string>, clients: number): Promise<Window> {
  const result: Window = { latencies: [], errors: 0, seconds: WINDOW_MS / 1000 };
  const fail = (error: unknown) => {
    result.errors++;
    result.firstError ??= describeError(error);
  };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const session = new Session(url, headers);
      try {
        await session.open();
      } catch (error) {
        return fail(error);
      }
      while (performance.now() - started < WINDOW_MS) {
        const t = performance.now();
        try {
          await session.listTools();
          result.latencies.push(performance.now() - t);
        } catch (error) {
          fail(error);
        }
      }
      await session.close().catch(fail);
    }),
  );
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** Peak memory (MiB, the cgroup's own high-water mark) and CPU (cores, the busiest 1 s) of each
 * container while the load runs. */
function sampleUsage(containers: readonly string[]): { stop: () => Promise<Map<string, { mib: number; cpus: number }>> } {
  const peaks = new Map(containers.map((c) => [c, { mib: 0, cpus: 0 }]));
  let running = true;
  const loop = (async () => {
    let last = new Map(await Promise.all(containers.map(async (c) => [c, { at: performance.now(), usage: await containerUsage(c) }] as const)));
    while (running) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const now = new Map(await Promise.all(containers.map(async (c) => [c, { at: performance.now(), usage: await containerUsage(c) }] as const)));
      for (const c of containers) {
        const before = last.get(c)!;
        const after = now.get(c)!;
        const peak = peaks.get(c)!;
        peak.mib = Math.max(peak.mib, after.usage.peakMiB);
        peak.cpus = Math.max(peak.cpus, (after.usage.cpuSeconds - before.usage.cpuSeconds) / ((after.at - before.at) / 1000));
      }
      last = now;
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return peaks;
    },
  };
}

/** `npm run bench:mcp`: the table, then its last line. */
export async function benchMcp(program: LocalProgram): Promise<void> {
  await withLocalStack("bench:mcp", program, async (stack) => {
    const ingressEnv = stack.envOf("sophia-local-ingress");
    const auth = { Authorization: `Bearer ${stack.tokens.SOPHIA_MCP_TOKEN_CURSOR!}` };
    const targets = new Map<string, { url: string; headers: Record<string, string> }>();
    for (const server of SERVERS) {
      const ip = await containerIp(smokeName(`sophia-local-${server}`), smokeName("sophia-mcp"));
      // Directly, with the key the ingress presents to this server.
      const key = ingressEnv[`SOPHIA_BACKEND_KEY_${server.toUpperCase().replace(/-/g, "_")}`];
      targets.set(`${server}/direct`, { url: `http://${ip}:8080/mcp`, headers: key ? { "X-API-Key": key } : {} });
      targets.set(`${server}/ingress`, { url: `${stack.live.ingressUrl}/${server}/mcp`, headers: auth });
    }
    const containers = [...SERVERS.map((s) => smokeName(`sophia-local-${s}`)), smokeName("sophia-local-ingress")];
    const stats = sampleUsage(containers);
    const windows = new Map<string, Window[]>();
    // Per container and client count: scheduler periods, and those that hit the CPU limit.
    const throttled = new Map<string, { periods: number; throttled: number }>();
    const snapshot = async () => new Map(await Promise.all(containers.map(async (c) => [c, await containerUsage(c)] as const)));
    for (let round = 0; round < ROUNDS; round++) {
      for (const clients of LEVELS) {
        const before = await snapshot();
        for (const server of SERVERS) {
          // Alternate which path goes first, so neither always follows the other.
          const order = round % 2 === 0 ? PATHS : [...PATHS].reverse();
          for (const path of order) {
            const target = targets.get(`${server}/${path}`)!;
            const window = await timeWindow(target.url, target.headers, clients);
            const key = `${server}|${path}|${clients}`;
            windows.set(key, [...(windows.get(key) ?? []), window]);
          }
        }
        const after = await snapshot();
        for (const c of containers) {
          const sum = throttled.get(`${c}|${clients}`) ?? { periods: 0, throttled: 0 };
          sum.periods += after.get(c)!.periods - before.get(c)!.periods;
          sum.throttled += after.get(c)!.throttledPeriods - before.get(c)!.throttledPeriods;
          throttled.set(`${c}|${clients}`, sum);
        }
        console.error(`[bench:mcp] round ${round + 1}/${ROUNDS}: ${clients} clients done`);
      }
    }
    const peaks = await stats.stop();

    const stat = (server: string, path: Path, clients: number) => {
      const ws = windows.get(`${server}|${path}|${clients}`)!;
      const sorted = ws.flatMap((w) => w.latencies).sort((a, b) => a - b);
      const seconds = ws.reduce((s, w) => s + w.seconds, 0);
      const errors = ws.reduce((s, w) => s + w.errors, 0);
      return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), errors, rps: sorted.length / seconds, firstError: ws.find((w) => w.firstError)?.firstError };
    };
    const lines = [
      `tools/list through the ingress and directly, ms (${ROUNDS} interleaved rounds of ${WINDOW_MS / 1000} s windows per cell, one run)`,
      "server      clients  path          calls  errors      p50      p99    req/s   p99 ratio ingress/direct",
    ];
    for (const server of SERVERS) {
      for (const clients of LEVELS) {
        const direct = stat(server, "direct", clients);
        for (const path of PATHS) {
          const s = stat(server, path, clients);
          const ratio = path === "ingress" ? (s.p99 / direct.p99).toFixed(2) : "";
          lines.push(
            `${server.padEnd(10)}  ${String(clients).padStart(7)}  ${path.padEnd(8)}  ${String(s.n).padStart(9)}  ${String(s.errors).padStart(6)}  ${s.p50.toFixed(1).padStart(7)}  ${s.p99.toFixed(1).padStart(7)}  ${s.rps.toFixed(0).padStart(7)}   ${ratio}`,
          );
          if (s.firstError) lines.push(`    first error: ${s.firstError}`);
        }
      }
    }
    lines.push(`peak usage under this load (cgroup): container  MiB  CPUs  throttled periods at ${LEVELS.join(" / ")} clients`);
    const share = (c: string, clients: number) => {
      const t = throttled.get(`${c}|${clients}`)!;
      return t.periods ? `${((100 * t.throttled) / t.periods).toFixed(0)}%` : "no limit";
    };
    for (const [name, peak] of peaks) lines.push(`    ${name.padEnd(28)} ${peak.mib.toFixed(0).padStart(5)}  ${peak.cpus.toFixed(2)}  ${LEVELS.map((l) => share(name, l)).join(" / ")}`);
    const worst = Math.max(...SERVERS.map((s) => stat(s, "ingress", 16).p99));
    const errorsAt64 = SERVERS.flatMap((s) => PATHS.map((p) => stat(s, p, 64).errors)).reduce((a, b) => a + b, 0);
    lines.push(`mcp: worst-p99-ms=${worst.toFixed(1)} at 16 clients, errors=${errorsAt64} at 64 clients`);
    return lines;
  });
}
