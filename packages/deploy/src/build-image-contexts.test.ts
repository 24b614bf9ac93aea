import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bundleIfChanged, wheelArchitectures } from "./build-image-contexts";

test("a stack's wheel architectures come from its images' platforms (a gh200 node is arm64)", () => {
  const plan = ['build: {context: "a", platform: "linux/amd64"}', 'build: {context: "b", platform: "linux/arm64"}', 'build: {context: "c", platform: "linux/amd64"}'].join("\n");
  expect(wheelArchitectures(plan)).toEqual(["x86_64", "aarch64"]);
  expect(wheelArchitectures("no images here")).toEqual([]);
});

test("a bundle is built again only when a file it was built from changes, including one it newly imports", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-"));
  const entry = path.join(dir, "main.ts");
  const out = path.join(dir, "dist", "main.js");
  fs.writeFileSync(path.join(dir, "a.ts"), 'export const a = "first";\n');
  fs.writeFileSync(path.join(dir, "b.ts"), 'export const b = "imported later";\n');
  fs.writeFileSync(entry, 'import { a } from "./a";\nconsole.log(a);\n');
  expect(bundleIfChanged(entry, out)).toBe(true);
  expect(bundleIfChanged(entry, out)).toBe(false);
  fs.writeFileSync(path.join(dir, "a.ts"), 'export const a = "second";\n');
  expect(bundleIfChanged(entry, out)).toBe(true);
  expect(fs.readFileSync(out, "utf8")).toContain("second");
  fs.writeFileSync(entry, 'import { a } from "./a";\nimport { b } from "./b";\nconsole.log(a, b);\n');
  expect(bundleIfChanged(entry, out)).toBe(true);
  fs.writeFileSync(path.join(dir, "b.ts"), 'export const b = "changed";\n');
  expect(bundleIfChanged(entry, out)).toBe(true);
  expect(fs.readFileSync(out, "utf8")).toContain("changed");
  // A bundle deleted by hand is built again.
  fs.rmSync(out);
  expect(bundleIfChanged(entry, out)).toBe(true);
  fs.rmSync(dir, { recursive: true, force: true });
});
