// Invariants of placement, checked on random fleets and node pools (fast-check).
import fc from "fast-check";
import { CATEGORY_NAMES } from "./categories";
import { lambdaOffers } from "./demand";
import { LAMBDA_INSTANCE_TYPE_NAMES, type LambdaInstanceType } from "./instance-types";
import { exactIntegerProgramOf } from "./exact";
import { type AgentDemand, type Placement, type PlacementInput, placeAgents } from "./placement";
import { propertyRuns } from "./property-runs";
import { validatePlacement } from "./validate-placement";

const demand = (name: string) =>
  fc.record({
    name: fc.constant(name),
    category: fc.constantFrom(...CATEGORY_NAMES),
    cpu: fc.integer({ min: 1, max: 32 }).map((q) => q / 4),
    memoryGiB: fc.integer({ min: 1, max: 64 }).map((h) => h / 2),
    gpus: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) }),
    minGpuMemoryGiB: fc.constantFrom(16, 24, 40, 48, 80),
  }).map((d): AgentDemand => ({ ...d, minGpuMemoryGiB: d.gpus > 0 ? d.minGpuMemoryGiB : 0 }));

const fleet = fc.integer({ min: 1, max: 40 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => demand(`agent-${i}`))));
const instanceTypes = fc.uniqueArray(fc.constantFrom(...LAMBDA_INSTANCE_TYPE_NAMES), { minLength: 1, maxLength: 6 });

const input = fc.record({ agents: fleet, types: instanceTypes, maxNodes: fc.integer({ min: 1, max: 8 }) }).map(
  ({ agents, types, maxNodes }): PlacementInput => ({ agents, offers: lambdaOffers(types, maxNodes), reservePerNode: { cpu: 2, memoryGiB: 8 }, gpuPolicy: "fail" }),
);

/** Placement, or null where the input cannot be placed at all (too small a pool). */
async function tryPlace(i: PlacementInput): Promise<Placement | null> {
  try {
    return await placeAgents(i);
  } catch (error) {
    if ((error as Error).name === "PlacementError") return null;
    throw error;
  }
}

// Fixed seeds in `npm test`, fresh ones and ten times the runs in `npm run test:explore`.
const runs = propertyRuns(60);
const monotoneRuns = propertyRuns(150);

/** The exact optimum by the integer program, run to its end (tiny fleets only). */
async function exactOptimum(i: PlacementInput, upper: number): Promise<number> {
  const exact = await exactIntegerProgramOf(i, upper + 1e-6);
  if (!exact?.proven) throw new Error("the exact program did not prove its optimum");
  return exact.cost;
}

