// npm run deploy -- <stack>   (npm run deploy:local is `deploy -- local`)
// Deploys a stack with a real Pulumi engine (Automation API), in the phase order of the deployment
// strategy: pre-deployment checks, `pulumi up` with its progress streamed, the post-deployment
// checklist and the integration validation against the live stack's outputs. Nothing is changed when a
// pre-deployment check fails. Last line:
//   deploy <stack>: <passed>/<total> checks passed, <created> created, <updated> updated in <s>s
// The rehearsal (./rehearse.ts) runs the same phases through runDeploy; tools/deploy.ts is the
// command line.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { OutputMap, PulumiCommand } from "@pulumi/pulumi/automation";
import { CATEGORIES } from "@sophia/agent-categories";
import { endpointsResolveSafely } from "@sophia/stack-config";
import { knownHostsOptions } from "@sophia/lambda-node";
import { parse } from "yaml";
import { stateIdentityOfFile } from "@sophia/mcp-servers";
import { type CheckResult, commandOverSsh, committedPlanLine, dockerMemory, dockerOn, dockerOverSsh, type Fleet, type LiveDeployment, memoryNotMeasurable, renderChecklist, runChecklist } from "@sophia/verify";
import { createHash } from "node:crypto";
import { bundleImageSources, prepareImageContexts, programSourcesHash, type WheelArchitecture, wheelArchitectures } from "./build-image-contexts";
import { buildContextsOf, prepareOpsEngine, removeOpsEngine } from "./ops-engine";
import { LOCAL_BACKEND, openStack, type PrivateBackend, stackAndCli, type StackHandle, stateFileOf } from "./pulumi-stack";
import { startSshAgent } from "./ssh-agent";
import { readUpRecord, treeDigest, upNeeded, writeUpRecord } from "./up-inputs";

/** The repository this package is part of. */
const root = path.resolve(__dirname, "..", "..", "..");
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

interface PreCheck {
  readonly name: string;
  /** Its figure; a warning is printed as one (⚠) and does not stop the deploy. */
  readonly run: () => Promise<string | { warning: string }> | string | { warning: string };
}

/**
 * Runs the pre-deployment checks stage by stage: the checks of a stage together (each needs only
 * what earlier stages found), their rows in the order written. A failure stops the deploy after its
 * stage, before anything changes.
 */
async function preDeployment(stages: readonly (readonly PreCheck[])[]): Promise<boolean> {
  console.log("pre-deployment checks");
  for (const stage of stages) {
    const rows = await Promise.all(
      stage.map(async (check) => {
        const t = Date.now();
        try {
          const figure = await check.run();
          const [mark, text] = typeof figure === "string" ? ["✔", figure] : ["⚠", figure.warning];
          return { ok: true, line: `  ${mark} ${check.name.padEnd(38)} ${`${seconds(t)}s`.padStart(7)}  ${text}` };
        } catch (error) {
          return { ok: false, line: `  ✘ ${check.name.padEnd(38)} ${`${seconds(t)}s`.padStart(7)}  ${(error as Error).message}` };
        }
      }),
    );
    for (const row of rows) console.log(row.line);
    if (rows.some((row) => !row.ok)) return false;
  }
  return true;
}

/** Where the time of a deploy went, one figure per phase, printed before its last line. */
class PhaseTimer {
  private readonly phases: [string, number][] = [];
  private started = Date.now();

  /** Ends the phase running since the previous mark (or the start). */
  mark(phase: string): void {
    this.phases.push([phase, Date.now() - this.started]);
    this.started = Date.now();
  }

  toString(): string {
    return this.phases.map(([phase, ms]) => `${phase} ${(ms / 1000).toFixed(1)}s`).join(", ");
  }
}

/**
 * The plan check's result from the last deploy with the same config file and the same program: the
 * program is deterministic (its committed plans are compared byte for byte), so the same inputs give
 * the same plan, and the check need not evaluate it again. The key is the config file's text and the
 * hash of every file of the program's bundle (build-image-contexts.ts).
 */
const planCheckCache = (dir: string, stack: string) => path.join(dir, "plan-checks", `${stack}.json`);

function cachedPlan(file: string, key: string): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  const cached = JSON.parse(fs.readFileSync(file, "utf8")) as { key?: string; plan?: string };
  return cached.key === key ? cached.plan : undefined;
}

