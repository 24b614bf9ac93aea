// Prepares the Docker build contexts of the platform's images on this machine, so that image builds
// need no registry: the sophia-ops bundles and the stdio bridge (esbuild), the memory server's pinned node_modules
// (npm ci from its package-lock.json), the agent runtime's wheels (tools/fetch-wheels.sh) and
// manifest schema, Telegraf for the local monitoring image (built from its Go module, which Debian
// does not package) and the ingress's Caddy (from its Go module too: Debian's is 2.6.2). After one
// fetch, npm's cache, the wheels directory and Go's module cache make this work offline.
// Run by the smoke and by deploy:local before images are built.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { build, type BuildOptions, buildSync, type Metafile, type Plugin } from "esbuild";
import { CADDY_VERSION } from "@sophia/mcp-servers";
import { TELEGRAF_VERSION } from "@sophia/monitoring";

/** The repository this package is part of. */
const root = path.resolve(__dirname, "..", "..", "..");
const images = path.join(root, "packages", "mcp-servers", "images");

/** CPU architectures as `uname -m` names them, which is how the runtime's Dockerfile finds its wheels. */
export type WheelArchitecture = "x86_64" | "aarch64";

/** The architectures a stack's images are built for, from its plan's `platform: "linux/…"` inputs. */
export function wheelArchitectures(planText: string): WheelArchitecture[] {
  const platforms = new Set([...planText.matchAll(/platform: "linux\/(amd64|arm64)"/g)].map((m) => m[1]));
  return [...platforms].sort().map((p) => (p === "arm64" ? "aarch64" : "x86_64"));
}

const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

/**
 * An esbuild bundle, built only when one of the files it was built from changed. Next to the bundle,
 * `<bundle>.inputs.json` records each input's hash from esbuild's own list of what it read; when the
 * bundle exists and every input hashes the same, the bundle is what esbuild would write again
 * (its output is deterministic), so it is kept. A source that starts importing a new file has itself
 * changed, so the list is always complete. Returns whether it was built.
 */
export function bundleIfChanged(entry: string, outfile: string, external: readonly string[] = []): boolean {
  if (bundleCurrent(outfile)) return false;
  recordInputs(outfile, buildSync(bundleOptions(entry, outfile, external)).metafile);
  return true;
}

/** bundleIfChanged with esbuild plugins, which only its asynchronous API runs. */
export async function bundleWithPluginsIfChanged(entry: string, outfile: string, external: readonly string[], plugins: Plugin[]): Promise<boolean> {
  if (bundleCurrent(outfile)) return false;
  recordInputs(outfile, (await build({ ...bundleOptions(entry, outfile, external), plugins })).metafile);
  return true;
}

const bundleOptions = (entry: string, outfile: string, external: readonly string[]): BuildOptions & { metafile: true } => ({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  logLevel: "error",
  legalComments: "none",
  external: [...external],
  metafile: true,
  absWorkingDir: root,
});

/** Whether the bundle exists and every input it was built from hashes as recorded. */
function bundleCurrent(outfile: string): boolean {
  const record = `${outfile}.inputs.json`;
  if (!fs.existsSync(outfile) || !fs.existsSync(record)) return false;
  const inputs = JSON.parse(fs.readFileSync(record, "utf8")) as Record<string, string>;
  return Object.entries(inputs).every(([file, hash]) => fs.existsSync(path.join(root, file)) && sha256(path.join(root, file)) === hash);
}

function recordInputs(outfile: string, metafile: Metafile): void {
  const inputs = Object.fromEntries(Object.keys(metafile.inputs).map((file) => [file, sha256(path.join(root, file))]));
  fs.writeFileSync(`${outfile}.inputs.json`, JSON.stringify(inputs));
}

/** The esbuild bundles of every image context (sophia-ops's server and plan command, gong, the
 * bridge), each rebuilt only when its sources changed. Returns the bundles it built. */
