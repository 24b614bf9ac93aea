// npm run plan -- <stack>            print the plan of one stack (mock mode, no credentials needed)
// npm run plan:update                rewrite stacks/plans/<stack>.md for every stack
// tsx tools/plan.ts --check <stack>… fail, with a diff, where a committed plan is stale
// tsx tools/plan.ts <stack> --config-file=<file>   the plan with another config file (the deploy tools'
//                                    working copies), for their pre-deployment check
import { planMain } from "@sophia/stacks/plan-cli";

planMain(process.argv.slice(2)).then((code) => process.exit(code));
