// The engine sophia-ops runs real Pulumi operations with (issue 32), put into the ops image's build
// context by the deploy that is itself using it: no download, the same CLI, language host and
// plugins, the same versions.
//
//   images/ops/dist/engine/bin/   the CLI's own files and each plugin's binary (found on PATH by the
//                                 CLI, as "ambient" plugins: PULUMI_HOME stays a tmpfs)
//   images/ops/dist/program/      the program as the CLI runs it: Pulumi.yaml, stacks/index.js (an
//                                 esbuild bundle; the @pulumi packages stay outside it, in
//                                 node_modules/, as the language host loads them), the stack's
//                                 config file, the policy pack, and every other image's build context
//                                 at its path in this repository
//
// The image copies its own build context to packages/mcp-servers/images/ops under the program's root,
// and dist/program over that root: the program then finds every build context where it finds them
// here, byte for byte, and the docker provider hashes each to the digest the state holds. That is
// what lets a preview in the container say "no changes".
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Plugin } from "esbuild";
import { bundleWithPluginsIfChanged } from "./build-image-contexts";

/** The repository this package is part of. */
const root = path.resolve(__dirname, "..", "..", "..");
const opsDist = path.join(root, "packages", "mcp-servers", "images", "ops", "dist");
export const OPS_ENGINE_DIR = path.join(opsDist, "engine");
export const OPS_PROGRAM_DIR = path.join(opsDist, "program");

/** The CLI's own executables, beside `pulumi` where it is installed. */
const CLI_FILES = ["pulumi", "pulumi-language-nodejs", "pulumi-analyzer-policy", "pulumi-resource-pulumi-nodejs"];
/** The SDKs the program and the policy pack load at run time, with everything they require. */
export const RUNTIME_PACKAGES = ["@pulumi/pulumi", "@pulumi/docker", "@pulumi/random", "@pulumi/command", "@pulumi/policy"];
/** The resource plugins those SDKs start, at the versions the SDKs pin. */
const PLUGIN_PACKAGES = { docker: "@pulumi/docker", random: "@pulumi/random", command: "@pulumi/command" } as const;

/** Where an executable on PATH really is (a symlink resolved), or undefined. */
export function onPath(command: string, pathVariable = process.env.PATH ?? ""): string | undefined {
  if (command.includes("/")) return fs.existsSync(command) ? fs.realpathSync(command) : undefined;
  for (const dir of pathVariable.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return fs.realpathSync(candidate);
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Makes `target` hold exactly the files of `source` (contents and modes), copying only what differs
 * in size, mode or modification time, and removing what `source` no longer has. Symbolic links are
 * refused: the docker provider hashes a link by the absolute path it resolves to, which differs in
 * the container. `skip`: names left out at any depth. Returns how many files it copied.
 */
export function syncDirectory(source: string, target: string, skip: (name: string) => boolean = () => false): number {
  let copied = 0;
  fs.mkdirSync(target, { recursive: true });
  const wanted = new Set<string>();
  for (const entry of fs.readdirSync(source, { withFileTypes: true })) {
    if (skip(entry.name)) continue;
    wanted.add(entry.name);
    const from = path.join(source, entry.name);
    const to = path.join(target, entry.name);
    if (entry.isSymbolicLink()) throw new Error(`${path.relative(root, from)}: a symbolic link in a build context; the image's copy would hash differently (use npm's --no-bin-links)`);
    if (entry.isDirectory()) {
      if (fs.existsSync(to) && !fs.lstatSync(to).isDirectory()) fs.rmSync(to, { recursive: true });
      copied += syncDirectory(from, to, skip);
      continue;
    }
    copied += copyIfChanged(from, to) ? 1 : 0;
  }
  for (const name of fs.readdirSync(target)) if (!wanted.has(name)) fs.rmSync(path.join(target, name), { recursive: true, force: true });
  return copied;
}

/** Copies a file with its mode (or `mode`) and modification time, unless the copy is already that. */
function copyIfChanged(from: string, to: string, mode?: number): boolean {
  const source = fs.statSync(from);
  const wantedMode = mode ?? source.mode & 0o7777;
  const existing = fs.existsSync(to) ? fs.lstatSync(to) : undefined;
  if (existing && existing.isFile() && existing.size === source.size && (existing.mode & 0o7777) === wantedMode && Math.abs(existing.mtimeMs - source.mtimeMs) < 1) return false;
  if (existing) fs.rmSync(to, { recursive: true, force: true });
  fs.copyFileSync(from, to);
  fs.chmodSync(to, wantedMode);
  // Set to the millisecond: utimes rounds finer fractions.
  fs.utimesSync(to, source.atime, source.mtime);
  return true;
}

/** The directories (relative to the repository) of `names` and of every package they require,
 * resolved as Node resolves them: the requiring package's own node_modules first, then upwards. */
export function dependencyClosure(names: readonly string[], repoRoot = root): string[] {
  const found = new Set<string>();
  const resolve = (name: string, from: string): string | undefined => {
    for (let dir = from; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, "node_modules", name);
      if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
      if (dir === repoRoot || dir === path.dirname(dir)) return undefined;
    }
  };
  const visit = (dir: string) => {
    if (found.has(dir)) return;
    found.add(dir);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      const at = resolve(dep, dir);
      // An optional dependency this platform does not install is absent; a required one is an error.
      if (at) visit(at);
      else if (!manifest.optionalDependencies?.[dep]) throw new Error(`${path.relative(repoRoot, dir)} requires ${dep}, which is not installed (npm ci)`);
    }
  };
  for (const name of names) {
    const at = resolve(name, repoRoot);
    if (!at) throw new Error(`${name} is not installed (npm ci)`);
    visit(at);
  }
  // A package inside another's directory is copied with it.
  const dirs = [...found].map((d) => path.relative(repoRoot, d)).sort();
  return dirs.filter((d) => !dirs.some((outer) => outer !== d && d.startsWith(`${outer}/`)));
}

