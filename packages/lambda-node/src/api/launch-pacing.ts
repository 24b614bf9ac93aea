// Lambda allows about one launch per 12 s per account. Launches through this package take a lease,
// one at a time per API endpoint: the holder waits until the recorded next slot, launches, and on the
// answer records the next slot as one interval later (Lambda counts from when a request reached it).
// Every attempt takes the lease, retries after a 429 included, so concurrent creates never race.
//
// The lease and the slot live in small files under the OS temp directory, keyed by the API URL. This is
// not module state on purpose: Pulumi serializes dynamic providers and runs them from that text, where a
// module-level Map does not survive, and two processes (two stacks on one account) share the files.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A lease whose holder is gone (or older than any launch can take) is broken. */
const LEASE_MAX_AGE_MS = 10 * 60_000;
const POLL_MS = 20;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withLaunchSlot<T>(
  apiUrl: string,
  intervalMs: number,
  launch: () => Promise<T>,
  log: (line: string) => void,
  directory: string = os.tmpdir(),
): Promise<T> {
  const base = path.join(directory, `sophia-lambda-launch-${createHash("sha256").update(apiUrl).digest("hex").slice(0, 16)}`);
  const lease = `${base}.lease`;
  await acquire(lease);
  try {
    const text = fs.existsSync(base) ? fs.readFileSync(base, "utf8") : "0";
    const wait = (Number.isFinite(Number(text)) ? Number(text) : 0) - Date.now();
    if (wait > 0) {
      log(`waiting ${(wait / 1000).toFixed(1)}s: Lambda allows one launch per ${intervalMs / 1000}s`);
      await sleep(wait);
    }
    return await launch();
  } finally {
    fs.writeFileSync(base, String(Date.now() + intervalMs), { mode: 0o600 });
    fs.rmSync(lease, { force: true });
  }
}

async function acquire(lease: string): Promise<void> {
  for (;;) {
    try {
      fs.writeFileSync(lease, String(process.pid), { flag: "wx", mode: 0o600 });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (abandoned(lease)) fs.rmSync(lease, { force: true });
      await sleep(POLL_MS);
    }
  }
}

function abandoned(lease: string): boolean {
  try {
    const age = Date.now() - fs.statSync(lease).mtimeMs;
    const holder = Number(fs.readFileSync(lease, "utf8"));
    if (age > LEASE_MAX_AGE_MS) return true;
    if (!Number.isInteger(holder) || holder <= 0) return age > 1_000; // being written, or garbage
    process.kill(holder, 0);
    return false;
  } catch (error) {
    // ESRCH: the holder died; ENOENT: released meanwhile (removing nothing is harmless).
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