export function bundleImageSources(): string[] {
  const built: string[] = [];
  const bundle = (entry: string, outfile: string, external: string[] = []) => {
    if (bundleIfChanged(path.join(root, entry), path.join(images, outfile), external)) built.push(outfile);
  };
  // The server loads the Pulumi SDK only where a Pulumi CLI exists, which the image never has.
  bundle("packages/mcp-servers/src/ops/main.ts", "ops/dist/server.js", ["@pulumi/pulumi", "@pulumi/pulumi/*"]);
  // The stacks' plan command, and with it the program (stacks/plan-entry.ts).
  bundle("stacks/plan-entry.ts", PROGRAM_BUNDLE);
  bundle("packages/mcp-servers/src/gong/main.ts", "gong/dist/server.js");
  bundle("packages/mcp-servers/src/bridge/main.ts", "memory/dist/bridge.js");
  return built;
}

/** The program's bundle in the ops image, relative to the images directory. */
const PROGRAM_BUNDLE = "ops/dist/plan.js";

/** A hash of every file the program is built from (from its bundle's recorded inputs), for checks
 * that need not run again on the same program. Call after bundleImageSources. */
export function programSourcesHash(): string {
  return createHash("sha256").update(fs.readFileSync(path.join(images, `${PROGRAM_BUNDLE}.inputs.json`))).digest("hex");
}

/** `architectures`: the nodes' (a stack's images may be built for another CPU than this machine's). */
export function buildImageContexts(log: (line: string) => void = console.log, architectures: readonly WheelArchitecture[] = []): void {
  const built = bundleImageSources();
  log(`image bundles: ${built.length ? `built ${built.join(", ")}` : "unchanged"}`);
  prepareImageContexts(log, architectures);
}

/** Everything of the image contexts but the bundles: stack files and scripts beside sophia-ops's
 * bundles, the memory server's node_modules, the runtime's schema and wheels, Telegraf. */
export function prepareImageContexts(log: (line: string) => void, architectures: readonly WheelArchitecture[]): void {
  const ops = path.join(images, "ops", "dist");
  fs.mkdirSync(path.join(ops, "stacks"), { recursive: true });
  // Where a deploy with a CLI puts sophia-ops's engine (ops-engine.ts); the Dockerfile copies both.
  fs.mkdirSync(path.join(ops, "engine", "bin"), { recursive: true });
  fs.mkdirSync(path.join(ops, "program"), { recursive: true });
  for (const file of fs.readdirSync(path.join(root, "stacks")).filter((f) => /^Pulumi\..+\.yaml$/.test(f))) {
    fs.copyFileSync(path.join(root, "stacks", file), path.join(ops, "stacks", file));
  }
  fs.copyFileSync(path.join(root, "packages", "lambda-node", "bootstrap", "bootstrap.sh"), path.join(ops, "bootstrap.sh"));
  fs.copyFileSync(path.join(root, "packages", "private-network", "scripts", "wireguard.sh"), path.join(ops, "wireguard.sh"));
  // Placement's solver loads its WebAssembly next to the bundle.
  fs.copyFileSync(path.join(root, "node_modules", "highs", "build", "highs.wasm"), path.join(ops, "highs.wasm"));
  log("image context ops: server.js, plan.js, stack files");
  log("image context gong: server.js");

  const memory = path.join(images, "memory");
  const marker = path.join(memory, "node_modules", ".package-lock.json");
  // No .bin links: the docker provider hashes a link by the absolute path it resolves to, so a context
  // with links hashes differently in another clone, and in sophia-ops's copy of it (ops-engine.ts).
  const linked = fs.existsSync(path.join(memory, "node_modules", ".bin"));
  if (linked || !fs.existsSync(marker) || fs.statSync(marker).mtimeMs < fs.statSync(path.join(memory, "package-lock.json")).mtimeMs) {
    execFileSync("npm", ["ci", "--omit=dev", "--no-bin-links", "--no-audit", "--no-fund", "--workspaces=false", "--loglevel=error"], { cwd: memory, stdio: "inherit" });
  }
  log("image context memory: node_modules from package-lock.json, bridge.js");

  const runtime = path.join(root, "packages", "agent-runtime", "images", "runtime");
  fs.mkdirSync(path.join(runtime, "dist"), { recursive: true });
  // The runtime validates its manifest against the same JSON Schema the TypeScript side publishes.
  fs.copyFileSync(path.join(root, "packages", "agent-categories", "schema", "agent-manifest.schema.json"), path.join(runtime, "dist", "agent-manifest.schema.json"));
  const fetched = execFileSync("bash", [path.join(root, "tools", "fetch-wheels.sh")], { encoding: "utf8" }).trim();
  log(`image context agent runtime: manifest schema; ${fetched}`);
  for (const arch of architectures) {
    log(`image context agent runtime: ${execFileSync("bash", [path.join(root, "tools", "fetch-wheels.sh"), "--arch", arch], { encoding: "utf8" }).trim()}`);
  }
  log(`image context monitoring: ${buildTelegraf(path.join(root, "packages", "monitoring", "images", "monitoring", "dist"))}`);
  log(`image context ingress: ${buildCaddy(architectures)}`);
}

