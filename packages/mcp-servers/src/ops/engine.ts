// sophia-ops's Pulumi engine: the Automation API on the CLI, the program and the state the container
// was given (packages/deploy/src/ops-engine.ts puts the first two into the image; the stack gives the
// state read-only, its passphrase as a secret, and Docker through a read-only proxy). Every operation
// here reads: preview, a refresh's preview, outputs, history. One runs at a time, within a deadline.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import type * as automation from "@pulumi/pulumi/automation";
import { driftOf, type EngineEventLike, NO_ENGINE, OperationRefused, previewDigest, redactOutputs, renderDrift, renderHistory, renderPreview, stateIdentity, type Step, stepsOf } from "./pulumi-operations";

export interface PreviewAnswer {
  readonly text: string;
  readonly digest: string;
  readonly steps: readonly Step[];
}

export interface PulumiEngine {
  /** The stack this container's state holds. */
  readonly stack: string;
  preview(stack: string, options: { refresh: boolean }): Promise<PreviewAnswer>;
  drift(stack: string): Promise<string>;
  outputs(stack: string): Promise<Record<string, unknown>>;
  history(stack: string, limit: number): Promise<string>;
}

/** Resource reads a drift runs at once: more than a stack here has. */
const REFRESH_PARALLEL = 64;

export type EngineAvailability = { readonly engine: PulumiEngine } | { readonly unavailable: string };

/** What the container needs for a real engine; the first thing missing is named. */
export function engineUnavailable(env: NodeJS.ProcessEnv, cliWorks: () => boolean): string | undefined {
  if (!cliWorks()) return NO_ENGINE;
  const workDir = env.SOPHIA_OPS_WORKDIR;
  if (!workDir || !fs.existsSync(path.join(workDir, "Pulumi.yaml"))) return `${NO_ENGINE} (the CLI is here, the program is not: ${workDir ?? "SOPHIA_OPS_WORKDIR unset"})`;
  const missing = ["SOPHIA_STACK", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"].filter((k) => !env[k]);
  if (missing.length) return `no Pulumi engine for this stack: the image has one, but this container was given no state to read (${missing.join(", ")} unset)`;
  return undefined;
}

export function loadEngine(env: NodeJS.ProcessEnv = process.env): EngineAvailability {
  const unavailable = engineUnavailable(env, () => spawnSync("pulumi", ["version"], { stdio: "ignore", env }).status === 0);
  if (unavailable) return { unavailable };
  const workDir = env.SOPHIA_OPS_WORKDIR!;
  const stackName = env.SOPHIA_STACK!;
  // The SDK the program itself loads, from the program's node_modules: the server's bundle leaves it out.
  const { LocalWorkspace } = createRequire(path.join(workDir, "package.json"))("@pulumi/pulumi/automation") as typeof automation;
  const timeoutMs = Number(env.SOPHIA_OPS_PULUMI_TIMEOUT_MS ?? 300_000);
  const policyPack = path.join(workDir, "policy");
  const policyPacks = fs.existsSync(path.join(policyPack, "PulumiPolicy.yaml")) ? [policyPack] : [];
  let queue: Promise<unknown> = Promise.resolve();
  // The workspace and stack are selected once (a CLI call each time otherwise); a failed selection is tried again.
  let selected: Promise<automation.Stack> | undefined;
  const selectStack = () => (selected ??= LocalWorkspace.selectStack({ stackName, workDir }).catch((error: unknown) => {
    selected = undefined;
    throw error;
  }));
  const remembered = new PreviewMemo(checkpointFile(env.PULUMI_BACKEND_URL, workDir, stackName));

  /** One operation at a time (each evaluates the program: hundreds of MiB), each within the deadline. */
  const run = <T>(stack: string, operation: string, body: (s: automation.Stack, signal: AbortSignal) => Promise<T>): Promise<T> => {
    if (stack !== stackName) return Promise.reject(new OperationRefused(`${operation}: this sophia-ops holds the ${stackName} stack's state only; ask the sophia-ops of ${stack}`));
    const turn = queue.then(async () => {
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        return await body(await selectStack(), signal);
      } catch (error) {
        if (signal.aborted) throw new Error(`${operation} ${stack}: stopped at its deadline of ${timeoutMs / 1000} s`);
        throw new Error(`${operation} ${stack}: ${engineMessage(error)}`);
      }
    });
    queue = turn.catch(() => undefined);
    return turn;
  };

  return {
    engine: {
      stack: stackName,
      preview: (stack, { refresh }) => {
        // A kept answer is given at once, not queued behind a drift or another preview.
        const kept = !refresh && stack === stackName ? remembered.kept() : undefined;
        if (kept) return Promise.resolve(kept);
        return run(stack, "preview", async (s, signal) => {
          const compute = async () => {
            const events: EngineEventLike[] = [];
            await s.preview({ diff: true, refresh, policyPacks, color: "never", signal, onEvent: (e) => events.push(e as EngineEventLike) });
            const result = stepsOf(events);
            return { text: renderPreview(stack, result), digest: previewDigest(result.steps), steps: result.steps };
          };
          // A refresh reads the world: never remembered.
          return refresh ? compute() : remembered.answer(compute);
        });
      },
      drift: (stack) =>
        run(stack, "drift", async (s, signal) => {
          const events: EngineEventLike[] = [];
          // Every read at once: the docker provider waits about 2 s in each network's read, and the
          // CLI's default parallelism queues the containers' reads behind them (4.6 → 3.2 s here).
          await s.previewRefresh({ color: "never", parallel: REFRESH_PARALLEL, signal, onEvent: (e) => events.push(e as EngineEventLike) });
          const read = events.filter((e) => e.resOutputsEvent && !e.resOutputsEvent.metadata.type.startsWith("pulumi:")).length;
          return renderDrift(stack, driftOf(events), read);
        }),
      outputs: (stack) => run(stack, "outputs", async (s) => redactOutputs(await s.outputs())),
      history: (stack, limit) => run(stack, "history", async (s) => renderHistory(stack, await s.history(limit, 1))),
    },
  };
}

