// Placement: which runtime pool each agent joins, and how many nodes of which instance types to run,
// at the lowest $/hour we can find under every constraint, with a lower bound that says how far
// from the optimum that can be.
//
// Method (see README.md, "How placement works"):
//  1. The aggregate integer program (HiGHS): whole nodes per offer covering the fleet's CPU, memory
//     and GPU totals. It proves infeasibility, and its optimum is a lower bound.
//  2. Where agents come in few shapes (distinct needs): the configuration model (patterns.ts), the
//     LP over node patterns by column generation. Its value is the bound; its columns, by an integer
//     program and by rounding down and packing the rest, are placements. Small fleets that the bound
//     does not prove optimal also get their exact integer program (exact.ts), within a node limit.
//  3. Where agents have many distinct needs: greedy first, then (where it is over 1 % of the bound)
//     the same model over shape classes, placed as each class's largest member and bounded by its
//     smallest. Greedy best fit with repair into the aggregate program's nodes (first fit by a
//     free-capacity tree on large fleets) is also a second opinion on small fleets. The cheapest
//     placement wins, and small fleets not proven optimal get the exact program.
//  4. Drop nodes left empty and move a node's agents to a cheaper offer where they all fit; check
//     the result against the input (validate-placement.ts) before it leaves.
// All quantities are integers (millicores, MiB) so that capacity checks are exact, and every step
// is deterministic: solver limits count nodes and iterations, never seconds.
import { exactIntegerProgram } from "./exact";
import type { AgentDemand, NodeOffer, PlacedNode, Placement, PlacementFailure, PlacementInput, RuntimePool, Capacity } from "./placement-types";
import { configurationLp, highs, integerOverColumns, type OfferCapacity, type Pattern, type Shape, toMiB, toMilli } from "./patterns";
import { FreeCapacityTree } from "./free-capacity-tree";
import { validatePlacement } from "./validate-placement";

export type { AgentDemand, Capacity, GpuPolicy, NodeOffer, PlacedNode, Placement, PlacementFailure, PlacementInput, RuntimePool } from "./placement-types";

export class PlacementError extends Error {
  constructor(
    message: string,
    readonly agent: string,
    readonly failure: PlacementFailure = "too-big",
  ) {
    super(message);
    this.name = "PlacementError";
  }
}

// ---- integer units -------------------------------------------------------------------------------

interface Units {
  cpu: number; // millicores
  mem: number; // MiB
  gpus: number;
}


interface Item {
  readonly demand: AgentDemand;
  readonly units: Units;
  readonly minGpuMemoryGiB: number;
}

interface Bin {
  readonly offer: NodeOffer;
  readonly capacity: Units;
  readonly free: Units;
  readonly items: Item[];
}

function offerCapacity(offer: NodeOffer, reserve: PlacementInput["reservePerNode"]): Units {
  return {
    cpu: Math.max(0, toMilli(offer.vcpus) - toMilli(reserve.cpu)),
    mem: Math.max(0, toMiB(offer.memoryGiB) - toMiB(reserve.memoryGiB)),
    gpus: offer.gpus,
  };
}

function itemFitsOffer(item: Item, offer: NodeOffer, capacity: Units): boolean {
  return (
    item.units.cpu <= capacity.cpu &&
    item.units.mem <= capacity.mem &&
    item.units.gpus <= capacity.gpus &&
    (item.units.gpus === 0 || offer.gpuMemoryGiB >= item.minGpuMemoryGiB)
  );
}

function itemFitsBin(item: Item, bin: Bin): boolean {
  return (
    item.units.cpu <= bin.free.cpu &&
    item.units.mem <= bin.free.mem &&
    item.units.gpus <= bin.free.gpus &&
    (item.units.gpus === 0 || bin.offer.gpuMemoryGiB >= item.minGpuMemoryGiB)
  );
}

function describeNeeds(d: AgentDemand): string {
  const gpu = d.gpus > 0 ? `, ${d.gpus} GPU with ≥ ${d.minGpuMemoryGiB} GiB` : "";
  return `${d.cpu} vCPU, ${d.memoryGiB} GiB${gpu}`;
}

// ---- the aggregate integer program ----------------------------------------------------------------

const num = (x: number) => String(Number(x.toFixed(6)));

