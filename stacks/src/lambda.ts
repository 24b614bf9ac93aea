// Staging and production: Lambda Cloud GPU nodes, as many and as large as placement decides, each
// launched with a fallback list, bootstrapped over SSH and carrying its own Docker runtime.
import * as pulumi from "@pulumi/pulumi";
import { LAMBDA_INSTANCE_TYPES, type LambdaInstanceType } from "@sophia/agent-categories";
import { DEFAULT_GPU_CHECK_IMAGE, LambdaNodePool, launchCandidates } from "@sophia/lambda-node";
import type { LambdaConfig } from "@sophia/stack-config";
import { placeForStack } from "./placement";

export async function lambdaEnvironment(
  environment: "staging" | "production",
  values: LambdaConfig,
  secret: (key: string) => pulumi.Output<string> | undefined,
): Promise<Record<string, unknown>> {
  const { placement, explanation } = await placeForStack(values);
  const pool = values["sophia:nodePool"];
  const lambda = values["sophia:lambda"];
  // The schema only admits names from LAMBDA_INSTANCE_TYPE_NAMES.
  const configuredTypes = pool.instanceTypes.map((name) => LAMBDA_INSTANCE_TYPES[name as LambdaInstanceType]);
  const nodes = new LambdaNodePool(`sophia-${environment}`, {
    apiUrl: lambda.apiUrl,
    // Both are required secrets for this environment; readProgramConfig has checked they exist.
    apiKey: secret("sophia:lambdaApiKey")!,
    ssh: { user: lambda.sshUser, publicKey: lambda.sshPublicKey, privateKey: secret("sophia:sshPrivateKey")! },
    inbound: { sshCidrs: lambda.sshAllowedCidrs, ingressPort: values["sophia:ingress"].port, ingressCidrs: values["sophia:ingress"].allowedCidrs },
    logging: { logMaxSizeMiB: values["sophia:retention"].logMaxSizeMiB, logMaxFiles: values["sophia:retention"].logMaxFiles },
    gpuCheckImage: DEFAULT_GPU_CHECK_IMAGE,
    nodes: placement.nodes.map((node) => {
      const chosen = LAMBDA_INSTANCE_TYPES[node.offer as LambdaInstanceType];
      return { id: node.id, gpus: chosen.gpus, candidates: launchCandidates(chosen, configuredTypes, pool.regions) };
    }),
    labels: { "sophia.stack": environment },
    protect: values["sophia:protect"],
  });
  return {
    environment,
    placement: explanation,
    costPerHour: placement.costPerHour,
    nodeAddresses: pulumi.output(Object.fromEntries(Object.entries(nodes.nodes).map(([id, node]) => [id, node.instance.ip]))),
  };
}
