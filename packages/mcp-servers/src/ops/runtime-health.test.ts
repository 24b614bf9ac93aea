// The agent runtimes' health as sophia-ops records it, against real HTTP servers on loopback: one
// healthy with its start time, one degraded (503), one that does not answer at all.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { readHealth, runtimeNames, watchRuntimes } from "./runtime-health";

const servers: Server[] = [];
async function serve(status: number, body: unknown, host = "127.0.0.1"): Promise<string> {
  const server = createServer((_req, res) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body)));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}
afterAll(() => servers.forEach((s) => s.close()));

test("each runtime's /health becomes up (1 or 0) and, when it reports one, its start time", async () => {
  const healthy = await serve(200, { status: "ok", pool: "a", startSeconds: 1.25 });
  // Each runtime has a host of its own, as each pool does in a deployment: here, loopback addresses.
  const degraded = await serve(503, { status: "degraded", pool: "b", startSeconds: 0.9, mcpDown: ["memory"] }, "127.0.0.2");
  const gone = "http://localhost:9";
  const registry = new Registry();
  const watcher = watchRuntimes({ research: [{ agent: "r", url: healthy, keyEnv: "K" }], ops: [{ agent: "o", url: degraded, keyEnv: "K" }], sales: [{ agent: "s", url: gone, keyEnv: "K" }] }, registry, 60_000, 500);
  await watcher.check();
  watcher.stop();
  const text = await registry.metrics();
  expect(text).toContain('sophia_agent_runtime_up{runtime="127.0.0.1"} 1');
  expect(text).toContain('sophia_agent_runtime_start_seconds{runtime="127.0.0.1"} 1.25');
  // Degraded: down, though it reports the start time of the start it made.
  expect(text).toContain('sophia_agent_runtime_up{runtime="127.0.0.2"} 0');
  expect(text).toContain('sophia_agent_runtime_start_seconds{runtime="127.0.0.2"} 0.9');
  expect(text).toContain('sophia_agent_runtime_up{runtime="localhost"} 0');
  expect(text).not.toContain('sophia_agent_runtime_start_seconds{runtime="localhost"}');
});

test("a runtime is named by its host, once however many agents it serves; an answer is up only when 200 and ok", () => {
  expect([...runtimeNames({ a: [{ agent: "x", url: "http://agents-a:8000", keyEnv: "K" }, { agent: "y", url: "http://agents-a:8000", keyEnv: "K" }] }).keys()]).toEqual(["agents-a"]);
  expect(readHealth(200, { status: "ok", startSeconds: 2.5 })).toEqual({ up: true, startSeconds: 2.5 });
  expect(readHealth(200, { status: "degraded" })).toEqual({ up: false });
  expect(readHealth(503, { status: "ok" })).toEqual({ up: false });
  expect(readHealth(200, { status: "ok", startSeconds: "fast" })).toEqual({ up: true });
  expect(readHealth(200, undefined)).toEqual({ up: false });
});
