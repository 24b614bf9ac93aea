// Placement for a stack: the category library decides pools and nodes from the stack's config.
import { agentDemands, DEFAULT_AGENTS, explainPlacement, lambdaOffers, type LambdaInstanceType, localOffer, type Placement, placeAgents, PlacementError, validatePlacement } from "@sophia/agent-categories";
import type { LambdaConfig, LocalConfig } from "@sophia/stack-config";
import * as pulumi from "@pulumi/pulumi";

export interface StackPlacement {
  readonly placement: Placement;
  /** Lines a reviewer reads in the plan: why each pool sits where it sits, and what it costs. */
  readonly explanation: readonly string[];
}

const categoriesByAgent = Object.fromEntries(DEFAULT_AGENTS.map((a) => [a.name, a.category]));

/** `file` names the stack file in an error; the program's own by default. */
export async function placeForStack(values: LocalConfig | LambdaConfig, file = `stacks/Pulumi.${pulumi.getStack()}.yaml`): Promise<StackPlacement> {
  const offers =
    values["sophia:environment"] === "local"
      ? [localOffer((values as LocalConfig)["sophia:local"].cpus, (values as LocalConfig)["sophia:local"].memoryGiB)]
      : lambdaPoolOffers(values as LambdaConfig);
  try {
    const input = { agents: agentDemands(DEFAULT_AGENTS), offers, reservePerNode: values["sophia:placement"].reservePerNode, gpuPolicy: values["sophia:placement"].gpuPolicy };
    const placement = await placeAgents(input);
    // placeAgents checks its result on the way out; the stack checks the very placement it deploys
    // again, so the plan (and the review, which compares plans) never shows one that breaks it.
    validatePlacement(input, placement);
    return { placement, explanation: explainPlacement(placement, categoriesByAgent) };
  } catch (error) {
    // An agent that fits nowhere is a config problem of this stack: one line, no stack trace.
    if (error instanceof PlacementError) throw new pulumi.RunError(`${file}: placement: ${error.message}; ${whatToChange(error, values)}`);
    throw error;
  }
}

/** The config keys that decide whether the agent fits, with their values now. */
export function whatToChange(error: PlacementError, values: LocalConfig | LambdaConfig): string {
  const reserve = values["sophia:placement"].reservePerNode;
  const lowerReserve = `lower sophia:placement.reservePerNode (now cpu ${reserve.cpu}, memoryGiB ${reserve.memoryGiB})`;
  if (values["sophia:environment"] === "local") {
    const local = (values as LocalConfig)["sophia:local"];
    if (error.failure === "no-gpu") return `set sophia:placement.gpuPolicy to cpu-fallback (the local stack has no GPU)`;
    return `raise sophia:local.cpus (now ${local.cpus}) or sophia:local.memoryGiB (now ${local.memoryGiB}), or ${lowerReserve}`;
  }
  const pool = (values as LambdaConfig)["sophia:nodePool"];
  if (error.failure === "no-gpu") return `add a GPU type to sophia:nodePool.instanceTypes (now ${pool.instanceTypes.join(", ")}) or set sophia:placement.gpuPolicy to cpu-fallback`;
  if (error.failure === "pool-full") return `raise sophia:nodePool.maxNodesPerType (now ${pool.maxNodesPerType}) or add types to sophia:nodePool.instanceTypes`;
  return `add a larger type to sophia:nodePool.instanceTypes (now ${pool.instanceTypes.join(", ")}), or ${lowerReserve}`;
}

function lambdaPoolOffers(values: LambdaConfig) {
  const pool = values["sophia:nodePool"];
  // The schema only admits names from LAMBDA_INSTANCE_TYPE_NAMES.
  return lambdaOffers(pool.instanceTypes as LambdaInstanceType[], pool.maxNodesPerType);
}