export interface DeployOptions {
  readonly stackName: string;
  readonly cli: PulumiCommand;
  /** A private file backend with a working copy of the config (local; a rehearsal). */
  readonly backend?: PrivateBackend;
  /** What a rehearsal adds to the live deployment before the checklist (how to reach a TLS name). */
  readonly reach?: (outputs: OutputMap) => Promise<Partial<LiveDeployment>>;
  readonly log?: (line: string) => void;
  /** Whether to leave out `pulumi up` when nothing it reads changed since its last success
   * (up-inputs.ts). Set (true or false), each successful up is recorded for that; the local deploy
   * sets it, true unless --force-up. A rehearsal leaves it unset: its second up is one of its checks. */
  readonly skipUnchangedUp?: boolean;
}

export interface DeployResult {
  readonly ok: boolean;
  /** Set when the deploy stopped before or during `pulumi up`. */
  readonly stopped?: string;
  readonly results: readonly CheckResult[];
  readonly created: number;
  readonly updated: number;
  readonly outputs: OutputMap;
  readonly handle?: StackHandle;
  /** Seconds per phase: pre-checks, engine, checklist. */
  readonly phases?: string;
}

/** Checks of the post-deployment checklist that run at once: each waits mostly on a container or a
 * child process, and more than this on two cores only queues them behind each other. */
const CHECKLIST_CONCURRENCY = 6;

