// The review's comparison and rendering (./diff.ts) on hand-made sides, and its command on this
// repository: a change that touches no stack says so.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { acceptedDataLoss, review, stacksFromFiles, UsageError } from "./command";
import { diffSides, fleetCost, renderReview, replacingInputs, reviewExitCode, reviewStack, type Side, type SideResource, showValue, summaryLine } from "./diff";

const container = (name: string, inputs: Record<string, unknown>, extra: Partial<SideResource> = {}): SideResource => ({ type: "docker:index/container:Container", name, custom: true, inputs, ...extra });
const instance = (name: string, instanceType: string, extra: Record<string, unknown> = {}): SideResource => ({ type: "pulumi-nodejs:dynamic/lambda:Instance", name, custom: true, inputs: { name, candidates: [{ region: "us-east-1", instanceType }], apiUrl: "u", sshKeyName: "k", ...extra } });
const volume = (name: string, extra: Record<string, unknown> = {}): SideResource => ({ type: "docker:index/volume:Volume", name, custom: true, inputs: { name: `sophia-${name}`, labels: [{ label: "sophia.component", value: "mcp" }], ...extra } });
const side = (resources: SideResource[], verdicts: Side["verdicts"] = [], stack = "staging"): Side => ({ stack, resources, outputs: {}, verdicts });

test("a container's memory changes in place; its image or environment replaces it; additions and removals are listed, replacements first", () => {
  const base = side([container("a", { image: "x", memory: 256 }), container("b", { image: "x" }), container("gone", { image: "x" })]);
  const head = side([container("a", { image: "x", memory: 512 }), container("b", { image: "y" }), container("new", { image: "x" })]);
  expect(diffSides(base, head).map((c) => [c.kind, c.name, c.replacedBy ?? []])).toEqual([
    ["replace", "b", ["image"]],
    ["add", "new", []],
    ["remove", "gone", []],
    ["update", "a", []],
  ]);
});

test("a secret that changed shows as changed, never as its value; in a secret environment, by the names of the variables", () => {
  const env = (h: string, names: Record<string, string>) => ({ envs: { "[secret]": h, "[names]": names } });
  const [change] = diffSides(side([container("c", env("1", { A: "a1", B: "b1" }))]), side([container("c", env("2", { A: "a1", B: "b2", C: "c1" }))]));
  expect(change).toMatchObject({ kind: "replace", inputs: [{ key: "envs", before: "[secret]", after: "[secret] (changed B; added C)" }] });
  expect(showValue({ "[secret]": "abc" })).toBe("[secret]");
  expect(showValue("x".repeat(200))).toMatch(/… \(202 chars\)$/);
});

test("replacements follow each provider: a Lambda instance moves only when its launched type is no longer a candidate; an image rebuilds in place; random values are fixed", () => {
  const before = { name: "n", candidates: [{ region: "us-east-1", instanceType: "gpu_1x_a10" }], apiUrl: "u", sshKeyName: "k" };
  expect(replacingInputs("pulumi-nodejs:dynamic/lambda:Instance", before, { ...before, candidates: [{ region: "us-east-1", instanceType: "gpu_1x_h100_pcie" }] }, ["candidates"])).toEqual(["candidates"]);
  expect(replacingInputs("pulumi-nodejs:dynamic/lambda:Instance", before, { ...before, candidates: [{ region: "us-west-1", instanceType: "gpu_1x_h100_pcie" }, ...before.candidates] }, ["candidates"])).toEqual([]);
  expect(replacingInputs("docker:index/image:Image", {}, {}, ["build"])).toEqual([]);
  expect(replacingInputs("random:index/randomPassword:RandomPassword", {}, {}, ["length"])).toEqual(["length"]);
  expect(replacingInputs("docker:index/container:Container", {}, {}, ["restart", "memory", "envs"])).toEqual(["envs"]);
});

test("the cost per node pool comes from the dated price table, with the delta in $/hour and $/month (730 h)", () => {
  const base = side([instance("n0", "gpu_1x_a10")]);
  const head = side([instance("n0", "gpu_1x_a10"), instance("n1", "gpu_1x_a10")]);
  expect(fleetCost(head)).toEqual({ pools: { gpu_1x_a10: { count: 2, perHour: 2.58 } }, perHour: 2.58 });
  const r = reviewStack(base, head);
  expect(summaryLine(r)).toBe("staging: +1 ~0 -0, +$1.29/h (+$941.70/mo), policies: 0 mandatory violations");
  const text = renderReview({ base: "main", baseCommit: "0123456789abcdef", reviews: [r], unchanged: ["local"] });
  expect(text).toContain("| gpu_1x_a10 | 1 node, $1.29/h | 2 nodes, $2.58/h | +$1.29 | +$941.70 |");
  expect(text.trimEnd().split("\n").pop()).toBe("review: 1 stacks, 1 changes, 0 mandatory violations, +$1.29 $/h");
});

