// tsx packages/review/src/evaluate-side.ts <root> <stack>: one side of a review, run by the command. Evaluates the program of the
// checkout at <root> (its stacks/index.ts, its config file, its own plan code) in mock mode and prints
// the resources and outputs as JSON on stdout. Secret values are replaced by a short hash of
// themselves, so the review can say a secret changed without ever holding it. One evaluation per
// process: the Pulumi SDK keeps its state in module globals.
import { createHash } from "node:crypto";
import * as path from "node:path";
import { Secret } from "@pulumi/policy";
import type { Evaluation } from "@sophia/plan";
import { evaluatePolicies, type PolicyResource } from "@sophia/policy";

export const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Mock mode's secret markers as @pulumi/policy's Secret values, which the rules know. */
export function asPolicyProps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asPolicyProps);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (record[SECRET_SIG] !== undefined) return new Secret(asPolicyProps(record.value));
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, asPolicyProps(v)]));
}

const hash = (value: unknown) => createHash("sha256").update(JSON.stringify(value ?? null)).digest("hex").slice(0, 12);

/** `{ "[secret]": <hash> }` for every secret, recursively. A secret list of NAME=value entries (a
 * container's environment: one secret entry makes the SDK mark the whole list) also keeps each
 * entry's name with a hash of its value, so the review can say which variables changed. */
export function hashSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hashSecrets);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (record[SECRET_SIG] !== undefined) {
    const inner = record.value;
    const entries = Array.isArray(inner) && inner.every((e) => typeof e === "string" && /^[A-Za-z_][A-Za-z0-9_]*=/.test(e)) ? Object.fromEntries((inner as string[]).map((e) => [e.slice(0, e.indexOf("=")), hash(e.slice(e.indexOf("=") + 1))])) : undefined;
    return { "[secret]": hash(inner), ...(entries ? { "[names]": entries } : {}) };
  }
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, hashSecrets(v)]));
}

/** The shape of a checkout's `evaluateStack` (stacks/plan-stack.ts) that a side needs: the package
 * loads it from the checkout by path, and never imports the stacks that compose it. */
type EvaluateStack = (root: string, stack: string, program: () => Promise<Record<string, unknown>>) => Promise<Evaluation>;

async function main(root: string, stack: string): Promise<void> {
  // The checkout's own code: its plan module and program, with the dependencies its node_modules resolve.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { evaluateStack } = require(path.join(root, "stacks", "plan-stack.ts")) as { evaluateStack: EvaluateStack };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require(path.join(root, "stacks", "index.ts")) as () => Promise<Record<string, unknown>>;
  const evaluation = await evaluateStack(root, stack, program);
  const resources = evaluation.resources.map((r) => ({ type: r.type, name: r.name, parent: r.parent, provider: r.provider, custom: r.custom, protect: (r as { protect?: boolean }).protect, inputs: hashSecrets(r.inputs) }));
  // The policies see the values themselves, secrets wrapped, as the runtime's remediations do.
  const policyResources: PolicyResource[] = evaluation.resources.map((r) => ({
    type: r.type,
    name: r.name,
    urn: `urn:pulumi:${stack}::sophia::${r.type}::${r.name}`,
    props: asPolicyProps(r.inputs) as Record<string, unknown>,
    protect: (r as { protect?: boolean }).protect === true,
  }));
  const text = JSON.stringify({ stack, resources, outputs: hashSecrets(evaluation.outputs), verdicts: evaluatePolicies(policyResources) });
  // A pipe takes a large write in pieces: exit only once it has all of it.
  await new Promise<void>((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
}

if (require.main === module) {
  const [root, stack] = process.argv.slice(2);
  main(path.resolve(root!), stack!).then(
    () => process.exit(0),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