describe("placement invariants", () => {
  it("places every agent exactly once", async () => {
    await fc.assert(
      fc.asyncProperty(input, async (i) => {
        const p = await tryPlace(i);
        if (!p) return;
        const pooled = p.pools.flatMap((pool) => pool.agents).sort();
        expect(pooled).toEqual(i.agents.map((a) => a.name).sort());
        for (const pool of p.pools) for (const a of pool.agents) expect(p.assignments[a]).toBe(pool.id);
      }),
      runs,
    );
  });

  it("puts each category in pools of its own: no runtime holds two categories' agents (or tokens)", async () => {
    await fc.assert(
      fc.asyncProperty(input, async (i) => {
        const p = await tryPlace(i);
        if (!p) return;
        const categoryOf = new Map(i.agents.map((a) => [a.name, a.category]));
        for (const pool of p.pools) {
          const categories = new Set(pool.agents.map((a) => categoryOf.get(a)));
          expect(categories.size).toBe(1);
          expect(pool.id).toBe(`${pool.node}-${[...categories][0]}-${pool.gpu ? "gpu" : "cpu"}`);
        }
      }),
      runs,
    );
  });

  it("never puts more on a node than its capacity after the reserve", async () => {
    await fc.assert(
      fc.asyncProperty(input, async (i) => {
        const p = await tryPlace(i);
        if (!p) return;
        const byName = new Map(i.agents.map((a) => [a.name, a]));
        for (const node of p.nodes) {
          const agents = p.pools.filter((pool) => pool.node === node.id).flatMap((pool) => pool.agents.map((a) => byName.get(a)!));
          const sum = (f: (a: AgentDemand) => number) => agents.reduce((s, a) => s + f(a), 0);
          expect(sum((a) => a.cpu)).toBeLessThanOrEqual(node.capacity.cpu + 1e-9);
          expect(sum((a) => a.memoryGiB)).toBeLessThanOrEqual(node.capacity.memoryGiB + 1e-9);
          expect(sum((a) => a.gpus)).toBeLessThanOrEqual(node.capacity.gpus);
        }
      }),
      runs,
    );
  });

  // Agents that take a slice of an 8-GPU node in (or near) its own CPU-to-memory-to-GPU ratio: the
  // family where two capacities tie, and the one that found pricing dropping both (issue 25).
  it("keeps every invariant on fleets of multi-GPU slices of 8-GPU nodes, with reserves that put them in the node's exact ratio", async () => {
    const slice = (name: string) =>
      fc.record({ gpus: fc.integer({ min: 2, max: 4 }), cpuPerGpu: fc.constantFrom(15, 15, 15, 14), gibPerGpu: fc.constantFrom(222, 222, 222, 200), minGpu: fc.constantFrom(0, 16, 40) }).map(
        ({ gpus, cpuPerGpu, gibPerGpu, minGpu }): AgentDemand => ({ name, category: "research", cpu: gpus * cpuPerGpu, memoryGiB: gpus * gibPerGpu, gpus, minGpuMemoryGiB: minGpu }),
      );
    const slices = fc.record({
      agents: fc.integer({ min: 2, max: 16 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, k) => fc.oneof({ weight: 6, arbitrary: slice(`slice-${k}`) }, { weight: 1, arbitrary: demand(`slice-${k}`) })))),
      // Always the a100 node, whose ratio the slices take.
      types: fc.uniqueArray(fc.constantFrom(...LAMBDA_INSTANCE_TYPE_NAMES), { minLength: 8 }).map((t) => [...new Set<LambdaInstanceType>(["gpu_8x_a100", ...t])]),
      maxNodes: fc.integer({ min: 2, max: 10 }),
      reserve: fc.constantFrom({ cpu: 4, memoryGiB: 24 }, { cpu: 4, memoryGiB: 24 }, { cpu: 2, memoryGiB: 8 }),
    });
    await fc.assert(
      fc.asyncProperty(slices, async ({ agents, types, maxNodes, reserve }) => {
        const i: PlacementInput = { agents, offers: lambdaOffers(types, maxNodes), reservePerNode: reserve, gpuPolicy: "fail" };
        const p = await tryPlace(i);
        if (p) validatePlacement(i, p);
      }),
      propertyRuns(25),
    );
  });

  it("lands GPU agents only on GPU nodes whose GPUs are big enough, in GPU pools", async () => {
    await fc.assert(
      fc.asyncProperty(input, async (i) => {
        const p = await tryPlace(i);
        if (!p) return;
        for (const agent of i.agents.filter((a) => a.gpus > 0)) {
          const pool = p.pools.find((x) => x.id === p.assignments[agent.name])!;
          const node = p.nodes.find((n) => n.id === pool.node)!;
          expect(pool.gpu).toBe(true);
          expect(node.capacity.gpus).toBeGreaterThanOrEqual(agent.gpus);
          expect(node.gpuMemoryGiB).toBeGreaterThanOrEqual(agent.minGpuMemoryGiB);
        }
      }),
      runs,
    );
  });

  it("gives the same output for the same input, whatever the order of agents and offers", async () => {
    await fc.assert(
      fc.asyncProperty(input, async (i) => {
        const first = await tryPlace(i);
        const again = await tryPlace({ ...i, agents: [...i.agents].reverse(), offers: [...i.offers].reverse() });
        expect(again).toEqual(first);
      }),
      runs,
    );
  });

  it("never costs less than its lower bound", async () => {
    await fc.assert(
      fc.asyncProperty(input, async (i) => {
        const p = await tryPlace(i);
        if (p) expect(p.costPerHour).toBeGreaterThanOrEqual(p.lowerBoundPerHour);
      }),
      runs,
    );
  });

  // What placement guarantees of its bound: it is a bound. Checked against the exact optimum (the
  // integer program, unlimited, on fleets small enough for it), with the word "optimal" only where
  // the cost is that optimum.
  it("never reports a bound above the exact optimum, and says optimal only of the optimum", async () => {
    const small = fc.record({ agents: fc.integer({ min: 1, max: 8 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => demand(`agent-${i}`)))), types: fc.uniqueArray(fc.constantFrom(...LAMBDA_INSTANCE_TYPE_NAMES), { minLength: 1, maxLength: 3 }), maxNodes: fc.integer({ min: 1, max: 4 }) });
    await fc.assert(
      fc.asyncProperty(small, async ({ agents, types, maxNodes }) => {
        const i: PlacementInput = { agents, offers: lambdaOffers(types, maxNodes), reservePerNode: { cpu: 2, memoryGiB: 8 }, gpuPolicy: "fail" };
        const p = await tryPlace(i);
        if (!p) return;
        const optimum = await exactOptimum(i, p.costPerHour);
        expect(p.lowerBoundPerHour).toBeLessThanOrEqual(optimum + 1e-9);
        expect(p.costPerHour).toBeGreaterThanOrEqual(optimum - 1e-9);
        if (p.optimal) expect(p.costPerHour).toBeCloseTo(optimum, 9);
      }),
      // Tiny fleets are fast: more runs.
      propertyRuns(200),
    );
  });

  // "More capacity never raises the cost" is not claimed of the placement: it is a search, and a
  // larger pool can lead it elsewhere (issue 18 measured 14 of 117 fleets). It holds of the optimum,
  // so it holds wherever placement proves its cost optimal, before and after: that is what is checked.
  it("never costs more with more capacity (another instance type, or more nodes allowed) where both placements are proven optimal", async () => {
    const grow = fc.record({ extraType: fc.constantFrom(...LAMBDA_INSTANCE_TYPE_NAMES), extraNodes: fc.integer({ min: 0, max: 4 }) });
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(input, grow, async (i, { extraType, extraNodes }) => {
        const before = await tryPlace(i);
        const types = new Set(i.offers.map((o) => o.name as LambdaInstanceType)).add(extraType);
        const maxNodes = (i.offers[0]?.maxCount ?? 1) + extraNodes;
        const after = await tryPlace({ ...i, offers: lambdaOffers([...types], maxNodes) });
        // More capacity never makes a fleet unplaceable.
        if (before) expect(after).not.toBeNull();
        if (before?.optimal && after?.optimal) {
          checked++;
          expect(after.costPerHour).toBeLessThanOrEqual(before.costPerHour + 1e-9);
        }
      }),
      monotoneRuns,
    );
    // Not vacuous: most placements of these fleets are proven optimal.
    expect(checked).toBeGreaterThan(monotoneRuns.numRuns / 2);
  }, 1_200_000);
});
