// What sophia-ops says about a real Pulumi operation: the engine's events turned into a summary a
// person or an agent reads (what changes, and why), a digest that says whether two previews would do
// the same, and who may ask. Pure: tested on recorded events, without an engine.
import { createHash } from "node:crypto";

/** The answer of every Pulumi tool where the image has no engine (CI, the smoke). */
export const NO_ENGINE =
  "no Pulumi engine in this image: sophia-ops answers stack_plan (the program in mock mode) only. A deploy that runs a Pulumi CLI puts that CLI, its plugins and the program into this image (packages/deploy/src/ops-engine.ts)";

/** Who may run Pulumi operations through sophia-ops: the infrastructure category, unless the stack says otherwise. */
export const DEFAULT_PULUMI_CLIENTS = ["infrastructure"] as const;

/** Refused requests: the caller may not, or the request names what is not there. */
export class OperationRefused extends Error {}

export function checkPulumiCaller(caller: string | undefined, clients: readonly string[], tool: string): void {
  if (!caller) throw new OperationRefused(`${tool}: the caller has no identity; call through the ingress with your bearer token`);
  if (!clients.includes(caller)) throw new OperationRefused(`${tool}: client ${caller} may not run Pulumi operations; the stack allows: ${clients.join(", ") || "nobody"}`);
}

/**
 * What a preview without refresh reads of a stack's state, as one hash, from a file backend's
 * checkpoint text (`.pulumi/stacks/<project>/<stack>.json`): its resources, the operations left
 * pending and the secrets provider. An up that changes nothing still writes the checkpoint anew, and
 * what it writes differently is left out: the manifest's time, the order of the resources and of
 * each one's dependencies, and every secret's ciphertext (encrypted again, with a new nonce, on every
 * write). A resource an up did change carries a new `modified` time. Undefined where the text is no
 * checkpoint.
 */
export function stateIdentity(checkpointText: string): string | undefined {
  let latest: { resources?: unknown; pending_operations?: unknown; secrets_providers?: unknown } | undefined;
  try {
    latest = (JSON.parse(checkpointText) as { checkpoint?: { latest?: typeof latest } }).checkpoint?.latest;
  } catch {
    return undefined;
  }
  if (!latest || !Array.isArray(latest.resources)) return undefined;
  const resources = (latest.resources as CheckpointResource[]).map(asWritten).sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  const pending = ((latest.pending_operations ?? []) as { resource?: CheckpointResource; type?: string }[]).map((p) => ({ type: p.type, resource: p.resource && asWritten(p.resource) }));
  const read = { resources, pending, secrets: latest.secrets_providers ?? null };
  return `sha256:${createHash("sha256").update(JSON.stringify(read)).digest("hex")}`;
}

interface CheckpointResource {
  readonly urn: string;
  readonly dependencies?: readonly string[];
  readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

/** Pulumi's marker of an encrypted value in a checkpoint. */
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

/** A checkpoint resource without what each write of the same state changes (see stateIdentity). */
function asWritten(resource: CheckpointResource): CheckpointResource {
  const masked = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(masked);
    if (value === null || typeof value !== "object") return value;
    if (SECRET_SIGNATURE in value) return "[secret]";
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v)]));
  };
  return {
    ...(masked(resource) as CheckpointResource),
    dependencies: [...(resource.dependencies ?? [])].sort(),
    propertyDependencies: Object.fromEntries(Object.entries(resource.propertyDependencies ?? {}).map(([k, urns]) => [k, [...urns].sort()])),
  };
}

/** The parts of the engine's events read here (automation's EngineEvent, structurally). */
export interface EngineEventLike {
  readonly resourcePreEvent?: { readonly metadata: StepMetadata };
  readonly resOutputsEvent?: { readonly metadata: StepMetadata };
  readonly policyEvent?: { readonly resourceUrn?: string; readonly message: string; readonly policyName: string; readonly policyPackName: string; readonly enforcementLevel: string };
  readonly diagnosticEvent?: { readonly severity: string; readonly message: string; readonly urn?: string };
}

interface StepMetadata {
  readonly op: string;
  readonly urn: string;
  readonly type: string;
  readonly diffs?: readonly string[];
  readonly detailedDiff?: Readonly<Record<string, { readonly kind: string; readonly inputDiff?: boolean }>>;
  readonly keys?: readonly string[];
}

/** One resource a preview would change. */
export interface Step {
  readonly op: string;
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** The properties that differ (the cause), sorted. */
  readonly diffs: readonly string[];
  /** For a replacement: the properties that force it. */
  readonly replaceKeys: readonly string[];
}

