// npm run cursor-config -- <stack> [--from-plan]
// Writes .cursor/mcp.json for a stack's MCP ingress from the deployed stack's `cursorMcpJson` output
// (its real state, through the Pulumi CLI). With --from-plan, and only then, it takes the file from the
// program evaluated in mock mode instead, and says so: for a stack not deployed from this machine. The
// file references the token as ${env:SOPHIA_MCP_TOKEN_CURSOR}; it never holds a token.
import * as fs from "node:fs";
import * as path from "node:path";
import program from "@sophia/stacks";
import { evaluateStack } from "@sophia/stacks/plan-stack";
import { MissingCli, openStack, pulumiCli } from "@sophia/deploy";

const root = path.resolve(__dirname, "..");

async function fromDeployment(stack: string): Promise<string> {
  const { stack: deployed } = await openStack(stack, await pulumiCli({ install: false, log: console.error }));
  const output = (await deployed.outputs()).cursorMcpJson;
  if (typeof output?.value !== "string") throw new Error(`stack ${stack} is not deployed here (no cursorMcpJson output): run \`npm run deploy -- ${stack}\`, or pass --from-plan`);
  return output.value;
}

async function main(argv: string[]): Promise<number> {
  const stack = argv.find((a) => !a.startsWith("--"));
  if (!stack) {
    console.error("usage: npm run cursor-config -- <stack> [--from-plan]   (local, staging, production)");
    return 2;
  }
  const fromPlan = argv.includes("--from-plan");
  let json: string;
  if (fromPlan) {
    const output = (await evaluateStack(root, stack, program)).outputs.cursorMcpJson;
    if (typeof output !== "string") throw new Error(`stack ${stack} has no cursorMcpJson output`);
    json = output;
  } else {
    try {
      json = await fromDeployment(stack);
    } catch (error) {
      if (!(error instanceof MissingCli)) throw error;
      console.error(`cursor-config ${stack}: ${error.message}\nOr pass --from-plan to write the file from the program's plan instead.`);
      return 127;
    }
  }
  const file = path.join(root, ".cursor", "mcp.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, json);
  const servers = Object.keys((JSON.parse(json) as { mcpServers: object }).mcpServers).length;
  console.log(`wrote .cursor/mcp.json for ${stack} (${servers} servers) from ${fromPlan ? "the plan (mock mode), not a deployment" : "the deployed stack"}; set SOPHIA_MCP_TOKEN_CURSOR before starting Cursor`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
