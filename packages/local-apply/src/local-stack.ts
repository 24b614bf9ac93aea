// The local stack, brought up for real on this machine's Docker engine from the resources the program
// registers (mock-mode evaluation). CI has no Pulumi engine; this applier stands in for it, and says
// exactly what it does: every input of every registered resource, nested keys included, is applied to
// Docker or bring-up fails naming the resource and the input; resources are created in dependency order
// (explicit dependsOn, and what an input refers to: networks, volumes and images before containers),
// and a container with `wait` is healthy before anything that depends on it starts. It creates only the
// resource types the local stack uses.
//
// One deliberate difference, so that it runs beside a local stack deployed with `npm run deploy:local`:
// it works in its own namespace. Container, network and volume names take `sophia-smoke-` where the
// program has `sophia-local-` or `sophia-`, and the ingress is published on a free loopback port
// (`smokeNamespace`); every other input is applied as registered. Used by the smoke and the
// benchmarks; the caller tears down what was created, also on failure and on Ctrl-C.
import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { promisify } from "node:util";
import { CATEGORIES } from "@sophia/agent-categories";
import { shellQuote } from "@sophia/lambda-node";
import { CURSOR_CLIENT, tokenEnvName } from "@sophia/mcp-servers";
import { type Evaluation, mockImageId, type PlannedResource, RecordingMocks, SECRET_SIG_KEY } from "@sophia/plan";
import { buildSync } from "esbuild";
import { KNOWN_ANSWER } from "@sophia/mcp-servers/gong/testing";
import { buildImageContexts } from "@sophia/deploy";
import { committedPlanLine, type LiveDeployment } from "@sophia/verify";

const run = promisify(execFile);
/** The repository this package is part of (the base image script, the fake Gong's source, a cache). */
const root = path.resolve(__dirname, "..", "..", "..");
/** Where the engine runs the program, the directory of Pulumi.yaml's `main`: image build contexts
 * are given relative to it, as the docker plugin reads them. */
export const programDir = path.join(root, "stacks");
let say: (line: string) => void = console.log;

export class SmokeError extends Error {}

// ---------------------------------------------------------------- applying registered resources
type Inputs = Record<string, unknown>;

