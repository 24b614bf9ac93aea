// The review command (npm run review -- --base <git-ref>, tools/review.ts parses and prints).
// What a change does to each stack it affects, for a reviewer: the program at <ref> and the working
// tree, both evaluated in mock mode (offline, deterministic, no credentials), compared resource by
// resource (./diff.ts), with the policy verdicts on the head side (packages/policy), the change's own
// (stateful-data-kept: a replaced volume's data is kept, or its loss is accepted in the head's stack
// file) and the $/hour on both. One Markdown document; its last line, alone:
// `review: <stacks> stacks, <changes> changes, <violations> mandatory violations, <delta> $/h`.
// Its exit code is 1 on a mandatory verdict (a policy's or stateful-data-kept's), 2 on bad usage.
// With --list, only the affected stacks, as a JSON list (the workflow's preview matrix).
//
// Which stacks: none unless `nx affected` says the stacks project is (it depends on every package it
// imports); then every stack, or only those whose stack file alone changed.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { ENVIRONMENTS, loadStackFile, stackConfigFile } from "@sophia/stack-config";
import { renderReview, reviewExitCode, reviewStack, type Side, type StackReview } from "./diff";

const run = promisify(execFile);
/** The repository this package is part of: its working tree is the review's head side. */
const root = path.resolve(__dirname, "..", "..", "..");
const STACKS_PROJECT = "@sophia/stacks";

/** A command line the review cannot run: its message is the whole answer (exit 2). */
export class UsageError extends Error {}

async function git(args: string[], cwd = root): Promise<string> {
  return (await run("git", args, { cwd, maxBuffer: 1 << 26 })).stdout.trim();
}

/** Files that differ between the base and the working tree, untracked ones included. */
async function changedFiles(base: string): Promise<string[]> {
  const tracked = (await git(["diff", "--name-only", base])).split("\n");
  const untracked = (await git(["ls-files", "--others", "--exclude-standard"])).split("\n");
  return [...new Set([...tracked, ...untracked].filter(Boolean))].sort();
}

/** The stacks a change can affect: none unless nx says the stacks project is affected; only those
 * whose stack file alone changed when nothing else of the stacks' inputs did. */
export async function affectedStacks(base: string, files: readonly string[]): Promise<string[]> {
  const { stdout } = await run("npx", ["nx", "show", "projects", "--affected", `--base=${base}`, "--json"], { cwd: root, env: { ...process.env, NX_DAEMON: "false", NX_NO_CLOUD: "true", NX_TUI: "false" }, maxBuffer: 1 << 24 });
  const projects = JSON.parse(stdout.trim().split("\n").pop() ?? "[]") as string[];
  if (!projects.includes(STACKS_PROJECT)) return [];
  return stacksFromFiles(files);
}

/** Every stack, unless the only stack-relevant changes are stack files. */
export function stacksFromFiles(files: readonly string[]): string[] {
  const stackFile = /^stacks\/Pulumi\.([a-z]+)\.yaml$/;
  const relevant = files.filter((f) => f.startsWith("stacks/") || f.startsWith("packages/") || f === "package-lock.json" || f === "Pulumi.yaml");
  const onlyStackFiles = relevant.length > 0 && relevant.every((f) => stackFile.test(f) || f.startsWith("stacks/plans/"));
  return onlyStackFiles ? [...new Set(relevant.map((f) => f.match(stackFile)?.[1]).filter((s): s is string => !!s))].sort() : [...ENVIRONMENTS];
}

/** A checkout of `commit` beside this one, whose node_modules are this one's, except that its own
 * workspace packages (@sophia/*) resolve to its own directories. */
