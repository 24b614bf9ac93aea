// What sophia-ops says about the engine's events, checked on events shaped as the engine sends them.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkpointFile, engineMessage, PreviewMemo } from "./engine";
import { checkPulumiCaller, driftOf, OperationRefused, previewDigest, redactOutputs, renderDrift, renderHistory, renderPreview, stateIdentity, stepsOf } from "./pulumi-operations";

const urn = (type: string, name: string) => `urn:pulumi:local::sophia::sophia:mcp:Platform$${type}::${name}`;
const pre = (op: string, type: string, name: string, extra: Record<string, unknown> = {}) => ({ resourcePreEvent: { metadata: { op, type, urn: urn(type, name), ...extra } } });

test("a preview with nothing to do says so, counting what it left unchanged (the stack itself not counted)", () => {
  // With --refresh, each resource's read comes first: not counted twice.
  const events = [pre("same", "pulumi:pulumi:Stack", "sophia-local"), pre("refresh", "docker:index/container:Container", "local-mcp-memory"), pre("same", "docker:index/container:Container", "local-mcp-memory"), pre("same", "docker:index/network:Network", "local-mcp")];
  expect(renderPreview("local", stepsOf(events))).toBe("preview local: no changes (2 unchanged); policy: 0 mandatory violations, 0 advisories");
});

test("a preview lists each change with its cause, replacements with the keys that force them, and the policy pack's verdicts", () => {
  const events = [
    pre("update", "docker:index/container:Container", "local-mcp-memory", { diffs: ["restart"], detailedDiff: { restart: { kind: "update" } } }),
    pre("replace", "docker:index/container:Container", "local-mcp-gong", { diffs: ["image"], keys: ["image"] }),
    pre("same", "docker:index/network:Network", "local-mcp"),
    { policyEvent: { policyPackName: "sophia", policyName: "containers-hardened", enforcementLevel: "advisory", message: "gong runs as root\nmore", resourceUrn: urn("docker:index/container:Container", "local-mcp-gong") } },
  ];
  expect(renderPreview("local", stepsOf(events)).split("\n")).toEqual([
    "  replace docker:index/container:Container local-mcp-gong (image changed); replaced because image changed",
    "  update docker:index/container:Container local-mcp-memory (restart changed)",
    "policy:",
    "  advisory sophia/containers-hardened on local-mcp-gong: gong runs as root",
    "preview local: 1 to replace, 1 to update (1 unchanged); policy: 0 mandatory violations, 1 advisories",
  ]);
});

test("the digest is the same for the same changes in any order, and differs when a cause differs", () => {
  const a = pre("update", "docker:index/container:Container", "local-mcp-memory", { diffs: ["restart"] });
  const b = pre("create", "docker:index/volume:Volume", "local-data");
  const digest = (events: object[]) => previewDigest(stepsOf(events).steps);
  expect(digest([a, b])).toBe(digest([b, a]));
  expect(digest([a, b])).not.toBe(digest([pre("update", "docker:index/container:Container", "local-mcp-memory", { diffs: ["image"] }), b]));
  expect(digest([])).toMatch(/^sha256:[0-9a-f]{16}$/);
});

test("drift names the resource and its own name, with the state's value against the world's", () => {
  const out = (name: string, before: Record<string, unknown>, after: Record<string, unknown> | undefined) => ({
    resOutputsEvent: { metadata: { op: "refresh", type: "docker:index/container:Container", urn: urn("docker:index/container:Container", name), old: { outputs: before }, ...(after ? { new: { outputs: after } } : {}) } },
  });
  const events = [
    // How the docker provider's refresh reads "nothing" differently from the state: not drift.
    // …and a list Docker returns in another order.
    out(
      "local-mcp-ingress",
      { name: "sophia-local-ingress", dns: null, sysctls: null, volumes: [{ containerPath: "/data", readOnly: null }], networkDatas: [{ networkName: "a" }, { networkName: "b" }], __pulumi_raw_state_delta: { a: 1 } },
      { name: "sophia-local-ingress", dns: [], sysctls: {}, volumes: [{ containerPath: "/data", readOnly: false }], networkDatas: [{ networkName: "b" }, { networkName: "a" }], __pulumi_raw_state_delta: { a: 2 } },
    ),
    out("local-mcp-memory", { name: "sophia-local-memory", restart: "unless-stopped", labels: [{ label: "a" }] }, { name: "sophia-local-memory", restart: "on-failure", labels: [{ label: "a" }] }),
    out("local-mcp-gong", { name: "sophia-local-gong" }, { name: "sophia-local-gong" }),
    out("local-mcp-ops", { name: "sophia-local-sophia-ops" }, undefined),
  ];
  const drift = driftOf(events);
  expect(renderDrift("local", drift, 4).split("\n")).toEqual([
    "  docker:index/container:Container local-mcp-memory (sophia-local-memory) differs: restart: \"unless-stopped\" in the state, \"on-failure\" in the world",
    "  docker:index/container:Container local-mcp-ops deleted outside Pulumi",
    "drift local: 2 resources differ from the state: local-mcp-memory (sophia-local-memory), local-mcp-ops; 4 resources read",
  ]);
  expect(renderDrift("local", [], 40)).toBe("drift local: none; 40 resources read");
});

