// npm run plan -- <stack>            print the plan of one stack (mock mode, no credentials needed)
// npm run plan:update                rewrite stacks/plans/<stack>.md for every stack
// tsx tools/plan.ts --check <stack>… fail, with a diff, where a committed plan is stale
// tsx tools/plan.ts <stack> --config-file=<file>   the plan with another config file (the deploy tools'
//                                    working copies), for their pre-deployment check
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import program from "../stacks/index";
import { planStack } from "../stacks/plan-stack";

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

async function main(argv: string[]): Promise<number> {
  const mode = argv.includes("--update") ? "update" : argv.includes("--check") ? "check" : "print";
  const configFile = argv.find((a) => a.startsWith("--config-file="))?.slice("--config-file=".length);
  const stacks = argv.filter((a) => !a.startsWith("--"));
  if (stacks.length === 0) {
    console.error("usage: npm run plan -- <stack>   (stacks: local, staging, production)");
    return 2;
  }
  if (stacks.length > 1) {
    // The SDK keeps its state in module globals: one stack per process.
    let failed = 0;
    for (const stack of stacks) {
      const run = spawnSync(process.execPath, [...process.execArgv, __filename, `--${mode}`, stack], { stdio: "inherit" });
      if (run.status !== 0) failed++;
    }
    return failed > 0 ? 1 : 0;
  }
  const stack = stacks[0]!;
  const plan = await planOf(stack, configFile && path.resolve(configFile));
  if (mode === "print") process.stdout.write(plan);
  if (mode === "update") {
    fs.mkdirSync(path.dirname(planFile(stack)), { recursive: true });
    fs.writeFileSync(planFile(stack), plan);
    console.log(`wrote stacks/plans/${stack}.md (${plan.trimEnd().split("\n").pop()})`);
  }
  if (mode === "check") {
    const committed = fs.existsSync(planFile(stack)) ? fs.readFileSync(planFile(stack), "utf8") : "";
    if (committed !== plan) {
      console.error(`stacks/plans/${stack}.md is stale: the program's graph changed; run \`npm run plan:update\` and commit the result.\n${firstDifference(committed, plan)}`);
      return 1;
    }
    console.log(`stacks/plans/${stack}.md is current`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    // Config and placement errors are already one clear line; anything else keeps its stack.
    const oneLine = pulumi.RunError.isInstance(error as unknown) || error.name === "ConfigError";
    console.error(oneLine ? error.message : (error.stack ?? String(error)));
    process.exit(1);
  },
);
