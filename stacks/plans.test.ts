// The committed plans are what reviewers read: they must be exactly what the program registers now.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
const tsx = path.join(root, "node_modules", ".bin", "tsx");

function plan(...args: string[]) {
  const run = spawnSync(tsx, [path.join(root, "tools", "plan.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe.each(["local", "staging", "production"])("the %s stack", (stack) => {
  it("prints the same plan twice in a row, byte for byte, ending with its resource count", () => {
    const first = plan(stack);
    const second = plan(stack);
    // Warnings (a region the account firewall does not cover) go to stderr; nothing else does.
    expect(first.stderr.split("\n").filter((l) => l && !l.startsWith("warning: "))).toEqual([]);
    expect(first.status).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(first.stdout.trimEnd().split("\n").pop()).toMatch(new RegExp(`^plan ${stack}: \\d+ resources$`));
  });

  it("matches its committed plan (run `npm run plan:update` after changing the graph)", () => {
    const committed = fs.readFileSync(path.join(root, "stacks", "plans", `${stack}.md`), "utf8");
    expect(plan(stack).stdout).toBe(committed);
  });

  it("shows the placement with its $/hour", () => {
    expect(plan(stack).stdout).toMatch(/## Placement\n\n```\n\d+ node\(s\), \$\d+\.\d\d\/hour/);
  });
});

describe("a bad stack file", () => {
  const file = path.join(root, "stacks", "Pulumi.staging.yaml");
  const original = fs.readFileSync(file, "utf8");
  afterEach(() => fs.writeFileSync(file, original));

  it("stops the plan with the one-line config error and no resource listing", () => {
    fs.writeFileSync(file, original.replace("maxNodesPerType: 1", "maxNodesPerType: -1"));
    const run = plan("staging");
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim()).toBe("stacks/Pulumi.staging.yaml: sophia:nodePool.maxNodesPerType: expected at least 1; got -1");
  });

  it("reports a stale committed plan with the first differing line", () => {
    const planFile = path.join(root, "stacks", "plans", "local.md");
    const committed = fs.readFileSync(planFile, "utf8");
    try {
      fs.writeFileSync(planFile, committed.replace('name: "sophia-mcp"', 'name: "sophia-old"'));
      const run = plan("--check", "local");
      expect(run.status).toBe(1);
      expect(run.stderr).toContain("stacks/plans/local.md is stale");
      expect(run.stderr).toMatch(/^- +name: "sophia-old"$/m);
    } finally {
      fs.writeFileSync(planFile, committed);
    }
  });
});

it("checks several stacks in one command, one process each (npm run plan:update and the stacks' plan target)", () => {
  const run = plan("--check", "local", "staging");
  expect(run.status).toBe(0);
  expect(run.stdout).toBe("stacks/plans/local.md is current\nstacks/plans/staging.md is current\n");
});
