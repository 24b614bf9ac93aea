export { ALLOWED_EXCEPTIONS, type ContainerException } from "./exceptions";
export { type EnforcementLevel, evaluatePolicies, EXCEPTION_LABEL, items, MONITORING_STACK, type PolicyResource, RESOURCE_RULES, type ResourceRule, reveal, SECRET_ENV_RULE, secretLookingPlainEnvs, STACK_RULES, type StackRule, stackOf, type Verdict } from "./rules";
