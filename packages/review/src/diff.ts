// The review's pure part: two mock-mode evaluations of a stack (base and head) compared resource by
// resource, each change classed as an add, a removal, an update or a replacement by the providers'
// own rules, where the data of each volume or node it destroys survives (stateful-data-kept), the
// fleet's $/hour on each side from Lambda's dated price table, and the Markdown a reviewer reads.
// tools/review.ts runs the evaluations; this file only compares and renders.
import { instanceDiff, sshKeyDiff, firewallRulesDiff } from "@sophia/lambda-node";
import { LAMBDA_INSTANCE_TYPES, type LambdaInstanceType } from "@sophia/agent-categories";
import { DATA_FILESYSTEM_ROOT, SNAPSHOTS_OF_LABEL } from "@sophia/docker-runtime";
import type { EnforcementLevel, Verdict } from "@sophia/policy";
import { stackConfigFile } from "@sophia/stack-config";

export interface SideResource {
  readonly type: string;
  readonly name: string;
  readonly parent?: string;
  readonly provider?: string;
  readonly custom: boolean;
  readonly protect?: boolean;
  readonly inputs: Readonly<Record<string, unknown>>;
}

export interface Side {
  readonly stack: string;
  readonly resources: readonly SideResource[];
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly verdicts: readonly Verdict[];
}

export interface InputChange {
  readonly key: string;
  readonly before: string;
  readonly after: string;
}

export interface Change {
  readonly kind: "add" | "remove" | "update" | "replace";
  readonly type: string;
  readonly name: string;
  readonly inputs: readonly InputChange[];
  /** For a replacement: the inputs that force it. */
  readonly replacedBy?: readonly string[];
  /** For a volume or a Lambda node replaced or removed: the Lambda persistent filesystems its data
   * outlives it on; empty when its data is lost with it. */
  readonly dataKeptOn?: readonly string[];
  /** For a volume replaced: the filesystems its replacement keeps its data on (it starts empty). */
  readonly replacementKeptOn?: readonly string[];
}

const VOLUME = "docker:index/volume:Volume";
const INSTANCE = "pulumi-nodejs:dynamic/lambda:Instance";

/** A volume bound under a filesystem's mount point has its data there: the filesystem's name. */
const ON_FILESYSTEM = new RegExp(`^${DATA_FILESYSTEM_ROOT}/([^/]+)(?:/|$)`);

/** The filesystem a volume is bound onto, if any. */
function boundOnto(inputs: Readonly<Record<string, unknown>>): string | undefined {
  const device = (inputs.driverOpts as Record<string, unknown> | undefined)?.device;
  return typeof device === "string" ? device.match(ON_FILESYSTEM)?.[1] : undefined;
}

/** The filesystems a volume's data is kept on: the one it is bound onto, and those of the volumes on
 * the same side that hold its snapshots (labelled sophia.snapshots-of=<its name>). */
function volumeKeptOn(inputs: Readonly<Record<string, unknown>>, side: readonly SideResource[]): string[] {
  const labelsOf = (i: Readonly<Record<string, unknown>>) => (Array.isArray(i.labels) ? (i.labels as { label?: unknown; value?: unknown }[]) : []);
  const snapshotsOn = side
    .filter((r) => r.type === VOLUME && inputs.name !== undefined && labelsOf(r.inputs).some((l) => l.label === SNAPSHOTS_OF_LABEL && l.value === inputs.name))
    .map((r) => boundOnto(r.inputs));
  return [...new Set([boundOnto(inputs), ...snapshotsOn].filter((fs): fs is string => fs !== undefined))];
}

/** A node's attached filesystems: what is on its own disk is lost with it either way. */
function instanceKeptOn(inputs: Readonly<Record<string, unknown>>): string[] {
  return Array.isArray(inputs.fileSystemNames) ? (inputs.fileSystemNames as unknown[]).filter((fs): fs is string => typeof fs === "string" && fs !== "") : [];
}