/** Node counts per offer (same order as `offers`) minimising $/hour while covering the totals. */
async function solveNodeCounts(items: readonly Item[], offers: readonly NodeOffer[], available: readonly number[], reserve: PlacementInput["reservePerNode"]): Promise<number[] | null> {
  if (items.length === 0) return offers.map(() => 0);
  const caps = offers.map((o) => offerCapacity(o, reserve));
  const total = items.reduce((t, i) => ({ cpu: t.cpu + i.units.cpu, mem: t.mem + i.units.mem }), { cpu: 0, mem: 0 });
  const rows: string[] = [];
  const row = (label: string, coefficient: (j: number) => number, rhs: number) => {
    const terms = offers.map((_, j) => [coefficient(j), j] as const).filter(([c]) => c > 0);
    if (rhs <= 0) return;
    if (terms.length === 0) rows.push(` ${label}: 0 x0 >= ${num(rhs)}`); // infeasible on purpose
    else rows.push(` ${label}: ${terms.map(([c, j]) => `${num(c)} x${j}`).join(" + ")} >= ${num(rhs)}`);
  };
  // Units scaled to vCPUs and GiB keep HiGHS's numbers well conditioned.
  row("cpu", (j) => caps[j]!.cpu / 1000, total.cpu / 1000);
  row("mem", (j) => caps[j]!.mem / 1024, total.mem / 1024);
  // An agent's GPUs must all sit on one node whose GPUs are big enough. Group GPU agents into classes
  // (GPU count, GPU memory); each class may use a set of offers. Hall's condition: for any set of
  // classes, their GPUs must fit on the offers that any of them may use. One row per distinct
  // union of offer sets, holding every class whose offers lie inside it (the strongest such row).
  const gpuItems = items.filter((i) => i.units.gpus > 0);
  const classes = [...new Map(gpuItems.map((i) => [`${i.units.gpus}/${i.minGpuMemoryGiB}`, { count: i.units.gpus, memory: i.minGpuMemoryGiB, gpus: 0, mask: 0n }])).values()];
  for (const c of classes) {
    c.gpus = gpuItems.filter((i) => i.units.gpus === c.count && i.minGpuMemoryGiB === c.memory).reduce((s, i) => s + i.units.gpus, 0);
    offers.forEach((o, j) => {
      if (o.gpuMemoryGiB >= c.memory && caps[j]!.gpus >= c.count) c.mask |= 1n << BigInt(j);
    });
  }
  const unions = new Set<bigint>();
  if (classes.length <= 12) {
    for (let subset = 1; subset < 1 << classes.length; subset++) {
      unions.add(classes.reduce((m, c, k) => (subset & (1 << k) ? m | c.mask : m), 0n));
    }
  } else {
    for (const c of classes) unions.add(c.mask); // still valid, only weaker
  }
  [...unions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).forEach((union, k) => {
    const need = classes.filter((c) => (c.mask & ~union) === 0n).reduce((s, c) => s + c.gpus, 0);
    row(`gpu${k}`, (j) => ((union >> BigInt(j)) & 1n ? caps[j]!.gpus : 0), need);
  });
  const lp = [
    "Minimize",
    ` obj: ${offers.map((o, j) => `${num(o.pricePerHour)} x${j}`).join(" + ")}`,
    "Subject To",
    ...rows,
    "Bounds",
    ...offers.map((_, j) => ` 0 <= x${j} <= ${available[j]}`),
    "General",
    ` ${offers.map((_, j) => `x${j}`).join(" ")}`,
    "End",
  ].join("\n");
  const solver = await highs();
  const result = solver.solve(lp, { mip_rel_gap: 0, mip_abs_gap: 0, output_flag: false, random_seed: 0, threads: 1 });
  if (result.Status !== "Optimal") return null;
  return offers.map((_, j) => Math.round(result.Columns[`x${j}`]?.Primal ?? 0));
}

// ---- packing --------------------------------------------------------------------------------------

type Order = "gpu-count-first" | "gpu-memory-first";

function sortItems(items: readonly Item[], order: Order): Item[] {
  // Sizes relative to the fleet's own totals, so that the order (and so the packing of a given set
  // of nodes) does not depend on which other offers exist: adding an offer cannot reorder it.
  const scale = items.reduce((t, i) => ({ cpu: t.cpu + i.units.cpu, mem: t.mem + i.units.mem }), { cpu: 1, mem: 1 });
  const dominant = (i: Item) => Math.max(i.units.cpu / scale.cpu, i.units.mem / scale.mem);
  const gpuKey = (a: Item, b: Item) =>
    order === "gpu-count-first"
      ? b.units.gpus - a.units.gpus || b.minGpuMemoryGiB - a.minGpuMemoryGiB
      : Number(b.units.gpus > 0) - Number(a.units.gpus > 0) || b.minGpuMemoryGiB - a.minGpuMemoryGiB || b.units.gpus - a.units.gpus;
  // Equal needs next to each other (pack() places a run of them without searching), then by name.
  return [...items].sort((a, b) => gpuKey(a, b) || dominant(b) - dominant(a) || b.units.cpu - a.units.cpu || b.units.mem - a.units.mem || (a.demand.name < b.demand.name ? -1 : a.demand.name > b.demand.name ? 1 : 0));
}

