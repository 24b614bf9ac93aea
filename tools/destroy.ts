// npm run destroy -- <stack> [--confirm-production]
// Tears a stack down with a real Pulumi engine. Production is refused unless the engineer says so
// explicitly; its stateful resources are protected besides, and stay until unprotected by hand.
// Last line: destroy <stack>: <deleted> deleted in <s>s
import { openStack, stackAndCli } from "@sophia/deploy";

const started = Date.now();

async function main(argv: string[]): Promise<number> {
  if (argv.includes("production") && !argv.includes("--confirm-production")) {
    console.error("destroy production: refused. Destroying production deletes its nodes and everything on them; run `npm run destroy -- production --confirm-production` if you mean it.");
    return 2;
  }
  const start = await stackAndCli("destroy", argv, { usage: "npm run destroy -- <stack>", install: true });
  if (typeof start === "number") return start;
  const { stackName, cli } = start;
  const { stack, configFile } = await openStack(stackName, cli);
  // showSecrets false: the summary call would otherwise write a new salt into the tracked stack file.
  const result = await stack.destroy({ configFile, color: "never", showSecrets: false, onOutput: (out) => process.stdout.write(out) });
  const deleted = result.summary.resourceChanges?.delete ?? 0;
  console.log(`destroy ${stackName}: ${deleted} deleted in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`destroy: ${error.message}`);
    process.exit(1);
  },
);