/**
 * esbuild plugin: `__dirname` in this repository's own sources means the source's directory as laid
 * out in the program tree, not the bundle's. The program finds its build contexts and scripts from
 * `__dirname` (path.resolve(__dirname, "..", "images")); bundled as is, every package would share
 * the bundle's directory.
 */
export function sourceDirnamePlugin(bundleDir: string): Plugin {
  return {
    name: "source-dirname",
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const contents = fs.readFileSync(args.path, "utf8");
        if (!/\b__dirname\b/.test(contents)) return undefined;
        const relative = path.relative(bundleDir, path.dirname(path.relative(root, args.path))) || ".";
        const prologue = `var __source_dirname = require("node:path").join(__dirname, ${JSON.stringify(relative)});\n`;
        return { contents: prologue + contents.replace(/\b__dirname\b/g, "__source_dirname"), loader: "ts" };
      });
    },
  };
}

export interface OpsEngineFiles {
  /** The CLI's version, as `pulumi version` prints it. */
  readonly cliVersion: string;
  readonly plugins: readonly string[];
  /** Files copied this time (0: the context was already current). */
  readonly copied: number;
}

/**
 * Puts the engine this deploy uses and the program into the ops image's build context.
 * `configFile`: the stack's config as the engine reads it (with its salt and secrets, encrypted);
 * `contexts`: the other images' build contexts, relative to the repository.
 */
