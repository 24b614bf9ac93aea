// Seeded placement instances that are hard in known ways, for the benchmark and the tests: today's
// random fleets are easy (many small agents), and these are not. The same family, size and seed
// always give the same instance.
import prand from "pure-rand";
import { lambdaOffers } from "./demand";
import { LAMBDA_INSTANCE_TYPE_NAMES, type LambdaInstanceType } from "./instance-types";
import type { AgentDemand, PlacementInput } from "./placement-types";
import { randomPlacementInput } from "./random-instance";

export const PLACEMENT_FAMILIES = [
  "random",
  "ffd-worst-case",
  "one-gpu-mixed-memory",
  "memory-bound",
  "few-types-binding",
  "thousands-of-nodes",
  // Issue 25's families, built to break what the first six did not: ties between capacities, one GPU
  // type, three tight dimensions, sizes that are all different, and odd GPU counts at scale.
  "multi-gpu-slices",
  "one-gpu-type-mixed-memory",
  "three-tight-dimensions",
  "jittered-fractions",
  "fine-grained",
  "odd-gpu-counts",
] as const;
export type PlacementFamily = (typeof PLACEMENT_FAMILIES)[number];

const RESERVE = { cpu: 2, memoryGiB: 8 };

/** A fleet of about `size` agents of `family`. */
export function hardPlacementInput(family: PlacementFamily, size: number, seed: number): PlacementInput {
  const rng = prand.xoroshiro128plus(seed);
  const int = (lo: number, hi: number) => prand.unsafeUniformIntDistribution(lo, hi, rng);
  const pick = <T>(xs: readonly T[]) => xs[int(0, xs.length - 1)]!;
  const agents: AgentDemand[] = [];
  const agent = (category: string, cpu: number, memoryGiB: number, gpus = 0, minGpuMemoryGiB = 0) =>
    agents.push({ name: `agent-${String(agents.length).padStart(5, "0")}`, category, cpu, memoryGiB, gpus, minGpuMemoryGiB });
  switch (family) {
    case "random":
      return randomPlacementInput(size, seed);
    case "ffd-worst-case": {
      // First-fit decreasing's 11/9 family on a node of 28 vCPU (gpu_1x_a10 after the reserve), in
      // quarter vCPUs: 56+e, 28+2e, 28+e and 28-2e (e = 1 or 2 quarters), 2:2:2:4. The optimum pairs them
      // {big, middle, small} and {upper, upper, small, small}, with no room left; FFD leaves gaps.
      const e = int(1, 2);
      const unit = Math.max(1, Math.round(size / 10));
      const quarters = [56 + e, 28 + 2 * e, 28 + e, 28 - 2 * e];
      const counts = [2, 2, 2, 4];
      quarters.forEach((q, k) => {
        for (let i = 0; i < counts[k]! * unit; i++) agent("code-assistance", q / 4, 1);
      });
      return { agents, offers: lambdaOffers(["gpu_1x_a10"], agents.length), reservePerNode: RESERVE, gpuPolicy: "fail" };
    }
    case "one-gpu-mixed-memory": {
      // Every agent needs exactly one GPU, of one of five minimum sizes: the GPUs, not CPU or memory,
      // decide, and a big-GPU node half-filled with small-GPU agents is the waste to avoid.
      for (let i = 0; i < size; i++) agent("research", pick([2, 4, 8]), pick([16, 32]), 1, pick([16, 24, 40, 48, 80]));
      return { agents, offers: lambdaOffers(LAMBDA_INSTANCE_TYPE_NAMES, size), reservePerNode: RESERVE, gpuPolicy: "fail" };
    }
    case "memory-bound": {
      // Little CPU, much memory: memory fills the nodes long before CPU does.
      for (let i = 0; i < size; i++) agent("business-intelligence", pick([0.25, 0.5, 1]), pick([24, 48, 72, 96]));
      return { agents, offers: lambdaOffers(LAMBDA_INSTANCE_TYPE_NAMES, size), reservePerNode: RESERVE, gpuPolicy: "fail" };
    }
    case "few-types-binding": {
      // Two or three types, the cheapest per vCPU capped well below what the fleet would want of it.
      for (let i = 0; i < size; i++) agent(pick(["code-assistance", "monitoring", "infrastructure"]), pick([1, 2, 3]), pick([2, 4, 8]));
      const types: LambdaInstanceType[] = seed % 2 === 0 ? ["gpu_1x_a10", "gpu_4x_a6000"] : ["gpu_1x_a10", "gpu_4x_a6000", "gpu_8x_v100"];
      const offers = lambdaOffers(types, size).map((o) => (o.name === "gpu_1x_a10" ? { ...o, maxCount: Math.max(1, Math.floor(size / 40)) } : o));
      return { agents, offers, reservePerNode: RESERVE, gpuPolicy: "fail" };
    }
    case "multi-gpu-slices": {
      // 2–4 GPUs each, at an 8-GPU a100 node's own ratio after a 4 vCPU / 24 GiB reserve (15 vCPU
      // and 222 GiB a GPU), so CPU, memory and GPUs all run out together; a fifth at a looser ratio.
      for (let i = 0; i < size; i++) {
        const gpus = int(2, 4);
        const exact = int(0, 4) > 0;
        agent("research", gpus * (exact ? 15 : 12), gpus * (exact ? 222 : 160), gpus, pick([0, 16, 40]));
      }
      return { agents, offers: lambdaOffers(LAMBDA_INSTANCE_TYPE_NAMES, size), reservePerNode: { cpu: 4, memoryGiB: 24 }, gpuPolicy: "fail" };
    }
    case "one-gpu-type-mixed-memory": {
      // One GPU model's nodes only (the a100s, 40 and 80 GB): GPU counts of 1, 2 and 4 with mixed memory
      // needs, so the 80 GB nodes are worth their price only when filled with agents that need them.
      for (let i = 0; i < size; i++) agent("research", pick([4, 8, 12]), pick([32, 64, 128]), pick([1, 1, 2, 4]), pick([24, 40, 48, 80]));
      return { agents, offers: lambdaOffers(["gpu_8x_a100", "gpu_8x_a100_80gb_sxm4"], size), reservePerNode: RESERVE, gpuPolicy: "fail" };
    }
    case "three-tight-dimensions": {
      // One GPU each, and CPU and memory each about a third to a half of an a10's: every capacity binds.
      for (let i = 0; i < size; i++) agent("research", pick([8, 9, 10, 12, 13]), pick([60, 70, 80, 100]), 1, 24);
      return { agents, offers: lambdaOffers(["gpu_1x_a10", "gpu_1x_h100_pcie", "gpu_2x_h100_sxm5"], size), reservePerNode: RESERVE, gpuPolicy: "fail" };
    }
    case "jittered-fractions": {
      // A third of an a10 node each (28 vCPU, 218 GiB after the reserve), jittered by up to ±10 % in
      // quarter vCPUs and half GiB: three almost fit, and which three is the puzzle.
      for (let i = 0; i < size; i++) agent("code-assistance", (28 * 4 + int(-11, 11) * 3) / 12, (218 * 2 + int(-22, 22) * 3) / 6);
      return { agents, offers: lambdaOffers(["gpu_1x_a10", "gpu_1x_rtx6000", "gpu_4x_a6000"], size), reservePerNode: RESERVE, gpuPolicy: "fail" };
    }
    case "fine-grained": {
      // Every size its own: vCPU in quarters from 0.25 to 16, memory in half GiB from 0.5 to 64.
      for (let i = 0; i < size; i++) agent(pick(["code-assistance", "business-intelligence", "monitoring"]), int(1, 64) / 4, int(1, 128) / 2);
      return { agents, offers: lambdaOffers(["gpu_1x_rtx6000", "gpu_1x_a10", "gpu_4x_a6000", "gpu_8x_v100"], size), reservePerNode: RESERVE, gpuPolicy: "fail" };
    }
    case "odd-gpu-counts": {
      // 1, 3, 5 or 7 GPUs each: odd counts leave holes in 2-, 4- and 8-GPU nodes.
      for (let i = 0; i < size; i++) {
        const gpus = pick([1, 3, 5, 7]);
        agent("research", gpus * pick([2, 4, 6]), gpus * pick([16, 32, 48]), gpus, pick([16, 24, 40]));
      }
      return { agents, offers: lambdaOffers(LAMBDA_INSTANCE_TYPE_NAMES, size), reservePerNode: RESERVE, gpuPolicy: "fail" };
    }
    case "thousands-of-nodes": {
      // Agents a third of a small node each: 10,000 agents need about 3,000 nodes.
      for (let i = 0; i < size; i++) agent("code-assistance", pick([6, 8, 9]), pick([32, 48, 64]));
      return { agents, offers: lambdaOffers(["gpu_1x_rtx6000", "gpu_1x_a10", "gpu_4x_a6000"], size), reservePerNode: RESERVE, gpuPolicy: "fail" };
    }
  }
}
