// npm run bench:ingress — what the ingress costs. Brings the local stack up, then times MCP tools/list
// on the sophia-ops server at 1, 16 and 64 concurrent clients (each its own MCP client), over three
// paths measured side by side, round-robin, in this one run:
//   direct     the sophia-ops container itself (its address on the internal network)
//   caddy      the ingress container's internal address and site: Caddy with token check and routing
//   published  the ingress's published loopback port, as Cursor reaches it (adds docker-proxy)
// The last line's overhead is published p99 minus direct p99 at 16 clients. sophia-ops, not memory:
// its server answers natively over HTTP, so the figure is the ingress's and not the stdio bridge's
// (a first run against memory failed mid-run with an empty "Error POSTing to endpoint").
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { containerIp, percentile, withLocalStack } from "./bench-support";
import { type LocalProgram, smokeName } from "./local-stack";

const LEVELS = [1, 16, 64];
/** Requests per client per round, so every level sends a similar total. */
const PER_CLIENT: Record<number, number> = { 1: 200, 16: 25, 64: 7 };
const ROUNDS = 5;

type Path = "direct" | "caddy" | "published";

interface LevelResult {
  latencies: number[];
  errors: number;
  firstError?: string;
}

const describeError = (error: unknown) => {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  return `${e.message}${e.cause ? ` (${e.cause.code ?? e.cause.message})` : ""}`;
};

/** Failed requests are counted and reported, not retried: a failure under load is a finding. */
async function timeLevel(url: string, headers: Record<string, string>, clients: number, requests: number): Promise<LevelResult> {
  const sessions = await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new Client({ name: "bench-ingress", version: "0.1.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
      await client.listTools(); // warm the session
      return client;
    }),
  );
  const result: LevelResult = { latencies: [], errors: 0 };
  await Promise.all(
    sessions.map(async (client) => {
      for (let i = 0; i < requests; i++) {
        const start = performance.now();
        try {
          await client.listTools();
          result.latencies.push(performance.now() - start);
        } catch (error) {
          result.errors++;
          result.firstError ??= describeError(error);
        }
      }
    }),
  );
  await Promise.all(sessions.map((c) => c.close()));
  return result;
}

/** `npm run bench:ingress`: the table, then its last line. */
export async function benchIngress(program: LocalProgram): Promise<void> {
  await withLocalStack("bench:ingress", program, async (stack) => {
    const token = stack.tokens.SOPHIA_MCP_TOKEN_CURSOR!;
    const auth = { Authorization: `Bearer ${token}` };
    const serverIp = await containerIp(smokeName("sophia-local-sophia-ops"), smokeName("sophia-mcp"));
    const ingressIp = await containerIp(smokeName("sophia-local-ingress"), smokeName("sophia-mcp"));
    const paths: Record<Path, { url: string; headers: Record<string, string> }> = {
      // Directly, with the key the ingress presents to sophia-ops.
      direct: { url: `http://${serverIp}:8080/mcp`, headers: { "X-API-Key": stack.envOf("sophia-local-ingress").SOPHIA_BACKEND_KEY_SOPHIA_OPS! } },
      // Caddy by address, on its internal site: the same routes and token check, no docker-proxy (the
      // public site answers only the names of its own URL).
      caddy: { url: `http://${ingressIp}:8081/sophia-ops/mcp`, headers: auth },
      published: { url: `${stack.live.ingressUrl}/sophia-ops/mcp`, headers: auth },
    };
    const samples = new Map<string, number[]>();
    const errors = new Map<string, { count: number; first?: string }>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const clients of LEVELS) {
        for (const path of Object.keys(paths) as Path[]) {
          const key = `${path}@${clients}`;
          const level = await timeLevel(paths[path].url, paths[path].headers, clients, PER_CLIENT[clients]!).catch((error: Error) => {
            throw new Error(`${path} at ${clients} clients (${paths[path].url}): could not open the sessions: ${describeError(error)}`);
          });
          samples.set(key, [...(samples.get(key) ?? []), ...level.latencies]);
          const seen = errors.get(key) ?? { count: 0 };
          errors.set(key, { count: seen.count + level.errors, first: seen.first ?? level.firstError });
        }
      }
      console.error(`[bench:ingress] round ${round + 1}/${ROUNDS} done`);
    }
    const stat = (path: Path, clients: number) => {
      const sorted = [...samples.get(`${path}@${clients}`)!].sort((a, b) => a - b);
      return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), errors: errors.get(`${path}@${clients}`)!.count };
    };
    const lines = ["tools/list latency, ms (sophia-ops server; interleaved rounds in one run)", "clients  path         n  errors     p50     p99   p50 ratio to direct   p99 ratio to direct"];
    for (const clients of LEVELS) {
      const direct = stat("direct", clients);
      for (const path of Object.keys(paths) as Path[]) {
        const s = stat(path, clients);
        lines.push(
          `${String(clients).padStart(7)}  ${path.padEnd(10)} ${String(s.n).padStart(4)}  ${String(s.errors).padStart(6)}  ${s.p50.toFixed(2).padStart(6)}  ${s.p99.toFixed(2).padStart(6)}   ${(s.p50 / direct.p50).toFixed(2).padStart(8)}              ${(s.p99 / direct.p99).toFixed(2).padStart(8)}`,
        );
      }
    }
    for (const [key, e] of errors) if (e.count > 0) lines.push(`errors ${key}: ${e.count}, first: ${e.first}`);
    const overhead = stat("published", 16).p99 - stat("direct", 16).p99;
    lines.push(`ingress: overhead-p99-ms=${overhead.toFixed(2)} at 16 clients`);
    return lines;
  });
}
