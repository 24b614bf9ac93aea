// Lambda allows about one launch per 12 s per account. Launches through this package take a lease,
// one at a time per API endpoint: the holder waits until the recorded next slot, launches, and on the
// answer records the next slot as one interval later (Lambda counts from when a request reached it).
// Every attempt takes the lease, retries after a 429 included, so concurrent creates never race.
//
// The lease and the slot live in small files under the OS temp directory, keyed by the API URL. This is
// not module state on purpose: Pulumi serializes dynamic providers and runs them from that text, where a
// module-level Map does not survive, and two processes (two stacks on one account) share the files.
//
// The lease is bounded and loud (issue 28): a holder is known by its pid, its process start time and a
// token, so a live process that merely reuses the pid (or our own pid, in a new container) is no
// holder; a lease older than any launch takes is broken; a slot stamped further ahead than one
// interval (a clock stepped back) is ignored; each break says so, and every wait over 15 s says what it
// waits for. A lease that cannot be written is one error at once, naming the file.
import { createHash, randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Longer than one launch can hold the lease (its wait for the slot, then one request). */
export const LEASE_MAX_AGE_MS = 2 * 60_000;
/** How often a wait for the lease says what it is waiting for. */
export const WAIT_REPORT_MS = 15_000;
const POLL_MS = 20;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An error of the pacing itself: nothing was sent to Lambda (so there is no stray instance to find). */
export function launchPacingError(message: string): Error {
  return Object.assign(new Error(message), { name: "LaunchPacingError" });
}

interface Holder {
  readonly pid: number;
  /** The process's start time (Linux: clock ticks since boot); null where it cannot be read. */
  readonly started: string | null;
  readonly token: string;
}

/** The leases this process holds now, by token: a lease naming our own pid is ours only if listed
 * here. Kept on the process, not the module, so the serialized provider finds it too. */
function heldHere(): Set<string> {
  const key = Symbol.for("sophia.lambda.launchLeases");
  const store = globalThis as unknown as Record<symbol, Set<string> | undefined>;
  return (store[key] ??= new Set<string>());
}

export async function withLaunchSlot<T>(
  apiUrl: string,
  intervalMs: number,
  launch: () => Promise<T>,
  log: (line: string) => void,
  { directory = os.tmpdir(), waitReportMs = WAIT_REPORT_MS }: { readonly directory?: string; readonly waitReportMs?: number } = {},
): Promise<T> {
  const base = path.join(directory, `sophia-lambda-launch-${createHash("sha256").update(apiUrl).digest("hex").slice(0, 16)}`);
  const lease = `${base}.lease`;
  const token = await acquire(lease, log, waitReportMs);
  try {
    const stamp = readSlot(base, log);
    const wait = stamp - Date.now();
    if (wait > intervalMs) {
      log(`launch pacing: the next launch slot in ${base} is ${(wait / 1000).toFixed(0)}s ahead, more than one interval (${intervalMs / 1000}s): the clock moved back since it was written; launching now`);
    } else if (wait > 0) {
      log(`waiting ${(wait / 1000).toFixed(1)}s: Lambda allows one launch per ${intervalMs / 1000}s`);
      await sleep(wait);
    }
    return await launch();
  } finally {
    try {
      fs.writeFileSync(base, String(Date.now() + intervalMs), { mode: 0o600 });
    } catch (error) {
      log(`launch pacing: could not record the next launch slot in ${base} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); the next launch may meet Lambda's 429 and retry`);
    } finally {
      heldHere().delete(token);
      fs.rmSync(lease, { force: true });
    }
  }
}

/** Takes the lease; returns its token. */
async function acquire(lease: string, log: (line: string) => void, waitReportMs: number): Promise<string> {
  const me: Holder = { pid: process.pid, started: startTimeOf(process.pid), token: randomUUID() };
  const since = Date.now();
  let reported = since;
  for (;;) {
    try {
      fs.writeFileSync(lease, JSON.stringify(me), { flag: "wx", mode: 0o600 });
      heldHere().add(me.token);
      return me.token;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") {
        throw launchPacingError(
          `launch pacing: cannot write its lease file ${lease} (${code ?? (error as Error).message}); nothing was sent to Lambda. ` +
            `Make ${path.dirname(lease)} writable, or point TMPDIR at a writable directory, and deploy again.`,
        );
      }
      const stale = whyStale(lease);
      if (stale) {
        log(`launch pacing: breaking the lease ${lease}: ${stale}`);
        fs.rmSync(lease, { force: true });
        continue;
      }
      if (Date.now() - reported >= waitReportMs) {
        reported = Date.now();
        log(`launch pacing: waiting ${((reported - since) / 1000).toFixed(0)}s for the launch lease ${lease}, held by ${describeHolder(lease)} (another launch on this Lambda account)`);
      }
      await sleep(POLL_MS);
    }
  }
}

/** Why the lease's holder cannot be a launch in progress, or undefined while it may be. */
function whyStale(lease: string): string | undefined {
  let age: number;
  let holder: Partial<Holder>;
  try {
    age = Date.now() - fs.statSync(lease).mtimeMs;
    holder = parseHolder(fs.readFileSync(lease, "utf8"));
  } catch {
    return undefined; // released meanwhile: the next write takes it
  }
  if (age > LEASE_MAX_AGE_MS) return `it is ${(age / 1000).toFixed(0)}s old, longer than any launch holds it (${LEASE_MAX_AGE_MS / 1000}s)`;
  if (typeof holder.pid !== "number" || !Number.isInteger(holder.pid) || holder.pid <= 0) return age > 1_000 ? "it names no process" : undefined; // being written, or garbage
  if (holder.pid === process.pid) return holder.token && heldHere().has(holder.token) ? undefined : `it names this process (pid ${holder.pid}), which does not hold it: a leftover of an earlier process with the same pid`;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: alive, another user's; anything else (ESRCH, EINVAL past pid_max): no such process.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return `its holder, pid ${holder.pid}, is gone`;
  }
  const started = startTimeOf(holder.pid);
  if (holder.started && started && started !== holder.started) return `pid ${holder.pid} is now another process (started at ${started}, the holder at ${holder.started})`;
  return undefined;
}

/** The recorded next launch slot (ms since the epoch), 0 where none can be read. */
function readSlot(base: string, log: (line: string) => void): number {
  try {
    const stamp = Number(fs.readFileSync(base, "utf8"));
    return Number.isFinite(stamp) ? stamp : 0;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") log(`launch pacing: could not read the next launch slot in ${base} (${code ?? (error as Error).message}); launching now`);
    return 0;
  }
}

function parseHolder(text: string): Partial<Holder> {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === "number") return { pid: parsed };
    return typeof parsed === "object" && parsed !== null ? (parsed as Partial<Holder>) : {};
  } catch {
    return {};
  }
}

function describeHolder(lease: string): string {
  try {
    return `pid ${parseHolder(fs.readFileSync(lease, "utf8")).pid ?? "?"}`;
  } catch {
    return "a process that has just let it go";
  }
}

/** A process's start time from /proc (Linux), which tells a reused pid apart; null elsewhere. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22, counted after the command name in parentheses (which may itself hold spaces).
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}