test("history shows each update's kind, result, time, length and changes, newest first", () => {
  const text = renderHistory("local", [
    { version: 7, kind: "update", result: "succeeded", startTime: "2026-12-05T16:00:00.000Z", endTime: "2026-12-05T16:00:09.000Z", resourceChanges: { same: 40, update: 1 } },
    { version: 6, kind: "refresh", result: "failed", startTime: new Date("2026-12-05T15:00:00Z"), resourceChanges: {} },
  ]);
  expect(text.split("\n")).toEqual(["  #7 update succeeded at 2026-12-05T16:00:00Z, 9 s: 1 update (40 unchanged)", "  #6 refresh failed at 2026-12-05T15:00:00Z: no changes", "history local: 2 updates shown, newest first"]);
});

test("outputs keep their secrets redacted", () => {
  expect(redactOutputs({ ingressUrl: { value: "http://127.0.0.1:8443", secret: false }, mcpTokens: { value: { cursor: "t0k3n" }, secret: true } })).toEqual({ ingressUrl: "http://127.0.0.1:8443", mcpTokens: "[secret]" });
});

test("only the stack's Pulumi clients may call, and an anonymous caller never", () => {
  expect(() => checkPulumiCaller("infrastructure", ["infrastructure"], "stack_preview")).not.toThrow();
  expect(() => checkPulumiCaller("monitoring", ["infrastructure"], "stack_preview")).toThrow(new OperationRefused("stack_preview: client monitoring may not run Pulumi operations; the stack allows: infrastructure"));
  expect(() => checkPulumiCaller(undefined, ["infrastructure"], "stack_up")).toThrow(/has no identity/);
});

test("an engine failure is told by its own error lines, not by a diff that happens to say error", () => {
  const failed = new Error(
    "code: 1\n stdout: \n stderr: Command failed with exit code 1: pulumi preview --diff --stack local\n                              + record: \"slo:error_ratio:rate5m\"\nerror: preview failed\n    error: an unhandled error occurred: Program exited with non-zero exit code: -1\n err?: Error: Command failed",
  );
  expect(engineMessage(failed)).toBe("error: preview failed | error: an unhandled error occurred: Program exited with non-zero exit code: -1");
  expect(engineMessage(new Error("no error lines\nat all\nlast three\nshown"))).toBe("at all | last three | shown");
});

