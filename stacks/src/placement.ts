// Placement for a stack: the category library decides pools and nodes from the stack's config.
import { agentDemands, DEFAULT_AGENTS, explainPlacement, lambdaOffers, type LambdaInstanceType, localOffer, type Placement, placeAgents, PlacementError } from "@sophia/agent-categories";
import type { LambdaConfig, LocalConfig } from "@sophia/stack-config";
import * as pulumi from "@pulumi/pulumi";

export interface StackPlacement {
  readonly placement: Placement;
  /** Lines a reviewer reads in the plan: why each pool sits where it sits, and what it costs. */
  readonly explanation: readonly string[];
}

const categoriesByAgent = Object.fromEntries(DEFAULT_AGENTS.map((a) => [a.name, a.category]));

export async function placeForStack(values: LocalConfig | LambdaConfig): Promise<StackPlacement> {
  const offers =
    values["sophia:environment"] === "local"
      ? [localOffer((values as LocalConfig)["sophia:local"].cpus, (values as LocalConfig)["sophia:local"].memoryGiB)]
      : lambdaPoolOffers(values as LambdaConfig);
  try {
    const placement = await placeAgents({
      agents: agentDemands(DEFAULT_AGENTS),
      offers,
      reservePerNode: values["sophia:placement"].reservePerNode,
      gpuPolicy: values["sophia:placement"].gpuPolicy,
    });
    return { placement, explanation: explainPlacement(placement, categoriesByAgent) };
  } catch (error) {
    // An agent that fits nowhere is a config problem of this stack: one line, no stack trace.
    if (error instanceof PlacementError) throw new pulumi.RunError(`stacks/Pulumi.${pulumi.getStack()}.yaml: placement: ${error.message}`);
    throw error;
  }
}

function lambdaPoolOffers(values: LambdaConfig) {
  const pool = values["sophia:nodePool"];
  // The schema only admits names from LAMBDA_INSTANCE_TYPE_NAMES.
  return lambdaOffers(pool.instanceTypes as LambdaInstanceType[], pool.maxNodesPerType);
}