/** Where the data of a resource being destroyed survives (`dataKeptOn`): a volume's as the destroyed
 * one kept it (its replacement starts empty), a node's on the filesystems its replacement mounts.
 * Nothing for a resource that holds no data. */
function dataKept(
  type: string,
  destroyed: Readonly<Record<string, unknown>>,
  replacement: Readonly<Record<string, unknown>> | undefined,
  sides: { readonly base: readonly SideResource[]; readonly head: readonly SideResource[] },
): Pick<Change, "dataKeptOn" | "replacementKeptOn"> {
  if (type === VOLUME) return { dataKeptOn: volumeKeptOn(destroyed, sides.base), ...(replacement ? { replacementKeptOn: volumeKeptOn(replacement, sides.head) } : {}) };
  if (type === INSTANCE) return { dataKeptOn: instanceKeptOn(replacement ?? destroyed) };
  return {};
}

/** The docker provider's container attributes that change in place (kreuzwerker/docker v3's schema:
 * the ones without ForceNew); any other changed input replaces the container. */
const CONTAINER_UPDATABLE = new Set(["rm", "start", "wait", "waitTimeout", "attach", "logs", "mustRun", "restart", "maxRetryCount", "removeVolumes", "tmpfs", "destroyGraceSeconds", "memory", "memoryReservation", "memorySwap", "cpuShares", "cpuSet", "healthcheck", "init", "cpuPeriod", "cpuQuota"]);

/** Inputs that never reach the resource: the serialized code of a dynamic provider. */
const IGNORED = new Set(["__provider"]);

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The inputs of a change that force a replacement, by the rules of the resource's provider. */
export function replacingInputs(type: string, before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>, changed: readonly string[]): string[] {
  switch (type) {
    case "docker:index/container:Container":
      return changed.filter((k) => !CONTAINER_UPDATABLE.has(k));
    case "docker:index/volume:Volume":
    case "docker:index/network:Network":
      return [...changed];
    case "docker:index/remoteImage:RemoteImage":
      return changed.filter((k) => k === "name" || k === "platform");
    case "docker:index/image:Image":
      // pulumi-docker's own Image resource rebuilds in place.
      return [];
    case "pulumi:providers:docker":
      // A provider bound to another engine is another provider: everything on it is replaced.
      return changed.filter((k) => k === "host");
    case "command:remote:Command":
      return changed.filter((k) => k === "triggers");
    case "pulumi-nodejs:dynamic/lambda:Instance": {
      // As the provider diffs it against a running instance launched on the base's first candidate.
      const launched = (before.candidates as { region: string; instanceType: string }[] | undefined)?.[0];
      return launched ? (instanceDiff({ ...(before as object), ...launched } as never, after as never).replaces ?? []) : [];
    }
    case "pulumi-nodejs:dynamic/lambda:SshKey":
      return sshKeyDiff(before as never, after as never).replaces ?? [];
    case "pulumi-nodejs:dynamic/lambda:FirewallRules":
      return firewallRulesDiff(before as never, after as never).replaces ?? [];
    case "pulumi-nodejs:dynamic/ssh:HostKey":
    case "pulumi-nodejs:dynamic/ssh:DeployKey":
      return changed.filter((k) => k === "host" || k === "port" || (type.endsWith("DeployKey") && k === "user"));
    default:
      // random's resources, and anything not known here: every input is fixed at creation.
      return type.startsWith("random:") ? [...changed] : [];
  }
}

/** A value as a reviewer reads it in a line: secrets as [secret], long text as its length and hash. */
export function showValue(value: unknown): string {
  if (value === undefined) return "(none)";
  if (value !== null && typeof value === "object" && "[secret]" in (value as object)) return "[secret]";
  const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value, (_k, v: unknown) => (v !== null && typeof v === "object" && "[secret]" in (v as object) ? "[secret]" : v));
  return text.length > 90 ? `${text.slice(0, 60)}… (${text.length} chars)` : text;
}

