// The agent runtimes as sophia-ops sees them, for Prometheus (which never reaches them: they sit on
// the MCP network, it on the monitoring one): every few seconds a GET of each runtime's /health,
// recorded as sophia_agent_runtime_up{runtime} (1 while it answers ok) and, from the same answer,
// sophia_agent_runtime_start_seconds{runtime}, the seconds its latest start took to serve.
import { Gauge, type Registry } from "prom-client";
import type { AgentRoutes } from "./routing";
import { AGENT_RUNTIME_START_METRIC, AGENT_RUNTIME_UP_METRIC } from "./server";

/** A runtime's name in the series: its pool's host name, as the route names it (on a fleet, several
 * pools share their node's private address), else the URL's host. */
export function runtimeNames(routes: AgentRoutes): Map<string, string> {
  const names = new Map<string, string>();
  for (const route of Object.values(routes).flat()) names.set(route.runtime ?? new URL(route.url).hostname, route.url);
  return names;
}

/** What one /health answer says: ok or not, and the start time it reports, if any. */
export function readHealth(status: number, body: unknown): { up: boolean; startSeconds?: number } {
  const b = (body ?? {}) as { status?: unknown; startSeconds?: unknown };
  const start = typeof b.startSeconds === "number" && Number.isFinite(b.startSeconds) && b.startSeconds >= 0 ? b.startSeconds : undefined;
  return { up: status === 200 && b.status === "ok", ...(start !== undefined ? { startSeconds: start } : {}) };
}

/** Checks every runtime now and then every `intervalMs`; returns a function that stops. */
export function watchRuntimes(routes: AgentRoutes, registry: Registry, intervalMs = 5000, timeoutMs = 2000): { check: () => Promise<void>; stop: () => void } {
  const up = new Gauge({ name: AGENT_RUNTIME_UP_METRIC, help: "1 while the agent runtime's /health answers ok, as sophia-ops checks it", labelNames: ["runtime"] as const, registers: [registry] });
  const start = new Gauge({ name: AGENT_RUNTIME_START_METRIC, help: "Seconds from the agent runtime's process start until it served (its latest start), as it reports it", labelNames: ["runtime"] as const, registers: [registry] });
  const runtimes = runtimeNames(routes);
  const checkOne = async (runtime: string, url: string) => {
    let health: ReturnType<typeof readHealth>;
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
      health = readHealth(response.status, await response.json().catch(() => undefined));
    } catch {
      health = { up: false };
    }
    up.set({ runtime }, health.up ? 1 : 0);
    if (health.startSeconds !== undefined) start.set({ runtime }, health.startSeconds);
  };
  const check = () => Promise.all([...runtimes].map(([runtime, url]) => checkOne(runtime, url))).then(() => undefined);
  void check();
  const timer = setInterval(() => void check(), intervalMs);
  // Never what keeps the server's process alive.
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
