// The local stack, brought up for real on this machine's Docker engine from the resources the program
// registers (mock-mode evaluation): every input of every registered resource is either applied to
// Docker or bring-up fails naming the resource and the input. Used by the smoke and the benchmarks;
// the caller tears down what was created, also on failure and on Ctrl-C.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { shellQuote } from "@sophia/lambda-node";
import { type PlannedResource, RecordingMocks, SECRET_SIG_KEY } from "@sophia/plan";
import program from "../stacks/index";
import { evaluateStack } from "../stacks/plan-stack";
import { buildImageContexts } from "./build-image-contexts";

const run = promisify(execFile);
const root = path.resolve(__dirname, "..");
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
  /** Every input must have been taken: nothing declared is silently dropped. */
  done(): void {
    const left = Object.keys(this.inputs).filter((k) => !this.used.has(k) && this.inputs[k] !== undefined);
    if (left.length > 0) throw new SmokeError(`${this.resource.type} ${this.resource.name}: input ${left.join(", ")} is not applied by the smoke; teach tools/smoke.ts to apply it`);
  }
}

export interface Created {
  containers: string[];
  networks: string[];
  volumes: string[];
}

export const docker = async (args: string[], what: string): Promise<string> => {
  try {
    return (await run("docker", args, { maxBuffer: 1 << 26 })).stdout.trim();
  } catch (error) {
    throw new SmokeError(`${what}: docker ${args[0]} failed: ${((error as { stderr?: string }).stderr ?? String(error)).trim()}`);
  }
};

const labelArgs = (labels: { label: string; value: string }[] | undefined) => (labels ?? []).flatMap((l) => ["--label", `${l.label}=${l.value}`]);

async function applyResource(r: PlannedResource, created: Created, waits: Map<string, number>): Promise<void> {
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
      const args = ["network", "create", "--driver", input.take<string>("driver") ?? "bridge", ...labelArgs(input.take("labels"))];
      if (input.take<boolean>("internal")) args.push("--internal");
      input.done();
      await docker([...args, name], what);
      created.networks.push(name);
      say(`network ${name} created`);
      return;
    }
    case "docker:index/volume:Volume": {
      const name = input.take<string>("name")!;
      const args = ["volume", "create", ...labelArgs(input.take("labels")), name];
      input.done();
      await docker(args, what);
      created.volumes.push(name);
      say(`volume ${name} created`);
      return;
    }
    case "docker:index/image:Image": {
      const imageName = input.take<string>("imageName")!;
      const build = input.take<{ context: string; dockerfile: string; args?: Record<string, string> }>("build")!;
      if (input.take<boolean>("skipPush") !== true) throw new SmokeError(`${what}: input skipPush: expected true (no registry is reachable); got false`);
      input.take("buildOnPreview"); // preview-time behaviour only
      input.done();
      const buildArgs = Object.entries(build.args ?? {}).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
      const t = Date.now();
      await docker(["build", "-q", "-t", imageName, "-f", path.join(root, build.dockerfile), ...buildArgs, path.join(root, build.context)], what);
      say(`image ${imageName} built in ${((Date.now() - t) / 1000).toFixed(1)}s`);
      return;
    }
    case "docker:index/container:Container":
      return createContainer(r, input, created, waits);
    case "random:index/randomPassword:RandomPassword":
      // Its result (made by the smoke's mocks with these settings) is what the containers receive.
      input.take("length");
      input.take("special");
      break;
    default:
      if (!r.custom) return; // component resources group others and create nothing themselves
      throw new SmokeError(`${what}: resource type not applied by the smoke; teach tools/smoke.ts to create it`);
  }
  input.done();
}

