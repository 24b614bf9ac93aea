// When a local deploy may leave out `pulumi up`: the hash of what an up reads, kept by content with a
// stat cache, and the rule that compares it (and the state) with the last successful up's.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readUpRecord, treeDigest, upNeeded, writeUpRecord } from "./up-inputs";

function tree(): { base: string; cache: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "up-inputs-"));
  fs.mkdirSync(path.join(base, "packages", "ops", "images", "dist"), { recursive: true });
  fs.mkdirSync(path.join(base, "packages", "ops", "node_modules", "x"), { recursive: true });
  fs.writeFileSync(path.join(base, "Pulumi.yaml"), "name: sophia\n");
  fs.writeFileSync(path.join(base, "packages", "ops", "images", "Dockerfile"), "FROM base\n");
  fs.writeFileSync(path.join(base, "packages", "ops", "images", "dist", "server.js"), "console.log(1)\n");
  fs.writeFileSync(path.join(base, "packages", "ops", "node_modules", "x", "index.js"), "module.exports = 1\n");
  fs.symlinkSync("server.js", path.join(base, "packages", "ops", "images", "dist", "main.js"));
  return { base, cache: path.join(base, ".cache", "files.json") };
}

const skipNodeModules = (relative: string) => /^packages\/[^/]+\/node_modules$/.test(relative);

test("an unchanged tree hashes the same from its stat cache, reading no file", () => {
  const { base, cache } = tree();
  const first = treeDigest(base, ["Pulumi.yaml", "packages"], cache, skipNodeModules);
  expect(first).toMatchObject({ files: 4, hashed: 3 });
  const second = treeDigest(base, ["Pulumi.yaml", "packages"], cache, skipNodeModules);
  expect(second).toEqual({ digest: first.digest, files: 4, hashed: 0 });
});

test("a file rewritten with the same bytes hashes the same; new bytes, a new file, a mode or a link's target do not", () => {
  const { base, cache } = tree();
  const roots = ["Pulumi.yaml", "packages"];
  const { digest } = treeDigest(base, roots, cache, skipNodeModules);
  const server = path.join(base, "packages", "ops", "images", "dist", "server.js");
  fs.writeFileSync(server, "console.log(1)\n");
  fs.utimesSync(server, new Date(), new Date(Date.now() + 5_000));
  expect(treeDigest(base, roots, cache, skipNodeModules)).toMatchObject({ digest, hashed: 1 });

  const changes: [string, () => void, () => void][] = [
    ["new bytes", () => fs.writeFileSync(server, "console.log(2)\n"), () => fs.writeFileSync(server, "console.log(1)\n")],
    ["a new file", () => fs.writeFileSync(path.join(base, "packages", "ops", "images", "extra"), "x"), () => fs.rmSync(path.join(base, "packages", "ops", "images", "extra"))],
    ["a mode", () => fs.chmodSync(server, 0o755), () => fs.chmodSync(server, 0o644)],
    ["a link's target", () => (fs.rmSync(path.join(base, "packages", "ops", "images", "dist", "main.js")), fs.symlinkSync("other.js", path.join(base, "packages", "ops", "images", "dist", "main.js"))), () => (fs.rmSync(path.join(base, "packages", "ops", "images", "dist", "main.js")), fs.symlinkSync("server.js", path.join(base, "packages", "ops", "images", "dist", "main.js")))],
  ];
  for (const [what, change, undo] of changes) {
    change();
    expect([what, treeDigest(base, roots, cache, skipNodeModules).digest]).not.toEqual([what, digest]);
    undo();
    expect([what, treeDigest(base, roots, cache, skipNodeModules).digest]).toEqual([what, digest]);
  }
});

test("what the skip rule leaves out does not count", () => {
  const { base, cache } = tree();
  const { digest } = treeDigest(base, ["Pulumi.yaml", "packages"], cache, skipNodeModules);
  fs.writeFileSync(path.join(base, "packages", "ops", "node_modules", "x", "index.js"), "module.exports = 2\n");
  expect(treeDigest(base, ["Pulumi.yaml", "packages"], cache, skipNodeModules).digest).toBe(digest);
  // A root that is not there counts as nothing, not as an error.
  expect(treeDigest(base, ["Pulumi.yaml", "packages", "missing"], cache, skipNodeModules).digest).toBe(digest);
});

test("an up is left out only where the inputs and the state are the last successful up's", () => {
  const record = { inputs: "i1", state: "sha256:s1", at: "2026-12-05T18:38:02.000Z" };
  expect(upNeeded(record, "i1", "sha256:s1")).toBeUndefined();
  expect(upNeeded(undefined, "i1", "sha256:s1")).toBe("no record of an earlier up");
  expect(upNeeded(record, "i2", "sha256:s1")).toBe("the program, its config, an image's files or the engine changed");
  expect(upNeeded(record, "i1", "sha256:s2")).toBe("the state changed since the last up of this deploy tool");
  expect(upNeeded(record, "i1", undefined)).toBe("no state to compare (a new stack)");

  const { base } = tree();
  const file = path.join(base, "records", "local.json");
  expect(readUpRecord(file)).toBeUndefined();
  writeUpRecord(file, record);
  expect(readUpRecord(file)).toEqual(record);
  fs.writeFileSync(file, "{ torn");
  expect(readUpRecord(file)).toBeUndefined();
});
