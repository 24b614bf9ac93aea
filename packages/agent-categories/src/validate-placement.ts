// The invariant at placement's door: a placement is checked against its own input before anyone
// may use it. It recomputes every node's load from the agents assigned to it (never trusting the
// placement's own `used`), in the same integer units placement packs in, so a solver's slip is a
// thrown error naming the node and the dimension, never a fleet that cannot hold its agents.
import type { Placement, PlacementInput } from "./placement-types";
import { toMiB, toMilli } from "./patterns";

export class PlacementInvariantError extends Error {
  constructor(message: string) {
    super(`placement broke its own invariant: ${message}`);
    this.name = "PlacementInvariantError";
  }
}

/** Throws PlacementInvariantError at the first broken invariant:
 * - every agent in exactly one pool, the pool on a node that exists, `assignments` agreeing;
 * - a pool holds one category's agents, GPU agents only in `-gpu` pools, and is named for both;
 * - per node, the agents' CPU, memory and GPUs within the offer's capacity after the reserve;
 * - a GPU agent only on a node whose GPUs have the memory it asks for;
 * - no more nodes of an offer than its `maxCount`, and each node priced as its offer;
 * - the cost is the nodes' prices added up, and never below the bound it reports. */
export function validatePlacement(input: PlacementInput, placement: Placement): void {
  const fail = (message: string): never => {
    throw new PlacementInvariantError(message);
  };
  const offers = new Map(input.offers.map((o) => [o.name, o]));
  const anyGpu = input.offers.some((o) => o.maxCount > 0 && o.gpus > 0);
  // Under cpu-fallback on a node pool without GPUs, GPU agents run on CPU (placement warns).
  const gpusOf = (a: PlacementInput["agents"][number]) => (anyGpu ? a.gpus : 0);
  const agents = new Map(input.agents.map((a) => [a.name, a]));
  const nodes = new Map(placement.nodes.map((n) => [n.id, n]));
  if (nodes.size !== placement.nodes.length) fail("two nodes share an id");

  const poolOf = new Map<string, string>();
  const load = new Map(placement.nodes.map((n) => [n.id, { cpu: 0, mem: 0, gpus: 0 }]));
  for (const pool of placement.pools) {
    const node = nodes.get(pool.node) ?? fail(`pool ${pool.id} is on node ${pool.node}, which the placement does not have`);
    const offer = offers.get(node.offer)!;
    const categories = new Set<string>();
    for (const name of pool.agents) {
      const agent = agents.get(name) ?? fail(`pool ${pool.id} holds ${name}, which is not an agent of the input`);
      if (poolOf.has(name)) fail(`agent ${name} is in two pools, ${poolOf.get(name)} and ${pool.id}`);
      poolOf.set(name, pool.id);
      if (placement.assignments[name] !== pool.id) fail(`agent ${name} is in pool ${pool.id} but assigned to ${placement.assignments[name] ?? "nothing"}`);
      categories.add(agent.category);
      const gpus = gpusOf(agent);
      if ((gpus > 0) !== pool.gpu) fail(`agent ${name} (${gpus} GPUs) is in pool ${pool.id}, a ${pool.gpu ? "GPU" : "CPU"} pool`);
      if (gpus > 0 && offer.gpuMemoryGiB < agent.minGpuMemoryGiB) {
        fail(`node ${node.id} (${node.offer}): agent ${name} needs GPUs of ≥ ${agent.minGpuMemoryGiB} GiB and the node's have ${offer.gpuMemoryGiB} GiB`);
      }
      const used = load.get(node.id)!;
      used.cpu += toMilli(agent.cpu);
      used.mem += toMiB(agent.memoryGiB);
      used.gpus += gpus;
    }
    if (categories.size !== 1) fail(`pool ${pool.id} holds ${categories.size === 0 ? "no agent" : `agents of ${categories.size} categories (${[...categories].sort().join(", ")})`}`);
    const category = [...categories][0]!;
    if (pool.id !== `${pool.node}-${category}-${pool.gpu ? "gpu" : "cpu"}`) fail(`pool ${pool.id} should be named ${pool.node}-${category}-${pool.gpu ? "gpu" : "cpu"}`);
  }
  const missing = input.agents.find((a) => !poolOf.has(a.name));
  if (missing) fail(`agent ${missing.name} is in no pool`);
  const stray = Object.keys(placement.assignments).find((name) => !agents.has(name));
  if (stray) fail(`assignments name ${stray}, which is not an agent of the input`);

  const perOffer = new Map<string, number>();
  for (const node of placement.nodes) {
    const offer = offers.get(node.offer) ?? fail(`node ${node.id} is of ${node.offer}, which is not an offer of the input`);
    perOffer.set(offer.name, (perOffer.get(offer.name) ?? 0) + 1);
    if (Math.abs(node.pricePerHour - offer.pricePerHour) > 1e-9) fail(`node ${node.id} (${node.offer}) is priced $${node.pricePerHour}/h, its offer $${offer.pricePerHour}/h`);
    const capacity = {
      cpu: toMilli(offer.vcpus) - toMilli(input.reservePerNode.cpu),
      mem: toMiB(offer.memoryGiB) - toMiB(input.reservePerNode.memoryGiB),
      gpus: offer.gpus,
    };
    const used = load.get(node.id)!;
    const over = (
      [
        ["cpu", used.cpu / 1000, capacity.cpu / 1000, "vCPU"],
        ["memory", used.mem / 1024, capacity.mem / 1024, "GiB"],
        ["gpus", used.gpus, capacity.gpus, "GPUs"],
      ] as const
    ).find(([, u, c]) => u > c);
    if (over) {
      const [dimension, u, c, unit] = over;
      fail(`node ${node.id} (${node.offer}): ${dimension} ${round(u)} ${unit} used of ${round(c)} after the reserve`);
    }
  }
  for (const [name, count] of perOffer) {
    const max = offers.get(name)!.maxCount;
    if (count > max) fail(`${count} nodes of ${name}, and at most ${max} are allowed`);
  }
  const cost = placement.nodes.reduce((sum, n) => sum + n.pricePerHour, 0);
  if (Math.abs(cost - placement.costPerHour) > 0.005 + 1e-9) fail(`its cost $${placement.costPerHour}/h is not its nodes' prices added up ($${round(cost)}/h)`);
  if (placement.costPerHour < placement.lowerBoundPerHour - 1e-9) fail(`its cost $${placement.costPerHour}/h is below the lower bound it reports, $${placement.lowerBoundPerHour}/h`);
}

const round = (x: number) => Math.round(x * 1000) / 1000;
