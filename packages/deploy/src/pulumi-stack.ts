// How the tools reach a stack with a real Pulumi engine, through the Automation API: the pinned CLI
// (from PATH, or installed by the Automation API where the internet allows it), and for the `local`
// stack a file state backend under .pulumi-local/ (git-ignored) with a generated passphrase.
//
// The local stack's passphrase secrets provider keeps a salt (`encryptionsalt`) in the stack's config
// file. The tracked stacks/Pulumi.local.yaml must not carry it (it is tied to the git-ignored
// passphrase), so every operation on `local` reads a working copy, .pulumi-local/Pulumi.local.yaml:
// the committed file as it is now, plus the salt. The stack itself is created from a scratch project
// under .pulumi-local/ so that `pulumi stack init` writes its salt there. Deleting .pulumi-local/
// starts over cleanly.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { type Environment, ENVIRONMENTS, knownConfigKeys, parseStackFile } from "@sophia/stack-config";
import * as semver from "semver";
import YAML, { parse } from "yaml";

export const PULUMI_CLI_VERSION = "3.274.1";
/** The repository this package is part of. */
const root = path.resolve(__dirname, "..", "..", "..");
const localDir = path.join(root, ".pulumi-local");

export class MissingCli extends Error {}

export const INSTALL_HINT = `the Pulumi CLI ${PULUMI_CLI_VERSION} is not on PATH, and it could not be installed here. Nothing was changed.
Install it, then run this again:
  curl -fsSL https://get.pulumi.com | sh -s -- --version ${PULUMI_CLI_VERSION}   # Linux/macOS; adds ~/.pulumi/bin to PATH
  brew install pulumi/tap/pulumi                                                # macOS with Homebrew
  https://www.pulumi.com/docs/iac/download-install/
Without the CLI, \`npm run plan -- <stack>\` shows what a stack would create.`;

/** The CLI on PATH; else, unless `install` is false, the pinned version installed by the Automation API. */
export async function pulumiCli(options: { install: boolean; log: (line: string) => void }): Promise<PulumiCommand> {
  try {
    return await PulumiCommand.get({ skipVersionCheck: true });
  } catch {
    if (!options.install) throw new MissingCli(INSTALL_HINT);
  }
  const installRoot = path.join(os.homedir(), ".pulumi", "versions", PULUMI_CLI_VERSION);
  try {
    return await PulumiCommand.get({ root: installRoot, skipVersionCheck: true });
  } catch {
    options.log(`no pulumi on PATH: installing the Pulumi CLI ${PULUMI_CLI_VERSION} into ${installRoot}`);
  }
  try {
    return await PulumiCommand.install({ root: installRoot, version: new semver.SemVer(PULUMI_CLI_VERSION) });
  } catch (error) {
    throw new MissingCli(`${INSTALL_HINT}\n(the download failed: ${(error as Error).message.split("\n")[0]})`);
  }
}

/** How a tool starts: the stack named on its command line and the Pulumi CLI. Returns the exit code
 * to stop with instead (2: usage, printed; 127: no CLI, with the install hint). */
export async function stackAndCli(tool: string, argv: readonly string[], options: { usage: string; install: boolean }): Promise<{ stackName: string; cli: PulumiCommand } | number> {
  const stackName = argv.find((a) => !a.startsWith("--"));
  if (!stackName || !(ENVIRONMENTS as readonly string[]).includes(stackName)) {
    console.error(`usage: ${options.usage}   (stacks: ${ENVIRONMENTS.join(", ")}; got ${stackName ?? "nothing"})`);
    return 2;
  }
  try {
    return { stackName, cli: await pulumiCli({ install: options.install && !argv.includes("--no-install"), log: console.error }) };
  } catch (error) {
    if (!(error instanceof MissingCli)) throw error;
    console.error(`${tool} ${stackName}: ${error.message}`);
    return 127;
  }
}

export interface StackHandle {
  readonly stack: Stack;
  /** The config file every operation reads (a working copy, where the stack has a private backend). */
  readonly configFile?: string;
  /** `pulumi config get` of a key (secrets decrypted), or undefined where it is not set. */
  readonly getConfig: (key: string) => Promise<string | undefined>;
  /** `pulumi config set --secret`, the value on stdin (never on a command line). */
  readonly setSecret: (key: string, value: string) => Promise<void>;
  /** `pulumi config rm`. */
  readonly removeConfig: (key: string) => Promise<void>;
}

export interface PrivateBackend {
  /** Directory (git-ignored) for the file backend, the passphrase and the config's working copy. */
  readonly dir: string;
  /** Changes the working copy's config before it is written (a rehearsal's overrides). */
  readonly override?: (config: YAML.Document) => void;
}

/** Where a private file backend keeps a stack's state: `.pulumi/stacks/<project>/<stack>.json`. */
export const stateFileOf = (backend: PrivateBackend, stack: string) => path.join(backend.dir, "state", ".pulumi", "stacks", "sophia", `${stack}.json`);

/** The stacks that always use a private backend here. Its working copy tells the program where the
 * state is, for sophia-ops's engine to read it (sophia:opsState; the passphrase is set by the deploy). */
export const LOCAL_BACKEND: PrivateBackend = { dir: localDir, override: (config) => config.setIn(["config", "sophia:opsState"], { dir: path.join(localDir, "state") }) };