test("mandatory violations are counted in the summary and the last line; advisory ones are listed only", () => {
  const verdicts = [
    { policy: "container-not-privileged", enforcementLevel: "mandatory" as const, resource: "docker:index/container:Container c", message: "privileged: true gives the container every device" },
    { policy: "stateful-resources-protected-staging", enforcementLevel: "advisory" as const, resource: "docker:index/volume:Volume v", message: "Volume v is not protected" },
  ];
  const r = reviewStack(side([]), side([container("c", { privileged: true })], verdicts));
  expect(summaryLine(r)).toMatch(/policies: 1 mandatory violation$/);
  const text = renderReview({ base: "main", baseCommit: "0123456789ab", reviews: [r], unchanged: [] });
  expect(text).toContain("| container-not-privileged | mandatory | `docker:index/container:Container c` |");
  expect(text.trimEnd().split("\n").pop()).toBe("review: 1 stacks, 1 changes, 1 mandatory violations, +$0.00 $/h");
});

// stateful-data-kept: a volume replaced or removed loses its data unless it is kept on a Lambda filesystem.
/** The rule's advisory verdict on one resource, as the review lists it. */
const advisory = (resource: string, message: string) => ({ policy: "stateful-data-kept", enforcementLevel: "advisory", resource, message });
const onFilesystem = { driverOpts: { type: "none", o: "bind", device: "/lambda/nfs/sophia-production-data/memory" } };
const render = (...reviews: ReturnType<typeof reviewStack>[]) => renderReview({ base: "main", baseCommit: "0123456789ab", reviews, unchanged: [] });
const lastLine = (text: string) => text.trimEnd().split("\n").pop();

test("stateful-data-kept: a production volume replaced with its data on the node's own disk is a mandatory violation that fails the review", () => {
  const relabelled = { labels: [{ label: "sophia.component", value: "memory" }] };
  const r = reviewStack(side([volume("production-mcp-memory-data")], [], "production"), side([volume("production-mcp-memory-data", relabelled)], [], "production"));
  expect(r.verdicts).toEqual([
    {
      policy: "stateful-data-kept",
      enforcementLevel: "mandatory",
      resource: "production-mcp-memory-data",
      message:
        "volume production-mcp-memory-data would be replaced (because of labels) and its data is on the node's own disk: it would be lost. Move it onto the data filesystem (sophia:dataFilesystem), or accept the loss for this resource with sophia:acceptDataLoss: [production-mcp-memory-data] in stacks/Pulumi.production.yaml",
    },
  ]);
  expect(summaryLine(r)).toMatch(/policies: 1 mandatory violation$/);
  const text = render(r);
  expect(text).toContain("- `docker:index/volume:Volume` **production-mcp-memory-data**, replaced because of `labels`\n  - its data is lost (it is on the node's own disk)\n");
  expect(lastLine(text)).toBe("review: 1 stacks, 1 changes, 1 mandatory violations, +$0.00 $/h");
  expect(reviewExitCode([r])).toBe(1);
});

test("stateful-data-kept: moving a production volume onto the filesystem loses what is on the disk: mandatory, saying the data is not copied", () => {
  const r = reviewStack(side([volume("production-mcp-memory-data")], [], "production"), side([volume("production-mcp-memory-data", onFilesystem)], [], "production"));
  expect(r.verdicts.map((v) => [v.enforcementLevel, v.message])).toEqual([
    [
      "mandatory",
      "volume production-mcp-memory-data would be replaced (because of driverOpts) and its data is on the node's own disk: it would be lost. Its replacement keeps its data on sophia-production-data but starts empty: copy the data there before the up, then accept the loss for this resource with sophia:acceptDataLoss: [production-mcp-memory-data] in stacks/Pulumi.production.yaml",
    ],
  ]);
  expect(reviewExitCode([r])).toBe(1);
});

test("stateful-data-kept: a production volume removed from the node's own disk is mandatory too", () => {
  const r = reviewStack(side([volume("production-mcp-memory-data")], [], "production"), side([], [], "production"));
  expect(r.verdicts.map((v) => [v.enforcementLevel, v.message])).toEqual([
    ["mandatory", "volume production-mcp-memory-data would be removed and its data is on the node's own disk: it would be lost. Keep the volume, or accept the loss for this resource with sophia:acceptDataLoss: [production-mcp-memory-data] in stacks/Pulumi.production.yaml"],
  ]);
});

