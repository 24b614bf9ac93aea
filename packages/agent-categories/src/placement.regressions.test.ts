// The cases issue 25 found, each a placement that once broke its own invariants or refused a fleet
// that fits; every result here also passes validatePlacement (placeAgents checks it on the way out,
// and the tests check it again so that they do not depend on that).
import { lambdaOffers } from "./demand";
import { LAMBDA_INSTANCE_TYPE_NAMES } from "./instance-types";
import { type OfferCapacity, priceByDynamicProgram, pricePattern, type Shape } from "./patterns";
import { type AgentDemand, placeAgents, type PlacementInput } from "./placement";
import { validatePlacement } from "./validate-placement";

describe("pricing keeps every capacity where two dimensions stand in the node's own ratio", () => {
  // fast-check's counterexample for seed 854756055 (patterns.test.ts): memory and GPUs each "run out
  // first" because of the other, and both were dropped from the dynamic program.
  const shapes: Shape[] = [
    { cpu: 2250, mem: 1536, gpus: 1, gpuMem: 16, count: 3 },
    { cpu: 3000, mem: 8192, gpus: 0, gpuMem: 24, count: 2 },
    { cpu: 2500, mem: 1536, gpus: 1, gpuMem: 16, count: 3 },
    { cpu: 3750, mem: 6144, gpus: 0, gpuMem: 24, count: 1 },
  ];
  const offer: OfferCapacity = { cpu: 9000, mem: 3072, gpus: 2, gpuMem: 24, price: 1, max: 4 };
  const values = [1.0000000000000002e-12, 0, 1.0000000000000006e-12, 0];

  it("seed 854756055: the priced pattern fits the node, and is the best one (two GPU agents, as many as its 2 GPUs hold)", () => {
    for (const priced of [pricePattern(shapes, offer, values), priceByDynamicProgram(shapes, offer, values)!]) {
      const used = priced.counts.reduce((u, c, t) => ({ cpu: u.cpu + c * shapes[t]!.cpu, mem: u.mem + c * shapes[t]!.mem, gpus: u.gpus + c * shapes[t]!.gpus }), { cpu: 0, mem: 0, gpus: 0 });
      expect(used.cpu).toBeLessThanOrEqual(offer.cpu);
      expect(used.mem).toBeLessThanOrEqual(offer.mem);
      expect(used.gpus).toBeLessThanOrEqual(offer.gpus);
      expect(priced.counts[0]! + priced.counts[2]!).toBe(2);
      expect(priced.value).toBeCloseTo(2e-12, 20);
    }
  });

  it("the same at ordinary values: a10 nodes, agents in the node's exact CPU-to-memory ratio, one node each", async () => {
    const agents: AgentDemand[] = [
      [14, 109],
      [7, 54.5],
      [21, 163.5],
    ].map(([cpu, memoryGiB], k) => ({ name: `agent-${k}`, category: "research", cpu: cpu!, memoryGiB: memoryGiB!, gpus: 0, minGpuMemoryGiB: 0 }));
    const input: PlacementInput = { agents, offers: lambdaOffers(["gpu_1x_a10"], 10), reservePerNode: { cpu: 2, memoryGiB: 8 }, gpuPolicy: "fail" };
    const placement = await placeAgents(input);
    validatePlacement(input, placement);
    // 42 vCPU and 327 GiB over nodes of 28 and 218: two nodes at the least, and two suffice.
    expect(placement.nodes).toHaveLength(2);
    expect(placement.costPerHour).toBe(2.58);
    expect(placement.optimal).toBe(true);
  });
});

