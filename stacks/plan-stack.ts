// A stack's plan as text: its config file read and checked, the program evaluated in mock mode,
// the result rendered. Shared by tools/plan.ts, the smoke and the sophia-ops server image.
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate, type Evaluation, renderPlan } from "@sophia/plan";
import { ConfigError, type ConfigOverrides, ENVIRONMENTS, loadStackFile, stackConfigFile } from "@sophia/stack-config";
import { placeForStack } from "./src/placement";

export type Program = () => Promise<Record<string, unknown>>;

export type { ConfigOverrides } from "@sophia/stack-config";

export interface EvaluateStackOptions {
  readonly mocks?: Parameters<typeof evaluate>[0]["mocks"];
  /** Another config file than stacks/Pulumi.<stack>.yaml (the deploy tools' working copy). */
  readonly configFile?: string;
  readonly overrides?: ConfigOverrides;
}

/** Evaluates a stack's program with its committed config. Secrets are never decrypted: those in the
 * file, and required ones the file does not hold yet (they are set per deployment with `pulumi config
 * set --secret`), reach the program as secret placeholders, which is all a plan needs. */
export async function evaluateStack(root: string, stack: string, program: Program, options: EvaluateStackOptions = {}): Promise<Evaluation> {
  const { mocks, configFile } = options;
  const file = configFile ? path.relative(root, configFile) : stackConfigFile(stack);
  const full = path.join(root, file);
  const known = (ENVIRONMENTS as readonly string[]).includes(stack);
  if (!known || !fs.existsSync(full)) throw new ConfigError(file, undefined, `no such stack file; the stacks are ${ENVIRONMENTS.join(", ")}`);
  // Config and placement are checked before the program runs, so a mistake is one line naming this
  // file, never an error from inside the SDK's runtime (the program checks them again, for real runs).
  const { raw, secretKeys, config: checked } = loadStackFile(stack, fs.readFileSync(full, "utf8"), file, options.overrides);
  await placeForStack(checked.values, file);
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
  const evaluation = await evaluateStack(root, stack, program, { configFile });
  const { placement, ...outputs } = evaluation.outputs;
  return renderPlan({ ...evaluation, outputs }, { Placement: (placement as string[] | undefined) ?? [] });
}
