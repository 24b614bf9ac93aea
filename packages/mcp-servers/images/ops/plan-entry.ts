// The plan command inside the sophia-ops image (bundled to /app/plan.js): `node plan.js <stack>`.
import * as path from "node:path";
import program from "../../../../stacks/index";
import { planStack } from "../../../../stacks/plan-stack";

planStack(path.resolve(__dirname), process.argv[2] ?? "", program).then(
  (plan) => process.stdout.write(plan),
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  },
);
