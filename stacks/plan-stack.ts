// A stack's plan as text: its config file read and checked, the program evaluated in mock mode,
// the result rendered. Shared by tools/plan.ts, the smoke and the sophia-ops server image.
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate, type Evaluation, renderPlan } from "@sophia/plan";
import { type Environment, ENVIRONMENTS, parseStackFile, SECRET_KEYS, stackConfigFile } from "@sophia/stack-config";

export type Program = () => Promise<Record<string, unknown>>;

/** Evaluates a stack's program with its committed config. Secrets are never decrypted: those in the
 * file, and required ones the file does not hold yet (they are set per deployment with `pulumi config
 * set --secret`), reach the program as secret placeholders, which is all a plan needs. */
export async function evaluateStack(root: string, stack: string, program: Program, mocks?: Parameters<typeof evaluate>[0]["mocks"], configFile?: string): Promise<Evaluation> {
  const file = configFile ? path.relative(root, configFile) : stackConfigFile(stack);
  const full = path.join(root, file);
  if (!fs.existsSync(full)) throw new Error(`${file}: no such stack file (stacks are local, staging, production)`);
  const { raw, secretKeys } = parseStackFile(fs.readFileSync(full, "utf8"), file);
  const required = (ENVIRONMENTS as readonly string[]).includes(stack) ? SECRET_KEYS[stack as Environment].required : [];
  for (const key of required.filter((k) => !(k in raw))) {
    raw[key] = `[secret ${key}, set per deployment]`;
    secretKeys.push(key);
  }
  // The engine runs the program in the directory of `main`; so does the plan, so that paths in it
  // (image build contexts) are exactly what the engine registers.
  const previous = process.cwd();
  process.chdir(programDir(root));
  try {
    return await evaluate({ project: "sophia", stack, config: raw, secretKeys, program, mocks });
  } finally {
    process.chdir(previous);
  }
}

/** Where the engine runs the program (and starts its plugins): the directory of Pulumi.yaml's `main`. */
export function programDir(root: string): string {
  return path.join(root, "stacks");
}

export async function planStack(root: string, stack: string, program: Program, configFile?: string): Promise<string> {
  const evaluation = await evaluateStack(root, stack, program, undefined, configFile);
  const { placement, ...outputs } = evaluation.outputs;
  return renderPlan({ ...evaluation, outputs }, { Placement: (placement as string[] | undefined) ?? [] });
}
