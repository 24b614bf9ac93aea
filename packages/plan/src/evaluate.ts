// Runs a Pulumi program under the SDK's mock mode, with a stack's config, and returns every resource
// it registered with its parent, provider and inputs. The real @pulumi/* SDKs run; only the engine
// is replaced. One evaluation per process: the SDK keeps its state in module globals.
import * as pulumi from "@pulumi/pulumi";
import { RecordingMocks, type RecordedResource } from "./mocks";

export interface PlannedResource extends RecordedResource {
  /** `type::name` of the parent; undefined for children of the stack. */
  readonly parent?: string;
  /** `type::name` of each resource named in its dependsOn option. */
  readonly dependsOn: readonly string[];
  /** The protect option: `pulumi destroy` refuses the resource. */
  readonly protect: boolean;
}

export interface Evaluation {
  readonly project: string;
  readonly stack: string;
  readonly resources: readonly PlannedResource[];
  readonly outputs: Readonly<Record<string, unknown>>;
}

export interface EvaluateOptions {
  readonly project: string;
  readonly stack: string;
  readonly config: Readonly<Record<string, string>>;
  readonly secretKeys: readonly string[];
  readonly program: () => Promise<Record<string, unknown> | void> | Record<string, unknown> | void;
  /** Mocks to record with; the smoke passes ones that return real random values. */
  readonly mocks?: RecordingMocks;
}

// waitForRPCs is typed internal, but it is the SDK's own way to let every pending registration land
// (disconnect() calls it first); a plan needs exactly that before it reads the recorded resources.
const runtime = pulumi.runtime as typeof pulumi.runtime & { waitForRPCs(): Promise<void> };

export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
/** How mock mode marks a value that a provider only knows after creating the resource. */
export const UNKNOWN_KEY = "__pulumiUnknown";
export const STACK_TYPE = "pulumi:pulumi:Stack";

export async function evaluate(options: EvaluateOptions): Promise<Evaluation> {
  const mocks = options.mocks ?? new RecordingMocks();
  await pulumi.runtime.setMocks(mocks, options.project, options.stack, true);
  pulumi.runtime.setAllConfig({ ...options.config }, [...options.secretKeys]);
  const keys = new WeakMap<pulumi.Resource, string>();
  const parents = new Map<string, string | undefined>();
  const dependencies = new Map<string, string[]>();
  const protects = new Map<string, boolean>();
  let outputs: Record<string, unknown> = {};
  let failure: { error: unknown } | undefined;
  const warnings = await holdingWarnings(async () => {
    await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        const key = `${args.type}::${args.name}`;
        keys.set(args.resource, key);
        parents.set(key, args.opts.parent ? keys.get(args.opts.parent) : undefined);
        const dependsOn = args.opts.dependsOn;
        const direct = (Array.isArray(dependsOn) ? dependsOn : [dependsOn]).filter((d): d is pulumi.Resource => pulumi.Resource.isInstance(d));
        dependencies.set(key, direct.map((d) => keys.get(d) ?? "(unknown)"));
        protects.set(key, args.opts.protect === true);
        return undefined;
      });
      // The program's own error is the evaluation's: left to the SDK, it would be an unhandled rejection.
      try {
        outputs = (await options.program()) ?? {};
      } catch (error) {
        failure = { error };
      }
      return outputs;
    });
    await runtime.waitForRPCs();
  });
  if (failure) throw failure.error;
  for (const args of warnings) console.warn(...args);
  const resolved: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(outputs)) resolved[name] = await resolveOutput(value);
  const resources = mocks.resources.filter((r) => r.type !== STACK_TYPE).map((r) => ({ ...r, parent: parents.get(`${r.type}::${r.name}`), dependsOn: dependencies.get(`${r.type}::${r.name}`) ?? [], protect: protects.get(`${r.type}::${r.name}`) ?? false }));
  return { project: options.project, stack: options.stack, resources, outputs: resolved };
}

/** Runs `run` with console.warn held, and returns the held calls. Without an engine the SDK writes a
 * program's warnings with console.warn as they happen; held, a program that stops says why in one
 * line, without the warnings about what it would have done before it. */
async function holdingWarnings(run: () => Promise<void>): Promise<unknown[][]> {
  const held: unknown[][] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void held.push(args);
  try {
    await run();
  } finally {
    console.warn = warn;
  }
  return held;
}

/** Evaluates a program with no stack config: how a component's tests see what it registers. */
export function evaluateComponent(program: EvaluateOptions["program"], stack = "t"): Promise<Evaluation> {
  return evaluate({ project: "sophia", stack, config: {}, secretKeys: [], program });
}

/** The value of an output, with secrets replaced by a marker so a plan can never print them. */
async function resolveOutput(value: unknown): Promise<unknown> {
  // The engine resolves outputs nested in an exported object or list; so does the plan.
  if (Array.isArray(value)) return Promise.all(value.map(resolveOutput));
  if (value && typeof value === "object" && !pulumi.Output.isInstance(value) && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveOutput(v)] as const)));
  }
  if (!pulumi.Output.isInstance(value)) return value;
  const output = value as pulumi.Output<unknown> & { isSecret: Promise<boolean>; isKnown: Promise<boolean> };
  if (await output.isSecret) return { [SECRET_SIG_KEY]: true };
  // An unknown output never runs its apply callbacks: report it as unknown instead of waiting.
  if (!(await output.isKnown)) return { [UNKNOWN_KEY]: true };
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}