export interface PolicyVerdict {
  readonly policy: string;
  readonly level: string;
  readonly resource?: string;
  readonly message: string;
}

/** Steps that change nothing: counted as unchanged (`same`), or not counted at all (a refresh's read
 * of each resource comes before its `same`, and would count it twice). */
const UNCHANGED = "same";
const NOT_COUNTED = new Set(["read", "refresh", "discard"]);

export const nameOfUrn = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/** The steps that change something, and the policy pack's verdicts, from a preview's events. */
export function stepsOf(events: readonly EngineEventLike[]): { steps: Step[]; unchanged: number; policy: PolicyVerdict[] } {
  const steps: Step[] = [];
  let unchanged = 0;
  const policy: PolicyVerdict[] = [];
  for (const event of events) {
    const meta = event.resourcePreEvent?.metadata;
    if (meta) {
      if (meta.type === "pulumi:pulumi:Stack") continue;
      if (NOT_COUNTED.has(meta.op)) continue;
      if (meta.op === UNCHANGED) {
        unchanged++;
        continue;
      }
      const diffs = [...new Set([...(meta.diffs ?? []), ...Object.keys(meta.detailedDiff ?? {})])].sort();
      steps.push({ op: meta.op, type: meta.type, name: nameOfUrn(meta.urn), urn: meta.urn, diffs, replaceKeys: [...(meta.keys ?? [])].sort() });
    }
    const verdict = event.policyEvent;
    if (verdict) policy.push({ policy: `${verdict.policyPackName}/${verdict.policyName}`, level: verdict.enforcementLevel, resource: verdict.resourceUrn && nameOfUrn(verdict.resourceUrn), message: verdict.message.trim() });
  }
  steps.sort((a, b) => a.urn.localeCompare(b.urn) || a.op.localeCompare(b.op));
  return { steps, unchanged, policy };
}

/** What two previews share when they would make the same changes: each step's operation, resource
 * and differing properties. An approval holds only while a new preview has the same digest. */
export function previewDigest(steps: readonly Step[]): string {
  const hash = createHash("sha256");
  for (const s of steps) hash.update(`${s.op}\0${s.urn}\0${s.diffs.join(",")}\0${s.replaceKeys.join(",")}\n`);
  return `sha256:${hash.digest("hex").slice(0, 16)}`;
}

