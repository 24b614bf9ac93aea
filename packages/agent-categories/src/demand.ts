// Turning declarations into placement input: agents into demands, an environment's node pool into offers.
import { type AgentDeclaration, agentNeeds } from "./agents";
import { LAMBDA_INSTANCE_TYPES, type LambdaInstanceType } from "./instance-types";
import type { AgentDemand, NodeOffer } from "./placement-types";

export function agentDemands(agents: readonly AgentDeclaration[]): AgentDemand[] {
  return agents.map((agent) => {
    const needs = agentNeeds(agent);
    return {
      name: agent.name,
      category: agent.category,
      cpu: needs.cpu,
      memoryGiB: needs.memoryGiB,
      gpus: needs.gpu?.count ?? 0,
      minGpuMemoryGiB: needs.gpu?.minMemoryGiB ?? 0,
    };
  });
}

export function lambdaOffers(instanceTypes: readonly LambdaInstanceType[], maxNodesPerType: number): NodeOffer[] {
  return instanceTypes.map((name) => {
    const t = LAMBDA_INSTANCE_TYPES[name];
    return { name, vcpus: t.vcpus, memoryGiB: t.memoryGiB, gpus: t.gpus, gpuMemoryGiB: t.gpuMemoryGiB, pricePerHour: t.pricePerHour, maxCount: maxNodesPerType };
  });
}

/** The local machine as the only node: no GPU, no price. */
export function localOffer(cpus: number, memoryGiB: number): NodeOffer {
  return { name: "local", vcpus: cpus, memoryGiB, gpus: 0, gpuMemoryGiB: 0, pricePerHour: 0, maxCount: 1 };
}