async function createContainer(r: PlannedResource, input: InputReader, created: Created, waits: Map<string, number>): Promise<void> {
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
  flag("cpus", "--cpus");
  flag("stopTimeout", "--stop-timeout");
  flag("runtime", "--runtime");
  for (const d of input.take<{ driver?: string; count?: number; capabilities?: string[] }[]>("deviceRequests") ?? []) {
    if (d.driver !== "nvidia") throw new SmokeError(`${what}: input deviceRequests: only the nvidia driver is applied; got ${d.driver}`);
    args.push("--gpus", `count=${d.count ?? -1},capabilities=${(d.capabilities ?? ["gpu"]).join(",")}`.replace("count=-1", "all"));
  }
  if (input.take<boolean>("readOnly")) args.push("--read-only");
  const caps = input.take<{ drops?: string[]; adds?: string[] }>("capabilities");
  for (const c of caps?.drops ?? []) args.push("--cap-drop", c);
  for (const c of caps?.adds ?? []) args.push("--cap-add", c);
  for (const o of input.take<string[]>("securityOpts") ?? []) args.push("--security-opt", o);
  for (const [k, v] of Object.entries(input.take<Record<string, string>>("logOpts") ?? {})) args.push("--log-opt", `${k}=${v}`);
  for (const [p, o] of Object.entries(input.take<Record<string, string>>("tmpfs") ?? {})) args.push("--tmpfs", `${p}:${o}`);
  for (const e of input.take<string[]>("envs") ?? []) args.push("--env", e);
  args.push(...labelArgs(input.take("labels")), "--label", "sophia.smoke=true");
  for (const p of input.take<{ internal: number; external: number; ip?: string; protocol?: string }[]>("ports") ?? []) {
    args.push("--publish", `${p.ip ? `${p.ip}:` : ""}${p.external}:${p.internal}/${p.protocol ?? "tcp"}`);
  }
  for (const v of input.take<{ volumeName: string; containerPath: string; readOnly?: boolean }[]>("volumes") ?? []) {
    args.push("--volume", `${v.volumeName}:${v.containerPath}${v.readOnly ? ":ro" : ""}`);
  }
  const health = input.take<{ tests: string[]; interval?: string; timeout?: string; retries?: number; startPeriod?: string }>("healthcheck");
  if (health) {
    const [kind, ...cmd] = health.tests;
    args.push("--health-cmd", kind === "CMD" ? cmd.map(shellQuote).join(" ") : cmd.join(" "));
    if (health.interval) args.push("--health-interval", health.interval);
    if (health.timeout) args.push("--health-timeout", health.timeout);
    if (health.retries !== undefined) args.push("--health-retries", String(health.retries));
    if (health.startPeriod) args.push("--health-start-period", health.startPeriod);
  }
  const networkMode = input.take<string>("networkMode");
  const networks = input.take<{ name: string; aliases?: string[] }[]>("networksAdvanced") ?? [];
  const [first, ...rest] = networks;
  if (first) {
    args.push("--network", first.name, ...(first.aliases ?? []).flatMap((a) => ["--network-alias", a]));
  } else if (networkMode) {
    args.push("--network", networkMode);
  }
  if (input.take<boolean>("wait")) waits.set(name, input.take<number>("waitTimeout") ?? 60);
  const image = input.take<string>("image")!;
  const command = input.take<string[]>("command") ?? [];
  input.done();
  await docker([...args, image, ...command], what);
  created.containers.push(name);
  for (const n of rest) await docker(["network", "connect", ...(n.aliases ?? []).flatMap((a) => ["--alias", a]), n.name, name], what);
  await docker(["start", name], what);
  say(`container ${name} started`);
  // Pulumi's `wait` makes dependants wait for health; the smoke does the same, in order.
  const timeout = waits.get(name);
  if (timeout !== undefined) await waitHealthy(name, timeout);
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

// ---------------------------------------------------------------- talking to what came up
// ---------------------------------------------------------------- the post-deploy checklist

export function cursorEntries(mcpJson: string, env: Record<string, string>) {
  const parsed = JSON.parse(mcpJson) as { mcpServers: Record<string, { url: string; headers: Record<string, string> }> };
  // Cursor fills in ${env:NAME} from the developer's environment; the smoke does the same.
  const resolve = (v: string) => v.replace(/\$\{env:([A-Z0-9_]+)\}/g, (_, k: string) => env[k] ?? "");
  return Object.entries(parsed.mcpServers).map(([name, e]) => ({ name, url: e.url, headers: Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k, resolve(v)])) }));
}

