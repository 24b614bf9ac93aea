// The exact integer program of a small fleet, node by node: for every node a cheaper placement could
// use (at most cost/price of an offer, and never more nodes than agents), whether it runs (binary)
// and how many agents of each shape it holds (integers), under its CPU, memory and GPU capacity.
// Nodes of one offer are used in order, so that swapping two nodes is not another solution. HiGHS
// solves it; with `nodeLimit` it stops after that many branch-and-bound nodes (so the result does
// not depend on the machine), and says whether it proved the optimum.
import { highs, type OfferCapacity, type Shape, shapeFits, toMiB, toMilli } from "./patterns";
import type { PlacementInput } from "./placement-types";

export interface ExactSolution {
  /** Per node used: its offer and the agents of each shape on it. */
  readonly nodes: readonly { readonly offer: number; readonly counts: readonly number[] }[];
  readonly cost: number;
  readonly proven: boolean;
}

export async function exactIntegerProgram(
  shapes: readonly Shape[],
  offers: readonly OfferCapacity[],
  upperCost: number,
  limits: { readonly nodeLimit?: number; readonly timeLimitSeconds?: number } = {},
): Promise<ExactSolution | null> {
  const total = shapes.reduce((n, s) => n + s.count, 0);
  const nodes = offers.flatMap((o, j) => Array.from({ length: Math.min(o.max, total, o.price > 0 ? Math.floor(upperCost / o.price + 1e-9) : 1) }, (_, k) => ({ o, j, k })));
  const fits = (t: number, i: number) => shapeFits(shapes[t]!, nodes[i]!.o);
  const rows: string[] = [];
  const integers: string[] = [];
  shapes.forEach((s, t) => {
    const terms = nodes.flatMap((_, i) => (fits(t, i) ? [`z${t}_${i}`] : []));
    integers.push(...terms);
    rows.push(` d${t}: ${terms.join(" + ") || "0 y0"} = ${s.count}`);
  });
  nodes.forEach((n, i) => {
    const capacityRow = (label: string, need: (s: Shape) => number, capacity: number) => {
      const terms = shapes.flatMap((s, t) => (fits(t, i) && need(s) > 0 ? [`${need(s)} z${t}_${i}`] : []));
      if (terms.length > 0) rows.push(` ${label}${i}: ${terms.join(" + ")} - ${capacity} y${i} <= 0`);
    };
    capacityRow("c", (s) => s.cpu, n.o.cpu);
    capacityRow("m", (s) => s.mem, n.o.mem);
    capacityRow("g", (s) => s.gpus, n.o.gpus);
    if (n.k > 0) rows.push(` o${i}: y${i} - y${i - 1} <= 0`);
  });
  if (nodes.length === 0) return null;
  const text = [
    "Minimize",
    ` obj: ${nodes.map((n, i) => `${n.o.price} y${i}`).join(" + ")}`,
    "Subject To",
    ...rows,
    ...(integers.length > 0 ? ["General", ` ${integers.join(" ")}`] : []),
    "Binary",
    ` ${nodes.map((_, i) => `y${i}`).join(" ")}`,
    "End",
  ].join("\n");
  const solver = await highs();
  const result = solver.solve(text, {
    output_flag: false,
    threads: 1,
    random_seed: 0,
    mip_rel_gap: 0,
    mip_abs_gap: 0,
    ...(limits.nodeLimit ? { mip_max_nodes: limits.nodeLimit } : {}),
    ...(limits.timeLimitSeconds ? { time_limit: limits.timeLimitSeconds } : {}),
  });
  if (["Infeasible", "Load error", "Model error", "Presolve error", "Solve error", "Postsolve error"].includes(result.Status) || !result.Columns) return null;
  const column = (name: string) => Math.round((result.Columns as Record<string, { Primal?: number }>)[name]?.Primal ?? 0);
  const used = nodes.flatMap((n, i) => (column(`y${i}`) === 1 ? [{ offer: n.j, counts: shapes.map((_, t) => (fits(t, i) ? column(`z${t}_${i}`) : 0)) }] : []));
  // Past a limit HiGHS may stop before any incumbent: check the answer places everyone.
  if (!shapes.every((s, t) => used.reduce((sum, n) => sum + n.counts[t]!, 0) === s.count)) return null;
  return { nodes: used, cost: used.reduce((sum, n) => sum + offers[n.offer]!.price, 0), proven: result.Status === "Optimal" };
}

/** The exact integer program of a placement input as it stands (agents of equal needs counted
 * together, each offer's capacity after the reserve): how the benchmark and the tests get the true
 * optimum, apart from the placement that they judge. */
export function exactIntegerProgramOf(input: PlacementInput, upperCost: number, limits: Parameters<typeof exactIntegerProgram>[3] = {}): Promise<ExactSolution | null> {
  const byNeed = new Map<string, Shape>();
  for (const a of input.agents) {
    const shape = { cpu: toMilli(a.cpu), mem: toMiB(a.memoryGiB), gpus: a.gpus, gpuMem: a.minGpuMemoryGiB };
    const key = Object.values(shape).join("/");
    byNeed.set(key, { ...shape, count: (byNeed.get(key)?.count ?? 0) + 1 });
  }
  const shapes = [...byNeed.values()];
  const offers = input.offers.map((o) => ({
    cpu: toMilli(o.vcpus) - toMilli(input.reservePerNode.cpu),
    mem: toMiB(o.memoryGiB) - toMiB(input.reservePerNode.memoryGiB),
    gpus: o.gpus,
    gpuMem: o.gpuMemoryGiB,
    price: o.pricePerHour,
    max: o.maxCount,
  }));
  return exactIntegerProgram(shapes, offers, upperCost, limits);
}
