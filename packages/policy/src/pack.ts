// The rules of ./rules.ts as a CrossGuard policy pack (@pulumi/policy), for `pulumi preview
// --policy-pack packages/policy/pack` wherever a Pulumi CLI runs.
//
// Where the runtime differs from the review: @pulumi/policy hands a validation its resource's
// properties with every secret already unwrapped (server.js deserializes them with proxySecrets
// false), so no validation can tell a Pulumi secret from plain text. The pack therefore runs
// `no-plaintext-secret-env` as a remediation, the one hook that sees secrets as Secret values: a
// plain value under a secret-looking name is made a secret before it is stored. The review, which
// sees secretness in mock mode, refuses such a value instead (mandatory).
import { PolicyPack, type PolicyResource as RuntimeResource, type ResourceValidationPolicy, Secret, type StackValidationPolicy } from "@pulumi/policy";
import { items, type PolicyResource, RESOURCE_RULES, SECRET_ENV_RULE, secretLookingPlainEnvs, STACK_RULES } from "./rules";

export const POLICY_PACK_NAME = "sophia";

/** A resource as the rules read it, from what the runtime hands a policy. */
export function fromRuntime(r: { type: string; name: string; urn: string; props: Record<string, unknown>; opts: { protect?: boolean } }): PolicyResource {
  return { type: r.type, name: r.name, urn: r.urn, props: r.props, protect: r.opts.protect === true };
}

export function sophiaPolicies(): (ResourceValidationPolicy | StackValidationPolicy)[] {
  return [
    ...RESOURCE_RULES.filter((rule) => rule.name !== SECRET_ENV_RULE.name).map(
      (rule): ResourceValidationPolicy => ({
        name: rule.name,
        description: rule.description,
        enforcementLevel: rule.enforcementLevel,
        validateResource: (args, reportViolation) => {
          for (const message of rule.check(fromRuntime(args))) reportViolation(message);
        },
      }),
    ),
    {
      name: SECRET_ENV_RULE.name,
      description: `${SECRET_ENV_RULE.description} (Here a remediation: a plain value is made a secret.)`,
      enforcementLevel: "remediate",
      remediateResource: (args) => {
        if (args.type !== "docker:index/container:Container" || args.props.envs instanceof Secret) return undefined;
        try {
          const plain = new Set(secretLookingPlainEnvs(args.props).map((e) => e.name));
          if (plain.size === 0) return undefined;
          const envs = items(args.props.envs).map((e) => (typeof e === "string" && plain.has(e.slice(0, e.indexOf("="))) ? new Secret(e) : e));
          return { ...args.props, envs };
        } catch (error) {
          // A value not known until `up` (a generated token, during a first preview) is a secret
          // made by the program itself; `up` remediates with every value known.
          if ((error as Error).constructor.name === "UnknownValueError") return undefined;
          throw error;
        }
      },
    },
    ...STACK_RULES.map(
      (rule): StackValidationPolicy => ({
        name: rule.name,
        description: rule.description,
        enforcementLevel: rule.enforcementLevel,
        validateStack: (args, reportViolation) => {
          for (const v of rule.check(args.resources.map((r: RuntimeResource) => fromRuntime(r)))) reportViolation(v.message, v.urn);
        },
      }),
    ),
  ];
}

/** Starts the pack: what the policy runtime runs (pack/index.ts). */
export function servePolicyPack(): PolicyPack {
  return new PolicyPack(POLICY_PACK_NAME, { policies: sophiaPolicies() });
}
