// The configuration model of placement: agents aggregated into shapes (one per distinct need), nodes
// described by patterns (how many agents of each shape one node of an offer holds), and the LP over
// patterns solved by column generation. Pure arithmetic on integer units, apart from the LP and MIP
// solves, which HiGHS does.
//
//   minimise   Σ_p price(p) · x_p
//   subject to Σ_p a_tp · x_p ≥ d_t      every shape t is placed (d_t agents of it)
//              Σ_{p of offer j} x_p ≤ M_j   at most M_j nodes of offer j
//              x_p ≥ 0 (the LP), integer (a placement)
//
// Its LP value is a lower bound on every placement's cost, and a tight one: bin packing's
// configuration LP is within one node of the optimum on most instances. Column generation keeps the
// LP small: start from a sequential heuristic's patterns and one pattern per shape, and add the
// pattern of each offer with the most negative reduced cost (a bounded knapsack over the shapes,
// `pricePattern`) until there is none. The Lagrangian bound of the duals at hand is valid at every
// step, so an early stop still gives an honest bound.
import type { Highs } from "highs";

/** vCPUs in millicores and GiB in MiB: the integer units every capacity check is done in. */
export const toMilli = (cpu: number) => Math.round(cpu * 1000);
export const toMiB = (gib: number) => Math.round(gib * 1024);

/** Agents of one need, in integer units (millicores, MiB). */
export interface Shape {
  readonly cpu: number;
  readonly mem: number;
  readonly gpus: number;
  /** Minimum memory per GPU, GiB; 0 without GPUs. */
  readonly gpuMem: number;
  readonly count: number;
}

/** A kind of node as the model sees it: capacity after the reserve, price and how many may run. */
export interface OfferCapacity {
  readonly cpu: number;
  readonly mem: number;
  readonly gpus: number;
  readonly gpuMem: number;
  readonly price: number;
  readonly max: number;
}

/** One node of offer `offer` holding `counts[t]` agents of shape t. */
export interface Pattern {
  readonly offer: number;
  readonly counts: readonly number[];
}

export function shapeFits(s: Omit<Shape, "count">, o: Omit<OfferCapacity, "price" | "max">): boolean {
  return s.cpu <= o.cpu && s.mem <= o.mem && s.gpus <= o.gpus && (s.gpus === 0 || o.gpuMem >= s.gpuMem);
}

/** How many agents of shape `s` one node of `o` holds by itself. */
function fitCount(s: Shape, o: OfferCapacity): number {
  if (!shapeFits(s, o)) return 0;
  const by = (need: number, have: number) => (need > 0 ? Math.floor(have / need) : Infinity);
  return Math.min(s.count, by(s.cpu, o.cpu), by(s.mem, o.mem), by(s.gpus, o.gpus));
}

/** The pattern of offer `o` worth most at `values` (value per agent of each shape), and an upper
 * bound on that worth that holds even when the search stops at `nodeLimit`: a bounded knapsack in
 * three dimensions (CPU, memory, GPUs). Exactly by dynamic programming where its grid is small
 * (`priceByDynamicProgram`), otherwise by depth-first branch and bound.
 *
 * The bound is a surrogate relaxation: the three capacities folded into one with weights, and that
 * one-dimensional knapsack solved fractionally (any non-negative weights give a valid bound; the
 * weights tried are the ones whose bound is lowest at the root). Shapes are branched on in that
 * relaxation's order, best value per folded size first, each at its largest count first, so the
 * first leaf is the greedy fill and the bound is a binary search over prefix sums. */