export async function runDeploy(options: DeployOptions): Promise<DeployResult> {
  const started = Date.now();
  const say = options.log ?? ((line: string) => console.log(`[deploy ${seconds(started)}s] ${line}`));
  const { stackName, cli } = options;
  const planLine = committedPlanLine(stackName);
  let handle: StackHandle | undefined;
  let architectures: WheelArchitecture[] = [];
  let planText = "";
  let hostMemory: { enforced: boolean; measured: boolean } | undefined;
  let engineIdentity = "";
  const stopped = (why: string): DeployResult => ({ ok: false, stopped: why, results: [], created: 0, updated: 0, outputs: {}, handle });

  const phases = new PhaseTimer();
  const local = stackName === "local";
  const hostSetup: PreCheck = {
    // Docker (installed from Debian and started when missing, as root) and the local base image.
    name: "host: Docker engine, base image",
    run: () => {
      execFileSync("bash", [path.join(root, "tools", "setup-host.sh")], { stdio: ["ignore", "ignore", "inherit"] });
      return "ready";
    },
  };
  const dockerReachable: PreCheck = {
    name: "Docker reachable",
    run: async () => {
      const [version, arch] = (await dockerOn(undefined, ["info", "-f", "{{.ServerVersion}} {{.Architecture}}"])).split(" ");
      const platform = arch === "aarch64" ? "linux/arm64" : arch === "x86_64" ? "linux/amd64" : `linux/${arch}`;
      const configured = (parse(fs.readFileSync(path.join(root, "stacks", "Pulumi.local.yaml"), "utf8")) as { config: Record<string, { platform?: string }> }).config["sophia:local"]?.platform;
      if (configured !== platform) throw new Error(`stacks/Pulumi.local.yaml: sophia:local.platform: expected ${platform} (this engine's architecture is ${arch}); got ${JSON.stringify(configured)}`);
      return `engine ${version}, ${platform}`;
    },
  };
  const memoryMeasured: PreCheck = {
    // Said once, before anything changes: where Docker reports no container's memory, the
    // checklist's memory figure says "not measurable here" instead of passing on zeros. The probe
    // (a container and `docker stats`, about 2 s) runs again only when the engine's identity,
    // version, kernel or cgroup setup changed since it last ran.
    name: "memory measured",
    run: async () => {
      const docker = (args: string[]) => dockerOn(undefined, args);
      const engine = await docker(["info", "-f", "{{.ID}} {{.ServerVersion}} {{.KernelVersion}} {{.CgroupDriver}} {{.CgroupVersion}} {{.MemoryLimit}}"]);
      const cacheFile = path.join(LOCAL_BACKEND.dir, "memory-measured.json");
      const cached = fs.existsSync(cacheFile) ? (JSON.parse(fs.readFileSync(cacheFile, "utf8")) as { engine?: string; measured?: boolean; enforced?: boolean }) : {};
      let memory = cached.engine === engine ? { measured: cached.measured === true, enforced: cached.enforced === true } : undefined;
      const probed = memory === undefined;
      if (memory === undefined) {
        const base = (parse(fs.readFileSync(path.join(root, "stacks", "Pulumi.local.yaml"), "utf8")) as { config: Record<string, { baseImage?: string }> }).config["sophia:local"]?.baseImage;
        const probe = `sophia-memory-probe-${process.pid}`;
        await docker(["run", "-d", "--rm", "--name", probe, "--memory", "64m", "--label", "sophia.probe=memory", base ?? "sophia/base:trixie", "sleep", "30"]);
        try {
          memory = await dockerMemory(docker, [probe]);
        } finally {
          await docker(["rm", "-f", probe]).catch(() => undefined);
        }
        fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
        fs.writeFileSync(cacheFile, JSON.stringify({ engine, ...memory }));
      }
      hostMemory = memory;
      const source = probed ? "" : " (this engine as last probed)";
      return memory.measured ? `Docker measures containers' memory, and enforces limits${source}` : { warning: `${memoryNotMeasurable(memory.enforced)}${source}` };
    },
  };
  // Where the up may be left out, the outputs the checklist then needs are read beside the other
  // pre-checks (two CLI calls, about a second); an up that runs returns its own.
  let outputsBeforeUp: Promise<OutputMap | Error> | undefined;
  const stackAndConfig: PreCheck = {
    name: "stack and its config file",
    run: async () => {
      handle = await openStack(stackName, cli, options.backend);
      if (options.skipUnchangedUp) outputsBeforeUp = handle.stack.outputs().catch((error: Error) => error);
      return handle.configFile ? path.relative(root, handle.configFile) : `stacks/Pulumi.${stackName}.yaml`;
    },
  };
  const imageBundles: PreCheck = {
    // Rebuilt only when their sources changed; the program's bundle also keys the plan check below.
    name: "image bundles",
    run: () => {
      const built = bundleImageSources();
      return built.length ? `built ${built.join(", ")}` : "4 bundles, sources unchanged";
    },
  };
  const planCheck: PreCheck = {
    name: "config, MCP servers, agent categories",
    // The program itself, in mock mode with the stack's config: the schema, placement, the MCP
    // catalog and routes, and the agent manifest are all checked before anything is registered.
    // In a child process: the SDK's mock mode keeps module state, and a program that stops leaves it
    // failing later in the process that ran it.
    run: () => {
      const configFile = handle!.configFile ?? path.join(root, "stacks", `Pulumi.${stackName}.yaml`);
      const key = createHash("sha256").update(fs.readFileSync(configFile)).update(programSourcesHash()).update(process.version).digest("hex");
      const cacheFile = planCheckCache((options.backend ?? LOCAL_BACKEND).dir, stackName);
      const known = cachedPlan(cacheFile, key);
      const cached = known !== undefined;
      if (known !== undefined) planText = known;
      else {
        const plan = spawnSync(process.execPath, [...process.execArgv, path.join(root, "tools", "plan.ts"), stackName, ...(handle!.configFile ? [`--config-file=${handle!.configFile}`] : [])], { encoding: "utf8" });
        if (plan.status !== 0) throw new Error(plan.stderr.trim().split("\n").filter((l) => !l.startsWith("warning: ")).join(" ") || `plan exited with ${plan.status}`);
        planText = plan.stdout;
        fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
        fs.writeFileSync(cacheFile, JSON.stringify({ key, plan: planText }));
      }
      architectures = wheelArchitectures(planText);
      const lines = planText.trimEnd().split("\n");
      const placement = lines[lines.indexOf("## Placement") + 3] ?? "";
      const servers = planText.match(/^ {2}- docker:index\/container:Container \S+-mcp-(?!ingress)\S+/gm)?.length ?? 0;
      return `${lines.pop()!.replace(/^plan \S+: /, "")}; ${servers} MCP servers; ${Object.keys(CATEGORIES).length} agent categories; ${placement}${cached ? " (same config and program as the last check: its result)" : ""}`;
    },
  };
  const endpointsResolve: PreCheck = {
    // Host names are resolved here, at deploy time only: a model, Gong or Lambda host that resolves
    // to a loopback, link-local or (unless a key allows it) private address is refused before
    // anything changes. The plan check has already refused such literal addresses.
    name: "endpoints resolve to allowed addresses",
    run: () => {
      const configFile = handle!.configFile ?? path.join(root, "stacks", `Pulumi.${stackName}.yaml`);
      return endpointsResolveSafely(stackName, configFile, path.relative(root, configFile));
    },
  };
  const noOrphans: PreCheck = {
    name: "no containers the state does not know",
    run: () => refuseOrphans(stackName, handle!),
  };
  const deployKey: PreCheck = {
    // Docker on the nodes is reached over ssh://; the deploy key goes from the secret into a
    // private ssh-agent, never to a file.
    name: "deploy key in a private ssh-agent",
    run: async () => {
      const key = await handle!.getConfig("sophia:sshPrivateKey");
      if (!key) throw new Error(`stacks/Pulumi.${stackName}.yaml: sophia:sshPrivateKey: missing required secret; set it with: pulumi config set --secret sshPrivateKey --stack ${stackName} < key`);
      const previous = await handle!.getConfig("sophia:sshPreviousPrivateKey");
      process.env.SSH_AUTH_SOCK = startSshAgent(key, previous).socket;
      return previous ? "loaded, with the previous key (a rotation: remove sophia:sshPreviousPrivateKey after this up)" : "loaded";
    },
  };
  const opsStateSecret: PreCheck = {
    // sophia-ops's engine reads the local state (read-only) with the backend's passphrase, which the
    // program gives it as this secret. Set once: the working copy keeps secrets, and setting it again
    // would encrypt it anew, changing the config (and the image it is copied into) on every deploy.
    name: "sophia-ops reads the state",
    run: async () => {
      const copy = parse(fs.readFileSync(handle!.configFile!, "utf8")) as { config?: Record<string, unknown> };
      const state = (copy.config?.["sophia:opsState"] as { dir?: string } | undefined)?.dir;
      if (copy.config?.["sophia:opsStatePassphrase"] === undefined) await handle!.setSecret("sophia:opsStatePassphrase", fs.readFileSync(path.join(LOCAL_BACKEND.dir, "passphrase"), "utf8"));
      return `${path.relative(root, state ?? "?")}, read-only, with its passphrase as a secret`;
    },
  };
  const imageContexts: PreCheck = {
    name: "image build contexts",
    run: async () => {
      const lines: string[] = [];
      prepareImageContexts((line) => lines.push(line), architectures);
      const contexts = `${lines.length} contexts prepared; wheels for ${architectures.join(", ") || "this machine"}`;
      if (!local) return `${contexts}${removeOpsEngine() ? "; sophia-ops's engine removed (it is the local stack's)" : ""}`;
      // The CLI and plugins this deploy runs, and the program, into sophia-ops's image (ops-engine.ts).
      const engine = await prepareOpsEngine(cli.command, stackName, handle!.configFile!, buildContextsOf(planText));
      engineIdentity = `pulumi ${engine.cliVersion}; ${engine.plugins.join(", ")}`;
      return `${contexts}; sophia-ops's engine: pulumi ${engine.cliVersion}, ${engine.plugins.join(", ")} (${engine.copied ? `${engine.copied} files copied` : "current"})`;
    },
  };
  const ok = await preDeployment([
    [{ name: "Pulumi CLI", run: () => `${cli.command} ${cli.version?.format() ?? "(version unknown)"}` }, ...(local ? [hostSetup] : [])],
    [...(local ? [dockerReachable] : []), stackAndConfig, imageBundles],
    ...(local ? [[opsStateSecret]] : []),
    [...(local ? [memoryMeasured, noOrphans] : []), planCheck, endpointsResolve, ...(local ? [] : [deployKey])],
    [imageContexts],
  ]);
  phases.mark("pre-checks");
  if (!ok || !handle) return stopped("a pre-deployment check failed; nothing was changed");

  // What the up reads (up-inputs.ts), where this deploy may leave it out: the local stack's files.
  const backend = options.backend ?? LOCAL_BACKEND;
  const recordFile = path.join(backend.dir, "up-inputs", `${stackName}.json`);
  const upInputs = options.skipUnchangedUp === undefined ? undefined : currentUpInputs(backend, handle.configFile!, engineIdentity);
  const currentState = () => stateIdentityOfFile(stateFileOf(backend, stackName));
  const record = readUpRecord(recordFile);
  const needed = upInputs === undefined ? "" : upNeeded(record, upInputs, currentState());
  let outputs: OutputMap;
  let created = 0;
  let updated = 0;
  if (needed === undefined && options.skipUnchangedUp) {
    console.log(`pulumi up (${stackName}): not run: the program, its config, every image's files, the engine and the state are as the up of ${record!.at} left them, so it would change nothing (npm run deploy -- ${stackName} --force-up runs it)`);
    // Read beside the pre-checks (stackAndConfig), wherever skipUnchangedUp is true.
    const read = await outputsBeforeUp!;
    if (read instanceof Error) return stopped(`the stack's outputs could not be read: ${read.message.split("\n")[0]}`);
    outputs = read;
    phases.mark("engine (pulumi up, not needed)");
  } else {
    console.log(`pulumi up (${stackName})${needed ? `: ${needed}` : needed === undefined ? ": --force-up (nothing it reads changed)" : ""}`);
    let up;
    try {
      // showSecrets false: the summary call would otherwise decrypt against the tracked stack file and
      // write a new salt into it.
      up = await handle.stack.up({ configFile: handle.configFile, color: "never", showSecrets: false, onOutput: (out) => process.stdout.write(out) });
    } catch {
      // The engine's own report is above, streamed; the error repeats all of it.
      return stopped(`pulumi up failed after ${seconds(started)}s (the engine's report is above)`);
    }
    const state = currentState();
    if (upInputs !== undefined && state !== undefined) writeUpRecord(recordFile, { inputs: upInputs, state, at: new Date().toISOString() });
    phases.mark("engine (pulumi up)");
    const changes = up.summary.resourceChanges ?? {};
    created = (changes.create ?? 0) + (changes["create-replacement"] ?? 0);
    updated = (changes.update ?? 0) + (changes.replace ?? 0);
    outputs = up.outputs;
  }

  console.log("post-deployment checklist and integration validation");
  const live = { ...liveDeployment(stackName, outputs, planLine), ...(hostMemory ? { hostMemory } : {}), ...(await options.reach?.(outputs)) };
  const results = await runChecklist(live, (r) => say(`${r.ok ? "PASS" : "FAIL"} ${r.name}`), { concurrency: CHECKLIST_CONCURRENCY });
  console.log(renderChecklist(results));
  phases.mark("checklist");
  return { ok: results.every((r) => r.ok), results, created, updated, outputs, handle, phases: phases.toString() };
}

