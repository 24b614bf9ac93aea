// npm run bench:mcp — MCP latency through the ingress under concurrency, beside the same calls made
// directly to each server, in one run. Brings the local stack up (as the smoke does), then for every
// operation (tools/list on each server; a read-only tools/call on memory, which reaches its stdio
// server), at 1, 16 and 64 concurrent clients: each client opens its own MCP session on its own
// connection and calls the operation in a loop for a fixed window. Direct and ingress windows
// alternate, round after round, so both see the same machine.
//
// The load comes from a process of its own (./mcp-load.ts), pinned to a core of its own where the
// machine has two, and each window reports the generator's CPU. Beside the client's p99 stand the
// server's own: its histogram (the one Prometheus scrapes) read before and after the window, turned
// into the dashboard's p99 (histogram_quantile) and the latency SLO's share within 100 ms, with the
// monitoring package's own functions. Meanwhile each server's cgroup gives its peak memory and CPU:
// the catalog's container sizes come from these peaks (packages/mcp-servers/src/catalog.ts).
// Target: p99 under 100 ms at 16 clients, no errors anywhere.
// Last line: `mcp: worst-p99-ms=<x> at 16 clients, errors=<n> at 64 clients, errors=<n> in all cells, load generator <share> of a core at most`.
import { OPERATION_DURATION_METRIC } from "@sophia/mcp-servers";
import { bucketsBetween, bucketsFromExposition, type HistogramBucket, histogramQuantile, LATENCY_THRESHOLD_SECONDS, shareWithin } from "@sophia/monitoring";
import { containerIp, containerUsage, percentile, withLocalStack } from "./bench-support";
import { type LoadGenerator, type LoadTarget, type LoadWindow, type McpCall, startLoadGenerator } from "./mcp-load";
import { type LocalProgram, type LocalStack, smokeName } from "./local-stack";

const LEVELS = [1, 16, 64] as const;
const PATHS = ["direct", "ingress"] as const;
const ROUNDS = 3;
const WINDOW_MS = 3000;

/** What each row measures: a server and one of its operations. */
const OPERATIONS: readonly { server: string; label: string; call: McpCall }[] = [
  { server: "sophia-ops", label: "tools/list", call: { method: "tools/list", params: {} } },
  { server: "memory", label: "tools/list", call: { method: "tools/list", params: {} } },
  { server: "memory", label: "search_nodes", call: { method: "tools/call", params: { name: "search_nodes", arguments: { query: "bench" } } } },
];
const SERVERS = [...new Set(OPERATIONS.map((o) => o.server))];

type Path = (typeof PATHS)[number];
interface Cell {
  readonly windows: LoadWindow[];
  /** The server's own histogram of this operation, summed over the cell's windows. */
  server: HistogramBucket[];
}

/** The operation's buckets in a server's own histogram (all outcomes), read from its /metrics. */
async function serverHistogram(metricsUrl: string, key: Record<string, string>, call: McpCall): Promise<HistogramBucket[]> {
  const text = await fetch(metricsUrl, { headers: key }).then((r) => r.text());
  const tool = call.method === "tools/call" ? String((call.params as { name: string }).name) : "";
  return bucketsFromExposition(text, OPERATION_DURATION_METRIC, { mcp_method_name: call.method, tool });
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
  const generator = startLoadGenerator();
  try {
    await withLocalStack("bench:mcp", program, (stack) => measure(stack, generator));
  } finally {
    generator.stop();
  }
}