describe("the state a preview reads, and the preview kept for it", () => {
  const checkpoint = (resources: unknown[], time: string, pending: unknown[] = []) =>
    JSON.stringify({ version: 3, checkpoint: { stack: "local", latest: { manifest: { time, magic: "m", version: "v3.274.1" }, secrets_providers: { type: "passphrase", state: { salt: "s" } }, resources, pending_operations: pending } } });
  const container = { urn: urn("docker:index/container:Container", "local-mcp-memory"), inputs: { restart: "unless-stopped" }, modified: "2026-12-05T18:36:19Z" };

  test("an up that changed nothing leaves the identity; a resource or a pending operation changes it", () => {
    const network = { urn: urn("docker:index/network:Network", "local-mcp"), inputs: { name: "sophia-mcp" }, modified: "2026-12-05T18:36:10Z" };
    const withSecret = (nonce: string, dependencies: string[]) => ({
      ...container,
      inputs: { ...container.inputs, envs: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: `v1:${nonce}:…` } },
      dependencies,
      propertyDependencies: { envs: dependencies },
    });
    const first = stateIdentity(checkpoint([network, withSecret("aaaa", [network.urn, "urn:b"])], "2026-12-05T18:38:02Z"));
    expect(first).toMatch(/^sha256:[0-9a-f]{64}$/);
    // What the next write of the same state changes: the time, the resources' and dependencies'
    // order, and every secret's ciphertext.
    expect(stateIdentity(checkpoint([withSecret("bbbb", ["urn:b", network.urn]), network], "2026-12-05T19:00:00Z"))).toBe(first);
    // An update: the resource's modified time.
    expect(stateIdentity(checkpoint([network, { ...withSecret("aaaa", [network.urn, "urn:b"]), modified: "2026-12-05T19:01:00Z" }], "2026-12-05T19:01:00Z"))).not.toBe(first);
    expect(stateIdentity(checkpoint([{ ...container, inputs: { restart: "on-failure" } }], "2026-12-05T18:38:02Z"))).not.toBe(first);
    expect(stateIdentity(checkpoint([container], "2026-12-05T18:38:02Z", [{ type: "updating", resource: container }]))).not.toBe(first);
    expect(stateIdentity("{ not json")).toBeUndefined();
    expect(stateIdentity(JSON.stringify({ checkpoint: {} }))).toBeUndefined();
  });

  test("the preview is computed once per state, given again saying when, and computed anew once the state changes", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preview-memo-"));
    fs.mkdirSync(path.join(dir, ".pulumi", "stacks", "sophia"), { recursive: true });
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: sophia\nruntime: nodejs\n");
    const file = checkpointFile(`file://${dir}`, dir, "local");
    expect(file).toBe(path.join(dir, ".pulumi", "stacks", "sophia", "local.json"));
    fs.writeFileSync(file, checkpoint([container], "2026-12-05T18:38:02Z"));
    let clock = Date.parse("2026-12-05T18:40:00Z");
    const memo = new PreviewMemo(file, () => new Date(clock));
    let computed = 0;
    const compute = async () => {
      computed++;
      clock += 9_000;
      return { text: "preview local: no changes (56 unchanged); policy: 0 mandatory violations, 0 advisories", digest: "sha256:d", steps: [] };
    };
    expect(memo.kept()).toBeUndefined();
    expect((await memo.answer(compute)).text).toBe("preview local: no changes (56 unchanged); policy: 0 mandatory violations, 0 advisories");
    const again = await memo.answer(compute);
    expect(computed).toBe(1);
    expect(memo.kept()).toEqual(again);
    expect(again.text).toBe("preview local: no changes (56 unchanged); policy: 0 mandatory violations, 0 advisories (the engine's preview of 2026-12-05T18:40:00.000Z, 9.0 s; the state has not changed since)");
    // A no-op up rewrites the manifest only: still the same state.
    fs.writeFileSync(file, checkpoint([container], "2026-12-05T18:45:00Z"));
    await memo.answer(compute);
    expect(computed).toBe(1);
    // An up that changed a resource: the engine is asked again.
    fs.writeFileSync(file, checkpoint([{ ...container, inputs: { restart: "on-failure" } }], "2026-12-05T18:50:00Z"));
    expect(memo.kept()).toBeUndefined();
    await memo.answer(compute);
    expect(computed).toBe(2);
    // A state written while the preview ran is not the one it read: nothing is kept.
    const racing = new PreviewMemo(file);
    const racingCompute = async () => {
      computed++;
      fs.writeFileSync(file, checkpoint([container], "2026-12-05T18:55:00Z"));
      return { text: "preview local: 1 to update (55 unchanged)", digest: "sha256:e", steps: [] };
    };
    await racing.answer(racingCompute);
    await racing.answer(racingCompute);
    expect(computed).toBe(4);
    // No state file: never kept.
    const none = new PreviewMemo(path.join(dir, "missing.json"));
    await none.answer(compute);
    await none.answer(compute);
    expect(none.kept()).toBeUndefined();
    expect(computed).toBe(6);
  });
});
