// The local stack's program, as the applier of packages/local-apply needs it: the command lines
// (smoke, chaos, the benches) hand it over, so that no package imports the stacks that compose it.
import * as path from "node:path";
import type { LocalProgram } from "@sophia/local-apply";
import program from "@sophia/stacks";
import { evaluateStack } from "@sophia/stacks/plan-stack";

const root = path.resolve(__dirname, "..");

export const localProgram: LocalProgram = { evaluate: ({ mocks, overrides }) => evaluateStack(root, "local", program, { mocks, overrides }) };