it("multi-GPU slices of 8-GPU nodes: ten agents of 2–4 GPUs, 15 vCPU and 222 GiB per GPU (an a100 node's exact ratio after a 4 vCPU / 24 GiB reserve), every node within its capacity and the cost at or above its bound", async () => {
  const gpus = [3, 2, 2, 2, 2, 4, 2, 4, 2, 2];
  const agents = gpus.map((g, k): AgentDemand => ({ name: `slice-${k}`, category: "research", cpu: 15 * g, memoryGiB: 222 * g, gpus: g, minGpuMemoryGiB: 16 }));
  const input: PlacementInput = { agents, offers: lambdaOffers(LAMBDA_INSTANCE_TYPE_NAMES, 10), reservePerNode: { cpu: 4, memoryGiB: 24 }, gpuPolicy: "fail" };
  const placement = await placeAgents(input);
  validatePlacement(input, placement);
  for (const node of placement.nodes) {
    expect(node.used.cpu).toBeLessThanOrEqual(node.capacity.cpu);
    expect(node.used.memoryGiB).toBeLessThanOrEqual(node.capacity.memoryGiB);
    expect(node.used.gpus).toBeLessThanOrEqual(node.capacity.gpus);
  }
  expect(placement.costPerHour).toBeGreaterThanOrEqual(placement.lowerBoundPerHour);
  // 25 GPUs of a100 slices: four 8-GPU nodes at the least.
  expect(placement.nodes.reduce((sum, n) => sum + n.used.gpus, 0)).toBe(25);
  console.log(placement.nodes.map((n) => `${n.id}: cpu ${n.used.cpu}/${n.capacity.cpu}, memory ${n.used.memoryGiB}/${n.capacity.memoryGiB} GiB, gpus ${n.used.gpus}/${n.capacity.gpus}`).join("\n") + `\ncost $${placement.costPerHour}/h, bound $${placement.lowerBoundPerHour}/h (${placement.lowerBoundFrom}), optimal ${placement.optimal}`);
});

it("tight node limits: the fleet that fits only one way round is placed, not refused (4 GPUs ≥ 16 GB on the v100, 1 GPU ≥ 48 GB on the a6000)", async () => {
  const agents: AgentDemand[] = [
    { name: "four-small-gpus", category: "research", cpu: 8, memoryGiB: 32, gpus: 4, minGpuMemoryGiB: 16 },
    { name: "one-big-gpu", category: "research", cpu: 4, memoryGiB: 16, gpus: 1, minGpuMemoryGiB: 48 },
  ];
  const input: PlacementInput = { agents, offers: lambdaOffers(["gpu_4x_a6000", "gpu_8x_v100"], 1), reservePerNode: { cpu: 2, memoryGiB: 8 }, gpuPolicy: "fail" };
  const placement = await placeAgents(input);
  validatePlacement(input, placement);
  expect(placement.costPerHour).toBe(10.68);
  expect(placement.assignments["four-small-gpus"]).toMatch(/^gpu-8x-v100-0-/);
  expect(placement.assignments["one-big-gpu"]).toMatch(/^gpu-4x-a6000-0-/);
});

it("a fleet that does not fit is still refused, naming an agent that finds no room", async () => {
  const agents: AgentDemand[] = [
    { name: "four-small-gpus", category: "research", cpu: 8, memoryGiB: 32, gpus: 4, minGpuMemoryGiB: 16 },
    { name: "one-big-gpu", category: "research", cpu: 4, memoryGiB: 16, gpus: 1, minGpuMemoryGiB: 48 },
    { name: "another-big-gpu", category: "research", cpu: 4, memoryGiB: 16, gpus: 4, minGpuMemoryGiB: 48 },
  ];
  const input: PlacementInput = { agents, offers: lambdaOffers(["gpu_4x_a6000", "gpu_8x_v100"], 1), reservePerNode: { cpu: 2, memoryGiB: 8 }, gpuPolicy: "fail" };
  await expect(placeAgents(input)).rejects.toMatchObject({ name: "PlacementError", failure: "pool-full", message: expect.stringMatching(/fits nowhere: .*the node pool \(1× gpu_4x_a6000, 1× gpu_8x_v100\) is full/) });
});
