// Seeded placement instances that are hard in known ways, for the benchmark and the tests: today's
// random fleets are easy (many small agents), and these are not. The same family, size and seed
// always give the same instance.
import prand from "pure-rand";
import { lambdaOffers } from "./demand";
import { LAMBDA_INSTANCE_TYPE_NAMES, type LambdaInstanceType } from "./instance-types";
import type { AgentDemand, PlacementInput } from "./placement";
import { randomPlacementInput } from "./random-instance";

export const PLACEMENT_FAMILIES = ["random", "ffd-worst-case", "one-gpu-mixed-memory", "memory-bound", "few-types-binding", "thousands-of-nodes"] as const;
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
    case "thousands-of-nodes": {
      // Agents a third of a small node each: 10,000 agents need about 3,000 nodes.
      for (let i = 0; i < size; i++) agent("code-assistance", pick([6, 8, 9]), pick([32, 48, 64]));
      return { agents, offers: lambdaOffers(["gpu_1x_rtx6000", "gpu_1x_a10", "gpu_4x_a6000"], size), reservePerNode: RESERVE, gpuPolicy: "fail" };
    }
  }
}