/** The hash of what an up of the stack reads: every file of the repository the program, its bundles
 * and its image contexts come from (packages' own node_modules aside: package-lock.json stands for
 * them), the config's working copy, the engine and Node. */
function currentUpInputs(backend: PrivateBackend, configFile: string, engine: string): string {
  const packageNodeModules = /^packages\/[^/]+\/node_modules$|^stacks\/node_modules$/;
  const files = treeDigest(root, ["Pulumi.yaml", "package-lock.json", "tsconfig.base.json", "stacks", "packages"], path.join(backend.dir, "up-inputs", "files.json"), (relative) => packageNodeModules.test(relative));
  return createHash("sha256").update(files.digest).update(fs.readFileSync(configFile)).update(engine).update(process.version).digest("hex");
}

/** What the checklist needs, from a deployed stack's outputs. */
export function liveDeployment(stack: string, outputs: OutputMap, planLine: string): LiveDeployment {
  const value = <T>(name: string): T => {
    const output = outputs[name];
    if (output === undefined) throw new Error(`stack ${stack} has no output ${name}`);
    return output.value as T;
  };
  const base = {
    stack,
    ingressUrl: value<string>("ingressUrl"),
    cursorMcpJson: value<string>("cursorMcpJson"),
    tokens: value<Record<string, string>>("mcpTokens"),
    planLine,
    monitoringToken: outputs.monitoringToken?.value as string | undefined,
  };
  // The local deploy puts its engine into sophia-ops and gives it the state (ops-engine.ts).
  if (stack === "local") return { ...base, pulumiEngine: true };
  // The MCP platform's node, over ssh with its pinned host key (the agent holds the deploy key).
  const node = value<string>("mcpNode");
  const address = value<Record<string, string>>("nodeAddresses")[node]!;
  const hostKeys = value<Record<string, string>>("nodeHostKeys");
  const user = value<string>("sshUser");
  return { ...base, docker: dockerOverSsh(`${user}@${address}`, knownHostsOptions(hostKeys[node]!)), fleet: fleetOf(outputs, node, user, hostKeys) };
}

