// npm run smoke -- local
// CI's stand-in for a real `pulumi up` (CI has no Pulumi engine): brings the local stack up on the local
// Docker engine with tools/local-stack.ts (exactly what the program registers, every input applied or a
// failure naming it), runs the post-deploy checklist the deploy tool runs (tools/checklist.ts), then
// removes everything it created, on failure and on Ctrl-C too.
import { type CheckResult, renderChecklist, runChecklist } from "./checklist";
import { type Created, SmokeError, bringUpLocal, teardownOnSignal } from "./local-stack";

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const say = (line: string) => console.log(`[smoke ${elapsed()}] ${line}`);

async function main(argv: string[]): Promise<number> {
  const stack = argv[0];
  if (stack !== "local") {
    console.error(`usage: npm run smoke -- local   (the smoke brings up the local stack on this machine's Docker; got ${stack ?? "nothing"})`);
    return 2;
  }
  const created: Created = { containers: [], networks: [], volumes: [] };
  const finish = teardownOnSignal(created, say);

  const results: Pick<CheckResult, "ok">[] = [];
  try {
    const { live } = await bringUpLocal(created, say);
    const checked = await runChecklist(live, (r) => say(`${r.ok ? "PASS" : "FAIL"} ${r.name}: ${r.detail}`));
    results.push(...checked);
    console.log(renderChecklist(checked));
  } catch (error) {
    if (!(error instanceof SmokeError)) throw error;
    results.push({ ok: false });
    say(`FAIL bring-up: ${error.message}`);
  } finally {
    await finish();
  }
  const passed = results.filter((r) => r.ok).length;
  console.log(`smoke ${stack}: ${passed}/${results.length} checks passed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return passed === results.length ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(error.stack ?? String(error));
      process.exit(1);
    },
  );
}