/** Best fit: the node this item leaves with the least normalised free capacity. Returns leftovers. */
function pack(items: readonly Item[], bins: readonly Bin[]): Item[] {
  // Best fit scans every node for each run of equal needs; where that is too much work (thousands
  // of nodes, every agent its own size), first fit by the free-capacity tree instead.
  let runs = 0;
  for (let k = 0; k < items.length; k++) if (k === 0 || !sameNeed(items[k - 1]!, items[k]!)) runs++;
  // A run whose node fills goes back to a scan, so each node filled costs a scan too.
  if ((runs + bins.length) * bins.length > BEST_FIT_MAX_WORK) return packFirstFit(items, bins);
  const leftovers: Item[] = [];
  let last: { item: Item; bin: Bin } | undefined;
  for (const item of items) {
    // An agent of the same need as the one before goes where that one went while it fits: placing
    // it there left that node the fullest, and placing another lowers its score further, while no
    // other node's changes. The same choice as the search, without it (fleets of thousands of nodes).
    if (last && sameNeed(last.item, item) && itemFitsBin(item, last.bin)) {
      place(item, last.bin);
      last = { item, bin: last.bin };
      continue;
    }
    let best: Bin | undefined;
    let bestScore = Infinity;
    for (const bin of bins) {
      if (!itemFitsBin(item, bin)) continue;
      // GPU agents prefer the smallest sufficient GPUs; everyone prefers the fullest node.
      const gpuWaste = item.units.gpus > 0 ? bin.offer.gpuMemoryGiB - item.minGpuMemoryGiB : 0;
      const slack =
        (bin.free.cpu - item.units.cpu) / Math.max(1, bin.capacity.cpu) +
        (bin.free.mem - item.units.mem) / Math.max(1, bin.capacity.mem) +
        (item.units.gpus > 0 ? (bin.free.gpus - item.units.gpus) / Math.max(1, bin.capacity.gpus) : 0);
      const score = gpuWaste * 1000 + slack;
      if (score < bestScore) {
        bestScore = score;
        best = bin;
      }
    }
    if (!best) {
      leftovers.push(item);
      last = undefined;
      continue;
    }
    place(item, best);
    last = { item, bin: best };
  }
  return leftovers;
}

/** Node visits ((runs of equal needs + nodes) × nodes) best fit may make; beyond, pack() takes the first node
 * that fits, found in logarithmic time (FreeCapacityTree), on fleets where one node is a small share. */
const BEST_FIT_MAX_WORK = 20_000_000;

/** First fit in node order, by the free-capacity tree. Returns leftovers. */
function packFirstFit(items: readonly Item[], bins: readonly Bin[]): Item[] {
  const tree = new FreeCapacityTree(bins.map((b) => ({ ...b.free, gpuMem: b.offer.gpuMemoryGiB })));
  const leftovers: Item[] = [];
  for (const item of items) {
    const k = tree.firstFit({ ...item.units, gpuMem: item.minGpuMemoryGiB });
    if (k < 0) {
      leftovers.push(item);
      continue;
    }
    place(item, bins[k]!);
    tree.update(k, bins[k]!.free);
  }
  return leftovers;
}

const sameNeed = (a: Item, b: Item) => a.units.cpu === b.units.cpu && a.units.mem === b.units.mem && a.units.gpus === b.units.gpus && a.minGpuMemoryGiB === b.minGpuMemoryGiB;

function place(item: Item, bin: Bin): void {
  bin.items.push(item);
  bin.free.cpu -= item.units.cpu;
  bin.free.mem -= item.units.mem;
  bin.free.gpus -= item.units.gpus;
}

// ---- the whole placement --------------------------------------------------------------------------

