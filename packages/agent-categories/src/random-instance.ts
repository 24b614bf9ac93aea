// Seeded random placement instances, for the benchmark and for tests that want a realistic fleet.
// The same seed always gives the same instance.
import prand from "pure-rand";
import { CATEGORIES, CATEGORY_NAMES, type CategoryName } from "./categories";
import { lambdaOffers } from "./demand";
import { LAMBDA_INSTANCE_TYPE_NAMES } from "./instance-types";
import type { AgentDemand, PlacementInput } from "./placement-types";

// How often each category appears in a generated fleet: mostly light CPU agents, a few GPU ones.
const WEIGHTS: Record<CategoryName, number> = {
  "core-orchestration": 10,
  "business-intelligence": 25,
  infrastructure: 10,
  "code-assistance": 30,
  research: 5,
  monitoring: 20,
};

const GPU_MEMORY_CHOICES = [16, 24, 40, 48, 80] as const;

export function randomPlacementInput(agentCount: number, seed: number): PlacementInput {
  const rng = prand.xoroshiro128plus(seed);
  const int = (lo: number, hi: number) => prand.unsafeUniformIntDistribution(lo, hi, rng);
  const totalWeight = CATEGORY_NAMES.reduce((s, c) => s + WEIGHTS[c], 0);
  const agents: AgentDemand[] = [];
  for (let i = 0; i < agentCount; i++) {
    let pick = int(0, totalWeight - 1);
    const category = CATEGORY_NAMES.find((c) => (pick -= WEIGHTS[c]) < 0) ?? CATEGORY_NAMES[0]!;
    const needs = CATEGORIES[category].needs;
    // Each agent varies around its category's needs: ×0.5 to ×2 in quarter steps.
    const scale = () => int(2, 8) / 4;
    const gpu = needs.gpu;
    agents.push({
      name: `agent-${String(i).padStart(5, "0")}`,
      category,
      cpu: Math.max(0.25, Math.round(needs.cpu * scale() * 4) / 4),
      memoryGiB: Math.max(0.5, Math.round(needs.memoryGiB * scale() * 2) / 2),
      gpus: gpu ? int(1, 2) : 0,
      minGpuMemoryGiB: gpu ? GPU_MEMORY_CHOICES[int(0, GPU_MEMORY_CHOICES.length - 1)]! : 0,
    });
  }
  return {
    agents,
    offers: lambdaOffers(LAMBDA_INSTANCE_TYPE_NAMES, Math.max(4, agentCount)),
    reservePerNode: { cpu: 2, memoryGiB: 8 },
    gpuPolicy: "fail",
  };
}