export function pricePattern(
  shapes: readonly Shape[],
  o: OfferCapacity,
  values: readonly number[],
  options: { readonly nodeLimit?: number; readonly start?: readonly number[] } = {},
): { counts: number[]; value: number; bound: number; weights: readonly number[] } {
  const { nodeLimit = 1_000, start } = options;
  const exact = priceByDynamicProgram(shapes, o, values);
  if (exact) return { ...exact, bound: exact.value, weights: start ?? [1, 1, 1] };
  const eligible = shapes.map((s, t) => ({ s, t, v: values[t]!, u: fitCount(s, o) })).filter((x) => x.v > 0 && x.u > 0);
  const tolerance = relativeTolerance(values);
  const capacity = [o.cpu, o.mem, o.gpus];
  const need = (s: Shape) => [s.cpu, s.mem, s.gpus];
  // Folded size of a shape under weights w (each dimension as a share of the node).
  const folded = (s: Shape, w: readonly number[]) => need(s).reduce((sum, n, d) => sum + (capacity[d]! > 0 ? (w[d]! * n) / capacity[d]! : 0), 0);
  const fractional = (order: typeof eligible, w: readonly number[]) => {
    let room = w.reduce((a, b) => a + (b > 0 ? b : 0), 0);
    let value = 0;
    for (const x of order) {
      const size = folded(x.s, w);
      if (size <= 0) return Infinity;
      if (size * x.u <= room) {
        room -= size * x.u;
        value += x.v * x.u;
      } else return value + (room / size) * x.v;
    }
    return value;
  };
  const byWeights = (w: readonly number[]) => [...eligible].sort((a, b) => b.v / folded(b.s, w) - a.v / folded(a.s, w) || a.t - b.t);
  const rootOf = (w: readonly number[]) => (eligible.some((x) => folded(x.s, w) <= 0) ? Infinity : fractional(byWeights(w), w));
  // The weights whose bound is lowest (the best is the LP relaxation's own bound): memory's and the
  // GPUs' weight against CPU's. A coarse grid the first time; after that, halving steps around the
  // weights this offer had last time (`start`), which move little from one round to the next.
  let weights: readonly number[] = start ?? [1, 1, o.gpus > 0 ? 1 : 0];
  let rootBound = rootOf(weights);
  const tryWeights = (w: readonly number[]) => {
    const b = rootOf(w);
    if (b < rootBound - tolerance) [rootBound, weights] = [b, w];
  };
  const grid = [0, 0.125, 0.5, 2, 8];
  if (!start) {
    for (const m of grid) for (const g of o.gpus > 0 ? grid : [0]) tryWeights([1, m, g]);
    // One dimension alone: where it binds, its own fractional knapsack is the tight bound.
    tryWeights([0, 1, 0]);
    if (o.gpus > 0) tryWeights([0, 0, 1]);
  }
  for (let step = start ? 0.25 : 1; step > 1 / 32; step /= 2) {
    for (const d of o.gpus > 0 ? [1, 2] : [1]) {
      for (const factor of [1 + step, 1 / (1 + step)]) tryWeights(weights.map((w, k) => (k === d ? (w === 0 ? step / 8 : w * factor) : w)));
    }
  }
  const order = byWeights(weights);
  const n = order.length;
  const size = order.map((x) => folded(x.s, weights));
  // Prefix sums of folded size and value, each shape at its full count.
  const sizeBefore = new Array<number>(n + 1).fill(0);
  const valueBefore = new Array<number>(n + 1).fill(0);
  for (let i = 0; i < n; i++) {
    sizeBefore[i + 1] = sizeBefore[i]! + size[i]! * order[i]!.u;
    valueBefore[i + 1] = valueBefore[i]! + order[i]!.v * order[i]!.u;
  }
  const bound = (i: number, cpu: number, mem: number, gpus: number) => {
    const room = [cpu, mem, gpus].reduce((sum, r, d) => sum + (capacity[d]! > 0 ? (weights[d]! * r) / capacity[d]! : 0), 0);
    // The last j with the shapes i..j-1 all fitting in the room, by binary search.
    let [lo, hi] = [i, n];
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (sizeBefore[mid]! - sizeBefore[i]! <= room + 1e-12) lo = mid;
      else hi = mid - 1;
    }
    const whole = valueBefore[lo]! - valueBefore[i]!;
    return lo < n ? whole + ((room - (sizeBefore[lo]! - sizeBefore[i]!)) / size[lo]!) * order[lo]!.v : whole;
  };
  const counts = new Array<number>(n).fill(0);
  let best = { value: 0, counts: [...counts] };
  let nodes = 0;
  let stopped = false;
  const visit = (i: number, cpu: number, mem: number, gpus: number, value: number): void => {
    if (value > best.value + tolerance) best = { value, counts: [...counts] };
    if (i === n || stopped) return;
    if (value + bound(i, cpu, mem, gpus) <= best.value + tolerance) return;
    if (++nodes > nodeLimit) {
      stopped = true;
      return;
    }
    const { s, u, v } = order[i]!;
    const most = Math.min(u, s.cpu > 0 ? Math.floor(cpu / s.cpu) : u, s.mem > 0 ? Math.floor(mem / s.mem) : u, s.gpus > 0 ? Math.floor(gpus / s.gpus) : u);
    for (let c = most; c >= 0 && !stopped; c--) {
      counts[i] = c;
      visit(i + 1, cpu - c * s.cpu, mem - c * s.mem, gpus - c * s.gpus, value + c * v);
    }
    counts[i] = 0;
  };
  visit(0, o.cpu, o.mem, o.gpus, 0);
  const full = new Array<number>(shapes.length).fill(0);
  best.counts.forEach((c, i) => (full[order[i]!.t] = c));
  return { counts: full, value: best.value, bound: stopped ? Math.max(best.value, rootBound) : best.value, weights };
}