export async function placeAgents(input: PlacementInput): Promise<Placement> {
  const offers = [...input.offers].filter((o) => o.maxCount > 0).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const warnings: string[] = [];
  const anyGpu = offers.some((o) => o.gpus > 0);
  const seen = new Set<string>();
  const items: Item[] = input.agents.map((demand) => {
    if (seen.has(demand.name)) throw new PlacementError(`agent ${demand.name} is listed twice`, demand.name, "listed-twice");
    seen.add(demand.name);
    let gpus = demand.gpus;
    if (gpus > 0 && !anyGpu) {
      if (input.gpuPolicy === "fail") {
        throw new PlacementError(
          `agent ${demand.name} (category ${demand.category}) fits on no node: it needs ${describeNeeds(demand)} and this environment's nodes have no GPU ` +
            `(the GPU policy is "fail"; "cpu-fallback" runs such agents on CPU with a warning)`,
          demand.name,
          "no-gpu",
        );
      }
      warnings.push(`agent ${demand.name} (category ${demand.category}) needs ${gpus} GPU with ≥ ${demand.minGpuMemoryGiB} GiB; no node here has one, so it runs on CPU (gpuPolicy cpu-fallback)`);
      gpus = 0;
    }
    return { demand, units: { cpu: toMilli(demand.cpu), mem: toMiB(demand.memoryGiB), gpus }, minGpuMemoryGiB: gpus > 0 ? demand.minGpuMemoryGiB : 0 };
  });

  const caps = offers.map((o) => offerCapacity(o, input.reservePerNode));
  for (const item of items) {
    if (!offers.some((o, j) => itemFitsOffer(item, o, caps[j]!))) {
      throw new PlacementError(
        `agent ${item.demand.name} (category ${item.demand.category}) fits on no node: it needs ${describeNeeds(item.demand)} ` +
          `(after the per-node reserve), and no offer of this environment (${offers.map((o) => o.name).join(", ") || "none"}) has that much`,
        item.demand.name,
        "too-big",
      );
    }
  }

  // The aggregate program: whole nodes covering the fleet's totals. It proves infeasibility, gives
  // the greedy packing its node set, and its optimum is a lower bound (the tighter one on tiny fleets,
  // where a node's fraction is not for sale).
  const counts = await solveNodeCounts(items, offers, offers.map((o) => o.maxCount), input.reservePerNode);
  if (!counts) throw exhausted(items, offers, caps);
  const aggregateBound = counts.reduce((s, c, j) => s + c * offers[j]!.pricePerHour, 0);

  // Where agents come in few shapes (one per category and size, as the agent library declares them),
  // fragmentation is what costs (big agents, few per node), and the aggregate bound is weak. The
  // configuration model (patterns.ts) handles both, at any fleet size: its LP, by column generation,
  // is the bound, and the best integer combination of its columns is a placement.
  const solver: Solver = { items, offers, caps, reserve: input.reservePerNode };
  let best: Bin[] | undefined;
  const consider = (bins: Bin[] | undefined) => {
    if (bins && (!best || cost(bins) < cost(best) - 1e-9)) best = bins;
  };
  let lowerBound = aggregateBound;
  let lowerBoundFrom: Placement["lowerBoundFrom"] = "aggregate program";
  const proven = () => best !== undefined && provenOptimal(cost(best), lowerBound, offers);
  const { shapes, members } = aggregateShapes(items);
  const offerCaps = offerCapsOf(offers, caps);
  if (shapes.length <= PATTERN_MODEL_MAX_SHAPES) {
    const lp = await configurationLp(shapes, offerCaps);
    if (!lp) throw exhausted(items, offers, caps);
    if (lp.bound > lowerBound) [lowerBound, lowerBoundFrom] = [lp.bound, "configuration LP"];
    // The cheap placements first: the sequential heuristic's, and the LP's patterns rounded down
    // with the agents that leaves packed greedily (on large fleets that costs a few nodes out of
    // thousands); then, unless one is proven optimal, the costlier searches.
    if (lp.heuristic.length > 0) consider(binsFromPatterns(lp.columns, lp.columns.map((_, k) => lp.heuristic[k] ?? 0), shapes, members, offers, caps));
    consider(await roundedDown(lp, shapes, members, solver));
    if (items.length <= SMALL_FLEET && !proven()) consider(await greedyOrNothing(solver, counts));
    // The integer program over all the generated columns, within its node limit (on large fleets
    // the rounding above is as good, and this program slow to solve).
    if (items.length <= SMALL_FLEET && !proven()) {
      const x = await integerOverColumns(shapes, offerCaps, lp.columns);
      if (x) consider(binsFromPatterns(lp.columns, x, shapes, members, offers, caps));
    }
  } else {
    // Many distinct needs (real fleets): the same model over shape classes. Each class holds agents
    // of one GPU need and nearby CPU and memory. Placed as its largest member, a class's patterns
    // hold every member (what that costs is the room a smaller member leaves unused); taken as its
    // smallest, its LP is a relaxation of the real one, so its value stays a lower bound.
    // The greedy first, at every size: where agents are small against the nodes it packs within a
    // hair of the aggregate bound (first fit by the free-capacity tree on large fleets, so it stays
    // fast), and the classes' column generation would only cost time.
    consider(await greedyOrNothing(solver, counts));
    if (!best || cost(best) > (1 + GREEDY_GAP_ENOUGH) * lowerBound) {
      const classes = shapeClasses(items, SHAPE_CLASSES);
      const relaxed = await configurationLp(classes.smallest, offerCaps);
      if (!relaxed) throw exhausted(items, offers, caps);
      if (relaxed.bound > lowerBound) [lowerBound, lowerBoundFrom] = [relaxed.bound, "configuration LP"];
      const lp = await configurationLp(classes.largest, offerCaps);
      if (lp) {
        if (lp.heuristic.length > 0) consider(binsFromPatterns(lp.columns, lp.columns.map((_, k) => lp.heuristic[k] ?? 0), classes.largest, classes.members, offers, caps));
        consider(await roundedDown(lp, classes.largest, classes.members, solver));
      }
      if (lp && items.length <= SMALL_FLEET && !proven()) {
        const x = await integerOverColumns(classes.largest, offerCaps, lp.columns);
        if (x) consider(binsFromPatterns(lp.columns, x, classes.largest, classes.members, offers, caps));
      }
    }
  }
  // A small fleet still not proven optimal: its exact integer program, node by node (exact.ts),
  // within a node limit. One node more is a big share of a small fleet's cost.
  if (best && items.length <= EXACT_FLEET && !proven()) {
    const exact = await exactIntegerProgram(shapes, offerCaps, cost(best), { nodeLimit: shapes.length <= PATTERN_MODEL_MAX_SHAPES ? EXACT_NODE_LIMIT : EXACT_NODE_LIMIT_MANY_SHAPES });
    if (exact) consider(binsFromPatterns(exact.nodes, exact.nodes.map(() => 1), shapes, members, offers, caps));
  }
  // Tight node limits can defeat every search above while a placement exists. A small fleet is
  // refused only when the exact program proves there is none; a large one, when the configuration LP
  // (or the aggregate program) finds none, or every search comes back without one.
  if (!best && items.length <= EXACT_FLEET) {
    const upper = offers.reduce((sum, o) => sum + o.pricePerHour * o.maxCount, 0);
    const exact = await exactIntegerProgram(shapes, offerCaps, upper + 1);
    if (!exact) throw exhausted(items, offers, caps);
    consider(binsFromPatterns(exact.nodes, exact.nodes.map(() => 1), shapes, members, offers, caps));
  }
  if (!best) throw exhausted(items, offers, caps);
  const kept = downsize(best.filter((b) => b.items.length > 0), offers, caps, remaining(best, offers));
  const placement = summarise(kept, { value: lowerBound, from: lowerBoundFrom }, provenOptimal(cost(kept), lowerBound, offers), warnings);
  validatePlacement(input, placement);
  return placement;
}

