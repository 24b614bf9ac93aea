// The configuration model's parts against brute force and known optima: the pricing knapsack (both
// of its solvers), the sequential heuristic, the LP's bound, the exact program, and placement on
// the hard families where the greedy alone was 2–11 % over the optimum.
import fc from "fast-check";
import { exactIntegerProgram } from "./exact";
import { hardPlacementInput } from "./hard-instances";
import { configurationLp, type OfferCapacity, priceByDynamicProgram, pricePattern, sequentialPatterns, type Shape } from "./patterns";
import { placeAgents } from "./placement";
import { propertyRuns } from "./property-runs";

/** The best worth of a pattern, by trying every count of every shape. */
function bruteForce(shapes: readonly Shape[], o: OfferCapacity, values: readonly number[]): number {
  let best = 0;
  const visit = (t: number, cpu: number, mem: number, gpus: number, worth: number) => {
    if (t === shapes.length) return void (best = Math.max(best, worth));
    const s = shapes[t]!;
    const fits = s.gpus === 0 || o.gpuMem >= s.gpuMem;
    for (let c = 0; c <= (fits ? s.count : 0) && c * s.cpu <= cpu && c * s.mem <= mem && c * s.gpus <= gpus; c++) visit(t + 1, cpu - c * s.cpu, mem - c * s.mem, gpus - c * s.gpus, worth + c * values[t]!);
  };
  visit(0, o.cpu, o.mem, o.gpus, 0);
  return best;
}

const shape = fc.record({
  cpu: fc.integer({ min: 1, max: 16 }).map((q) => q * 250),
  mem: fc.integer({ min: 1, max: 32 }).map((h) => h * 512),
  gpus: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) }),
  gpuMem: fc.constantFrom(16, 24, 48),
  count: fc.integer({ min: 1, max: 5 }),
});
const offer: fc.Arbitrary<OfferCapacity> = fc.record({
  cpu: fc.integer({ min: 4, max: 40 }).map((q) => q * 250),
  mem: fc.integer({ min: 4, max: 64 }).map((h) => h * 512),
  gpus: fc.integer({ min: 0, max: 4 }),
  gpuMem: fc.constantFrom(16, 24, 48),
  price: fc.constant(1),
  max: fc.constant(4),
});
const pricing = fc.tuple(fc.array(shape, { minLength: 1, maxLength: 5 }), offer).chain(([shapes, o]) => fc.tuple(fc.constant(shapes), fc.constant(o), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: shapes.length, maxLength: shapes.length })));

test("pricing finds the best pattern, by dynamic programming and by branch and bound alike, and its bound is never below it", () => {
  fc.assert(
    fc.property(pricing, ([shapes, o, values]) => {
      const best = bruteForce(shapes, o, values);
      const priced = pricePattern(shapes, o, values);
      expect(priced.value).toBeCloseTo(best, 9);
      expect(priced.bound).toBeGreaterThanOrEqual(best - 1e-9);
      // The pattern it returns fits and is worth what it says.
      const used = priced.counts.reduce((u, c, t) => ({ cpu: u.cpu + c * shapes[t]!.cpu, mem: u.mem + c * shapes[t]!.mem, gpus: u.gpus + c * shapes[t]!.gpus }), { cpu: 0, mem: 0, gpus: 0 });
      expect(used.cpu <= o.cpu && used.mem <= o.mem && used.gpus <= o.gpus).toBe(true);
      expect(priced.counts.reduce((sum, c, t) => sum + c * values[t]!, 0)).toBeCloseTo(priced.value, 9);
      const dp = priceByDynamicProgram(shapes, o, values);
      if (dp) expect(dp.value).toBeCloseTo(best, 9);
    }),
    propertyRuns(300),
  );
});

// First-fit decreasing's 11/9 family on 28 vCPU (112 quarters): 2×(56+e), 2×(28+2e), 2×(28+e), 4×(28−2e).
const ffdShapes: Shape[] = [57, 30, 29, 26].map((q, k) => ({ cpu: q * 250, mem: 1024, gpus: 0, gpuMem: 0, count: k === 3 ? 40 : 20 }));
const a10: OfferCapacity = { cpu: 28_000, mem: 218 * 1024, gpus: 1, gpuMem: 24, price: 1.29, max: 100 };

test("the configuration LP closes first-fit decreasing's worst case: bound 30 nodes, the optimum, where FFD needs 11/9 of it", async () => {
  const lp = await configurationLp(ffdShapes, [a10]);
  expect(lp?.converged).toBe(true);
  expect(lp!.bound).toBeCloseTo(30 * 1.29, 6);
  const placement = await placeAgents(hardPlacementInput("ffd-worst-case", 100, 1));
  expect(placement.nodes).toHaveLength(30);
  expect(placement.optimal).toBe(true);
});

test("the sequential heuristic places every agent within the node limits, or says it cannot", () => {
  const seeded = sequentialPatterns(ffdShapes, [a10])!;
  ffdShapes.forEach((s, t) => expect(seeded.columns.reduce((sum, p, k) => sum + p.counts[t]! * seeded.x[k]!, 0)).toBeGreaterThanOrEqual(s.count));
  expect(sequentialPatterns(ffdShapes, [{ ...a10, max: 3 }])).toBeNull();
});

test("the exact program proves the optimum of a small fleet, and finds nothing where the limits are too tight", async () => {
  const small = ffdShapes.map((s) => ({ ...s, count: s.count / 10 }));
  const exact = await exactIntegerProgram(small, [a10], 10 * 1.29);
  expect(exact).toMatchObject({ proven: true });
  expect(exact!.nodes).toHaveLength(3);
  expect(await exactIntegerProgram(small, [{ ...a10, max: 2 }], 10)).toBeNull();
});

test.each([
  ["ffd-worst-case", 1000],
  ["one-gpu-mixed-memory", 1000],
  ["memory-bound", 1000],
  ["few-types-binding", 1000],
  ["thousands-of-nodes", 1000],
] as const)("%s with %i agents: within 1 %% of the bound, which never exceeds the cost", async (family, size) => {
  const placement = await placeAgents(hardPlacementInput(family, size, 1));
  expect(Object.keys(placement.assignments)).toHaveLength(hardPlacementInput(family, size, 1).agents.length);
  expect(placement.costPerHour).toBeGreaterThanOrEqual(placement.lowerBoundPerHour);
  expect(placement.costPerHour / placement.lowerBoundPerHour).toBeLessThanOrEqual(1.01);
});