/** Cells × items a dynamic program may take before branch and bound is used instead. */
const DYNAMIC_PROGRAM_BUDGET = 2_000_000;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The dimensions a pattern must be checked in, of CPU, memory and GPUs (0, 1, 2). One is left out
 * where the eligible shapes cannot fill it even all together, or where another dimension that is
 * kept runs out first: every shape needing d also needs e, and need_d · cap_e ≤ cap_d · need_e for
 * each (in integers, so no rounding). Only a kept dimension may vouch for another: two dimensions in
 * exactly the node's ratio each run out "first", and dropping both on each other's word once left
 * every capacity unchecked (issue 25). Dominance is transitive, so the kept ones cover the rest. */
export function dimensionsThatBind(eligible: readonly { readonly need: readonly number[]; readonly u: number }[], capacity: readonly number[]): number[] {
  const kept = [0, 1, 2].filter((d) => eligible.reduce((sum, x) => sum + x.u * x.need[d]!, 0) > capacity[d]!);
  const dominates = (e: number, d: number) => eligible.every((x) => x.need[d]! === 0 || (x.need[e]! > 0 && x.need[d]! * capacity[e]! <= capacity[d]! * x.need[e]!));
  for (let k = kept.length - 1; k >= 0; k--) {
    const d = kept[k]!;
    if (kept.some((e) => e !== d && dominates(e, d))) kept.splice(k, 1);
  }
  return kept;
}

/** Ties between pattern values are judged relative to the largest value: duals may be anywhere from
 * 1e-12 to thousands, and an absolute tolerance treats tiny ones as nothing. */
const relativeTolerance = (values: readonly number[]) => 1e-12 * Math.max(0, ...values.filter((v) => Number.isFinite(v)));

/** The same knapsack solved exactly by dynamic programming over the dimensions that can bind, each
 * counted in the greatest common divisor of its needs (a dimension cannot bind where another one
 * that fills first always runs out before it). null where that grid is too big for the budget. */
