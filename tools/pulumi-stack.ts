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
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import * as semver from "semver";
import { parse } from "yaml";

export const PULUMI_CLI_VERSION = "3.274.1";
const root = path.resolve(__dirname, "..");
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

export interface StackHandle {
  readonly stack: Stack;
  /** The config file every operation reads (the working copy for `local`). */
  readonly configFile?: string;
}

/** Selects the stack, creating it (and, for `local`, its backend and passphrase) when it does not exist. */
export async function openStack(name: string, cli: PulumiCommand): Promise<StackHandle> {
  const envVars: Record<string, string> = { PULUMI_SKIP_UPDATE_CHECK: "true" };
  if (name !== "local") {
    // Staging and production use the backend the engineer is logged in to (pulumi login).
    const workspace = await LocalWorkspace.create({ workDir: root, pulumiCommand: cli, envVars });
    return { stack: await Stack.createOrSelect(name, workspace) };
  }
  fs.mkdirSync(path.join(localDir, "state"), { recursive: true, mode: 0o700 });
  const passphrase = path.join(localDir, "passphrase");
  if (!fs.existsSync(passphrase) || fs.statSync(passphrase).size === 0) {
    // The local stack's secrets (MCP tokens) are encrypted with this; it never leaves .pulumi-local/.
    fs.writeFileSync(passphrase, randomBytes(32).toString("base64"), { mode: 0o600 });
  }
  Object.assign(envVars, { PULUMI_BACKEND_URL: `file://${path.join(localDir, "state")}`, PULUMI_CONFIG_PASSPHRASE_FILE: passphrase });

  const scratch = path.join(localDir, "project");
  fs.mkdirSync(scratch, { recursive: true });
  const init = await LocalWorkspace.create({ workDir: scratch, pulumiCommand: cli, envVars, secretsProvider: "passphrase", projectSettings: { name: "sophia", runtime: "nodejs" } });
  if (!(await init.listStacks()).some((s) => s.name === name)) await init.createStack(name);
  const salt = (parse(fs.readFileSync(path.join(scratch, `Pulumi.${name}.yaml`), "utf8")) as { encryptionsalt?: string } | null)?.encryptionsalt;
  if (!salt) throw new Error(`.pulumi-local/project/Pulumi.${name}.yaml has no encryptionsalt; delete .pulumi-local/ to start over`);
  const configFile = path.join(localDir, `Pulumi.${name}.yaml`);
  const committed = fs.readFileSync(path.join(root, "stacks", `Pulumi.${name}.yaml`), "utf8");
  fs.writeFileSync(configFile, `# Written by the deploy tools from stacks/Pulumi.${name}.yaml, plus this stack's salt. Edit that file, not this one.\n${committed.trimEnd()}\nencryptionsalt: ${salt}\n`);

  const workspace = await LocalWorkspace.create({ workDir: root, pulumiCommand: cli, envVars });
  return { stack: await Stack.select(name, workspace), configFile };
}
