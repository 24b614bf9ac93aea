// The invariant on placements built by hand: one good placement, and each way of breaking it, each
// refused with the node, agent or dimension named.
import { lambdaOffers } from "./demand";
import type { Placement, PlacementInput } from "./placement";
import { validatePlacement } from "./validate-placement";

const input: PlacementInput = {
  agents: [
    { name: "scout", category: "research", cpu: 4, memoryGiB: 16, gpus: 1, minGpuMemoryGiB: 24 },
    { name: "coder", category: "code-assistance", cpu: 8, memoryGiB: 32, gpus: 0, minGpuMemoryGiB: 0 },
  ],
  offers: lambdaOffers(["gpu_1x_a10"], 1),
  reservePerNode: { cpu: 2, memoryGiB: 8 },
  gpuPolicy: "fail",
};
const capacity = { cpu: 28, memoryGiB: 218, gpus: 1 };
const good: Placement = {
  nodes: [{ id: "gpu-1x-a10-0", offer: "gpu_1x_a10", pricePerHour: 1.29, gpuMemoryGiB: 24, capacity, used: { cpu: 12, memoryGiB: 48, gpus: 1 } }],
  pools: [
    { id: "gpu-1x-a10-0-code-assistance-cpu", node: "gpu-1x-a10-0", gpu: false, agents: ["coder"], needs: { cpu: 8, memoryGiB: 32, gpus: 0 }, costPerHour: 0.65 },
    { id: "gpu-1x-a10-0-research-gpu", node: "gpu-1x-a10-0", gpu: true, agents: ["scout"], needs: { cpu: 4, memoryGiB: 16, gpus: 1 }, costPerHour: 0.64 },
  ],
  assignments: { coder: "gpu-1x-a10-0-code-assistance-cpu", scout: "gpu-1x-a10-0-research-gpu" },
  costPerHour: 1.29,
  lowerBoundPerHour: 1.29,
  lowerBoundFrom: "aggregate program",
  optimal: true,
  warnings: [],
};

it("accepts a placement that keeps every invariant", () => {
  expect(() => validatePlacement(input, good)).not.toThrow();
});

const withAgents = (changes: Partial<PlacementInput["agents"][number]>[]): PlacementInput => ({ ...input, agents: input.agents.map((a, k) => ({ ...a, ...changes[k] })) });

it.each<[string, PlacementInput, Placement, RegExp]>([
  ["a node over its CPU (its own `used` says otherwise)", withAgents([{}, { cpu: 25 }]), good, /node gpu-1x-a10-0 \(gpu_1x_a10\): cpu 29 vCPU used of 28 after the reserve/],
  ["a node over its memory", withAgents([{ memoryGiB: 200 }]), good, /node gpu-1x-a10-0 \(gpu_1x_a10\): memory 232 GiB used of 218 after the reserve/],
  ["a node over its GPUs", withAgents([{ gpus: 2 }]), good, /node gpu-1x-a10-0 \(gpu_1x_a10\): gpus 2 GPUs used of 1 after the reserve/],
  ["a GPU agent on GPUs too small", withAgents([{ minGpuMemoryGiB: 40 }]), good, /node gpu-1x-a10-0 \(gpu_1x_a10\): agent scout needs GPUs of ≥ 40 GiB and the node's have 24 GiB/],
  ["more nodes of an offer than allowed", input, { ...good, nodes: [...good.nodes, { ...good.nodes[0]!, id: "gpu-1x-a10-1" }], costPerHour: 2.58 }, /2 nodes of gpu_1x_a10, and at most 1 are allowed/],
  ["a cost below its own bound", input, { ...good, lowerBoundPerHour: 2 }, /its cost \$1.29\/h is below the lower bound it reports, \$2\/h/],
  ["a cost that is not its nodes' prices", input, { ...good, costPerHour: 0.5, lowerBoundPerHour: 0.5 }, /its cost \$0.5\/h is not its nodes' prices added up \(\$1.29\/h\)/],
  ["an agent in no pool", input, { ...good, pools: good.pools.slice(1) }, /agent coder is in no pool/],
  ["an agent in two pools", input, { ...good, pools: [...good.pools, { ...good.pools[0]!, id: "gpu-1x-a10-0-code-assistance-cpu" }] }, /agent coder is in two pools/],
  ["two categories in one pool", withAgents([{ gpus: 0 }]), { ...good, pools: [{ ...good.pools[0]!, agents: ["coder", "scout"] }], assignments: { coder: good.pools[0]!.id, scout: good.pools[0]!.id } }, /pool gpu-1x-a10-0-code-assistance-cpu holds agents of 2 categories \(code-assistance, research\)/],
  ["a GPU agent in a CPU pool", input, { ...good, pools: [{ ...good.pools[0]!, agents: ["coder", "scout"] }], assignments: { coder: good.pools[0]!.id, scout: good.pools[0]!.id } }, /agent scout \(1 GPUs\) is in pool gpu-1x-a10-0-code-assistance-cpu, a CPU pool/],
  ["a pool on a node that does not exist", input, { ...good, pools: [{ ...good.pools[0]!, node: "gpu-1x-a10-9" }, good.pools[1]!] }, /pool gpu-1x-a10-0-code-assistance-cpu is on node gpu-1x-a10-9, which the placement does not have/],
  ["an assignment that disagrees with the pools", input, { ...good, assignments: { ...good.assignments, coder: "elsewhere" } }, /agent coder is in pool gpu-1x-a10-0-code-assistance-cpu but assigned to elsewhere/],
])("refuses %s, naming it", (_, i, placement, message) => {
  expect(() => validatePlacement(i, placement)).toThrow(message);
  expect(() => validatePlacement(i, placement)).toThrow(/^placement broke its own invariant: /);
});