export function priceByDynamicProgram(shapes: readonly Shape[], o: OfferCapacity, values: readonly number[]): { counts: number[]; value: number } | null {
  const eligible = shapes.map((s, t) => ({ need: [s.cpu, s.mem, s.gpus], t, v: values[t]!, u: fitCount(s, o) })).filter((x) => x.v > 0 && x.u > 0);
  const tolerance = relativeTolerance(values);
  const capacity = [o.cpu, o.mem, o.gpus];
  const dims = dimensionsThatBind(eligible, capacity);
  const unit = dims.map((d) => eligible.reduce((g, x) => gcd(g, x.need[d]!), 0) || 1);
  const room = dims.map((d, k) => Math.floor(capacity[d]! / unit[k]!));
  const stride: number[] = [];
  let cells = 1;
  for (const r of room) {
    stride.push(cells);
    cells *= r + 1;
  }
  // Each shape split into pieces of 1, 2, 4, … agents: any count up to u is a sum of pieces.
  const pieces: { t: number; m: number; v: number; size: number[] }[] = [];
  for (const x of eligible) {
    for (let left = x.u, m = 1; left > 0; m *= 2) {
      const take = Math.min(m, left);
      pieces.push({ t: x.t, m: take, v: take * x.v, size: dims.map((d, k) => (take * x.need[d]!) / unit[k]!) });
      left -= take;
    }
  }
  if (cells * Math.max(1, pieces.length) > DYNAMIC_PROGRAM_BUDGET) return null;
  const best = new Float64Array(cells);
  const taken = new Uint8Array(cells * pieces.length);
  // Up to three dimensions, padded: a missing one has room 0 and size 0.
  const r = [0, 1, 2].map((k) => room[k] ?? 0);
  const st = [0, 1, 2].map((k) => stride[k] ?? 0);
  pieces.forEach((piece, p) => {
    const z = [0, 1, 2].map((k) => piece.size[k] ?? 0);
    const offset = z[0]! * st[0]! + z[1]! * st[1]! + z[2]! * st[2]!;
    // Downwards, so that a piece is taken at most once.
    for (let c2 = r[2]!; c2 >= z[2]!; c2--) {
      for (let c1 = r[1]!; c1 >= z[1]!; c1--) {
        const base = c2 * st[2]! + c1 * st[1]!;
        for (let c0 = r[0]!; c0 >= z[0]!; c0--) {
          const cell = base + c0 * st[0]!;
          const candidate = best[cell - offset]! + piece.v;
          if (candidate > best[cell]! + tolerance) {
            best[cell] = candidate;
            taken[p * cells + cell] = 1;
          }
        }
      }
    }
  });
  const counts = new Array<number>(shapes.length).fill(0);
  let cell = cells - 1;
  for (let p = pieces.length - 1; p >= 0; p--) {
    if (!taken[p * cells + cell]) continue;
    counts[pieces[p]!.t]! += pieces[p]!.m;
    cell -= pieces[p]!.size.reduce((sum, n, k) => sum + n * stride[k]!, 0);
  }
  return { counts, value: best[cells - 1]! };
}

let highsInstance: Promise<Highs> | undefined;
export function highs(): Promise<Highs> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  highsInstance ??= (require("highs") as (opts?: object) => Promise<Highs>)();
  return highsInstance;
}

const num = (x: number) => String(Number(x.toFixed(9)));

/** The model over `columns` in CPLEX LP text; integer with `integer`. With `shortfallPrice`, each
 * shape may also be left short (`u<t>`, at that price per agent): the LP is then feasible from its
 * first, small set of columns on, and its duals price the columns that close the shortfall. */
function modelText(shapes: readonly Shape[], offers: readonly OfferCapacity[], columns: readonly Pattern[], integer: boolean, shortfallPrice?: number): string {
  const shapeTerms = shapes.map((_, t) => (shortfallPrice === undefined ? [] : [`u${t}`]) as string[]);
  const offerTerms = offers.map(() => [] as string[]);
  columns.forEach((p, k) => {
    p.counts.forEach((c, t) => {
      if (c > 0) shapeTerms[t]!.push(`${c} x${k}`);
    });
    offerTerms[p.offer]!.push(`x${k}`);
  });
  const shortfall = shortfallPrice === undefined ? [] : shapes.map((_, t) => `${num(shortfallPrice)} u${t}`);
  return [
    "Minimize",
    ` obj: ${[...columns.map((p, k) => `${num(offers[p.offer]!.price)} x${k}`), ...shortfall].join(" + ") || "0 x0"}`,
    "Subject To",
    ...shapes.map((s, t) => ` s${t}: ${shapeTerms[t]!.join(" + ") || "0 x0"} >= ${s.count}`),
    ...offers.flatMap((o, j) => (offerTerms[j]!.length > 0 ? [` o${j}: ${offerTerms[j]!.join(" + ")} <= ${o.max}`] : [])),
    ...(integer ? ["General", ` ${columns.map((_, k) => `x${k}`).join(" ")}`] : []),
    "End",
  ].join("\n");
}

/** A placement by the sequential heuristic: again and again, fill each offer that is still
 * available from the agents left, biggest first, take the fill that costs least per share of the
 * fleet it places, and repeat it as often as the agents left allow. Its patterns seed column
 * generation; its counts are a placement in their own right. null when the node limits run out. */
