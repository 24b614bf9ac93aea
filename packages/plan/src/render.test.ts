import * as pulumi from "@pulumi/pulumi";
import { evaluate } from "./evaluate";
import { renderPlan, renderValue } from "./render";

class Lock extends pulumi.CustomResource {
  constructor(name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    super("test:index:Lock", name, props, opts);
  }
}

class Box extends pulumi.ComponentResource {
  constructor(name: string, password: pulumi.Input<string>, opts?: pulumi.ComponentResourceOptions) {
    super("test:box:Box", name, {}, opts);
    new Lock(`${name}-lock`, { password, script: "x".repeat(500), tags: ["b", "a"] }, { parent: this });
    this.registerOutputs({});
  }
}

/** A program evaluated on stack "unit" with the secret sophia:password = hunter2. */
const evaluateWithPassword = (program: () => Record<string, unknown>) =>
  evaluate({ project: "sophia", stack: "unit", config: { "sophia:password": "hunter2" }, secretKeys: ["sophia:password"], program: async () => program() });

describe("renderValue", () => {
  it("redacts secrets, hashes long text and sorts keys", () => {
    expect(renderValue({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "hunter2" })).toBe("[secret]");
    expect(renderValue("a\nb")).toMatch(/^<text 3 chars sha256:[0-9a-f]{12}>$/);
    expect(renderValue({ b: 1, a: [true, null] })).toBe("{a: [true, null], b: 1}");
  });
});

describe("a rendered plan", () => {
  it("nests children under their parent, redacts secret inputs and counts resources", async () => {
    const evaluation = await evaluateWithPassword(() => {
      const password = new pulumi.Config("sophia").requireSecret("password");
      new Box("zeta", password);
      new Box("alpha", password);
      return { password };
    });
    const text = renderPlan(evaluation, { Notes: ["one note"] });
    expect(text).not.toContain("hunter2");
    expect(text).toContain("- test:box:Box alpha\n  - test:index:Lock alpha-lock\n      password: [secret]\n      script: <text 500 chars");
    expect(text.indexOf("Box alpha")).toBeLessThan(text.indexOf("Box zeta"));
    expect(text).toContain("## Notes\n\n```\none note\n```");
    expect(text).toContain("password: [secret]\n```");
    expect(text.trimEnd().split("\n").pop()).toBe("plan unit: 4 resources");
  });

  it("resolves outputs nested in an exported object or list, as the engine does, secrets still redacted", async () => {
    const evaluation = await evaluateWithPassword(() => {
      const lock = new Lock("nested", { password: "x" });
      return { names: { lock: lock.urn.apply(() => "nested"), plain: 1 }, list: [pulumi.output("a")], secret: { password: new pulumi.Config("sophia").requireSecret("password") } };
    });
    const text = renderPlan(evaluation, {});
    expect(text).toContain('names: {lock: "nested", plain: 1}');
    expect(text).toContain('list: ["a"]');
    expect(text).toContain("secret: {password: [secret]}");
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("toJSON");
  });
});