/**
 * The last preview without refresh, kept with the state it read. Such a preview reads the program and
 * config (this image's, fixed for the container's life) and the state, nothing of the world; so while
 * the state is the same, the same answer is given again, saying when the engine computed it. An
 * answer is kept only where the state did not change while it was computed (an up running beside it).
 */
export class PreviewMemo {
  private last: { state: string; answer: PreviewAnswer } | undefined;

  constructor(
    private readonly stateFile: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The kept answer, where the state is still the one it read: given at once, not queued behind the engine. */
  kept(): PreviewAnswer | undefined {
    const state = this.readState();
    return state !== undefined && this.last?.state === state ? this.last.answer : undefined;
  }

  /** The kept answer, or the engine's (then kept). */
  async answer(compute: () => Promise<PreviewAnswer>): Promise<PreviewAnswer> {
    const before = this.readState();
    if (before !== undefined && this.last?.state === before) return this.last.answer;
    const started = this.now();
    const answer = await compute();
    if (before !== undefined && this.readState() === before) {
      const seconds = ((this.now().getTime() - started.getTime()) / 1000).toFixed(1);
      this.last = { state: before, answer: { ...answer, text: `${answer.text} (the engine's preview of ${started.toISOString()}, ${seconds} s; the state has not changed since)` } };
    }
    return answer;
  }

  private readState(): string | undefined {
    return stateIdentityOfFile(this.stateFile);
  }
}

/** stateIdentity of a file backend's checkpoint file; undefined where it cannot be read or is no checkpoint. */
export function stateIdentityOfFile(file: string): string | undefined {
  try {
    return stateIdentity(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** The checkpoint file of a stack in a file backend (`file://<dir>`): `<dir>/.pulumi/stacks/<project>/<stack>.json`. */
export function checkpointFile(backendUrl: string | undefined, workDir: string, stack: string): string {
  const project = /^name:\s*(\S+)/m.exec(fs.readFileSync(path.join(workDir, "Pulumi.yaml"), "utf8"))?.[1] ?? "";
  return path.join((backendUrl ?? "").replace(/^file:\/\//, ""), ".pulumi", "stacks", project, `${stack}.json`);
}

/** The engine's own error lines (`error: …`), without the command line, the progress and the diff the
 * Automation API's message repeats (a diff's `error_ratio` is not an error). */
export function engineMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const stderr = /stderr: ([\s\S]*?)(?:\n\s*err\?:|$)/.exec(text)?.[1]?.trim() || text;
  const errors = stderr.split("\n").filter((l) => /^\s*error:/.test(l));
  return (errors.length ? errors.slice(0, 4) : stderr.split("\n").slice(-3)).map((l) => l.trim()).join(" | ").slice(0, 800);
}