export function sequentialPatterns(shapes: readonly Shape[], offers: readonly OfferCapacity[]): { columns: Pattern[]; x: number[] } | null {
  const totals = shapes.reduce((t, s) => ({ cpu: t.cpu + s.cpu * s.count, mem: t.mem + s.mem * s.count, gpus: t.gpus + s.gpus * s.count }), { cpu: 0, mem: 0, gpus: 0 });
  const share = shapes.map((s) => s.cpu / Math.max(1, totals.cpu) + s.mem / Math.max(1, totals.mem) + s.gpus / Math.max(1, totals.gpus));
  const biggestFirst = shapes.map((_, t) => t).sort((a, b) => shapes[b]!.gpus - shapes[a]!.gpus || share[b]! - share[a]! || a - b);
  const left = shapes.map((s) => s.count);
  const available = offers.map((o) => o.max);
  const columns: Pattern[] = [];
  const x: number[] = [];
  while (left.some((n) => n > 0)) {
    let best: { offer: number; counts: number[]; perShare: number } | undefined;
    offers.forEach((o, j) => {
      if (available[j]! <= 0) return;
      const room = { cpu: o.cpu, mem: o.mem, gpus: o.gpus };
      const counts = shapes.map(() => 0);
      let placed = 0;
      for (const t of biggestFirst) {
        const s = shapes[t]!;
        if (left[t]! === 0 || !shapeFits(s, o)) continue;
        const by = (need: number, have: number) => (need > 0 ? Math.floor(have / need) : Infinity);
        const c = Math.min(left[t]!, by(s.cpu, room.cpu), by(s.mem, room.mem), by(s.gpus, room.gpus));
        if (c <= 0) continue;
        counts[t] = c;
        room.cpu -= c * s.cpu;
        room.mem -= c * s.mem;
        room.gpus -= c * s.gpus;
        placed += c * share[t]!;
      }
      if (placed > 0 && (!best || o.price / placed < best.perShare - 1e-12)) best = { offer: j, counts, perShare: o.price / placed };
    });
    if (!best) return null;
    const repeat = Math.min(available[best.offer]!, ...best.counts.flatMap((c, t) => (c > 0 ? [Math.floor(left[t]! / c)] : [])));
    best.counts.forEach((c, t) => (left[t]! -= c * repeat));
    available[best.offer]! -= repeat;
    columns.push({ offer: best.offer, counts: best.counts });
    x.push(repeat);
  }
  return { columns, x };
}

export interface ConfigurationLp {
  readonly columns: Pattern[];
  /** The LP value over the generated columns: the true LP optimum once `converged`. */
  readonly value: number;
  /** A lower bound on every placement's cost (the LP optimum when converged). */
  readonly bound: number;
  readonly converged: boolean;
  readonly iterations: number;
  /** The sequential heuristic's placement, by column (its columns come first). */
  readonly heuristic: readonly number[];
  /** The last LP's solution, by column. */
  readonly x: readonly number[];
}

/** Stop generating columns once the LP value is within this share of the bound: the bound is then
 * the LP's value to that precision, and the placement's own rounding costs more than the rest. */
const GAP_TO_STOP = 1e-4;

/** The configuration LP by column generation, with the duals smoothed towards the best ones so far
 * (Wentges): the duals of a small LP swing from one extreme to another, and the smoothed ones find
 * the columns that matter in far fewer rounds.
 *
 * The first columns (the heuristic's, one per shape) may not hold the fleet within the node limits
 * when a feasible mix of nodes exists (issue 25: the heuristic put both GPU agents on the one big-GPU
 * node). So each shape may be left short at a price above every allowed node together, and only a
 * shortfall that survives convergence is looked at again, by minimising the shortfall alone (phase
 * I): null only when that is proven positive, that is, when the node limits cannot hold the agents
 * even fractionally. */