/** The fleet's nodes and pools from a Lambda stack's outputs; every node reached over ssh with its
 * pinned host key, the deploy key from the agent (SSH_AUTH_SOCK). */
function fleetOf(outputs: OutputMap, hub: string, user: string, hostKeys: Readonly<Record<string, string>>): Fleet | undefined {
  const privateAddresses = outputs.privateAddresses?.value as Record<string, string> | undefined;
  const publicAddresses = outputs.nodeAddresses?.value as Record<string, string> | undefined;
  const pools = outputs.agentPoolUrls?.value as Record<string, { node: string; url: string; category: string; agents: string[] }> | undefined;
  if (!privateAddresses || !publicAddresses || !pools) return undefined;
  return {
    hub,
    nodes: Object.entries(privateAddresses).map(([id, privateAddress]) => ({
      id,
      privateAddress,
      publicIp: publicAddresses[id]!,
      ssh: commandOverSsh(`${user}@${publicAddresses[id]}`, knownHostsOptions(hostKeys[id]!)),
    })),
    pools: Object.entries(pools).map(([pool, p]) => ({ pool, ...p })),
    privatePorts: (outputs.privatePorts?.value as number[] | undefined) ?? [],
  };
}

/** How many resources the local file backend's state holds, read from its checkpoint file without a
 * CLI call; undefined where that file is not there or not plain JSON (then `pulumi stack export` is
 * asked). */