async function measure(stack: LocalStack, generator: LoadGenerator): Promise<string[]> {
  const ingressEnv = stack.envOf("sophia-local-ingress");
  const auth = { Authorization: `Bearer ${stack.tokens.SOPHIA_MCP_TOKEN_CURSOR!}` };
  const targets = new Map<string, LoadTarget>();
  const metrics = new Map<string, { url: string; key: Record<string, string> }>();
  for (const server of SERVERS) {
    const ip = await containerIp(smokeName(`sophia-local-${server}`), smokeName("sophia-mcp"));
    // Directly, with the key the ingress presents to this server.
    const key = ingressEnv[`SOPHIA_BACKEND_KEY_${server.toUpperCase().replace(/-/g, "_")}`];
    const keyHeader: Record<string, string> = key ? { "X-API-Key": key } : {};
    targets.set(`${server}/direct`, { url: `http://${ip}:8080/mcp`, headers: keyHeader });
    targets.set(`${server}/ingress`, { url: `${stack.live.ingressUrl}/${server}/mcp`, headers: auth });
    metrics.set(server, { url: `http://${ip}:8080/metrics`, key: keyHeader });
  }
  const containers = [...SERVERS.map((s) => smokeName(`sophia-local-${s}`)), smokeName("sophia-local-ingress")];
  const stats = sampleUsage(containers);
  const cells = new Map<string, Cell>();
  // Per container and client count: scheduler periods, and those that hit the CPU limit.
  const throttled = new Map<string, { periods: number; throttled: number }>();
  const snapshot = async () => new Map(await Promise.all(containers.map(async (c) => [c, await containerUsage(c)] as const)));
  for (let round = 0; round < ROUNDS; round++) {
    for (const clients of LEVELS) {
      const before = await snapshot();
      for (const operation of OPERATIONS) {
        // Alternate which path goes first, so neither always follows the other.
        const order = round % 2 === 0 ? PATHS : [...PATHS].reverse();
        for (const path of order) {
          const { url, key } = metrics.get(operation.server)!;
          const histogramBefore = await serverHistogram(url, key, operation.call);
          const window = await generator.run({ target: targets.get(`${operation.server}/${path}`)!, call: operation.call, clients, windowMs: WINDOW_MS });
          const served = bucketsBetween(histogramBefore, await serverHistogram(url, key, operation.call));
          const id = `${operation.server}|${operation.label}|${path}|${clients}`;
          const cell = cells.get(id) ?? { windows: [], server: served.map((b) => ({ le: b.le, count: 0 })) };
          cell.windows.push(window);
          cell.server = cell.server.map((b, i) => ({ le: b.le, count: b.count + served[i]!.count }));
          cells.set(id, cell);
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

  const stat = (operation: (typeof OPERATIONS)[number], path: Path, clients: number) => {
    const cell = cells.get(`${operation.server}|${operation.label}|${path}|${clients}`)!;
    const ws = cell.windows;
    const sorted = ws.flatMap((w) => w.latencies).sort((a, b) => a - b);
    const seconds = ws.reduce((s, w) => s + w.seconds, 0);
    return {
      n: sorted.length,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      errors: ws.reduce((s, w) => s + w.errors, 0),
      rps: sorted.length / seconds,
      generatorCpu: ws.reduce((s, w) => s + w.cpuSeconds, 0) / seconds,
      serverP99: histogramQuantile(0.99, cell.server) * 1000,
      within: shareWithin(LATENCY_THRESHOLD_SECONDS, cell.server),
      firstError: ws.find((w) => w.firstError)?.firstError,
    };
  };
  const ms = (v: number) => (Number.isNaN(v) ? "-" : v.toFixed(1)).padStart(7);
  const lines = [
    `MCP operations through the ingress and directly (${ROUNDS} interleaved rounds of ${WINDOW_MS / 1000} s windows per cell, one run); load generator pinned to ${generator.core === undefined ? "no core (one-core machine)" : `core ${generator.core}`}`,
    `client: ms as the load generator saw them; server: the server's own histogram (as the dashboard's p99 panel, and the latency SLO's share within ${LATENCY_THRESHOLD_SECONDS * 1000} ms)`,
    "server/operation          clients  path        calls  errors   p50 ms   p99 ms   server p99  within SLO    req/s  gen CPU  p99 ingress/direct",
  ];
  for (const operation of OPERATIONS) {
    for (const clients of LEVELS) {
      const direct = stat(operation, "direct", clients);
      for (const path of PATHS) {
        const s = stat(operation, path, clients);
        const ratio = path === "ingress" ? (s.p99 / direct.p99).toFixed(2) : "";
        lines.push(
          `${`${operation.server} ${operation.label}`.padEnd(24)}  ${String(clients).padStart(7)}  ${path.padEnd(8)}  ${String(s.n).padStart(7)}  ${String(s.errors).padStart(6)}  ${ms(s.p50)}  ${ms(s.p99)}      ${ms(s.serverP99)}  ${`${(100 * s.within).toFixed(2)}%`.padStart(10)}  ${s.rps.toFixed(0).padStart(7)}  ${s.generatorCpu.toFixed(2).padStart(7)}   ${ratio}`,
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
  const all = OPERATIONS.flatMap((o) => LEVELS.flatMap((l) => PATHS.map((p) => stat(o, p, l))));
  const worst = Math.max(...OPERATIONS.map((o) => stat(o, "ingress", 16).p99));
  const errorsAt64 = OPERATIONS.flatMap((o) => PATHS.map((p) => stat(o, p, 64).errors)).reduce((a, b) => a + b, 0);
  const errorsAll = all.reduce((sum, s) => sum + s.errors, 0);
  const generatorCpu = Math.max(...all.map((s) => s.generatorCpu));
  lines.push(`mcp: worst-p99-ms=${worst.toFixed(1)} at 16 clients, errors=${errorsAt64} at 64 clients, errors=${errorsAll} in all cells, load generator ${generatorCpu.toFixed(2)} of a core at most`);
  return lines;
}