export async function prepareOpsEngine(cliCommand: string, stack: string, configFile: string, contexts: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<OpsEngineFiles> {
  const cli = onPath(cliCommand, env.PATH);
  if (!cli) throw new Error(`ops engine: ${cliCommand} is not on PATH`);
  const cliDir = path.dirname(cli);
  const cliVersion = execFileSync(cli, ["version"], { encoding: "utf8", env }).trim();
  const bin = path.join(OPS_ENGINE_DIR, "bin");
  fs.mkdirSync(bin, { recursive: true });
  let copied = 0;
  const wantedBin = new Set<string>();
  for (const file of CLI_FILES.filter((f) => fs.existsSync(path.join(cliDir, f)))) {
    wantedBin.add(file);
    copied += copyIfChanged(fs.realpathSync(path.join(cliDir, file)), path.join(bin, file), 0o755) ? 1 : 0;
  }
  const installed = JSON.parse(execFileSync(cli, ["plugin", "ls", "--json"], { encoding: "utf8", env })) as { name: string; kind: string; version: string }[];
  const pluginsDir = path.join(env.PULUMI_HOME ?? path.join(env.HOME ?? "/root", ".pulumi"), "plugins");
  const plugins: string[] = [];
  for (const [name, sdk] of Object.entries(PLUGIN_PACKAGES)) {
    const version = (JSON.parse(fs.readFileSync(path.join(root, "node_modules", sdk, "package.json"), "utf8")) as { version: string }).version;
    const binary = `pulumi-resource-${name}`;
    // One on PATH beside the CLI is what this deploy's engine runs; otherwise the plugin cache's.
    const ambient = fs.existsSync(path.join(cliDir, binary)) ? path.join(cliDir, binary) : undefined;
    if (!ambient && !installed.some((p) => p.kind === "resource" && p.name === name && p.version === version)) {
      throw new Error(`ops engine: the ${name} plugin ${version} that ${sdk} needs is not installed (pulumi plugin install resource ${name} ${version})`);
    }
    wantedBin.add(binary);
    // The plugin cache keeps its binaries for its owner alone (0700); the server runs as another user.
    copied += copyIfChanged(fs.realpathSync(ambient ?? path.join(pluginsDir, `resource-${name}-v${version}`, binary)), path.join(bin, binary), 0o755) ? 1 : 0;
    plugins.push(`${name} ${version}`);
  }
  for (const name of fs.readdirSync(bin)) if (!wantedBin.has(name)) fs.rmSync(path.join(bin, name), { force: true });

  copied += await prepareProgramTree(stack, configFile, contexts);
  return { cliVersion, plugins, copied };
}

/** The program tree (dist/program): see the top of this file. Returns the files copied or built. */
async function prepareProgramTree(stack: string, configFile: string, contexts: readonly string[]): Promise<number> {
  const tree = OPS_PROGRAM_DIR;
  let changed = 0;
  const write = (file: string, text: string) => {
    const at = path.join(tree, file);
    fs.mkdirSync(path.dirname(at), { recursive: true });
    if (fs.existsSync(at) && fs.readFileSync(at, "utf8") === text) return;
    fs.writeFileSync(at, text);
    changed++;
  };
  // The language host looks for the program's package.json (it warns without one).
  write("package.json", `${JSON.stringify({ name: "sophia-program", private: true, main: "stacks/index.js" }, null, 2)}\n`);
  write("Pulumi.yaml", "# Written by packages/deploy (ops-engine.ts): the program as sophia-ops's engine runs it (bundled JavaScript: no TypeScript compiler).\nname: sophia\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: stacks/index.js\nstackConfigDir: stacks\n");
  const externals = RUNTIME_PACKAGES.flatMap((p) => [p, `${p}/*`]);
  if (await bundleWithPluginsIfChanged(path.join(root, "stacks", "index.ts"), path.join(tree, "stacks", "index.js"), externals, [sourceDirnamePlugin("stacks")])) changed++;
  if (await bundleWithPluginsIfChanged(path.join(root, "packages", "policy", "pack", "index.ts"), path.join(tree, "policy", "index.js"), externals, [sourceDirnamePlugin("policy")])) changed++;
  write("policy/PulumiPolicy.yaml", fs.readFileSync(path.join(root, "packages", "policy", "pack", "PulumiPolicy.yaml"), "utf8"));
  // The pack's own manifest (the analyzer wants its name and version), pointing at the bundle.
  const pack = JSON.parse(fs.readFileSync(path.join(root, "packages", "policy", "pack", "package.json"), "utf8")) as Record<string, unknown>;
  write("policy/package.json", `${JSON.stringify({ name: pack.name, version: pack.version ?? "0.0.0", private: true, main: "index.js" }, null, 2)}\n`);
  // Placement's solver loads its WebAssembly from beside the bundle.
  changed += copyIfChanged(path.join(root, "node_modules", "highs", "build", "highs.wasm"), path.join(tree, "stacks", "highs.wasm")) ? 1 : 0;
  // Only this stack's file: the image then holds one stack's config (its secrets encrypted).
  for (const name of fs.readdirSync(path.join(tree, "stacks")).filter((f) => /^Pulumi\..+\.yaml$/.test(f) && f !== `Pulumi.${stack}.yaml`)) fs.rmSync(path.join(tree, "stacks", name));
  changed += copyIfChanged(configFile, path.join(tree, "stacks", `Pulumi.${stack}.yaml`)) ? 1 : 0;

  const modules = dependencyClosure(RUNTIME_PACKAGES);
  // Packages' .bin directories are links to their commands, which nothing here runs.
  for (const dir of modules) changed += syncDirectory(path.join(root, dir), path.join(tree, dir), (name) => name === ".bin");
  pruneOutside(path.join(tree, "node_modules"), "node_modules", modules);

  const ops = path.join("packages", "mcp-servers", "images", "ops");
  const others = contexts.filter((c) => c !== ops);
  for (const context of others) changed += syncDirectory(path.join(root, context), path.join(tree, context));
  pruneOutside(path.join(tree, "packages"), "packages", others);
  return changed;
}

/** Removes from `dir` (a tree's directory, `base` relative to the repository) every entry that is
 * neither one of `kept` (relative to the repository) nor on the way to one. */
function pruneOutside(dir: string, base: string, kept: readonly string[]): void {
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) {
    const rel = path.join(base, name);
    if (kept.includes(rel)) continue;
    if (kept.some((k) => k.startsWith(`${rel}/`))) pruneOutside(path.join(dir, name), rel, kept);
    else fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

/** The build contexts a stack's plan names (`context: "../packages/…"`, relative to stacks/), relative to the repository. */
export function buildContextsOf(planText: string): string[] {
  return [...new Set([...planText.matchAll(/context: "\.\.\/([^"]+)"/g)].map((m) => m[1]!))].sort();
}

/** Empties the engine's directories: an image for another stack than the local one carries no engine
 * (its program tree would hold the local stack's config), and says so. Returns whether there was one. */
export function removeOpsEngine(): boolean {
  const had = fs.existsSync(path.join(OPS_PROGRAM_DIR, "Pulumi.yaml"));
  for (const dir of [path.join(OPS_ENGINE_DIR, "bin"), OPS_PROGRAM_DIR]) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
  }
  return had;
}
