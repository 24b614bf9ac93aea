// The review's comparison and rendering (./diff.ts) on hand-made sides, and its command on this
// repository: a change that touches no stack says so.
import { review, stacksFromFiles, UsageError } from "./command";
import { diffSides, fleetCost, renderReview, replacingInputs, reviewStack, type Side, type SideResource, showValue, summaryLine } from "./diff";

const container = (name: string, inputs: Record<string, unknown>, extra: Partial<SideResource> = {}): SideResource => ({ type: "docker:index/container:Container", name, custom: true, inputs, ...extra });
const instance = (name: string, instanceType: string): SideResource => ({ type: "pulumi-nodejs:dynamic/lambda:Instance", name, custom: true, inputs: { name, candidates: [{ region: "us-east-1", instanceType }], apiUrl: "u", sshKeyName: "k" } });
const side = (resources: SideResource[], verdicts: Side["verdicts"] = []): Side => ({ stack: "staging", resources, outputs: {}, verdicts });

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