/** The greedy packing, or nothing where it runs out of nodes: under tight node limits another
 * search may still find the placement that the greedy misses. */
async function greedyOrNothing(solver: Solver, counts: readonly number[]): Promise<Bin[] | undefined> {
  try {
    return await greedyBins(solver, counts);
  } catch (error) {
    if (error instanceof PlacementError) return undefined;
    throw error;
  }
}

function offerCapsOf(offers: readonly NodeOffer[], caps: readonly Units[]): OfferCapacity[] {
  return offers.map((o, j) => ({ cpu: caps[j]!.cpu, mem: caps[j]!.mem, gpus: caps[j]!.gpus, gpuMem: o.gpuMemoryGiB, price: o.pricePerHour, max: o.maxCount }));
}

/** Fleets up to this size that the bound does not prove optimal go through the exact program. */
const EXACT_FLEET = 60;
const EXACT_NODE_LIMIT = 2_000;
/** Where every agent is its own shape the program is far bigger: a tighter limit keeps a plan quick. */
const EXACT_NODE_LIMIT_MANY_SHAPES = 300;

/** Fleets up to this size also get the greedy packing, and every generated column in the integer
 * program: both are fast there. */
const SMALL_FLEET = 2000;

/** Where the greedy's cost is this close to the bound, many-shaped fleets skip the shape classes. */
const GREEDY_GAP_ENOUGH = 0.01;
/** How many shape classes many-shaped fleets are grouped into. */
const SHAPE_CLASSES = 40;

/** Fleets of up to this many distinct needs also go through the configuration model. */
const PATTERN_MODEL_MAX_SHAPES = 40;

/** Proven optimal: no placement costs less than the bound, and every cost is a sum of whole-cent
 * prices, so one that is the first whole-cent amount at or above the bound is the optimum. */
function provenOptimal(costPerHour: number, bound: number, offers: readonly NodeOffer[]): boolean {
  const cents = (x: number) => Math.abs(x * 100 - Math.round(x * 100)) < 1e-6;
  if (!offers.every((o) => cents(o.pricePerHour))) return costPerHour <= bound + 1e-9;
  return Math.round(costPerHour * 100) <= Math.ceil(bound * 100 - 1e-6);
}

