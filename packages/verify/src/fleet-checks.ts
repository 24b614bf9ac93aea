// The checklist's rows for a fleet (staging, production): every node a working part of the platform.
// Per node: its private network up (a recent handshake with every peer), route_task answered by a
// pool on it, Prometheus scraping its exporters, and no pool, exporter or internal site answering on
// its public address when reached from outside the private network (from here).
import * as net from "node:net";
import type { DockerRunner } from "./docker-runner";
import { notYet, promQuery, within } from "./monitoring-checks";

/** A handshake older than this means the tunnel is down (WireGuard re-handshakes every 2 minutes on a
 * live tunnel, and the spokes' keepalive keeps one live). */
export const HANDSHAKE_FRESH_SECONDS = 180;

export interface FleetNode {
  readonly id: string;
  readonly publicIp: string;
  readonly privateAddress: string;
  /** A command on the node over ssh (pinned host key; the deploy key from the agent); its stdout. */
  readonly ssh: (command: string) => Promise<string>;
}

export interface FleetPool {
  readonly pool: string;
  readonly node: string;
  /** Its AgentOS URL on the private network (what sophia-ops calls). */
  readonly url: string;
  readonly category: string;
  readonly agents: readonly string[];
}

export interface Fleet {
  /** The platform node: the MCP platform and monitoring run there. */
  readonly hub: string;
  readonly nodes: readonly FleetNode[];
  readonly pools: readonly FleetPool[];
  /** Ports published on private addresses: the pools', the exporters', the ingress's internal site. */
  readonly privatePorts: readonly number[];
}

export interface FleetCheck {
  readonly name: string;
  readonly run: () => Promise<string>;
}

/** `wg show <iface> latest-handshakes`: seconds since each peer's last handshake (Infinity: never). */
export function handshakeAges(output: string, nowSeconds: number): { peer: string; ageSeconds: number }[] {
  return output
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [peer, epoch] = line.trim().split(/\s+/);
      return { peer: peer!, ageSeconds: Number(epoch) > 0 ? nowSeconds - Number(epoch) : Infinity };
    });
}

/** A TCP connection to address:port from this process: "open", or how it was refused. */
export function tryConnect(address: string, port: number, timeoutMs = 2000): Promise<"open" | "refused" | "no answer"> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    const done = (outcome: "open" | "refused" | "no answer") => {
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () => done("no answer"));
    socket.once("connect", () => done("open"));
    socket.once("error", () => done("refused"));
  });
}

export function fleetChecks(fleet: Fleet, hubDocker: DockerRunner, prometheus: string | undefined, routeTask: (category: string, agent: string) => Promise<string>): FleetCheck[] {
  const peersOf = (node: FleetNode) => (node.id === fleet.hub ? fleet.nodes.length - 1 : 1);
  return [
    ...fleet.nodes.map((node) => ({
      name: `private network on ${node.id} (${node.privateAddress}): a handshake with every peer within ${HANDSHAKE_FRESH_SECONDS}s`,
      run: () =>
        within(60, `handshakes on ${node.id}`, async () => {
          const ages = handshakeAges(await node.ssh("sudo wg show sophia-wg latest-handshakes"), Date.now() / 1000);
          const stale = ages.filter((a) => a.ageSeconds > HANDSHAKE_FRESH_SECONDS);
          if (ages.length !== peersOf(node) || stale.length > 0) return notYet(`${ages.length}/${peersOf(node)} peer(s) configured, ${stale.length} without a recent handshake`);
          return `${ages.length}/${peersOf(node)} peer(s), newest handshake ${Math.round(Math.min(...ages.map((a) => a.ageSeconds)))}s ago, oldest ${Math.round(Math.max(...ages.map((a) => a.ageSeconds)))}s ago`;
        }),
    })),
    ...fleet.nodes.flatMap((node) => {
      const pool = fleet.pools.find((p) => p.node === node.id);
      if (!pool) return [{ name: `route_task on ${node.id}`, run: async () => `no runnable pool on ${node.id} (placement put none there, or only GPU pools on a host without a GPU)` }];
      return [{ name: `route_task answered by ${pool.pool} on ${node.id} (${pool.url})`, run: () => routeTask(pool.category, pool.agents[0]!) }];
    }),
    ...(prometheus
      ? fleet.nodes.map((node) => ({
          name: `Prometheus: up == 1 for every target of ${node.id}`,
          run: () =>
            within(90, `targets of ${node.id} up`, async () => {
              const series = await promQuery(hubDocker, prometheus, `up{node="${node.id}"}`);
              const down = series.filter((s) => s.value !== 1);
              if (series.length < 2 || down.length > 0) return notYet(`${series.length} target(s), down: ${down.map((s) => s.labels.job).join(", ") || "none"}`);
              return `${series.length} targets up: ${series.map((s) => s.labels.job).sort().join(", ")}`;
            }),
        }))
      : []),
    {
      name: "nothing private answers on a public address: every pool port, exporter and the internal site, probed from outside the private network",
      run: async () => {
        const attempts = fleet.nodes.flatMap((node) => fleet.privatePorts.map((port) => ({ node, port })));
        const outcomes = await Promise.all(attempts.map(async (a) => ({ ...a, outcome: await tryConnect(a.node.publicIp, a.port) })));
        const open = outcomes.filter((o) => o.outcome === "open");
        if (open.length > 0) throw new Error(`open from outside: ${open.map((o) => `${o.node.id} ${o.node.publicIp}:${o.port}`).join(", ")}`);
        const count = (what: string) => outcomes.filter((o) => o.outcome === what).length;
        return `${outcomes.length} attempts, 0 open: ${count("refused")} refused, ${count("no answer")} dropped; ${fleet.nodes.length} public addresses × ports ${fleet.privatePorts.join(", ")}`;
      },
    },
  ];
}