test("stateful-data-kept: a volume named in the head's sophia:acceptDataLoss is advisory, and the review passes; another volume still is not", () => {
  const base = side([volume("production-mcp-memory-data"), volume("production-mcp-ingress-data")], [], "production");
  const head = side([volume("production-mcp-memory-data", onFilesystem), volume("production-mcp-ingress-data", onFilesystem)], [], "production");
  const accepted = reviewStack(base, head, ["production-mcp-memory-data", "production-mcp-ingress-data"]);
  expect(accepted.verdicts.map((v) => [v.enforcementLevel, v.resource])).toEqual([
    ["advisory", "production-mcp-ingress-data"],
    ["advisory", "production-mcp-memory-data"],
  ]);
  expect(accepted.verdicts[1]!.message).toBe(
    "volume production-mcp-memory-data would be replaced (because of driverOpts) and its data is on the node's own disk: it would be lost; data loss accepted by sophia:acceptDataLoss in stacks/Pulumi.production.yaml (remove the entry after the up)",
  );
  expect(lastLine(render(accepted))).toBe("review: 1 stacks, 2 changes, 0 mandatory violations, +$0.00 $/h");
  expect(reviewExitCode([accepted])).toBe(0);
  const one = reviewStack(base, head, ["production-mcp-memory-data"]);
  expect(one.verdicts.map((v) => [v.enforcementLevel, v.resource])).toEqual([
    ["mandatory", "production-mcp-ingress-data"],
    ["advisory", "production-mcp-memory-data"],
  ]);
  expect(reviewExitCode([one])).toBe(1);
});

test("stateful-data-kept: a volume bound onto a Lambda filesystem, or snapshotted to one, keeps its data: no verdict, and the Markdown says where", () => {
  // Prometheus's TSDB stays on the node's disk; a volume on the filesystem holds its snapshots, and says whose.
  const snapshots = volume("production-monitoring-prometheus-snapshots", {
    ...onFilesystem,
    name: "sophia-production-prometheus-snapshots",
    labels: [{ label: "sophia.snapshots-of", value: "sophia-production-prometheus-data" }],
  });
  const tsdb = { name: "sophia-production-prometheus-data" };
  const base = side([volume("production-mcp-memory-data", onFilesystem), volume("production-monitoring-prometheus-data", tsdb), snapshots], [], "production");
  const head = side(
    [
      volume("production-mcp-memory-data", { driverOpts: { ...onFilesystem.driverOpts, device: "/lambda/nfs/sophia-production-data/memory-v2" } }),
      volume("production-monitoring-prometheus-data", { name: "sophia-production-prometheus-v2" }),
      snapshots,
    ],
    [],
    "production",
  );
  const r = reviewStack(base, head);
  expect(r.changes.map((c) => [c.kind, c.name, c.dataKeptOn])).toEqual([
    ["replace", "production-mcp-memory-data", ["sophia-production-data"]],
    ["replace", "production-monitoring-prometheus-data", ["sophia-production-data"]],
  ]);
  expect(r.verdicts).toEqual([]);
  const text = render(r);
  expect(text).toContain("**production-mcp-memory-data**, replaced because of `driverOpts`\n  - data kept on sophia-production-data\n");
  expect(text).toContain("**production-monitoring-prometheus-data**, replaced because of `name`\n  - data kept on sophia-production-data\n");
  expect(reviewExitCode([r])).toBe(0);
  // Without the snapshots' volume, the same replacement loses the history.
  const alone = reviewStack(side([volume("production-monitoring-prometheus-data", tsdb)], [], "production"), side([volume("production-monitoring-prometheus-data", { name: "v2" })], [], "production"));
  expect(alone.verdicts.map((v) => v.enforcementLevel)).toEqual(["mandatory"]);
});

test("stateful-data-kept: an accepted loss that this change does not cause is named, so that a stale entry cannot pass a later loss unnoticed", () => {
  const unchanged = reviewStack(side([volume("production-mcp-memory-data")], [], "production"), side([volume("production-mcp-memory-data")], [], "production"), ["production-mcp-memory-data"]);
  expect(unchanged.verdicts).toEqual([advisory("production-mcp-memory-data", "sophia:acceptDataLoss in stacks/Pulumi.production.yaml names production-mcp-memory-data, which this change does not replace or remove: remove the entry, or a later loss of its data would pass unnoticed")]);
  expect(reviewExitCode([unchanged])).toBe(0);
});