function knownInStateFile(stackName: string): number | undefined {
  try {
    const file = stateFileOf(LOCAL_BACKEND, stackName);
    const resources = (JSON.parse(fs.readFileSync(file, "utf8")) as { checkpoint?: { latest?: { resources?: unknown[] } } }).checkpoint?.latest?.resources;
    return Array.isArray(resources) ? resources.length : undefined;
  } catch {
    return undefined;
  }
}

/** A deployment whose state is gone (for example .pulumi-local/ deleted) leaves containers the new
 * state does not know; `pulumi up` would fail on their names. Say what to remove instead. */
async function refuseOrphans(stackName: string, handle: StackHandle): Promise<string> {
  const known = knownInStateFile(stackName) ?? (await handle.stack.exportStack()).deployment?.resources?.length ?? 0;
  if (known > 0) return `the state knows its ${known} resources`;
  const label = `label=sophia.stack=${stackName}`;
  // The smoke's and the chaos suite's containers carry the stack's label too (sophia.smoke=true marks
  // them); they are theirs to remove, and a deploy runs beside them.
  const listed = (await dockerOn(undefined, ["ps", "-a", "--filter", label, "--format", '{{.ID}} {{.Label "sophia.smoke"}}'])).split("\n").filter(Boolean);
  const containers = listed.filter((line) => line.split(" ")[1] !== "true");
  if (containers.length === 0) return "a new state, and no container of this stack on the engine";
  throw new Error(
    `deploy ${stackName}: ${containers.length} containers labelled sophia.stack=${stackName} run on this engine, but this stack's state (.pulumi-local/) does not know them. ` +
      `Remove them first: docker rm -f $(docker ps -aq --filter ${label}); docker network rm $(docker network ls -q --filter ${label}); ` +
      `docker volume rm $(docker volume ls -q --filter ${label})   (the last one deletes the memory server's data)`,
  );
}

/** `npm run deploy -- <stack>`: the whole command; its exit code. */
export async function deployCommand(argv: readonly string[]): Promise<number> {
  const started = Date.now();
  const start = await stackAndCli("deploy", argv, { usage: "npm run deploy -- <stack> [--force-up]", install: true });
  if (typeof start === "number") return start;
  const { stackName, cli } = start;
  const result = await runDeploy({ stackName, cli, skipUnchangedUp: stackName === "local" && !argv.includes("--force-up") });
  if (result.stopped) {
    console.log(`deploy ${stackName}: stopped: ${result.stopped}`);
    return 1;
  }
  const passed = result.results.filter((r) => r.ok).length;
  console.log(`phases: ${result.phases}`);
  console.log(`deploy ${stackName}: ${passed}/${result.results.length} checks passed, ${result.created} created, ${result.updated} updated in ${seconds(started)}s`);
  return result.ok ? 0 : 1;
}
