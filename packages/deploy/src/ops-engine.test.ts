// The parts of sophia-ops's engine context that decide whether a preview in the container can say "no
// changes": copies that keep modes and skip what would hash differently, the SDKs' dependency
// closure as Node resolves it, and each source's own __dirname in the program's bundle.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { build } from "esbuild";
import { buildContextsOf, dependencyClosure, sourceDirnamePlugin, syncDirectory } from "./ops-engine";

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "ops-engine-"))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (file: string, text: string, mode = 0o644) => {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
  fs.chmodSync(path.join(dir, file), mode);
};

test("a directory is synced with its modes, then copied again only where it changed; what the source lost goes", () => {
  write("src/Dockerfile", "FROM x\n");
  write("src/bin/run.sh", "#!/bin/sh\n", 0o755);
  write("src/.bin/link-target", "x");
  write("dst/stale.txt", "old");
  const skipBin = (name: string) => name === ".bin";
  expect(syncDirectory(path.join(dir, "src"), path.join(dir, "dst"), skipBin)).toBe(2);
  expect(fs.statSync(path.join(dir, "dst/bin/run.sh")).mode & 0o777).toBe(0o755);
  expect(fs.existsSync(path.join(dir, "dst/stale.txt"))).toBe(false);
  expect(fs.existsSync(path.join(dir, "dst/.bin"))).toBe(false);
  expect(syncDirectory(path.join(dir, "src"), path.join(dir, "dst"), skipBin)).toBe(0);
  write("src/Dockerfile", "FROM y\n");
  expect(syncDirectory(path.join(dir, "src"), path.join(dir, "dst"), skipBin)).toBe(1);
  expect(fs.readFileSync(path.join(dir, "dst/Dockerfile"), "utf8")).toBe("FROM y\n");
});

test("a symbolic link in a context is refused, naming it: the docker provider would hash its absolute target", () => {
  write("src/real", "x");
  fs.symlinkSync(path.join(dir, "src/real"), path.join(dir, "src/link"));
  expect(() => syncDirectory(path.join(dir, "src"), path.join(dir, "dst"))).toThrow(/link: a symbolic link in a build context/);
});

test("the dependency closure resolves as Node does: a package's own node_modules first, then upwards; nested copies go with their package", () => {
  const pkg = (at: string, deps: Record<string, string> = {}, optional: Record<string, string> = {}) => write(`${at}/package.json`, JSON.stringify({ name: path.basename(at), dependencies: deps, optionalDependencies: optional }));
  pkg("node_modules/@pulumi/pulumi", { semver: "7", grpc: "1" }, { "not-installed": "1" });
  pkg("node_modules/semver");
  pkg("node_modules/grpc", { semver: "5" });
  pkg("node_modules/grpc/node_modules/semver");
  pkg("node_modules/unused");
  expect(dependencyClosure(["@pulumi/pulumi"], dir)).toEqual(["node_modules/@pulumi/pulumi", "node_modules/grpc", "node_modules/semver"]);
  pkg("node_modules/broken", { missing: "1" });
  expect(() => dependencyClosure(["broken"], dir)).toThrow("node_modules/broken requires missing, which is not installed (npm ci)");
});

test("in the bundle, each source's __dirname is its own directory as laid out beside the bundle", async () => {
  // The plugin works on this repository's files; these live in a scratch directory inside it.
  const repo = path.resolve(__dirname, "..", "..", "..");
  const scratch = fs.mkdtempSync(path.join(repo, "packages", "deploy", ".tmp-dirname-"));
  try {
    fs.mkdirSync(path.join(scratch, "a", "src"), { recursive: true });
    fs.writeFileSync(path.join(scratch, "a", "src", "images.ts"), 'import * as path from "node:path";\nexport const IMAGES = path.resolve(__dirname, "..", "images");\n');
    fs.writeFileSync(path.join(scratch, "entry.ts"), 'import { IMAGES } from "./a/src/images";\nconsole.log(IMAGES);\n');
    const bundleDir = path.relative(repo, path.join(scratch, "out"));
    await build({ entryPoints: [path.join(scratch, "entry.ts")], outfile: path.join(scratch, "out", "index.js"), bundle: true, platform: "node", format: "cjs", logLevel: "error", plugins: [sourceDirnamePlugin(bundleDir)], absWorkingDir: repo });
    // Moved elsewhere with its tree, the bundle still finds a/images beside it.
    const moved = path.join(dir, path.relative(repo, scratch));
    fs.mkdirSync(path.join(moved, "out"), { recursive: true });
    fs.copyFileSync(path.join(scratch, "out", "index.js"), path.join(moved, "out", "index.js"));
    expect(execFileSync(process.execPath, [path.join(moved, "out", "index.js")], { encoding: "utf8" }).trim()).toBe(path.join(moved, "a", "images"));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});

test("a plan's build contexts, relative to the repository", () => {
  const plan = 'build: {context: "../packages/mcp-servers/images/ops", dockerfile: "…"}\nbuild: {context: "../packages/agent-runtime/images/runtime"}\nbuild: {context: "../packages/mcp-servers/images/ops"}';
  expect(buildContextsOf(plan)).toEqual(["packages/agent-runtime/images/runtime", "packages/mcp-servers/images/ops"]);
});