test("stateful-data-kept: on staging, torn down by design, the same loss is advisory; the local stack has none", () => {
  const staging = reviewStack(side([volume("staging-mcp-memory-data")]), side([volume("staging-mcp-memory-data", { name: "renamed" })]));
  expect(staging.verdicts).toEqual([advisory("staging-mcp-memory-data", "volume staging-mcp-memory-data would be replaced (because of name) and its data is on the node's own disk: it would be lost (advisory on staging, which is torn down by design)")]);
  expect(reviewExitCode([staging])).toBe(0);
  expect(reviewStack(side([volume("local-mcp-memory-data")], [], "local"), side([], [], "local")).verdicts).toEqual([]);
});

test("a replaced Lambda node says whether its data is kept: on the filesystems its replacement mounts, or lost with its disk", () => {
  // The node moves to another type, with its filesystems (if any) as they were.
  const moved = (fileSystemNames?: string[]) => {
    const mounts = fileSystemNames ? { fileSystemNames } : {};
    return reviewStack(side([instance("n0", "gpu_1x_a10", mounts)], [], "production"), side([instance("n0", "gpu_1x_h100_pcie", mounts)], [], "production"));
  };
  const kept = moved(["sophia-production-data"]);
  expect(kept.changes.map((c) => [c.kind, c.dataKeptOn])).toEqual([["replace", ["sophia-production-data"]]]);
  expect(render(kept)).toContain("**n0**, replaced because of `candidates`\n  - data kept on sophia-production-data\n");
  expect(render(moved())).toContain("**n0**, replaced because of `candidates`\n  - its disk's data is lost\n");
  // A node is not a volume: the rule does not apply to it.
  expect(moved().verdicts).toEqual([]);
});

test("the accepted data loss is read from the head's stack file as the program reads it: a list of names, or nothing", () => {
  const repository = path.resolve(__dirname, "..", "..", "..");
  const checkout = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-review-accept-"));
  try {
    fs.mkdirSync(path.join(checkout, "stacks"));
    // The repository's production file, less any acceptance of its own (flow or block list).
    const production = fs
      .readFileSync(path.join(repository, "stacks", "Pulumi.production.yaml"), "utf8")
      .replace(/^ {2}sophia:acceptDataLoss:.*\n(?: {4}- .*\n)*/m, "")
      .replace(/\n?$/, "\n");
    const write = (line: string) => fs.writeFileSync(path.join(checkout, "stacks", "Pulumi.production.yaml"), `${production}${line}`);
    write("  sophia:acceptDataLoss: [production-mcp-memory-data]\n");
    expect(acceptedDataLoss(checkout, "production")).toEqual(["production-mcp-memory-data"]);
    write("  sophia:acceptDataLoss: production-mcp-memory-data\n");
    expect(() => acceptedDataLoss(checkout, "production")).toThrow('stacks/Pulumi.production.yaml: sophia:acceptDataLoss: expected a list; got "production-mcp-memory-data"');
    fs.copyFileSync(path.join(repository, "stacks", "Pulumi.local.yaml"), path.join(checkout, "stacks", "Pulumi.local.yaml"));
    expect(acceptedDataLoss(checkout, "local")).toEqual([]);
  } finally {
    fs.rmSync(checkout, { recursive: true, force: true });
  }
});

test("which stacks a change can affect: a stack file alone affects its stack; anything else of the program, all three", () => {
  expect(stacksFromFiles(["stacks/Pulumi.staging.yaml", "stacks/plans/staging.md", "README.md"])).toEqual(["staging"]);
  expect(stacksFromFiles(["stacks/Pulumi.staging.yaml", "packages/monitoring/src/rules.ts"])).toEqual(["local", "staging", "production"]);
  expect(stacksFromFiles(["README.md"])).toEqual(["local", "staging", "production"]);
});

test("the review of the checked-out commit: a change that touches no stack says so, with no mandatory violation", async () => {
  const { text, code } = await review(["--base", "HEAD"]);
  // A clean checkout (CI) has nothing to review; a working tree with changes reviews them.
  expect(text.trimEnd().split("\n").pop()).toMatch(/^review: \d+ stacks, \d+ changes, 0 mandatory violations, [+-]\$\d+\.\d\d \$\/h$/);
  expect(code).toBe(0);
}, 180_000);

test("bad usage is a UsageError that names what was expected (the command exits 2 with its message)", async () => {
  await expect(review(["--base", "no-such-ref-here"])).rejects.toThrow(new UsageError('review: --base: expected a git ref of this repository (a branch, tag or commit); got "no-such-ref-here"'));
  await expect(review([])).rejects.toBeInstanceOf(UsageError);
});
