// A stack's plan as text: its config file read and checked, the program evaluated in mock mode,
// the result rendered. Shared by tools/plan.ts, the smoke and the sophia-ops server image.
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate, type Evaluation, renderPlan } from "@sophia/plan";
import { parseStackFile, stackConfigFile } from "@sophia/stack-config";

export type Program = () => Promise<Record<string, unknown>>;

/** Evaluates a stack's program with its committed config (secrets as placeholders, never decrypted). */
export async function evaluateStack(root: string, stack: string, program: Program, mocks?: Parameters<typeof evaluate>[0]["mocks"]): Promise<Evaluation> {
  const file = stackConfigFile(stack);
  const full = path.join(root, file);
  if (!fs.existsSync(full)) throw new Error(`${file}: no such stack file (stacks are local, staging, production)`);
  const { raw, secretKeys } = parseStackFile(fs.readFileSync(full, "utf8"), file);
  return evaluate({ project: "sophia", stack, config: raw, secretKeys, program, mocks });
}

export async function planStack(root: string, stack: string, program: Program): Promise<string> {
  const evaluation = await evaluateStack(root, stack, program);
  const { placement, ...outputs } = evaluation.outputs;
  return renderPlan({ ...evaluation, outputs }, { Placement: (placement as string[] | undefined) ?? [] });
}
