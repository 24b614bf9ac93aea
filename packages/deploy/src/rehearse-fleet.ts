// The rehearsal's fleet (npm run rehearse -- staging --nodes 3): a placement of the default agents on
// several throwaway nodes, a node killed and left to recover on its own, and the fleet shrunk and
// grown by one node with real `up`s.
import { agentDemands, DEFAULT_AGENTS, type GpuPolicy, type LambdaInstanceType, lambdaOffers, placeAgents } from "@sophia/agent-categories";
import type { ThrowawaySshHost } from "@sophia/lambda-node/testing";
import { alertLog, type DockerRunner, handshakeAges, HANDSHAKE_FRESH_SECONDS, notYet, promQuery, textOf, within, withClient } from "@sophia/verify";

export interface FleetShape {
  /** sophia:placement.reservePerNode for the overrides: what leaves room for this many nodes. */
  readonly reservePerNode: { readonly cpu: number; readonly memoryGiB: number };
  readonly maxNodesPerType: number;
  readonly nodes: readonly string[];
}

/** The node reserve that makes placement (the same code the stack runs) put the default agents on
 * exactly `count` nodes of the stack's types, each with at least one CPU pool (a rehearsal node has no
 * GPU, so a node of GPU pools alone would have nothing to answer route_task). */
export async function fleetShape(count: number, types: readonly LambdaInstanceType[], gpuPolicy: GpuPolicy, memoryGiB: number): Promise<FleetShape> {
  const tried: string[] = [];
  for (let cpu = 0; cpu <= 64; cpu += 0.5) {
    const input = { agents: agentDemands(DEFAULT_AGENTS), offers: lambdaOffers([...types], count), reservePerNode: { cpu, memoryGiB }, gpuPolicy };
    const placement = await placeAgents(input).catch(() => undefined);
    if (!placement) break;
    const cpuPools = placement.nodes.map((n) => placement.pools.filter((p) => p.node === n.id && !p.gpu).length);
    tried.push(`${cpu}: ${placement.nodes.length}`);
    if (placement.nodes.length === count && cpuPools.every((c) => c > 0)) return { reservePerNode: { cpu, memoryGiB }, maxNodesPerType: count, nodes: placement.nodes.map((n) => n.id) };
  }
  throw new Error(`no reservePerNode.cpu places the default agents on exactly ${count} nodes of ${types.join(", ")} with a CPU pool on each (cpu reserve: nodes ${tried.join(", ")})`);
}

export interface KillAndRecover {
  readonly victim: { readonly id: string; readonly host: ThrowawaySshHost; readonly address: string };
  /** docker on the platform node (Prometheus and the alert log run there). */
  readonly hubDocker: DockerRunner;
  readonly stack: string;
  readonly ingress: { readonly url: string; readonly token: string };
  readonly pool: { readonly category: string; readonly agent: string; readonly url: string };
  readonly say: (line: string) => void;
}

const routeTask = (args: KillAndRecover) =>
  withClient(`${args.ingress.url}/sophia-ops/mcp`, { Authorization: `Bearer ${args.ingress.token}` }, (client) =>
    client.callTool({ name: "route_task", arguments: { category: args.pool.category, agent: args.pool.agent, task: "Say which agent you are" } }, undefined, { timeout: 150_000 }),
  );

/** Kills a non-platform node's host, and without any person or `up`: its node-down alert reaches the
 * alert log (Alertmanager's webhook receiver), route_task to its pool fails naming it, the host boots
 * again, and handshake, route_task, scrape and the alert all recover. Seconds to each. */
export async function killAndRecover(args: KillAndRecover): Promise<{ ok: boolean; detail: string }> {
  const { victim, hubDocker, stack, say } = args;
  const alertLogName = `sophia-${stack}-alert-log`;
  const prometheus = `sophia-${stack}-prometheus`;
  const nodeDown = (status: "firing" | "resolved") => async () => {
    const hit = (await alertLog(hubDocker, alertLogName)).find((a) => a.labels.alertname === "SophiaNodeDown" && a.labels.node === victim.id && a.status === status && Date.parse(a.receivedAt) >= killedAt);
    return hit ?? notYet(`no ${status} SophiaNodeDown for ${victim.id} in the alert log yet`);
  };
  const killedAt = Date.now();
  await victim.host.kill();
  say(`killed ${victim.id}'s host (${victim.address}) at ${new Date(killedAt).toISOString()}`);
  const fired = await within(300, `SophiaNodeDown for ${victim.id}`, nodeDown("firing"));
  const alertSeconds = (Date.parse(fired.receivedAt) - killedAt) / 1000;
  say(`SophiaNodeDown for ${victim.id} reached the alert log after ${alertSeconds.toFixed(0)}s`);
  const refused = await routeTask(args);
  const refusal = textOf(refused);
  const clear = refused.isError === true && refusal.includes(args.pool.url) && refusal.includes("unreachable");
  say(`route_task to ${args.pool.agent} while its node is down: ${refusal.slice(0, 240)}`);

  const bootedAt = Date.now();
  await victim.host.boot();
  const address = await victim.host.address();
  if (address !== victim.address) return { ok: false, detail: `the host came back at ${address}, not ${victim.address} (Docker gave its address away): the rehearsal cannot go on with this node` };
  const answered = await within(300, `route_task to ${args.pool.agent} after the reboot`, async () => {
    const result = await routeTask(args);
    return result.isError ? notYet(textOf(result).slice(0, 160)) : Date.now();
  });
  const handshake = await within(120, `a fresh handshake on ${victim.id}`, async () => {
    const ages = handshakeAges(await victim.host.exec("wg show sophia-wg latest-handshakes"), Date.now() / 1000);
    return ages.length > 0 && ages.every((a) => a.ageSeconds < HANDSHAKE_FRESH_SECONDS) ? Date.now() : notYet(`handshakes ${JSON.stringify(ages)}`);
  });
  const scraped = await within(180, `up == 1 for ${victim.id}`, async () => {
    const series = await promQuery(hubDocker, prometheus, `up{node="${victim.id}"}`);
    return series.length >= 2 && series.every((s) => s.value === 1) ? Date.now() : notYet(`${series.map((s) => `${s.labels.job}=${s.value}`).join(", ")}`);
  });
  const resolved = await within(300, `SophiaNodeDown for ${victim.id} resolved`, nodeDown("resolved"));
  const after = (t: number) => `${((t - bootedAt) / 1000).toFixed(0)}s`;
  const detail =
    `killed ${victim.id}: node-down alert at the alert log after ${alertSeconds.toFixed(0)}s; route_task while down: ${clear ? "refused naming the agent's private URL" : `NOT CLEAR: ${refusal.slice(0, 160)}`}; ` +
    `booted again: route_task answered after ${after(answered)}, handshake fresh after ${after(handshake)}, Prometheus up after ${after(scraped)}, alert resolved after ${after(Date.parse(resolved.receivedAt))}; ` +
    `recovered in ${((Math.max(answered, handshake, scraped, Date.parse(resolved.receivedAt)) - bootedAt) / 1000).toFixed(0)}s with no up and no person`;
  return { ok: clear, detail };
}
