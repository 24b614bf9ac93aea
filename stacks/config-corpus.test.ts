// Every row of the config corpus (config-corpus/mistakes.ts) through the real plan command, a process
// per row (`tsx tools/plan.ts <stack> --config-file=<row's file>`), two at a time (jest's
// maxConcurrency in this project's jest.config.js), checking the whole of its output:
// - a mistake: exit code 1, nothing on stdout, and stderr exactly one line that starts with the
//   broken file, holds the row's key and problem, has no stack frame, and no secret the file holds;
// - a valid file: exit code 0, the plan on stdout, and stderr exactly the stack's own warnings.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { parseDocument } from "yaml";
import { applyEdits, MISTAKES, type Mistake } from "./config-corpus/mistakes";

const run = promisify(execFile);
const root = path.resolve(__dirname, "..");
const tsx = path.join(root, "node_modules", ".bin", "tsx");
// Made here, not in beforeAll: concurrent tests may start before it.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-config-corpus-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The row's file, beside no other, under a name that is the stack's own. */
function brokenFile(mistake: Mistake, index: number): string {
  const committed = fs.readFileSync(path.join(root, "stacks", `Pulumi.${mistake.stack}.yaml`), "utf8");
  const file = path.join(dir, String(index), `Pulumi.${mistake.stack}.yaml`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, applyEdits(committed, mistake.edits, (text) => parseDocument(text)));
  return file;
}

/** The plan command as a person runs it; its exit code and whole output. */
async function plan(stack: string, file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(tsx, [path.join(root, "tools", "plan.ts"), stack, `--config-file=${file}`], { cwd: root, encoding: "utf8", maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === "number" ? failed.code : -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** The ciphertexts of the file's secure values: never printed either. */
function secureValues(yaml: string): string[] {
  return [...yaml.matchAll(/secure:\s*(\S{8,})/g)].map((m) => m[1]!.replace(/[",}]+$/, ""));
}

const counts = new Map<string, number>();
afterAll(() => {
  // The summary the closing note quotes: rows per class.
  console.log(`config corpus: ${MISTAKES.length} rows, each through tools/plan.ts\n${[...counts].map(([c, n]) => `  ${c}: ${n}`).join("\n")}`);
});

test("the corpus has at least 80 mistakes, and a row for every class", () => {
  expect(MISTAKES.filter((m) => !m.accepted).length).toBeGreaterThanOrEqual(80);
  expect(new Set(MISTAKES.map((m) => m.class)).size).toBe(18);
});

test.concurrent.each(MISTAKES.map((m, i) => [m.class, m.name, m, i] as const))(
  "%s: %s",
  async (_class, _name, mistake, index) => {
    counts.set(mistake.class, (counts.get(mistake.class) ?? 0) + 1);
    const file = brokenFile(mistake, index);
    const { code, stdout, stderr } = await plan(mistake.stack, file);
    if (mistake.accepted) {
      expect({ code, stderr: stderr.split("\n").filter(Boolean) }).toEqual({ code: 0, stderr: mistake.accepted.warnings });
      expect(stdout.trimEnd().split("\n").pop()).toContain(mistake.expect);
      return;
    }
    expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
    // The whole of stderr is one line.
    expect(stderr).toMatch(/^[^\n]+\n$/);
    const line = stderr.trimEnd();
    expect(line.startsWith(path.relative(root, file))).toBe(true);
    expect(line).toContain(mistake.expect);
    expect(line).not.toMatch(/\bat \S+ \(|node_modules/); // no stack frame
    for (const secret of [...(mistake.secrets ?? []), ...secureValues(fs.readFileSync(file, "utf8"))]) expect(line).not.toContain(secret);
  },
  600_000,
);
