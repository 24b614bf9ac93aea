// The plan command inside the sophia-ops image: `node plan.js <stack>`. The image's build step
// (packages/deploy, build-image-contexts.ts) bundles this file, and with it the program, into
// /app/plan.js: the program reaches the image that way, never by a package importing stacks/.
import * as path from "node:path";
import program from "./index";
import { planStack } from "./plan-stack";

planStack(path.resolve(__dirname), process.argv[2] ?? "", program).then(
  (plan) => process.stdout.write(plan),
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  },
);