export async function configurationLp(shapes: readonly Shape[], offers: readonly OfferCapacity[], maxIterations = 60): Promise<ConfigurationLp | null> {
  const solver = await highs();
  const seeded = sequentialPatterns(shapes, offers);
  const columns: Pattern[] = [];
  const seen = new Set<string>();
  const add = (p: Pattern) => {
    const key = `${p.offer}:${p.counts.join(",")}`;
    if (seen.has(key) || p.counts.every((c) => c === 0)) return false;
    seen.add(key);
    columns.push(p);
    return true;
  };
  seeded?.columns.forEach(add);
  const heuristic = seeded ? columns.map((_, k) => seeded.x[k]!) : [];
  // And one pattern per shape, on the offer that holds it cheapest per agent: every shape covered.
  shapes.forEach((s, t) => {
    let cheapest: Pattern | undefined;
    let perAgent = Infinity;
    offers.forEach((o, j) => {
      const k = fitCount(s, o);
      if (k > 0 && o.price / k < perAgent) [perAgent, cheapest] = [o.price / k, { offer: j, counts: shapes.map((_, u) => (u === t ? k : 0)) }];
    });
    if (cheapest) add(cheapest);
  });
  const everyNode = offers.reduce((sum, o) => sum + o.price * o.max, 0);
  const generate = (priced: readonly OfferCapacity[], shortfallPrice: number, iterations: number) => generateColumns(solver, shapes, priced, columns, add, shortfallPrice, iterations);
  let lp = generate(offers, 10 * Math.max(1, everyNode), maxIterations);
  if (lp.shortfall > SHORTFALL_TOLERANCE) {
    const phaseOne = generate(offers.map((o) => ({ ...o, price: 0 })), 1, maxIterations);
    if (phaseOne.shortfall > SHORTFALL_TOLERANCE && (phaseOne.converged || phaseOne.bound > SHORTFALL_TOLERANCE)) return null;
    // Phase I found the columns that hold everyone: price the fleet again with them in the model.
    lp = generate(offers, 1_000 * Math.max(1, everyNode), maxIterations);
  }
  return { columns, value: lp.value, bound: lp.bound, converged: lp.converged && lp.shortfall <= SHORTFALL_TOLERANCE, iterations: lp.iterations, heuristic, x: lp.x };
}

/** Agents left short, in all, below which an LP solution counts as holding everyone. */
const SHORTFALL_TOLERANCE = 1e-7;

/** Column generation on the LP over `columns` (grown in place by `add`), each shape allowed to be
 * left short at `shortfallPrice` per agent. */
function generateColumns(
  solver: Highs,
  shapes: readonly Shape[],
  offers: readonly OfferCapacity[],
  columns: readonly Pattern[],
  add: (p: Pattern) => boolean,
  shortfallPrice: number,
  maxIterations: number,
): { value: number; bound: number; converged: boolean; iterations: number; x: number[]; shortfall: number } {
  // How deep a pricing search may go before its bound, not its answer, is what is used.
  const deepest = 20_000;
  let bestBound = 0;
  const weightsOf: (readonly number[] | undefined)[] = offers.map(() => undefined);
  let center: number[] | undefined;
  // How far the duals are pulled towards the best ones so far.
  const SMOOTHING = 0.5;
  for (let iteration = 1; ; iteration++) {
    const result = solver.solve(modelText(shapes, offers, columns, false, shortfallPrice), { output_flag: false, threads: 1, random_seed: 0 });
    if (result.Status !== "Optimal") throw new Error(`placement: the configuration LP ended ${result.Status}`);
    const duals = new Map((result.Rows as { Name: string; Dual?: number }[]).map((r) => [r.Name, r.Dual ?? 0]));
    const lpValues = shapes.map((_, t) => Math.max(0, duals.get(`s${t}`) ?? 0));
    const countDual = offers.map((_, j) => Math.min(0, duals.get(`o${j}`) ?? 0));
    let added = 0;
    let proven = false;
    // Price at the smoothed duals; where that finds nothing, at the LP's own (mis-pricing); where
    // that finds nothing either, at the LP's own again with searches that go deeper where they had
    // stopped short of a column they could not rule out.
    const passes: [number, number][] = center ? [[SMOOTHING, 1_000], [0, 1_000], [0, deepest]] : [[0, 1_000], [0, deepest]];
    for (const [a, nodeLimit] of passes) {
      const values = a === 0 ? lpValues : lpValues.map((v, t) => a * center![t]! + (1 - a) * v);
      const worth: number[] = [];
      offers.forEach((o, j) => {
        const priced = pricePattern(shapes, o, values, { start: weightsOf[j], nodeLimit });
        weightsOf[j] = priced.weights;
        worth.push(priced.bound);
        const lpWorth = priced.counts.reduce((sum, c, t) => sum + c * lpValues[t]!, 0);
        if (o.price - countDual[j]! - lpWorth < -1e-9 * Math.max(1, o.price, lpWorth) && add({ offer: j, counts: priced.counts })) added++;
      });
      const bound = lagrangianBound(shapes, offers, values, worth, shortfallPrice);
      if (bound > bestBound) [bestBound, center] = [bound, values];
      // At the LP's own duals: nothing left whose worth could beat its price means the LP is solved.
      if (a === 0) proven = offers.every((o, j) => o.price - countDual[j]! - worth[j]! >= -1e-9 * Math.max(1, o.price, worth[j]!));
      if (added > 0) break;
    }
    center ??= lpValues;
    const gapClosed = result.ObjectiveValue - bestBound <= GAP_TO_STOP * Math.max(1, result.ObjectiveValue);
    if (added === 0 || gapClosed || iteration >= maxIterations) {
      const converged = proven && added === 0;
      const primal = (name: string) => (result.Columns as Record<string, { Primal?: number }>)[name]?.Primal ?? 0;
      const x = columns.map((_, k) => primal(`x${k}`));
      const shortfall = shapes.reduce((sum, _, t) => sum + primal(`u${t}`), 0);
      return { value: result.ObjectiveValue, bound: converged ? result.ObjectiveValue : bestBound, converged, iterations: iteration, x, shortfall };
    }
  }
}