export async function withClient<T>(url: string, headers: Record<string, string>, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ name: "sophia-smoke", version: "0.1.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

export const textOf = (result: unknown) => ((result as { content?: { type: string; text?: string }[] }).content ?? []).map((c) => c.text ?? "").join("\n");

export function conformance(url: string, token: string, scenario: string): Promise<{ code: number; output: string }> {
  // The conformance CLI has no option for headers; a preload adds this run's bearer token to its
  // requests to the ingress (tools/smoke-conformance-auth.cjs), so it is tested through the real auth.
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [require.resolve("@modelcontextprotocol/conformance/dist/index.js"), "server", "--url", url, "--scenario", scenario], {
      env: { ...process.env, NODE_OPTIONS: `--require ${path.join(__dirname, "smoke-conformance-auth.cjs")}`, SOPHIA_CONFORMANCE_URL: url, SOPHIA_CONFORMANCE_TOKEN: token },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
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
  readonly evaluation: Awaited<ReturnType<typeof evaluateStack>>;
  readonly ingressUrl: string;
  /** Token per environment variable name, exactly as the ingress receives them. */
  readonly tokens: Record<string, string>;
  /** The generated mcp.json's entries with tokens filled in the way Cursor does it. */
  readonly entries: ReturnType<typeof cursorEntries>;
  readonly created: Created;
}

/** Evaluates the local stack in mock mode (with real random tokens) and creates what it registered.
 * `created` is filled as resources come up, so the caller can tear down after a partial failure. */
export async function bringUpLocal(created: Created, log: (line: string) => void): Promise<LocalStack> {
  say = log;
  say("base image and image contexts");
  await run("bash", [path.join(root, "tools", "build-base-image.sh")]);
  await buildImageContexts((line) => say(line));

  // Tokens are real random values here (mock mode would leave them undefined).
  const mocks = new RecordingMocks({
    "random:index/randomPassword:RandomPassword": (_name, inputs) => {
      const length = Number(inputs.length ?? 32);
      return { result: randomBytes(length * 2).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, length) };
    },
  });
  const evaluation = await evaluateStack(root, "local", program, mocks);
  const mcpJson = evaluation.outputs.cursorMcpJson as string;
  const ingressUrl = evaluation.outputs.ingressUrl as string;
  // The tokens exactly as the ingress receives them: its SOPHIA_MCP_TOKEN_* environment.
  const ingress = evaluation.resources.find((r) => r.type === "docker:index/container:Container" && r.inputs.name === "sophia-local-ingress");
  const ingressEnv = ((plain(ingress?.inputs.envs) as string[] | undefined) ?? []).filter((e) => e.startsWith("SOPHIA_MCP_TOKEN_"));
  const tokens = Object.fromEntries(ingressEnv.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  say(`program registered ${evaluation.resources.length} resources; ingress ${ingressUrl}`);

  const waits = new Map<string, number>();
  const order = ["pulumi:providers:docker", "docker:index/network:Network", "docker:index/volume:Volume", "docker:index/image:Image"];
  const rank = (r: PlannedResource) => (order.includes(r.type) ? order.indexOf(r.type) : order.length);
  // Containers keep registration order: the program registers servers before the ingress, and
  // the ingress before the agent pools (which depend on it).
  const sorted = [...evaluation.resources].sort((a, b) => rank(a) - rank(b));
  for (const r of sorted) await applyResource(r, created, waits);
  return { evaluation, ingressUrl, tokens, entries: cursorEntries(mcpJson, tokens), created };
}
