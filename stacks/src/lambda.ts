// Staging and production: Lambda Labs GPU nodes, sized by placement. The node, its bootstrap and the
// Docker runtime bound to it arrive with the lambda-node package; until then this composition
// decides and reports the node pool.
import type * as pulumi from "@pulumi/pulumi";
import type { LambdaConfig } from "@sophia/stack-config";
import { placeForStack } from "./placement";

export async function lambdaEnvironment(
  environment: "staging" | "production",
  values: LambdaConfig,
  _secret: (key: string) => pulumi.Output<string> | undefined,
): Promise<Record<string, unknown>> {
  const { placement, explanation } = await placeForStack(values);
  return {
    environment,
    placement: explanation,
    costPerHour: placement.costPerHour,
    nodes: placement.nodes.map((n) => `${n.id}: ${n.offer}`),
  };
}
