// stack_up behind a person's approval, and the audit log of every Pulumi operation (issue 32).
//
// An agent's stack_up stores a request: the preview it saw and that preview's digest. Nothing changes
// until a person runs `npm run approve -- <stack> <id>` on a machine that deploys the stack: it reads
// the request from this container (docker exec: only who reaches the node's Docker engine can), runs
// its own preview, refuses when the digest differs, and otherwise records the approval, runs the `up`
// with the person's engine and credentials, and records its result here. The container itself never
// writes the state nor the Docker engine.
//
// Both live on the ops data volume: requests as one JSON file each, the audit log as JSON lines that
// Prometheus counts (sophia_ops_audit_events_total) through the server's /metrics.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export type ApprovalState = "pending" | "approved" | "applied" | "failed" | "stale";

export interface Approval {
  readonly id: string;
  readonly stack: string;
  readonly state: ApprovalState;
  /** The client that asked (X-Sophia-Client). */
  readonly requestedBy: string;
  readonly requestedAt: string;
  /** previewDigest of the preview the request was made with. */
  readonly digest: string;
  /** That preview, as text. */
  readonly preview: string;
  readonly decidedBy?: string;
  readonly decidedAt?: string;
  /** The up's summary, or why it failed or was refused. */
  readonly result?: string;
}

export const APPROVAL_ID = /^up-[0-9a-f]{10}$/;
export const newApprovalId = () => `up-${randomBytes(5).toString("hex")}`;

/** The command a person runs to approve. */
export const approveCommand = (stack: string, id: string) => `npm run approve -- ${stack} ${id}`;

/** Which state may follow which: a request is decided once, and an approval ends applied or failed. */
const NEXT: Readonly<Record<ApprovalState, readonly ApprovalState[]>> = { pending: ["approved", "stale"], approved: ["applied", "failed"], applied: [], failed: [], stale: [] };

export class ApprovalStore {
  constructor(private readonly dir: string) {}

  private file(id: string): string {
    if (!APPROVAL_ID.test(id)) throw new Error(`approval id: expected up- and 10 hex digits; got ${JSON.stringify(id)}`);
    return path.join(this.dir, `${id}.json`);
  }

  create(request: Omit<Approval, "id" | "state">): Approval {
    fs.mkdirSync(this.dir, { recursive: true });
    const approval: Approval = { id: newApprovalId(), state: "pending", ...request };
    this.write(approval);
    return approval;
  }

  get(id: string): Approval | undefined {
    const file = this.file(id);
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Approval) : undefined;
  }

  /** Moves a request on; refuses a step its state does not allow (an approval is used once). */
  decide(id: string, state: ApprovalState, by: string, result?: string): Approval {
    const current = this.get(id);
    if (!current) throw new Error(`approval ${id}: no such request on this sophia-ops`);
    if (!NEXT[current.state].includes(state)) throw new Error(`approval ${id} is ${current.state}; it cannot become ${state}`);
    const next: Approval = { ...current, state, decidedBy: by, decidedAt: new Date().toISOString(), ...(result === undefined ? {} : { result }) };
    this.write(next);
    return next;
  }

  private write(approval: Approval): void {
    // Written whole and renamed: a reader never sees half a request.
    const file = this.file(approval.id);
    fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(approval, null, 2)}\n`);
    fs.renameSync(`${file}.tmp`, file);
  }
}

export interface AuditEntry {
  readonly time: string;
  /** The tool called, or "approval" for a person's decision. */
  readonly event: string;
  readonly outcome: string;
  readonly stack?: string;
  readonly caller?: string;
  readonly approvalId?: string;
  readonly detail?: string;
  readonly ms?: number;
}

export class AuditLog {
  constructor(readonly file: string) {}

  append(entry: Omit<AuditEntry, "time">): AuditEntry {
    const line: AuditEntry = { time: new Date().toISOString(), ...entry };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    // One write of one line, opened for appending: lines from the server and from an approval's
    // docker exec never interleave.
    fs.appendFileSync(this.file, `${JSON.stringify(line)}\n`);
    return line;
  }

  entries(): AuditEntry[] {
    if (!fs.existsSync(this.file)) return [];
    return auditEntriesOf(fs.readFileSync(this.file, "utf8"));
  }
}

export function auditEntriesOf(text: string): AuditEntry[] {
  return text
    .split("\n")
    .filter(Boolean)
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as AuditEntry];
      } catch {
        return []; // a line cut by a full disk is skipped, not fatal
      }
    });
}

/** Count of audit entries by event and outcome: what the metric reports. */
export function auditCounts(entries: readonly AuditEntry[]): Map<string, { event: string; outcome: string; count: number }> {
  const counts = new Map<string, { event: string; outcome: string; count: number }>();
  for (const e of entries) {
    const key = `${e.event}\0${e.outcome}`;
    const known = counts.get(key) ?? { event: e.event, outcome: e.outcome, count: 0 };
    counts.set(key, { ...known, count: known.count + 1 });
  }
  return counts;
}

/**
 * `node /app/server.js approval <show|decide> …`, run by `npm run approve` through docker exec:
 *   approval show <id>                               the request, as JSON
 *   approval decide <id> <state> <by> [<result>…]    moves it on, and writes the audit line
 * Returns what to print; throws with a one-line message.
 */
export function approvalCommand(argv: readonly string[], store: ApprovalStore, audit: AuditLog): string {
  const [verb, id, state, by, ...result] = argv;
  if (verb === "show" && id) {
    const approval = store.get(id);
    if (!approval) throw new Error(`approval ${id}: no such request on this sophia-ops`);
    return JSON.stringify(approval);
  }
  if (verb === "decide" && id && state && by && state in NEXT) {
    const decided = store.decide(id, state as ApprovalState, by, result.join(" ").trim() || undefined);
    audit.append({ event: "approval", outcome: decided.state, stack: decided.stack, caller: by, approvalId: id, detail: decided.result });
    return JSON.stringify(decided);
  }
  throw new Error("usage: server.js approval show <id> | approval decide <id> <approved|applied|failed|stale> <by> [<result>]");
}