/** The best Lagrangian bound along the duals' ray: for θ ≥ 0, θ·π·d + Σ_j M_j · min(0, price_j − θ·worth_j)
 * is a lower bound on every placement (the cover rows relaxed with multipliers θπ; `worth` bounds each
 * offer's best pattern at π from above). θ = 1 is the plain Lagrangian bound, θ = min price/worth is
 * Farley's; the best θ is one of the breakpoints. */
function lagrangianBound(shapes: readonly Shape[], offers: readonly OfferCapacity[], values: readonly number[], worth: readonly number[], shortfallPrice: number): number {
  const demand = shapes.reduce((sum, s, t) => sum + values[t]! * s.count, 0);
  const at = (theta: number) => theta * demand + offers.reduce((sum, o, j) => sum + o.max * Math.min(0, o.price - theta * worth[j]!), 0);
  // A shape's shortfall is unbounded, so a multiplier above its price makes the bound -∞: skip it.
  const highest = Math.max(0, ...values);
  const thetas = [1, ...offers.flatMap((o, j) => (worth[j]! > 0 ? [o.price / worth[j]!] : []))].filter((theta) => theta * highest <= shortfallPrice);
  return Math.max(0, ...thetas.map(at));
}

/** The best integer placement over the generated columns, by HiGHS within a node limit (so the
 * result does not depend on the machine's speed). null when it finds none. */
export async function integerOverColumns(shapes: readonly Shape[], offers: readonly OfferCapacity[], columns: readonly Pattern[], nodeLimit = 400): Promise<number[] | null> {
  if (columns.length === 0) return null;
  const solver = await highs();
  const result = solver.solve(modelText(shapes, offers, columns, true), { output_flag: false, threads: 1, random_seed: 0, mip_max_nodes: nodeLimit, mip_rel_gap: 0 });
  // Past the node limit HiGHS reports its best incumbent under another status than Optimal.
  if (!["Optimal", "Iteration limit reached", "Unknown"].includes(result.Status) || !result.Columns) return null;
  const x = columns.map((_, k) => Math.round((result.Columns as Record<string, { Primal?: number }>)[`x${k}`]?.Primal ?? 0));
  // A node limit can end before any incumbent: check that the answer places everyone.
  const placed = shapes.every((s, t) => columns.reduce((sum, p, k) => sum + p.counts[t]! * x[k]!, 0) >= s.count);
  return placed ? x : null;
}