/** Which variables of a secret environment changed, by name (the names are not secret). */
function secretEntriesChanged(before: unknown, after: unknown): string | undefined {
  const names = (v: unknown) => (v !== null && typeof v === "object" ? (v as { "[names]"?: Record<string, string> })["[names]"] : undefined);
  const b = names(before);
  const a = names(after);
  if (!b || !a) return undefined;
  const added = Object.keys(a).filter((k) => !(k in b));
  const removed = Object.keys(b).filter((k) => !(k in a));
  const changed = Object.keys(a).filter((k) => k in b && a[k] !== b[k]);
  return [changed.length ? `changed ${changed.join(", ")}` : "", added.length ? `added ${added.join(", ")}` : "", removed.length ? `removed ${removed.join(", ")}` : ""].filter(Boolean).join("; ");
}

/** Two lists as the items one has and the other lacks (a label added, a port removed), where the
 * whole lists would be too long to read side by side. */
function listChanges(before: unknown, after: unknown): { before: string; after: string } | undefined {
  if (!Array.isArray(before) || !Array.isArray(after)) return undefined;
  const texts = (list: unknown[]) => list.map((v) => showValue(v));
  const [b, a] = [texts(before), texts(after)];
  const removed = b.filter((v) => !a.includes(v));
  const added = a.filter((v) => !b.includes(v));
  if (removed.length + added.length === 0) return undefined;
  return { before: removed.length ? removed.join(", ") : "(no item removed)", after: added.length ? added.join(", ") : "(no item added)" };
}

function inputChanges(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): InputChange[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !IGNORED.has(k)).sort();
  return keys
    .filter((k) => !same(before[k], after[k]))
    .map((k) => {
      const entries = secretEntriesChanged(before[k], after[k]);
      const detail = entries ? ` (${entries})` : same(stripSecrets(before[k]), stripSecrets(after[k])) ? " (a secret value in it changed)" : "";
      const list = !entries && showValue(before[k]).length + showValue(after[k]).length > 120 ? listChanges(before[k], after[k]) : undefined;
      if (list) return { key: `${k} (items)`, before: list.before, after: list.after };
      return { key: k, before: showValue(before[k]), after: `${showValue(after[k])}${detail}` };
    });
}

/** The value with every secret replaced by one marker: equal when only secrets differ. */
function stripSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSecrets);
  if (value === null || typeof value !== "object") return value;
  if ("[secret]" in (value as object)) return "[secret]";
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, stripSecrets(v)]));
}

const keyOf = (r: SideResource) => `${r.parent ?? ""}>${r.type}::${r.name}`;

/** Every change from base to head, replacements first. A resource whose parent changed has a new URN:
 * it is removed and added. */