/** Telegraf with only the plugins the container exporter uses (its documented custom build: the
 * docker input and the Prometheus output), for this machine's architecture, which is the local
 * engine's and a rehearsal node's. Rebuilt only when the pinned version changes. */
export function buildTelegraf(dist: string): string {
  return goBinary({ context: "monitoring", name: "telegraf", module: "github.com/influxdata/telegraf/cmd/telegraf", version: TELEGRAF_VERSION, tags: "custom,inputs.docker,outputs.prometheus_client", dist, file: "telegraf" });
}

/** The ingress's Caddy, for each architecture its image is built for (`caddy-<uname -m>`, which the
 * Dockerfile picks). From its Go module rather than Debian's package: Debian's 2.6.2 cut off about one
 * proxied answer in 10,000 under load ("aborting with incomplete response"). */
export function buildCaddy(architectures: readonly WheelArchitecture[] = [], dist: string = path.join(images, "ingress", "dist")): string {
  const built = (architectures.length ? architectures : [machineArchitecture()]).map((arch) =>
    goBinary({ context: "ingress", name: "caddy", module: "github.com/caddyserver/caddy/v2/cmd/caddy", version: CADDY_VERSION, dist, file: `caddy-${arch}`, goarch: arch === "aarch64" ? "arm64" : "amd64" }),
  );
  return built.join("; ");
}

const machineArchitecture = (): WheelArchitecture => (process.arch === "arm64" ? "aarch64" : "x86_64");

/** `go install <module>@v<version>` into `dist/<file>` (static, stripped), skipped while the version
 * stamp beside it is the pinned one. */
function goBinary(build: { context: string; name: string; module: string; version: string; tags?: string; dist: string; file: string; goarch?: string }): string {
  const binary = path.join(build.dist, build.file);
  const stamp = `${binary}.version`;
  if (fs.existsSync(binary) && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === build.version) return `${build.file} ${build.version} already built`;
  fs.mkdirSync(build.dist, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(build.dist, ".go-"));
  const hostArch = process.arch === "arm64" ? "arm64" : "amd64";
  const cross = build.goarch !== undefined && build.goarch !== hostArch;
  const started = Date.now();
  try {
    const go = (args: string[], env: Record<string, string> = {}) => execFileSync("go", args, { env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod", ...env }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const install = ["install", "-trimpath", "-ldflags=-s -w", ...(build.tags ? ["-tags", build.tags] : []), `${build.module}@v${build.version}`];
    // `go install` puts another architecture's binary under GOPATH/bin/<os>_<arch>/ (it refuses GOBIN there).
    if (cross) go(install, { GOOS: "linux", GOARCH: build.goarch!, GOBIN: "" });
    else go(install, { GOBIN: scratch });
    const built = cross ? path.join(go(["env", "GOPATH"]).trim().split(path.delimiter)[0]!, "bin", `linux_${build.goarch}`, build.name) : path.join(scratch, build.name);
    fs.copyFileSync(built, binary);
    fs.chmodSync(binary, 0o755);
  } catch (error) {
    const { code, stderr } = error as NodeJS.ErrnoException & { stderr?: string };
    if (code === "ENOENT") throw new Error(`image context ${build.context}: ${build.name} is built from its Go module, and \`go\` is not on PATH: install Go >= 1.24 (https://go.dev/dl/)`);
    throw new Error(`image context ${build.context}: go install ${build.module}@v${build.version}${cross ? ` for ${build.goarch}` : ""} failed:\n${stderr?.toString().trim() ?? (error as Error).message}`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  fs.writeFileSync(stamp, build.version);
  return `${build.file} ${build.version} built from its Go module in ${((Date.now() - started) / 1000).toFixed(0)} s`;
}