/** Selects the stack, creating it (and, with a private backend, the backend and passphrase) when it
 * does not exist. Without one, the stack lives in the backend the engineer is logged in to. */
export async function openStack(name: string, cli: PulumiCommand, backend: PrivateBackend | undefined = name === "local" ? LOCAL_BACKEND : undefined): Promise<StackHandle> {
  // The committed file's own mistakes (YAML, duplicated or unknown keys, empty secrets) are one line
  // naming file, line and column, before any engine reads it.
  const committed = path.join(root, "stacks", `Pulumi.${name}.yaml`);
  if (fs.existsSync(committed)) parseStackFile(fs.readFileSync(committed, "utf8"), `stacks/Pulumi.${name}.yaml`, knownConfigKeys(name as Environment));
  // The engine runs the program without type-checking it again: `npm test` (tsc) checks every type,
  // and the deploy's own pre-check has just run the program. A `pulumi up` by hand still checks.
  const envVars: Record<string, string> = { PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_NODEJS_TRANSPILE_ONLY: "true" };
  if (!backend) {
    const workspace = await LocalWorkspace.create({ workDir: root, pulumiCommand: cli, envVars });
    return handle(await Stack.createOrSelect(name, workspace), cli, envVars, undefined);
  }
  fs.mkdirSync(path.join(backend.dir, "state"), { recursive: true, mode: 0o700 });
  const passphrase = path.join(backend.dir, "passphrase");
  if (!fs.existsSync(passphrase) || fs.statSync(passphrase).size === 0) {
    // The stack's secrets (MCP tokens, …) are encrypted with this; it never leaves its directory.
    fs.writeFileSync(passphrase, randomBytes(32).toString("base64"), { mode: 0o600 });
  }
  Object.assign(envVars, { PULUMI_BACKEND_URL: `file://${path.join(backend.dir, "state")}`, PULUMI_CONFIG_PASSPHRASE_FILE: passphrase });

  const scratch = path.join(backend.dir, "project");
  fs.mkdirSync(scratch, { recursive: true });
  const init = await LocalWorkspace.create({ workDir: scratch, pulumiCommand: cli, envVars, secretsProvider: "passphrase", projectSettings: { name: "sophia", runtime: "nodejs" } });
  // Where the stack's state file is, the stack exists, and the CLI need not be asked (a second or so
  // of a no-op deploy goes to such calls).
  if (!fs.existsSync(stateFileOf(backend, name)) && !(await init.listStacks()).some((s) => s.name === name)) await init.createStack(name);
  const salt = (parse(fs.readFileSync(path.join(scratch, `Pulumi.${name}.yaml`), "utf8")) as { encryptionsalt?: string } | null)?.encryptionsalt;
  const relative = path.relative(root, backend.dir);
  if (!salt) throw new Error(`${relative}/project/Pulumi.${name}.yaml has no encryptionsalt; delete ${relative}/ to start over`);
  const configFile = path.join(backend.dir, `Pulumi.${name}.yaml`);
  // Secrets set earlier in the working copy (a rehearsal's) are kept: they are encrypted with this salt.
  const kept = fs.existsSync(configFile) ? ((parse(fs.readFileSync(configFile, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {}) : {};
  const doc = YAML.parseDocument(fs.readFileSync(path.join(root, "stacks", `Pulumi.${name}.yaml`), "utf8"));
  backend.override?.(doc);
  for (const [key, value] of Object.entries(kept)) if (isSecure(value) && !doc.hasIn(["config", key])) doc.setIn(["config", key], value);
  doc.set("encryptionsalt", salt);
  doc.commentBefore = ` Written by the deploy tools from stacks/Pulumi.${name}.yaml${backend.override ? ", with overrides" : ""}, plus this stack's salt. Edit that file, not this one.`;
  fs.writeFileSync(configFile, doc.toString());

  const workspace = await LocalWorkspace.create({ workDir: root, pulumiCommand: cli, envVars });
  return handle(await Stack.select(name, workspace), cli, envVars, configFile);
}

const isSecure = (v: unknown) => typeof v === "object" && v !== null && "secure" in v;

function handle(stack: Stack, cli: PulumiCommand, env: Record<string, string>, configFile: string | undefined): StackHandle {
  const pulumi = (args: string[], stdin?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(cli.command, [...args, "--stack", stack.name, ...(configFile ? ["--config-file", configFile] : [])], { cwd: root, env: { ...process.env, ...env } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
      child.stdin.end(stdin ?? "");
    });
  return {
    stack,
    configFile,
    getConfig: async (key) => {
      const result = await pulumi(["config", "get", key]);
      return result.code === 0 ? result.stdout.replace(/\n$/, "") : undefined;
    },
    setSecret: async (key, value) => {
      const result = await pulumi(["config", "set", "--secret", key], value);
      if (result.code !== 0) throw new Error(`pulumi config set --secret ${key} failed: ${result.stderr.trim()}`);
    },
    removeConfig: async (key) => {
      const result = await pulumi(["config", "rm", key]);
      if (result.code !== 0) throw new Error(`pulumi config rm ${key} failed: ${result.stderr.trim()}`);
    },
  };
}