export function diffSides(base: Side | undefined, head: Side): Change[] {
  const before = new Map((base?.resources ?? []).map((r) => [keyOf(r), r]));
  const after = new Map(head.resources.map((r) => [keyOf(r), r]));
  const sides = { base: base?.resources ?? [], head: head.resources };
  const changes: Change[] = [];
  for (const [key, r] of after) {
    const old = before.get(key);
    if (!old) {
      changes.push({ kind: "add", type: r.type, name: r.name, inputs: [] });
      continue;
    }
    const inputs = inputChanges(old.inputs, r.inputs);
    if (old.protect !== undefined && r.protect !== undefined && old.protect !== r.protect) inputs.push({ key: "(protect)", before: String(old.protect), after: String(r.protect) });
    if (old.provider !== r.provider) inputs.push({ key: "(provider)", before: old.provider ?? "(default)", after: r.provider ?? "(default)" });
    if (inputs.length === 0) continue;
    const inputKeys = inputs.map((i) => i.key.replace(/ \(items\)$/, "")).filter((k) => !k.startsWith("("));
    const replacedBy = [...replacingInputs(r.type, old.inputs, r.inputs, inputKeys), ...(old.provider !== r.provider ? ["(provider)"] : [])];
    changes.push(replacedBy.length > 0 ? { kind: "replace", type: r.type, name: r.name, inputs, replacedBy, ...dataKept(r.type, old.inputs, r.inputs, sides) } : { kind: "update", type: r.type, name: r.name, inputs });
  }
  for (const [key, r] of before) if (!after.has(key)) changes.push({ kind: "remove", type: r.type, name: r.name, inputs: [], ...dataKept(r.type, r.inputs, undefined, sides) });
  const order = { replace: 0, add: 1, remove: 2, update: 3 } as const;
  return changes.sort((a, b) => order[a.kind] - order[b.kind] || a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
}

/** What a side's fleet costs: its Lambda instances by type, at the dated price table's $/hour. */
export function fleetCost(side: Side | undefined): { pools: Record<string, { count: number; perHour: number }>; perHour: number } {
  const pools: Record<string, { count: number; perHour: number }> = {};
  for (const r of side?.resources ?? []) {
    if (r.type !== "pulumi-nodejs:dynamic/lambda:Instance") continue;
    const type = (r.inputs.candidates as { instanceType: string }[] | undefined)?.[0]?.instanceType ?? "unknown";
    const price = LAMBDA_INSTANCE_TYPES[type as LambdaInstanceType]?.pricePerHour ?? 0;
    const pool = (pools[type] ??= { count: 0, perHour: 0 });
    pool.count += 1;
    pool.perHour = Math.round((pool.perHour + price) * 100) / 100;
  }
  return { pools, perHour: Math.round(Object.values(pools).reduce((t, p) => t + p.perHour, 0) * 100) / 100 };
}

export const HOURS_PER_MONTH = 730;
const dollars = (v: number) => `$${v.toFixed(2)}`;
const signed = (v: number) => `${v < 0 ? "-" : "+"}$${Math.abs(v).toFixed(2)}`;

export interface StackReview {
  readonly stack: string;
  readonly changes: readonly Change[];
  readonly verdicts: readonly Verdict[];
  readonly cost: { readonly base: ReturnType<typeof fleetCost>; readonly head: ReturnType<typeof fleetCost> };
  /** The stack did not exist at the base (a new stack file). */
  readonly newStack: boolean;
}

export const STATEFUL_DATA_KEPT = "stateful-data-kept";

/** How much a volume's lost data matters, by stack: production's is the service's; staging is torn
 * down by design; the local stack's is a developer's own. */
const DATA_LOSS_LEVEL: Readonly<Record<string, EnforcementLevel>> = { production: "mandatory", staging: "advisory" };

/** What to do about a volume's lost data on production, as the verdict says it. */
function dataLossRemedy(c: Change, accept: string): string {
  if (c.kind === "remove") return `Keep the volume, or ${accept}`;
  // Moving a volume onto the filesystem is itself such a replacement: nothing copies the data over.
  const movedOnto = c.replacementKeptOn?.join(", ");
  if (movedOnto) return `Its replacement keeps its data on ${movedOnto} but starts empty: copy the data there before the up, then ${accept}`;
  return `Move it onto the data filesystem (sophia:dataFilesystem), or ${accept}`;
}

/** stateful-data-kept: every volume a change replaces or removes whose data is on the node's own disk
 * (kept on no filesystem) would lose it. Mandatory on production unless the head's stack file names
 * the volume in `sophia:acceptDataLoss` (`accepted`); advisory on staging. */
export function statefulDataKept(stack: string, changes: readonly Change[], accepted: readonly string[]): Verdict[] {
  const level = DATA_LOSS_LEVEL[stack];
  if (!level) return [];
  const file = stackConfigFile(stack);
  const losing = changes.filter((c) => c.type === VOLUME && c.dataKeptOn?.length === 0);
  // An entry left after its `up` would silently accept the next loss of that volume: say so.
  const stale = accepted
    .filter((name) => !losing.some((c) => c.name === name))
    .map((name): Verdict => ({ policy: STATEFUL_DATA_KEPT, enforcementLevel: "advisory", resource: name, message: `sophia:acceptDataLoss in ${file} names ${name}, which this change does not replace or remove: remove the entry, or a later loss of its data would pass unnoticed` }));
  return [
    ...stale,
    ...losing.map((c) => {
      const verdict = (enforcementLevel: EnforcementLevel, message: string): Verdict => ({ policy: STATEFUL_DATA_KEPT, enforcementLevel, resource: c.name, message });
      const loss = `volume ${c.name} would be ${c.kind === "replace" ? `replaced (because of ${(c.replacedBy ?? []).join(", ")})` : "removed"} and its data is on the node's own disk: it would be lost`;
      if (accepted.includes(c.name)) return verdict("advisory", `${loss}; data loss accepted by sophia:acceptDataLoss in ${file} (remove the entry after the up)`);
      if (level === "advisory") return verdict("advisory", `${loss} (advisory on ${stack}, which is torn down by design)`);
      return verdict("mandatory", `${loss}. ${dataLossRemedy(c, `accept the loss for this resource with sophia:acceptDataLoss: [${c.name}] in ${file}`)}`);
    }),
  ];
}

/** One stack's review: the head's policy verdicts and the change's own (stateful-data-kept), given the
 * volumes whose loss the head's stack file accepts (`sophia:acceptDataLoss`). */
export function reviewStack(base: Side | undefined, head: Side, acceptedDataLoss: readonly string[] = []): StackReview {
  const changes = diffSides(base, head);
  return { stack: head.stack, changes, verdicts: [...head.verdicts, ...statefulDataKept(head.stack, changes, acceptedDataLoss)], cost: { base: fleetCost(base), head: fleetCost(head) }, newStack: base === undefined };
}

const mandatory = (r: StackReview) => r.verdicts.filter((v) => v.enforcementLevel === "mandatory");

/** The command's exit code: 1 when any stack has a mandatory violation. */
export function reviewExitCode(reviews: readonly StackReview[]): 0 | 1 {
  return reviews.some((r) => mandatory(r).length > 0) ? 1 : 0;
}

export function summaryLine(r: StackReview): string {
  const count = (kind: Change["kind"]) => r.changes.filter((c) => c.kind === kind).length;
  const replaced = count("replace");
  const delta = r.cost.head.perHour - r.cost.base.perHour;
  return `${r.stack}: +${count("add")} ~${count("update") + replaced} -${count("remove")}${replaced ? ` (${replaced} replace${replaced > 1 ? "s" : ""})` : ""}, ${signed(delta)}/h (${signed(delta * HOURS_PER_MONTH)}/mo), policies: ${mandatory(r).length} mandatory violation${mandatory(r).length === 1 ? "" : "s"}`;
}

/** What a replaced or removed resource kept on no filesystem loses. */
const DATA_LOST: Readonly<Record<string, string>> = { [VOLUME]: "its data is lost (it is on the node's own disk)", [INSTANCE]: "its disk's data is lost" };

function stackSection(r: StackReview): string[] {
  const lines = [`## ${r.stack}`, ""];
  if (r.newStack) lines.push("A new stack: it does not exist at the base.", "");
  const group = (kind: Change["kind"], title: string, explain?: string) => {
    const items = r.changes.filter((c) => c.kind === kind);
    if (items.length === 0) return;
    lines.push(`### ${title} (${items.length})`, ...(explain ? ["", explain] : []), "");
    for (const c of items) {
      lines.push(`- \`${c.type}\` **${c.name}**${c.replacedBy ? `, replaced because of ${c.replacedBy.map((k) => `\`${k}\``).join(", ")}` : ""}`);
      if (c.dataKeptOn) lines.push(`  - ${c.dataKeptOn.length > 0 ? `data kept on ${c.dataKeptOn.join(", ")}` : DATA_LOST[c.type]}`);
      for (const i of c.inputs) lines.push(`  - \`${i.key}\`: ${i.before} → ${i.after}`);
    }
    lines.push("");
  };
  group("replace", "Replaced", "Deleted and created again: a replaced node loses its own disk and a replaced volume its data, unless it is kept on a Lambda persistent filesystem; each node and volume says which.");
  group("add", "Added");
  group("remove", "Removed");
  group("update", "Updated in place");
  if (r.changes.length === 0) lines.push("No resource changes.", "");
  lines.push("### Policies (head)", "");
  if (r.verdicts.length === 0) lines.push("Every policy passes.", "");
  else {
    lines.push("| policy | level | resource | message |", "| --- | --- | --- | --- |");
    for (const v of r.verdicts) lines.push(`| ${v.policy} | ${v.enforcementLevel} | \`${v.resource}\` | ${v.message.replace(/\|/g, "\\|")} |`);
    lines.push("");
  }
  lines.push("### Cost", "");
  const pools = [...new Set([...Object.keys(r.cost.base.pools), ...Object.keys(r.cost.head.pools)])].sort();
  if (pools.length === 0) lines.push("No Lambda nodes on either side ($0.00/h).", "");
  else {
    lines.push("| node pool | base | head | delta $/h | delta $/mo |", "| --- | --- | --- | --- | --- |");
    for (const p of pools) {
      const b = r.cost.base.pools[p] ?? { count: 0, perHour: 0 };
      const h = r.cost.head.pools[p] ?? { count: 0, perHour: 0 };
      const nodes = (n: number) => `${n} node${n === 1 ? "" : "s"}`;
      lines.push(`| ${p} | ${nodes(b.count)}, ${dollars(b.perHour)}/h | ${nodes(h.count)}, ${dollars(h.perHour)}/h | ${signed(h.perHour - b.perHour)} | ${signed((h.perHour - b.perHour) * HOURS_PER_MONTH)} |`);
    }
    const delta = r.cost.head.perHour - r.cost.base.perHour;
    lines.push(
      `| **total** | ${dollars(r.cost.base.perHour)}/h, ${dollars(r.cost.base.perHour * HOURS_PER_MONTH)}/mo | ${dollars(r.cost.head.perHour)}/h, ${dollars(r.cost.head.perHour * HOURS_PER_MONTH)}/mo | ${signed(delta)} | ${signed(delta * HOURS_PER_MONTH)} |`,
      "",
      `Prices: Lambda's on-demand list as dated in packages/agent-categories/src/instance-types.ts; a month is ${HOURS_PER_MONTH} h.`,
      "",
    );
  }
  return lines;
}

/** The whole review: a summary line per reviewed stack, then each stack's details, then the last line. */
export function renderReview(args: { base: string; baseCommit: string; reviews: readonly StackReview[]; unchanged: readonly string[]; note?: string }): string {
  const { reviews } = args;
  const changes = reviews.reduce((t, r) => t + r.changes.length, 0);
  const violations = reviews.reduce((t, r) => t + mandatory(r).length, 0);
  const delta = reviews.reduce((t, r) => t + r.cost.head.perHour - r.cost.base.perHour, 0);
  const lines = [`# Stack review against \`${args.base}\` (${args.baseCommit.slice(0, 12)})`, ""];
  if (args.note) lines.push(args.note, "");
  if (reviews.length === 0) lines.push("This change affects no stack.", "");
  for (const r of reviews) lines.push(`- ${summaryLine(r)}`);
  if (args.unchanged.length) lines.push(`- unchanged: ${args.unchanged.join(", ")} (evaluated; no resource differs)`);
  lines.push("");
  for (const r of reviews) lines.push(...stackSection(r));
  lines.push(`review: ${reviews.length} stacks, ${changes} changes, ${violations} mandatory violations, ${signed(delta)} $/h`);
  return lines.join("\n") + "\n";
}