const countsOf = (steps: readonly Step[]) => {
  const counts = new Map<string, number>();
  for (const s of steps) counts.set(s.op, (counts.get(s.op) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([op, n]) => `${n} to ${op}`);
};

const stepLine = (s: Step) =>
  `  ${s.op} ${s.type} ${s.name}${s.diffs.length ? ` (${s.diffs.join(", ")} changed)` : ""}${s.replaceKeys.length ? `; replaced because ${s.replaceKeys.join(", ")} changed` : ""}`;

/** A preview as text; its last line is the verdict: `preview <stack>: no changes (<n> unchanged)…`. */
export function renderPreview(stack: string, result: ReturnType<typeof stepsOf>): string {
  const lines = result.steps.map(stepLine);
  const violations = result.policy.filter((p) => p.level === "mandatory");
  if (result.policy.length) lines.push("policy:", ...result.policy.map((p) => `  ${p.level} ${p.policy}${p.resource ? ` on ${p.resource}` : ""}: ${p.message.split("\n")[0]}`));
  const policy = `policy: ${violations.length} mandatory violations, ${result.policy.length - violations.length} advisories`;
  const verdict = result.steps.length === 0 ? `no changes (${result.unchanged} unchanged)` : `${countsOf(result.steps).join(", ")} (${result.unchanged} unchanged)`;
  lines.push(`preview ${stack}: ${verdict}; ${policy}`);
  return lines.join("\n");
}

/** One resource whose state and world differ, from a refresh preview. */
export interface Drift {
  readonly type: string;
  readonly name: string;
  /** The name the resource has outside Pulumi (a container's), where it has one of its own. */
  readonly known?: string;
  readonly op: string;
  /** The differing properties, with the state's value and the world's where both are plain values. */
  readonly properties: readonly string[];
}

/** The resources a refresh would change in the state: deleted outside Pulumi, or with properties that
 * differ from what the state holds (compared output by output, the state's against the world's). */
export function driftOf(events: readonly EngineEventLike[]): Drift[] {
  const drift: Drift[] = [];
  for (const event of events) {
    const meta = event.resOutputsEvent?.metadata as (StepMetadata & { old?: { outputs?: Record<string, unknown> }; new?: { outputs?: Record<string, unknown> } }) | undefined;
    if (!meta || meta.type === "pulumi:pulumi:Stack" || meta.type.startsWith("pulumi:providers:")) continue;
    if (meta.op === "delete" || (meta.op === "refresh" && meta.old && !meta.new)) {
      drift.push({ type: meta.type, name: nameOfUrn(meta.urn), op: "deleted outside Pulumi", properties: [] });
      continue;
    }
    const before = meta.old?.outputs ?? {};
    const after = meta.new?.outputs ?? {};
    const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((k) => !k.startsWith("__") && JSON.stringify(meaningful(before[k])) !== JSON.stringify(meaningful(after[k])))
      .sort();
    if (changed.length === 0) continue;
    const known = typeof before.name === "string" && before.name !== nameOfUrn(meta.urn) ? before.name : undefined;
    drift.push({ type: meta.type, name: nameOfUrn(meta.urn), ...(known ? { known } : {}), op: "differs", properties: changed.map((k) => describeChange(k, before[k], after[k])) });
  }
  return drift.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * A value without what only differs in how a provider writes "nothing", or in order: the state keeps
 * `null` where a refresh reads `[]`, `{}`, `false`, `0` or `""` (the docker provider: dns, sysctls, a
 * volume's readOnly), and lists come back in Docker's order of the day (a container's networkDatas;
 * the provider's lists are sets). Empty parts are dropped and lists sorted, recursively, so only a
 * difference in what is set remains.
 */
export function meaningful(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(meaningful);
    return items.every((i) => i === undefined) ? undefined : items.sort((a, b) => JSON.stringify(a ?? null).localeCompare(JSON.stringify(b ?? null)));
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .map(([k, v]) => [k, meaningful(v)] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length ? Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b))) : undefined;
  }
  return value === null || value === false || value === 0 || value === "" ? undefined : value;
}

const plain = (v: unknown) => (v === undefined ? "unset" : typeof v === "object" && v !== null ? undefined : JSON.stringify(v));

function describeChange(key: string, before: unknown, after: unknown): string {
  const [b, a] = [plain(before), plain(after)];
  return b !== undefined && a !== undefined ? `${key}: ${b} in the state, ${a} in the world` : key;
}

export function renderDrift(stack: string, drift: readonly Drift[], checked: number): string {
  const named = (d: Drift) => (d.known ? `${d.name} (${d.known})` : d.name);
  const lines = drift.map((d) => `  ${d.type} ${named(d)} ${d.op}${d.properties.length ? `: ${d.properties.join("; ")}` : ""}`);
  lines.push(`drift ${stack}: ${drift.length === 0 ? "none" : `${drift.length === 1 ? "1 resource differs" : `${drift.length} resources differ`} from the state: ${drift.map(named).join(", ")}`}; ${checked} resources read`);
  return lines.join("\n");
}

/** `pulumi stack history`, as automation's UpdateSummary gives it (structurally). */
export interface UpdateSummaryLike {
  readonly kind: string;
  readonly result: string;
  readonly startTime: Date | string;
  readonly endTime?: Date | string;
  readonly version?: number;
  readonly resourceChanges?: Readonly<Record<string, number>>;
}

export function renderHistory(stack: string, updates: readonly UpdateSummaryLike[]): string {
  const iso = (t: Date | string | undefined) => (t === undefined ? "?" : new Date(t).toISOString().replace(/\.\d+Z$/, "Z"));
  const lines = updates.map((u) => {
    const changes = Object.entries(u.resourceChanges ?? {})
      .filter(([op, n]) => n > 0 && op !== "same")
      .map(([op, n]) => `${n} ${op}`);
    const seconds = u.endTime ? `, ${((new Date(u.endTime).getTime() - new Date(u.startTime).getTime()) / 1000).toFixed(0)} s` : "";
    // The file backend numbers no update (version 0); the cloud backends do.
    return `  ${u.version ? `#${u.version} ` : ""}${u.kind} ${u.result} at ${iso(u.startTime)}${seconds}: ${changes.join(", ") || "no changes"}${u.resourceChanges?.same ? ` (${u.resourceChanges.same} unchanged)` : ""}`;
  });
  lines.push(`history ${stack}: ${updates.length} updates shown, newest first`);
  return lines.join("\n");
}

/** Outputs with every secret replaced, as `pulumi stack output` shows them. */
export function redactOutputs(outputs: Readonly<Record<string, { value: unknown; secret: boolean }>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]));
}
