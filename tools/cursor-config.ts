// npm run cursor-config -- <stack>
// Writes .cursor/mcp.json for a stack's MCP ingress. With the Pulumi CLI it reads the deployed
// stack's `cursorMcpJson` output; without it, it evaluates the program (mock mode), which gives the
// same file for the local stack. The file references the token as ${env:SOPHIA_MCP_TOKEN_CURSOR}.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import program from "../stacks/index";
import { evaluateStack } from "../stacks/plan-stack";

const root = path.resolve(__dirname, "..");

async function main(stack: string | undefined): Promise<number> {
  if (!stack) {
    console.error("usage: npm run cursor-config -- <stack>   (local, staging, production)");
    return 2;
  }
  const cli = spawnSync("pulumi", ["stack", "output", "cursorMcpJson", "--stack", stack], { cwd: root, encoding: "utf8" });
  let json: string | undefined = cli.status === 0 ? cli.stdout : undefined;
  if (json === undefined) {
    const evaluation = await evaluateStack(root, stack, program);
    json = evaluation.outputs.cursorMcpJson as string | undefined;
    if (typeof json !== "string") throw new Error(`stack ${stack} has no cursorMcpJson output (its MCP ingress is not composed yet)`);
  }
  const file = path.join(root, ".cursor", "mcp.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, json);
  console.log(`wrote .cursor/mcp.json for ${stack} (${Object.keys((JSON.parse(json) as { mcpServers: object }).mcpServers).length} servers); set SOPHIA_MCP_TOKEN_CURSOR before starting Cursor`);
  return 0;
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
