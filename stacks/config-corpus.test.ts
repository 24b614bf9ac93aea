// Every row of the config mistake corpus (config-corpus/mistakes.ts), through the plan command: exit
// code 1, nothing on stdout, exactly one line on stderr that names the broken file and the key, and
// no secret the file holds in any output. Rows run in this process (planMain), one broken file each;
// the last test runs two of them as the real `tsx tools/plan.ts` process, to prove the wiring.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { applyEdits, MISTAKES, type Mistake } from "./config-corpus/mistakes";
import { planMain } from "./plan-cli";

const root = path.resolve(__dirname, "..");
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-config-corpus-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The broken file for a row, beside the others in a directory of its own. */
function brokenFile(mistake: Mistake, index: number): string {
  const committed = fs.readFileSync(path.join(root, "stacks", `Pulumi.${mistake.stack}.yaml`), "utf8");
  const file = path.join(dir, String(index), `Pulumi.${mistake.stack}.yaml`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, applyEdits(committed, mistake.edits, (text) => parseDocument(text)));
  return file;
}

const counts = new Map<string, number>();
afterAll(() => {
  // The summary the closing note quotes: rows per class.
  console.log(`config corpus: ${MISTAKES.length} mistakes\n${[...counts].map(([c, n]) => `  ${c}: ${n}`).join("\n")}`);
});

test("the corpus has at least 80 mistakes", () => {
  expect(MISTAKES.length).toBeGreaterThanOrEqual(80);
});

describe.each(MISTAKES.map((m, i) => [m.class, m.name, m, i] as const))("%s: %s", (_class, _name, mistake, index) => {
  test("stops with one line naming the file and the key, and no secret", async () => {
    counts.set(mistake.class, (counts.get(mistake.class) ?? 0) + 1);
    const file = brokenFile(mistake, index);
    const out: string[] = [];
    const err: string[] = [];
    const code = await planMain([mistake.stack, `--config-file=${file}`], { out: (t) => out.push(t), err: (l) => err.push(l) });
    const lines = err.join("\n").split("\n");
    expect({ code, stdout: out.join(""), lines: lines.length }).toEqual({ code: 1, stdout: "", lines: 1 });
    const [line] = lines as [string];
    expect(line.startsWith(path.relative(root, file))).toBe(true);
    expect(line).toContain(mistake.expect);
    expect(line).not.toMatch(/\bat \S+ \(|node_modules/); // no stack frame
    for (const secret of [...(mistake.secrets ?? []), ...secureValues(fs.readFileSync(file, "utf8"))]) expect(line).not.toContain(secret);
  });
});

/** The ciphertexts of the file's secure values: never printed either. */
function secureValues(yaml: string): string[] {
  return [...yaml.matchAll(/secure:\s*(\S{8,})/g)].map((m) => m[1]!);
}

test("as a process: the plan command exits 1 with the one line on stderr and nothing on stdout", () => {
  for (const index of [MISTAKES.findIndex((m) => m.class === "YAML and file"), MISTAKES.findIndex((m) => m.class === "placement")]) {
    const mistake = MISTAKES[index]!;
    const file = brokenFile(mistake, 1000 + index);
    const run = spawnSync(path.join(root, "node_modules", ".bin", "tsx"), [path.join(root, "tools", "plan.ts"), mistake.stack, `--config-file=${file}`], { cwd: root, encoding: "utf8", timeout: 120_000 });
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 1, stdout: "" });
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(mistake.expect);
  }
});
