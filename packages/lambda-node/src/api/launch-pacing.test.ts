// The launch lease is bounded and loud: a clock stepped back, a lease left by a process that is gone,
// by one that merely has the holder's pid, or by this very pid in an earlier life, and a slot that
// cannot be written each cost a log line, not minutes or hours; a real holder is waited for, and
// the wait says what it is waiting for.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { withLaunchSlot } from "./launch-pacing";

const API = "https://cloud.lambda.ai/api/v1";
const INTERVAL_MS = 12_000;
let directory: string;
let lines: string[];
const log = (line: string) => void lines.push(line);
const base = () => path.join(directory, `sophia-lambda-launch-${createHash("sha256").update(API).digest("hex").slice(0, 16)}`);
const lease = () => `${base()}.lease`;

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-pacing-"));
  lines = [];
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

/** Seconds until the launch went ahead. */
async function secondsToLaunch(options: { waitReportMs?: number } = {}): Promise<number> {
  const started = Date.now();
  let launchedAt = 0;
  await withLaunchSlot(API, INTERVAL_MS, async () => void (launchedAt = Date.now()), log, { directory, ...options });
  return (launchedAt - started) / 1000;
}

test("a slot stamped two hours ahead (the clock stepped back) is ignored, with a line that says so", async () => {
  fs.writeFileSync(base(), String(Date.now() + 2 * 3600_000));
  const seconds = await secondsToLaunch();
  console.log(`clock stepped back 2 h: the launch went ahead after ${seconds.toFixed(3)} s`);
  expect(seconds).toBeLessThan(1);
  expect(lines).toEqual([expect.stringMatching(/the next launch slot in .* is 7200s ahead, more than one interval \(12s\): the clock moved back since it was written; launching now/)]);
});

test("a slot within one interval is still waited out", async () => {
  fs.writeFileSync(base(), String(Date.now() + 300));
  expect(await secondsToLaunch()).toBeGreaterThanOrEqual(0.25);
});

test("a lease naming this process, which does not hold it (a pid reused in a new container), is broken at once", async () => {
  fs.writeFileSync(lease(), JSON.stringify({ pid: process.pid, started: null, token: "an-earlier-life" }));
  const seconds = await secondsToLaunch();
  console.log(`stale lease naming our own pid: the launch went ahead after ${seconds.toFixed(3)} s`);
  expect(seconds).toBeLessThan(1);
  expect(lines[0]).toMatch(new RegExp(`breaking the lease .*: it names this process \\(pid ${process.pid}\\), which does not hold it`));
});

test("a lease naming a live process that is not its holder (the pid now another program) is broken at once", async () => {
  const other = spawn("sleep", ["30"]);
  try {
    fs.writeFileSync(lease(), JSON.stringify({ pid: other.pid, started: "1", token: "gone" }));
    expect(await secondsToLaunch()).toBeLessThan(1);
    expect(lines[0]).toMatch(new RegExp(`breaking the lease .*: pid ${other.pid} is now another process`));
  } finally {
    other.kill();
  }
});

test("a lease whose holder is gone, and one older than any launch, are broken at once", async () => {
  const gone = spawn("true");
  await new Promise((resolve) => gone.once("exit", resolve));
  fs.writeFileSync(lease(), JSON.stringify({ pid: gone.pid, started: null, token: "x" }));
  expect(await secondsToLaunch()).toBeLessThan(1);
  expect(lines[0]).toMatch(new RegExp(`its holder, pid ${gone.pid}, is gone`));

  lines = [];
  fs.rmSync(base()); // the slot the launch above recorded
  fs.writeFileSync(lease(), JSON.stringify({ pid: 1, started: null, token: "x" }));
  const old = (Date.now() - 3 * 60_000) / 1000;
  fs.utimesSync(lease(), old, old);
  expect(await secondsToLaunch()).toBeLessThan(1);
  expect(lines[0]).toMatch(/it is 1[89]\ds old, longer than any launch holds it \(120s\)/);
});

test("a live holder is waited for, and the wait says what it is waiting for", async () => {
  // Another launch of this account: a process of its own that holds the lease for 1.5 s.
  const holder = spawn(process.execPath, ["-e", `
    const fs = require("fs");
    const started = fs.readFileSync("/proc/self/stat", "utf8"); const s = started.slice(started.lastIndexOf(")") + 2).split(" ")[19];
    fs.writeFileSync(${JSON.stringify(lease())}, JSON.stringify({ pid: process.pid, started: s, token: "held" }), { flag: "wx" });
    setTimeout(() => { fs.rmSync(${JSON.stringify(lease())}); process.exit(0); }, 1500);`]);
  while (!fs.existsSync(lease())) await new Promise((resolve) => setTimeout(resolve, 10));
  const seconds = await secondsToLaunch({ waitReportMs: 500 });
  expect(seconds).toBeGreaterThan(1);
  expect(lines.some((l) => new RegExp(`waiting \\d+s for the launch lease .*, held by pid ${holder.pid} \\(another launch on this Lambda account\\)`).test(l))).toBe(true);
  await new Promise((resolve) => (holder.exitCode === null ? holder.once("exit", resolve) : resolve(undefined)));
});

test("a slot that cannot be written still releases the lease: the next launch does not wait for it", async () => {
  fs.mkdirSync(base()); // a directory where the slot file goes
  await secondsToLaunch();
  expect(fs.existsSync(lease())).toBe(false);
  expect(lines).toContainEqual(expect.stringMatching(/could not record the next launch slot in .* \(EISDIR\)/));
  expect(await secondsToLaunch()).toBeLessThan(1);
  fs.rmSync(base(), { recursive: true });
});
