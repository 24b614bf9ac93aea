// npm run outputs -- <stack> [<name>] [--show-secrets]
// A deployed stack's outputs, read from its real state (for `local`, the file backend in
// .pulumi-local/). Secret outputs (mcpTokens) print as [secret] unless --show-secrets is given.
import { openStack, stackAndCli } from "@sophia/deploy";

async function main(argv: string[]): Promise<number> {
  const start = await stackAndCli("outputs", argv, { usage: "npm run outputs -- <stack> [<output name>] [--show-secrets]", install: false });
  if (typeof start === "number") return start;
  const { stackName, cli } = start;
  const name = argv.filter((a) => !a.startsWith("--"))[1];
  const { stack } = await openStack(stackName, cli);
  const outputs = await stack.outputs();
  if (Object.keys(outputs).length === 0) {
    console.error(`outputs ${stackName}: the stack has no outputs; it is not deployed (npm run deploy -- ${stackName})`);
    return 1;
  }
  const show = (v: { value: unknown; secret: boolean }) => (v.secret && !argv.includes("--show-secrets") ? "[secret]" : typeof v.value === "string" ? v.value : JSON.stringify(v.value, null, 2));
  if (name) {
    const output = outputs[name];
    if (!output) {
      console.error(`outputs ${stackName}: no output ${name}; the stack has ${Object.keys(outputs).sort().join(", ")}`);
      return 1;
    }
    console.log(show(output));
    return 0;
  }
  for (const [key, value] of Object.entries(outputs).sort(([a], [b]) => a.localeCompare(b))) console.log(`${key}: ${show(value)}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`outputs: ${error.message}`);
    process.exit(1);
  },
);
