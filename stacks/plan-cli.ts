// The stacks' plan command, as a function: tools/plan.ts runs it as a process; the config corpus test
// (./config-corpus.test.ts) runs it in-process, once per broken stack file, and reads its exit code and stderr.
//
// npm run plan -- <stack>            print the plan of one stack (mock mode, no credentials needed)
// npm run plan:update                rewrite stacks/plans/<stack>.md for every stack
// tsx tools/plan.ts --check <stack>… fail, with a diff, where a committed plan is stale
// tsx tools/plan.ts <stack> --config-file=<file>   the plan with another config file (the deploy tools'
//                                    working copies), for their pre-deployment check
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import program from "./index";
import { planStack } from "./plan-stack";

const root = path.resolve(__dirname, "..");
const planFile = (stack: string) => path.join(root, "stacks", "plans", `${stack}.md`);

const planOf = (stack: string, configFile?: string) => planStack(root, stack, program, configFile);

function firstDifference(expected: string, actual: string): string {
  const a = expected.split("\n");
  const b = actual.split("\n");
  const i = a.findIndex((line, k) => line !== b[k]);
  const at = i < 0 ? Math.min(a.length, b.length) : i;
  return `first difference at line ${at + 1}:\n- ${a[at] ?? "(end of file)"}\n+ ${b[at] ?? "(end of file)"}`;
}

export interface PlanIo {
  readonly out: (text: string) => void;
  readonly err: (line: string) => void;
}

const processIo: PlanIo = { out: (text) => process.stdout.write(text), err: (line) => console.error(line) };

/** Runs the plan command; returns its exit code. Config and placement errors are one line on `err`. */
export async function planMain(argv: string[], io: PlanIo = processIo): Promise<number> {
  try {
    return await plan(argv, io);
  } catch (error) {
    // Config and placement errors are already one clear line; anything else keeps its stack.
    const oneLine = pulumi.RunError.isInstance(error as unknown) || (error as Error).name === "ConfigError";
    io.err(oneLine ? (error as Error).message : ((error as Error).stack ?? String(error)));
    return 1;
  }
}

async function plan(argv: string[], io: PlanIo): Promise<number> {
  const mode = argv.includes("--update") ? "update" : argv.includes("--check") ? "check" : "print";
  const configFile = argv.find((a) => a.startsWith("--config-file="))?.slice("--config-file=".length);
  const stacks = argv.filter((a) => !a.startsWith("--"));
  if (stacks.length === 0) {
    io.err("usage: npm run plan -- <stack>   (stacks: local, staging, production)");
    return 2;
  }
  if (stacks.length > 1) {
    // The SDK keeps its state in module globals: one stack per process.
    let failed = 0;
    for (const stack of stacks) {
      // Through the command line (tools/plan.ts), a process each.
      const run = spawnSync(process.execPath, [...process.execArgv, path.join(root, "tools", "plan.ts"), `--${mode}`, stack], { stdio: "inherit" });
      if (run.status !== 0) failed++;
    }
    return failed > 0 ? 1 : 0;
  }
  const stack = stacks[0]!;
  const plan = await planOf(stack, configFile && path.resolve(configFile));
  if (mode === "print") io.out(plan);
  if (mode === "update") {
    fs.mkdirSync(path.dirname(planFile(stack)), { recursive: true });
    fs.writeFileSync(planFile(stack), plan);
    io.out(`wrote stacks/plans/${stack}.md (${plan.trimEnd().split("\n").pop()})\n`);
  }
  if (mode === "check") {
    const committed = fs.existsSync(planFile(stack)) ? fs.readFileSync(planFile(stack), "utf8") : "";
    if (committed !== plan) {
      io.err(`stacks/plans/${stack}.md is stale: the program's graph changed; run \`npm run plan:update\` and commit the result.\n${firstDifference(committed, plan)}`);
      return 1;
    }
    io.out(`stacks/plans/${stack}.md is current\n`);
  }
  return 0;
}