/** The plain value of a recorded input: secrets unwrapped (they go to Docker, never to the log). */
function plain(value: unknown): unknown {
  if (value && typeof value === "object" && SECRET_SIG_KEY in value) return plain((value as unknown as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** Reads a resource's inputs, failing on any input the smoke does not apply. */
class InputReader {
  private readonly used = new Set<string>();
  constructor(
    private readonly resource: PlannedResource,
    private readonly inputs: Inputs = plain(resource.inputs) as Inputs,
  ) {}
  take<T>(key: string): T | undefined {
    this.used.add(key);
    return this.inputs[key] as T | undefined;
  }
  /** An object input (or a list of them) whose keys must all be among `applied`. */
  takeShaped<T>(key: string, applied: readonly string[]): T | undefined {
    const value = this.take<T>(key);
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      const left = Object.keys(item as object).filter((k) => !applied.includes(k) && (item as Record<string, unknown>)[k] !== undefined);
      if (left.length > 0) throw new SmokeError(`${this.resource.type} ${this.resource.name}: input ${left.map((k) => `${key}.${k}`).join(", ")} is not applied by the smoke; teach packages/local-apply/src/local-stack.ts to apply it`);
    }
    return value;
  }
  /** Every input must have been taken: nothing declared is silently dropped. */
  done(): void {
    const left = Object.keys(this.inputs).filter((k) => !this.used.has(k) && this.inputs[k] !== undefined);
    if (left.length > 0) throw new SmokeError(`${this.resource.type} ${this.resource.name}: input ${left.join(", ")} is not applied by the smoke; teach packages/local-apply/src/local-stack.ts to apply it`);
  }
}

export interface Created {
  containers: string[];
  networks: string[];
  volumes: string[];
}

export const docker = async (args: string[], what: string, env?: Readonly<Record<string, string>>): Promise<string> => {
  try {
    return (await run("docker", args, { maxBuffer: 1 << 26, ...(env ? { env: { ...process.env, ...env } } : {}) })).stdout.trim();
  } catch (error) {
    throw new SmokeError(`${what}: docker ${args[0]} failed: ${((error as { stderr?: string }).stderr ?? String(error)).trim()}`);
  }
};

const labelArgs = (labels: { label: string; value: string }[] | undefined) => (labels ?? []).flatMap((l) => ["--label", `${l.label}=${l.value}`]);

/** Real ids of the images built so far, by the id mock mode gave them. */
type ImageIds = Map<string, string>;

export async function applyResource(r: PlannedResource, created: Created, images: ImageIds): Promise<void> {
  const what = `${r.type} ${r.name}`;
  const input = new InputReader(r);
  switch (r.type) {
    case "pulumi:providers:docker": {
      const host = input.take<string>("host");
      if (host !== "unix:///var/run/docker.sock") throw new SmokeError(`${what}: input host: the smoke drives the local engine; got ${host}`);
      input.take("sshOpts");
      break;
    }
    case "docker:index/network:Network": {
      const name = input.take<string>("name")!;
      const args = ["network", "create", "--driver", input.take<string>("driver") ?? "bridge", ...labelArgs(input.takeShaped("labels", ["label", "value"]))];
      if (input.take<boolean>("internal")) args.push("--internal");
      input.done();
      await docker([...args, name], what);
      created.networks.push(name);
      say(`network ${name} created`);
      return;
    }
    case "docker:index/volume:Volume": {
      const name = input.take<string>("name")!;
      const args = ["volume", "create", ...labelArgs(input.takeShaped("labels", ["label", "value"])), name];
      input.done();
      await docker(args, what);
      created.volumes.push(name);
      say(`volume ${name} created`);
      return;
    }
    case "docker:index/image:Image": {
      const imageName = input.take<string>("imageName")!;
      const build = input.takeShaped<{ context: string; dockerfile: string; platform?: string; args?: Record<string, string> }>("build", ["context", "dockerfile", "platform", "args"])!;
      if (input.take<boolean>("skipPush") !== true) throw new SmokeError(`${what}: input skipPush: expected true (no registry is reachable); got false`);
      input.take("buildOnPreview"); // preview-time behaviour only
      input.done();
      const buildArgs = Object.entries(build.args ?? {}).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
      const platform = build.platform ? ["--platform", build.platform] : [];
      // Paths are relative to where the engine runs the program (stacks/), as the docker plugin reads them.
      const from = programDir;
      const t = Date.now();
      const id = await docker(["build", "-q", ...platform, "-t", imageName, "-f", path.resolve(from, build.dockerfile), ...buildArgs, path.resolve(from, build.context)], what);
      images.set(mockImageId(imageName), id);
      say(`image ${imageName} built in ${((Date.now() - t) / 1000).toFixed(1)}s: ${id.slice(0, 19)}`);
      return;
    }
    case "docker:index/container:Container":
      return createContainer(r, input, created, images);
    case "random:index/randomPassword:RandomPassword":
      // Its result (made by the smoke's mocks with these settings) is what the containers receive.
      input.take("length");
      input.take("special");
      break;
    default:
      if (!r.custom) return; // component resources group others and create nothing themselves
      throw new SmokeError(`${what}: resource type not applied by the smoke; teach packages/local-apply/src/local-stack.ts to create it`);
  }
  input.done();
}

/** How a registered container is created: `docker create` arguments, the environment that carries its
 * variables' values, the networks to connect after create, and how long to wait for health. */
export function containerCreation(r: PlannedResource, images: ImageIds, input = new InputReader(r)) {
  const what = `${r.type} ${r.name}`;
  const name = input.take<string>("name")!;
  const args = ["create", "--name", name];
  const flag = (key: string, option: string, format: (v: never) => string = String) => {
    const v = input.take<never>(key);
    if (v !== undefined) args.push(option, format(v));
  };
  flag("hostname", "--hostname");
  flag("user", "--user");
  flag("restart", "--restart");
  flag("logDriver", "--log-driver");
  flag("memory", "--memory", (v: number) => `${v}m`);
  flag("memorySwap", "--memory-swap", (v: number) => `${v}m`);
  flag("cpus", "--cpus");
  flag("stopTimeout", "--stop-timeout");
  flag("runtime", "--runtime");
  for (const d of input.takeShaped<{ driver?: string; count?: number; capabilities?: string[] }[]>("deviceRequests", ["driver", "count", "capabilities"]) ?? []) {
    if (d.driver !== "nvidia") throw new SmokeError(`${what}: input deviceRequests: only the nvidia driver is applied; got ${d.driver}`);
    args.push("--gpus", `count=${d.count ?? -1},capabilities=${(d.capabilities ?? ["gpu"]).join(",")}`.replace("count=-1", "all"));
  }
  if (input.take<boolean>("readOnly")) args.push("--read-only");
  const caps = input.takeShaped<{ drops?: string[]; adds?: string[] }>("capabilities", ["drops", "adds"]);
  for (const c of caps?.drops ?? []) args.push("--cap-drop", c);
  for (const c of caps?.adds ?? []) args.push("--cap-add", c);
  for (const o of input.take<string[]>("securityOpts") ?? []) args.push("--security-opt", o);
  for (const [k, v] of Object.entries(input.take<Record<string, string>>("logOpts") ?? {})) args.push("--log-opt", `${k}=${v}`);
  for (const [p, o] of Object.entries(input.take<Record<string, string>>("tmpfs") ?? {})) args.push("--tmpfs", `${p}:${o}`);
  // Values travel in the docker CLI's own environment (`--env NAME` takes it from there), never on
  // its command line, where any user of the machine could read the tokens with ps.
  const envs: Record<string, string> = {};
  for (const e of input.take<string[]>("envs") ?? []) {
    const name = e.slice(0, e.indexOf("="));
    envs[name] = e.slice(e.indexOf("=") + 1);
    args.push("--env", name);
  }
  args.push(...labelArgs(input.takeShaped("labels", ["label", "value"])), "--label", "sophia.smoke=true");
  for (const p of input.takeShaped<{ internal: number; external: number; ip?: string; protocol?: string }[]>("ports", ["internal", "external", "ip", "protocol"]) ?? []) {
    args.push("--publish", `${p.ip ? `${p.ip}:` : ""}${p.external}:${p.internal}/${p.protocol ?? "tcp"}`);
  }
  for (const v of input.takeShaped<{ volumeName?: string; hostPath?: string; containerPath: string; readOnly?: boolean }[]>("volumes", ["volumeName", "hostPath", "containerPath", "readOnly"]) ?? []) {
    const source = v.volumeName ?? v.hostPath;
    if (source === undefined || (v.volumeName !== undefined && v.hostPath !== undefined)) throw new SmokeError(`${what}: input volumes: each needs a volumeName or a hostPath; got ${JSON.stringify(v)}`);
    args.push("--volume", `${source}:${v.containerPath}${v.readOnly ? ":ro" : ""}`);
  }
  const health = input.takeShaped<{ tests: string[]; interval?: string; timeout?: string; retries?: number; startPeriod?: string }>("healthcheck", ["tests", "interval", "timeout", "retries", "startPeriod"]);
  if (health) {
    const [kind, ...cmd] = health.tests;
    args.push("--health-cmd", kind === "CMD" ? cmd.map(shellQuote).join(" ") : cmd.join(" "));
    if (health.interval) args.push("--health-interval", health.interval);
    if (health.timeout) args.push("--health-timeout", health.timeout);
    if (health.retries !== undefined) args.push("--health-retries", String(health.retries));
    if (health.startPeriod) args.push("--health-start-period", health.startPeriod);
  }
  const networkMode = input.take<string>("networkMode");
  const networks = input.takeShaped<{ name: string; aliases?: string[] }[]>("networksAdvanced", ["name", "aliases"]) ?? [];
  const [first, ...rest] = networks;
  if (first) {
    args.push("--network", first.name, ...(first.aliases ?? []).flatMap((a) => ["--network-alias", a]));
  } else if (networkMode) {
    args.push("--network", networkMode);
  }
  const wait = input.take<boolean>("wait") ? (input.take<number>("waitTimeout") ?? 60) : undefined;
  const declared = input.take<string>("image")!;
  // Containers refer to their image by id; mock mode only knew the id's placeholder.
  const image = images.get(declared) ?? declared;
  // The CLI's --entrypoint takes one word; the rest of a longer entrypoint leads the command, as Docker
  // joins them.
  const [entrypoint, ...entrypointArgs] = input.take<string[]>("entrypoints") ?? [];
  if (entrypoint !== undefined) args.push("--entrypoint", entrypoint);
  const command = [...entrypointArgs, ...(input.take<string[]>("command") ?? [])];
  input.done();
  return { name, args: [...args, image, ...command], envs, connect: rest, wait };
}

async function createContainer(r: PlannedResource, input: InputReader, created: Created, images: ImageIds): Promise<void> {
  const what = `${r.type} ${r.name}`;
  const { name, args, envs, connect: rest, wait } = containerCreation(r, images, input);
  await docker(args, what, envs);
  created.containers.push(name);
  for (const n of rest) await docker(["network", "connect", ...(n.aliases ?? []).flatMap((a) => ["--alias", a]), n.name, name], what);
  await docker(["start", name], what);
  say(`container ${name} started`);
  // Pulumi's `wait` makes dependants wait for health; the smoke does the same, in order.
  if (wait !== undefined) await waitHealthy(name, wait);
}

export async function waitHealthy(name: string, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const status = await docker(["inspect", "-f", "{{.State.Health.Status}}", name], `container ${name}`);
    if (status === "healthy") return say(`container ${name} healthy`);
    if (Date.now() > deadline || status === "unhealthy") {
      const logs = await run("docker", ["logs", "--tail", "20", name]).then((o) => o.stdout + o.stderr, () => "");
      throw new SmokeError(`container ${name} is ${status} after ${timeoutSeconds}s; last logs:\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

export async function teardown(created: Created): Promise<void> {
  for (const c of created.containers.reverse()) await run("docker", ["rm", "-f", "-v", c]).catch(() => undefined);
  for (const n of created.networks.reverse()) await run("docker", ["network", "rm", n]).catch(() => undefined);
  for (const v of created.volumes.reverse()) await run("docker", ["volume", "rm", "-f", v]).catch(() => undefined);
  say(`torn down: ${created.containers.length} containers, ${created.networks.length} networks, ${created.volumes.length} volumes`);
}

/** On Ctrl-C or SIGTERM: tear down what was created, then exit 130. Returns the caller's own
 * teardown, which waits for the signal's when one began: otherwise the caller, failing because its
 * containers vanish, would exit first and leave the rest behind. */
export function teardownOnSignal(created: Created, log: (line: string) => void): () => Promise<void> {
  let signalled: Promise<void> | undefined;
  const onSignal = (signal: string) => {
    log(`${signal}: tearing down`);
    signalled = teardown(created).then(() => process.exit(130));
  };
  process.once("SIGINT", () => onSignal("SIGINT"));
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  return async () => {
    if (signalled) return signalled;
    await teardown(created);
  };
}

export interface LocalStack {
  readonly evaluation: Evaluation;
  /** What the post-deploy checklist needs, as a deployment's outputs would give it. */
  readonly live: LiveDeployment;
  /** Token per environment variable name, exactly as the ingress receives them. */
  readonly tokens: Record<string, string>;
  /** A registered container's environment (secrets included), by its name in the program
   * (`sophia-local-…`): the keys a benchmark or probe presents where the ingress would. */
  readonly envOf: (container: string) => Record<string, string>;
  readonly created: Created;
}

/** Types an input of another resource refers to (by name or id): they come first, in this order. */
const REFERRED_TYPES = ["pulumi:providers:docker", "docker:index/network:Network", "docker:index/volume:Volume", "docker:index/image:Image", "random:index/randomPassword:RandomPassword"];

/** The order the engine would create resources in: what inputs refer to first, then every resource
 * after everything its dependsOn names (a component named there stands for all of its descendants),
 * registration order otherwise. Fails on a cycle or on a dependsOn naming nothing registered. */
export function applyOrder(resources: readonly PlannedResource[]): PlannedResource[] {
  const key = (r: PlannedResource) => `${r.type}::${r.name}`;
  const byKey = new Map(resources.map((r) => [key(r), r]));
  const descendants = (k: string): string[] => resources.filter((r) => r.parent === k).flatMap((r) => [key(r), ...descendants(key(r))]);
  const ancestorsOf = (r: PlannedResource): PlannedResource[] => (r.parent && byKey.has(r.parent) ? [byKey.get(r.parent)!, ...ancestorsOf(byKey.get(r.parent)!)] : []);
  const rank = (r: PlannedResource) => (REFERRED_TYPES.includes(r.type) ? REFERRED_TYPES.indexOf(r.type) : REFERRED_TYPES.length);
  const needs = (r: PlannedResource): string[] => {
    const named = [r, ...ancestorsOf(r)].flatMap((x) => x.dependsOn);
    for (const d of named) if (!byKey.has(d)) throw new SmokeError(`${key(r)}: dependsOn ${d} is not a registered resource`);
    const explicit = named.flatMap((d) => [d, ...descendants(d)]);
    const referred = resources.filter((o) => rank(o) < rank(r)).map(key);
    return [...new Set([...explicit, ...referred])].filter((k) => k !== key(r));
  };
  const order: PlannedResource[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (r: PlannedResource, path: string[]) => {
    const k = key(r);
    if (state.get(k) === "done") return;
    if (state.get(k) === "visiting") throw new SmokeError(`dependency cycle: ${[...path, k].join(" → ")}`);
    state.set(k, "visiting");
    for (const d of needs(r)) visit(byKey.get(d)!, [...path, k]);
    state.set(k, "done");
    order.push(r);
  };
  for (const r of [...resources].sort((a, b) => rank(a) - rank(b))) visit(r, []);
  return order;
}

/** A name of the local stack, in the smoke's namespace. */
export function smokeName(name: string): string {
  return name.replace(/^sophia-(local-)?/, "sophia-smoke-");
}

/** The registered resources as the smoke creates them: its own names, the ingress on `port`. */
export function smokeNamespace(resources: readonly PlannedResource[], port: number): PlannedResource[] {
  return resources.map((r) => {
    const inputs = { ...r.inputs } as Record<string, unknown>;
    if (typeof inputs.name === "string" && r.type !== "docker:index/image:Image") inputs.name = smokeName(inputs.name);
    if (Array.isArray(inputs.networksAdvanced)) inputs.networksAdvanced = (inputs.networksAdvanced as { name: string }[]).map((n) => ({ ...n, name: smokeName(n.name) }));
    // Named volumes move into the smoke's namespace; host paths (node-exporter's /proc) stay what they are.
    if (Array.isArray(inputs.volumes)) inputs.volumes = (inputs.volumes as { volumeName?: string }[]).map((v) => (v.volumeName === undefined ? v : { ...v, volumeName: smokeName(v.volumeName) }));
    if (Array.isArray(inputs.ports)) inputs.ports = (inputs.ports as object[]).map((p) => ({ ...p, external: port }));
    return { ...r, inputs };
  });
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** The fake Gong API's container on the smoke's edge network, where the Gong server reaches it as
 * `http://fake-gong:8080` (GONG_PLAIN_HTTP=allowed: the local stack's one exception to https). */
const FAKE_GONG = { alias: "fake-gong", port: 8080 } as const;

/** The config that turns Gong on against the fake: its keys as secrets (with them set, the stack
 * enables gong by itself) and its base URL. The committed local file keeps Gong off. */
function fakeGongOverrides(accessKey: string, accessKeySecret: string): ConfigOverrides {
  return {
    "sophia:gongAccessKey": { value: accessKey, secret: true },
    "sophia:gongAccessKeySecret": { value: accessKeySecret, secret: true },
    "sophia:gong": { value: { baseUrl: `http://${FAKE_GONG.alias}:${FAKE_GONG.port}` } },
  };
}

/** Runs the fake Gong (src/gong/testing/main.ts, bundled) in the Gong server's own image, hardened
 * like the platform's containers, on the smoke's edge network. */
async function startFakeGong(created: Created, accessKey: string, accessKeySecret: string): Promise<string> {
  const bundle = path.join(root, ".cache", "smoke", "fake-gong.js");
  buildSync({ entryPoints: [path.join(root, "packages", "mcp-servers", "src", "gong", "testing", "main.ts")], outfile: bundle, bundle: true, platform: "node", target: "node20", format: "cjs", logLevel: "error" });
  const name = smokeName("sophia-fake-gong");
  const env = { FAKE_GONG_ACCESS_KEY: accessKey, FAKE_GONG_ACCESS_SECRET: accessKeySecret };
  await docker(
    ["create", "--name", name, "--label", "sophia.smoke=true", "--label", "sophia.component=fake-gong", "--network", smokeName("sophia-edge"), "--network-alias", FAKE_GONG.alias,
      "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true", "--user", "65534:65534", "--memory", "256m",
      "-e", "FAKE_GONG_ACCESS_KEY", "-e", "FAKE_GONG_ACCESS_SECRET", "-v", `${bundle}:/fake/main.js:ro`, "--entrypoint", "node", "sophia/mcp-gong:local", "/fake/main.js"],
    "fake gong",
    env,
  );
  created.containers.push(name);
  await docker(["start", name], "fake gong");
  say(`container ${name} started: the fake Gong API on the smoke's edge network`);
  return name;
}

/** Config set on top of the stack file, checked like it (stacks/plan-stack.ts's ConfigOverrides). */
export type ConfigOverrides = Readonly<Record<string, { readonly value: unknown; readonly secret?: boolean }>>;

/** The local stack's program as the applier needs it: evaluated in mock mode with these mocks and
 * config overrides. The command lines in tools/ hand it over (tools/local-program.ts); this package
 * never imports the stacks that compose it. */
export interface LocalProgram {
  evaluate(options: { readonly mocks: RecordingMocks; readonly overrides?: ConfigOverrides }): Promise<Evaluation>;
}

export interface BringUpOptions {
  /** Gong enabled against a fake Gong API of the smoke's own (the smoke's Gong checks). */
  readonly fakeGong?: boolean;
}

/** Evaluates the local stack in mock mode (with real random tokens) and creates what it registered.
 * `created` is filled as resources come up, so the caller can tear down after a partial failure. */
export async function bringUpLocal(program: LocalProgram, created: Created, log: (line: string) => void, options: BringUpOptions = {}): Promise<LocalStack> {
  say = log;
  say("base image and image contexts");
  await run("bash", [path.join(root, "tools", "build-base-image.sh")]);
  await buildImageContexts((line) => say(line));

  // Tokens are real random values here (mock mode would give fixed ones).
  const mocks = new RecordingMocks({
    "random:index/randomPassword:RandomPassword": (_name, inputs) => {
      const length = Number(inputs.length ?? 32);
      return { result: randomBytes(length * 2).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, length) };
    },
  });
  const gongKeys = options.fakeGong ? { accessKey: randomBytes(16).toString("hex"), accessKeySecret: randomBytes(24).toString("hex") } : undefined;
  const evaluation = await program.evaluate({ mocks, overrides: gongKeys && fakeGongOverrides(gongKeys.accessKey, gongKeys.accessKeySecret) });
  const ingressUrl = evaluation.outputs.ingressUrl as string;
  const envOf = (container: string) => {
    const r = evaluation.resources.find((x) => x.type === "docker:index/container:Container" && x.inputs.name === container);
    if (!r) throw new SmokeError(`no container ${container} is registered by the local stack`);
    const envs = (plain(r.inputs.envs) as string[] | undefined) ?? [];
    return Object.fromEntries(envs.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  };
  // The tokens exactly as the ingress receives them: its SOPHIA_MCP_TOKEN_* environment.
  const tokens = Object.fromEntries(Object.entries(envOf("sophia-local-ingress")).filter(([name]) => name.startsWith("SOPHIA_MCP_TOKEN_")));
  const clients = [CURSOR_CLIENT, ...Object.keys(CATEGORIES)];
  const byClient = Object.fromEntries(clients.filter((c) => tokens[tokenEnvName(c)]).map((c) => [c, tokens[tokenEnvName(c)]!]));
  say(`program registered ${evaluation.resources.length} resources; ingress ${ingressUrl} (the smoke publishes it on its own port)`);

  const port = await freeLoopbackPort();
  const images: ImageIds = new Map();
  for (const r of applyOrder(smokeNamespace(evaluation.resources, port))) await applyResource(r, created, images);
  if (gongKeys) await startFakeGong(created, gongKeys.accessKey, gongKeys.accessKeySecret);
  // The program's URLs, with the smoke's port.
  const published = new URL(ingressUrl).port;
  const onSmokePort = (text: string) => text.split(`127.0.0.1:${published}`).join(`127.0.0.1:${port}`);
  const live: LiveDeployment = {
    stack: "local",
    ingressUrl: onSmokePort(ingressUrl),
    cursorMcpJson: onSmokePort(evaluation.outputs.cursorMcpJson as string),
    tokens: byClient,
    // sophia-ops plans the committed config, not the smoke's overrides.
    planLine: committedPlanLine("local"),
    // Both: a test's own containers made by the same applier (ingress-tls) carry the smoke's label too.
    containerLabels: ["sophia.smoke=true", "sophia.stack=local"],
    monitoringToken: envOf("sophia-local-ingress").SOPHIA_MONITORING_TOKEN,
    ...(gongKeys ? { gongKnownAnswer: KNOWN_ANSWER } : {}),
  };
  return { evaluation, live, tokens, envOf, created };
}