async function baseCheckout(commit: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-review-base-"));
  fs.rmSync(dir, { recursive: true });
  await git(["worktree", "add", "--detach", "--quiet", dir, commit]);
  const modules = path.join(dir, "node_modules");
  fs.mkdirSync(modules);
  for (const entry of fs.readdirSync(path.join(root, "node_modules"))) {
    if (entry !== "@sophia") fs.symlinkSync(path.join(root, "node_modules", entry), path.join(modules, entry));
  }
  fs.mkdirSync(path.join(modules, "@sophia"));
  const workspaces = [...fs.readdirSync(path.join(dir, "packages")).map((p) => path.join(dir, "packages", p)), path.join(dir, "stacks")];
  for (const workspace of workspaces.filter((w) => fs.existsSync(path.join(w, "package.json")))) {
    const name = (JSON.parse(fs.readFileSync(path.join(workspace, "package.json"), "utf8")) as { name: string }).name;
    if (name.startsWith("@sophia/")) fs.symlinkSync(workspace, path.join(modules, name));
    // A workspace's own nested dependencies (versions that differ from the root's).
    const nested = path.join(root, path.relative(dir, workspace), "node_modules");
    if (fs.existsSync(nested) && !fs.existsSync(path.join(workspace, "node_modules"))) fs.symlinkSync(nested, path.join(workspace, "node_modules"));
  }
  return { dir, remove: () => git(["worktree", "remove", "--force", dir]).then(() => undefined) };
}

/** One side of one stack, evaluated in its own process (the SDK's state is global). */
async function evaluateSide(checkout: string, stack: string): Promise<Side | undefined> {
  if (!fs.existsSync(path.join(checkout, "stacks", `Pulumi.${stack}.yaml`))) return undefined;
  try {
    const { stdout } = await run(process.execPath, [require.resolve("tsx/cli"), path.join(__dirname, "evaluate-side.ts"), checkout, stack], { cwd: checkout, maxBuffer: 1 << 28 });
    return JSON.parse(stdout) as Side;
  } catch (error) {
    throw new Error(`review: evaluating ${stack} at ${checkout === root ? "the working tree" : "the base"} failed: ${((error as { stderr?: string }).stderr ?? String(error)).trim().split("\n").slice(-3).join(" ")}`);
  }
}

/** The volumes whose data loss a checkout accepts: `sophia:acceptDataLoss` in its stack file, read (and
 * checked) the way the program reads it. */
export function acceptedDataLoss(checkout: string, stack: string): readonly string[] {
  const file = stackConfigFile(stack);
  const { config } = loadStackFile(stack, fs.readFileSync(path.join(checkout, file), "utf8"), file);
  return config.environment === "local" ? [] : (config.values["sophia:acceptDataLoss"] ?? []);
}

export async function review(argv: readonly string[]): Promise<{ text: string; code: number }> {
  const at = argv.indexOf("--base");
  const base = at >= 0 ? argv[at + 1] : undefined;
  const list = argv.includes("--list");
  const unknown = argv.filter((a, i) => i !== at && i !== at + 1 && a !== "--list");
  if (!base || unknown.length > 0) throw new UsageError(`usage: npm run review -- --base <git-ref> [--list]   (compares the stacks at <git-ref> with the working tree; --list prints only the affected stacks, as JSON; got ${argv.join(" ") || "nothing"})`);
  const commit = await git(["rev-parse", "--verify", "--quiet", `${base}^{commit}`]).catch(() => "");
  if (!commit) throw new UsageError(`review: --base: expected a git ref of this repository (a branch, tag or commit); got ${JSON.stringify(base)}`);
  const files = await changedFiles(commit);
  const stacks = await affectedStacks(commit, files);
  if (list) return { text: `${JSON.stringify(stacks)}\n`, code: 0 };
  const reviews: StackReview[] = [];
  const unchanged: string[] = [];
  if (stacks.length > 0) {
    const checkout = await baseCheckout(commit);
    try {
      for (const stack of stacks) {
        const [before, after] = await Promise.all([evaluateSide(checkout.dir, stack), evaluateSide(root, stack)]);
        if (!after) continue; // the change removes this stack's file
        const r = reviewStack(before, after, acceptedDataLoss(root, stack));
        if (r.changes.length === 0 && r.verdicts.every((v) => v.enforcementLevel !== "mandatory")) unchanged.push(stack);
        else reviews.push(r);
      }
    } finally {
      await checkout.remove();
    }
  }
  const note = stacks.length === 0 ? `No stack is affected: \`nx affected\` does not list ${STACKS_PROJECT} for the ${files.length} changed file(s).` : undefined;
  const text = renderReview({ base, baseCommit: commit, reviews, unchanged, note });
  return { text, code: reviewExitCode(reviews) };
}