/** Agents grouped by their exact need, in a canonical order; each group's agents by name. */
function aggregateShapes(items: readonly Item[]): { shapes: Shape[]; members: Item[][] } {
  const groups = new Map<string, Item[]>();
  for (const item of items) {
    const key = [item.units.cpu, item.units.mem, item.units.gpus, item.minGpuMemoryGiB].join("/");
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  const members = [...groups.values()]
    .map((g) => g.sort((a, b) => (a.demand.name < b.demand.name ? -1 : 1)))
    .sort((a, b) => {
      const [x, y] = [a[0]!, b[0]!];
      return y.units.gpus - x.units.gpus || y.minGpuMemoryGiB - x.minGpuMemoryGiB || y.units.cpu - x.units.cpu || y.units.mem - x.units.mem;
    });
  const shapes = members.map((g) => ({ cpu: g[0]!.units.cpu, mem: g[0]!.units.mem, gpus: g[0]!.units.gpus, gpuMem: g[0]!.minGpuMemoryGiB, count: g.length }));
  return { shapes, members };
}

/** Agents with many distinct needs grouped into at most about `budget` classes: by GPU need exactly
 * (count and GPU memory), then by CPU in quantiles, then by memory within those. Each class is given as
 * its largest member (every need the class's largest, for placing) and its smallest (for the bound). */
function shapeClasses(items: readonly Item[], budget: number): { largest: Shape[]; smallest: Shape[]; members: Item[][] } {
  const byGpu = new Map<string, Item[]>();
  for (const item of items) {
    const key = `${item.units.gpus}/${item.minGpuMemoryGiB}`;
    const group = byGpu.get(key);
    if (group) group.push(item);
    else byGpu.set(key, [item]);
  }
  const groups = [...byGpu.values()].sort((a, b) => b[0]!.units.gpus - a[0]!.units.gpus || b[0]!.minGpuMemoryGiB - a[0]!.minGpuMemoryGiB);
  const members: Item[][] = [];
  const split = <T>(xs: readonly T[], parts: number): T[][] => Array.from({ length: Math.min(parts, xs.length) }, (_, k) => xs.slice(Math.floor((k * xs.length) / Math.min(parts, xs.length)), Math.floor(((k + 1) * xs.length) / Math.min(parts, xs.length))));
  for (const group of groups) {
    // A share of the budget by the group's size, at least one class each.
    const share = Math.max(1, Math.round((budget * group.length) / items.length));
    const cpuParts = Math.max(1, Math.round(Math.sqrt(share)));
    const byCpu = [...group].sort((a, b) => a.units.cpu - b.units.cpu || a.units.mem - b.units.mem || (a.demand.name < b.demand.name ? -1 : 1));
    for (const slice of split(byCpu, cpuParts)) {
      const byMem = [...slice].sort((a, b) => a.units.mem - b.units.mem || a.units.cpu - b.units.cpu || (a.demand.name < b.demand.name ? -1 : 1));
      members.push(...split(byMem, Math.max(1, Math.round(share / cpuParts))));
    }
  }
  const shape = (g: readonly Item[], pick: (...xs: number[]) => number): Shape => ({
    cpu: pick(...g.map((i) => i.units.cpu)),
    mem: pick(...g.map((i) => i.units.mem)),
    gpus: g[0]!.units.gpus,
    gpuMem: g[0]!.minGpuMemoryGiB,
    count: g.length,
  });
  return { largest: members.map((g) => shape(g, Math.max)), smallest: members.map((g) => shape(g, Math.min)), members };
}

/** Nodes from an integer solution over patterns: each pattern `x` times, the surplus (patterns cover
 * at least the demand) taken off the last copies, then each shape's agents dealt out in name order. */
function binsFromPatterns(columns: readonly Pattern[], x: readonly number[], shapes: readonly Shape[], members: readonly Item[][], offers: readonly NodeOffer[], caps: readonly Units[]): Bin[] {
  const copies: { offer: number; counts: number[] }[] = [];
  columns.forEach((p, k) => {
    for (let r = 0; r < x[k]!; r++) copies.push({ offer: p.offer, counts: [...p.counts] });
  });
  shapes.forEach((s, t) => {
    let surplus = copies.reduce((sum, c) => sum + c.counts[t]!, 0) - s.count;
    for (let i = copies.length - 1; i >= 0 && surplus > 0; i--) {
      const take = Math.min(surplus, copies[i]!.counts[t]!);
      copies[i]!.counts[t]! -= take;
      surplus -= take;
    }
  });
  const next = shapes.map(() => 0);
  return copies
    .filter((c) => c.counts.some((n) => n > 0))
    .map((c) => {
      const capacity = { ...caps[c.offer]! };
      const items = c.counts.flatMap((n, t) => members[t]!.slice(next[t]!, (next[t]! += n)));
      const used = items.reduce((u, i) => ({ cpu: u.cpu + i.units.cpu, mem: u.mem + i.units.mem, gpus: u.gpus + i.units.gpus }), { cpu: 0, mem: 0, gpus: 0 });
      return { offer: offers[c.offer]!, capacity, free: { cpu: capacity.cpu - used.cpu, mem: capacity.mem - used.mem, gpus: capacity.gpus - used.gpus }, items };
    });
}

/** The LP's pattern counts rounded down, and the agents that leaves without a node packed greedily
 * on the nodes the limits still allow. */
async function roundedDown(lp: { columns: readonly Pattern[]; x: readonly number[] }, shapes: readonly Shape[], members: readonly Item[][], solver: Solver): Promise<Bin[] | undefined> {
  const { offers, caps } = solver;
  const whole = lp.x.map((v) => Math.floor(v + 1e-9));
  const bins = binsFromPatterns(lp.columns, whole, shapes, members, offers, caps);
  const placed = new Set(bins.flatMap((b) => b.items));
  const rest = solver.items.filter((i) => !placed.has(i));
  if (rest.length === 0) return bins;
  // What the node limits leave of each offer, as copies that carry the remaining count.
  const usable = offers.flatMap((o, j) => {
    const left = o.maxCount - bins.filter((b) => b.offer === o).length;
    return left > 0 ? [{ offer: { ...o, maxCount: left }, caps: caps[j]! }] : [];
  });
  const restOffers = usable.map((u) => u.offer);
  const counts = await solveNodeCounts(rest, restOffers, restOffers.map((o) => o.maxCount), solver.reserve);
  if (!counts) return undefined;
  try {
    const extra = await greedyBins({ items: rest, offers: restOffers, caps: usable.map((u) => u.caps), reserve: solver.reserve }, counts);
    // The greedy's nodes carry copies of the offers (with what was left of their limits): back to the originals.
    return [...bins, ...extra.map((b) => ({ ...b, offer: offers.find((o) => o.name === b.offer.name)! }))];
  } catch (error) {
    if (error instanceof PlacementError) return undefined;
    throw error;
  }
}

/** The greedy packing: two orders, each into the aggregate program's node set and then re-solved as
 * if the agents left over needed their room twice; the cheapest result. */
async function greedyBins(solver: Solver, counts: readonly number[]): Promise<Bin[]> {
  const { items, offers } = solver;
  let best: Bin[] | undefined;
  // Large fleets: one order (the two differ in how GPU agents are ordered, which matters where few).
  for (const order of items.length <= SMALL_FLEET ? (["gpu-count-first", "gpu-memory-first"] as const) : (["gpu-count-first"] as const)) {
    let extra: Item[] = [];
    // Large fleets: one round (the leftovers of a first fit are few against thousands of nodes).
    for (let round = 0; round < (items.length <= SMALL_FLEET ? 3 : 1); round++) {
      const planned = round === 0 ? counts : await solveNodeCounts([...items, ...extra], offers, offers.map((o) => o.maxCount), solver.reserve);
      if (!planned) break;
      const attempt = await packWithRepair(solver, planned, order);
      if (!best || cost(attempt.bins) < cost(best) - 1e-9) best = attempt.bins;
      if (attempt.firstLeftovers.length === 0) break;
      extra = [...extra, ...attempt.firstLeftovers];
    }
  }
  return best!;
}

interface Solver {
  readonly items: readonly Item[];
  readonly offers: readonly NodeOffer[];
  readonly caps: readonly Units[];
  readonly reserve: PlacementInput["reservePerNode"];
}

const cost = (bins: readonly Bin[]) => bins.reduce((s, b) => s + (b.items.length > 0 ? b.offer.pricePerHour : 0), 0);

function remaining(bins: readonly Bin[], offers: readonly NodeOffer[]): number[] {
  return offers.map((o) => o.maxCount - bins.filter((b) => b.offer === o && b.items.length > 0).length);
}

/** Open the planned nodes, pack, and give whatever is left over nodes of its own until all are placed. */
async function packWithRepair(solver: Solver, planned: readonly number[], order: Order): Promise<{ bins: Bin[]; firstLeftovers: Item[] }> {
  const { offers, caps } = solver;
  const available = offers.map((o) => o.maxCount);
  const bins: Bin[] = [];
  const open = (j: number) => {
    bins.push({ offer: offers[j]!, capacity: { ...caps[j]! }, free: { ...caps[j]! }, items: [] });
    available[j]! -= 1;
  };
  planned.forEach((c, j) => {
    for (let k = 0; k < c; k++) open(j);
  });
  let leftovers = pack(sortItems(solver.items, order), bins);
  const firstLeftovers = leftovers;
  while (leftovers.length > 0) {
    const more = await solveNodeCounts(leftovers, offers, available, solver.reserve);
    if (!more) throw exhausted(leftovers, offers, caps);
    const before = leftovers.length;
    const fresh = bins.length;
    more.forEach((c, j) => {
      for (let k = 0; k < c; k++) open(j);
    });
    leftovers = pack(leftovers, bins.slice(fresh));
    if (leftovers.length === before) {
      // The program's choice cannot host the largest leftover alone: open the cheapest offer that can.
      const j = cheapestFitting(leftovers[0]!, offers, caps, available);
      if (j < 0) throw exhausted(leftovers, offers, caps);
      open(j);
      leftovers = pack(leftovers, bins.slice(bins.length - 1));
    }
  }
  return { bins, firstLeftovers };
}

function cheapestFitting(item: Item, offers: readonly NodeOffer[], caps: readonly Units[], available: readonly number[]): number {
  let best = -1;
  offers.forEach((o, j) => {
    if (available[j]! > 0 && itemFitsOffer(item, o, caps[j]!) && (best < 0 || o.pricePerHour < offers[best]!.pricePerHour)) best = j;
  });
  return best;
}

/** Move each node's agents to the cheapest offer that holds them all, where one is still available. */
function downsize(bins: Bin[], offers: readonly NodeOffer[], caps: readonly Units[], available: number[]): Bin[] {
  return bins.map((bin) => {
    const used = { cpu: bin.capacity.cpu - bin.free.cpu, mem: bin.capacity.mem - bin.free.mem, gpus: bin.capacity.gpus - bin.free.gpus };
    const needGpuMem = Math.max(0, ...bin.items.filter((i) => i.units.gpus > 0).map((i) => i.minGpuMemoryGiB));
    let best = -1;
    offers.forEach((o, j) => {
      const c = caps[j]!;
      const holds = available[j]! > 0 && c.cpu >= used.cpu && c.mem >= used.mem && c.gpus >= used.gpus && (used.gpus === 0 || o.gpuMemoryGiB >= needGpuMem);
      if (holds && o.pricePerHour < (best < 0 ? bin.offer.pricePerHour : offers[best]!.pricePerHour)) best = j;
    });
    if (best < 0) return bin;
    available[best]! -= 1;
    const offer = offers[best]!;
    const capacity = { ...caps[best]! };
    return { ...bin, offer, capacity, free: { cpu: capacity.cpu - used.cpu, mem: capacity.mem - used.mem, gpus: capacity.gpus - used.gpus } };
  });
}

function exhausted(items: readonly Item[], offers: readonly NodeOffer[], caps: readonly Units[]): PlacementError {
  // Name the first agent that does not fit when every allowed node is running.
  const bins: Bin[] = [];
  offers.forEach((offer, j) => {
    for (let k = 0; k < offer.maxCount; k++) bins.push({ offer, capacity: { ...caps[j]! }, free: { ...caps[j]! }, items: [] });
  });
  const all = sortItems(items, "gpu-count-first");
  const left = pack(all, bins);
  const agent = (left[0] ?? all[all.length - 1])!.demand;
  const limits = offers.map((o) => `${o.maxCount}× ${o.name}`).join(", ");
  return new PlacementError(
    `agent ${agent.name} (category ${agent.category}) fits nowhere: it needs ${describeNeeds(agent)} and the node pool (${limits}) is full; allow more nodes or bigger instance types`,
    agent.name,
    "pool-full",
  );
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

function toCapacity(u: Units): Capacity {
  return { cpu: round3(u.cpu / 1000), memoryGiB: round3(u.mem / 1024), gpus: u.gpus };
}

/** The node that runs the MCP platform (its servers, ingress and volumes): the smallest node id. It
 * depends on which nodes there are, never on the order the optimiser lists them in, so a catalog
 * edit that only reorders placement moves no MCP container or volume. */
export function platformNodeId(placement: Pick<Placement, "nodes">): string {
  const ids = placement.nodes.map((n) => n.id).sort();
  if (ids.length === 0) throw new Error("platformNodeId: the placement has no node");
  return ids[0]!;
}

function summarise(bins: readonly Bin[], lowerBound: { value: number; from: Placement["lowerBoundFrom"] }, optimal: boolean, warnings: string[]): Placement {
  const nodes: PlacedNode[] = [];
  const pools: RuntimePool[] = [];
  const assignments: Record<string, string> = {};
  const perOffer = new Map<string, number>();
  for (const bin of bins) {
    const index = perOffer.get(bin.offer.name) ?? 0;
    perOffer.set(bin.offer.name, index + 1);
    const nodeId = `${bin.offer.name.replace(/_/g, "-")}-${index}`;
    const used = { cpu: bin.capacity.cpu - bin.free.cpu, mem: bin.capacity.mem - bin.free.mem, gpus: bin.capacity.gpus - bin.free.gpus };
    nodes.push({ id: nodeId, offer: bin.offer.name, pricePerHour: bin.offer.pricePerHour, gpuMemoryGiB: bin.offer.gpuMemoryGiB, capacity: toCapacity(bin.capacity), used: toCapacity(used) });
    // One pool per category (and GPU or not) on each node: a runtime holds only the MCP tokens of its
    // own category, so one category's agents can never use another's.
    const categories = [...new Set(bin.items.map((i) => i.demand.category))].sort();
    const groups = categories
      .flatMap((category) => [
        { category, gpu: true, items: bin.items.filter((i) => i.demand.category === category && i.units.gpus > 0) },
        { category, gpu: false, items: bin.items.filter((i) => i.demand.category === category && i.units.gpus === 0) },
      ])
      .filter((g) => g.items.length > 0);
    const share = (u: Units) => Math.max(u.cpu / Math.max(1, bin.capacity.cpu), u.mem / Math.max(1, bin.capacity.mem), bin.capacity.gpus > 0 ? u.gpus / bin.capacity.gpus : 0);
    const needs = groups.map((g) => g.items.reduce((t, i) => ({ cpu: t.cpu + i.units.cpu, mem: t.mem + i.units.mem, gpus: t.gpus + i.units.gpus }), { cpu: 0, mem: 0, gpus: 0 }));
    const shares = needs.map(share);
    const totalShare = shares.reduce((a, b) => a + b, 0) || 1;
    groups.forEach((g, k) => {
      const id = `${nodeId}-${g.category}-${g.gpu ? "gpu" : "cpu"}`;
      const agents = g.items.map((i) => i.demand.name).sort();
      for (const a of agents) assignments[a] = id;
      pools.push({ id, node: nodeId, gpu: g.gpu, agents, needs: toCapacity(needs[k]!), costPerHour: round2((bin.offer.pricePerHour * shares[k]!) / totalShare) });
    });
  }
  const costPerHour = round2(bins.reduce((s, b) => s + b.offer.pricePerHour, 0));
  // The bound is rounded down, so that it stays a bound.
  return { nodes, pools, assignments, costPerHour, lowerBoundPerHour: Math.floor(lowerBound.value * 10_000 + 1e-6) / 10_000, lowerBoundFrom: lowerBound.from, optimal, warnings };
}
