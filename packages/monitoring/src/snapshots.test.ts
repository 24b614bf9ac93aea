// Prometheus's history on a persistent filesystem, for real: the entrypoint script the component
// registers where the stack has a data filesystem (prometheusWithSnapshots), run on this machine with
// Debian trixie's Prometheus (the monitoring image's version, fetched by tools/fetch-checkers.sh) and
// its own directories. A first Prometheus scrapes itself and snapshots; a second one, started with an
// empty TSDB as on a new node, restores the snapshot and holds samples from before it started.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import { createServer } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { prometheusWithSnapshots } from "./containers";

const PROMETHEUS = path.resolve(__dirname, "..", "..", "..", ".cache", "checkers", "usr", "bin", "prometheus");
const INTERVAL_SECONDS = 1;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sophia-prometheus-snapshots-"));
const running: ChildProcess[] = [];
afterAll(() => {
  // Each script runs in its own process group: Prometheus and the snapshot loop go with it.
  for (const child of running) if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGKILL");
  fs.rmSync(dir, { recursive: true, force: true });
});
jest.setTimeout(120_000);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 60): Promise<T> {
  for (let i = 0; i < seconds * 4; i++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** One Prometheus through the registered script, on its own TSDB directory, sharing the snapshots'. */
/** SIGTERM, as Docker stops a container: the script stops Prometheus and its snapshot loop, and exits. */
async function stop(child: ChildProcess): Promise<void> {
  child.kill("SIGTERM");
  await until("the script to exit", async () => (child.exitCode !== null || child.signalCode !== null ? true : undefined), 30);
}

async function startPrometheus(name: string, snapshots: string): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const port = await freePort();
  const data = path.join(dir, name, "tsdb");
  fs.mkdirSync(data, { recursive: true });
  const config = path.join(dir, name, "etc", "prometheus.yml");
  const [shell, flag, script] = prometheusWithSnapshots(
    [{ env: "SOPHIA_PROMETHEUS_YML", path: config }],
    [PROMETHEUS, `--config.file=${config}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`],
    { intervalSeconds: INTERVAL_SECONDS, source: "debian", paths: { data, snapshots, port } },
  );
  const yml = `global: { scrape_interval: 1s }\nscrape_configs: [{ job_name: self, static_configs: [{ targets: ["127.0.0.1:${port}"] }] }]\n`;
  const child = spawn(shell!, [flag!, script!], { env: { ...process.env, SOPHIA_PROMETHEUS_YML: yml }, stdio: ["ignore", "ignore", "pipe"], detached: true });
  running.push(child);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await until(`${name} ready`, async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined));
  return { child, url, stderr: () => stderr };
}

/** The oldest sample of `up` Prometheus holds, in ms. */
async function oldestSample(url: string): Promise<number> {
  const query = encodeURIComponent("min(min_over_time(timestamp(up)[1h:1s]))");
  const body = (await (await fetch(`${url}/api/v1/query?query=${query}`)).json()) as { data: { result: { value: [number, string] }[] } };
  const value = body.data.result[0]?.value[1];
  return value === undefined ? NaN : Number(value) * 1000;
}

const taken = (snapshots: string) => (fs.existsSync(path.join(snapshots, "taken")) ? fs.readFileSync(path.join(snapshots, "taken"), "utf8").trim() : undefined);

test("a Prometheus started with an empty TSDB restores the last snapshot: its history begins before it started, and the filesystem holds the manifest's blocks only", async () => {
  expect(fs.existsSync(PROMETHEUS)).toBe(true);
  const snapshots = path.join(dir, "filesystem");
  fs.mkdirSync(snapshots);

  const first = await startPrometheus("first", snapshots);
  // Prometheus scrapes about 5 s after it starts (discovery's updates are throttled): a few scrapes,
  // then a snapshot taken after them.
  await until("the first scrapes", async () => (Number.isFinite(await oldestSample(first.url)) ? true : undefined));
  await sleep(2000);
  const wanted = Date.now();
  await until("a snapshot after the scrapes", async () => {
    const at = taken(snapshots);
    return at && Date.parse(at) >= wanted - 1000 ? at : undefined;
  });
  const firstOldest = await oldestSample(first.url);
  await stop(first.child);

  const secondStarted = Date.now();
  const second = await startPrometheus("second", snapshots);
  expect(second.stderr()).toMatch(/prometheus: empty local TSDB; restored \d+ block\(s\) of the snapshot taken \S+ from the persistent filesystem/);
  const secondOldest = await oldestSample(second.url);
  // Its history spans the restart: samples from the first Prometheus, older than this one's start.
  expect(secondOldest).toBeLessThan(secondStarted);
  expect(Math.abs(secondOldest - firstOldest)).toBeLessThan(2000);

  // The next snapshot copies only new blocks and leaves only what its manifest lists.
  const before = taken(snapshots);
  await until("the second Prometheus's snapshot", async () => (taken(snapshots) !== before ? true : undefined));
  await sleep(200);
  const manifest = fs.readFileSync(path.join(snapshots, "manifest"), "utf8").split("\n").filter(Boolean).sort();
  expect(manifest.length).toBeGreaterThan(0);
  expect(fs.readdirSync(path.join(snapshots, "blocks")).sort()).toEqual(manifest);
  await stop(second.child);
  // Nothing of either left running: no process in their groups (a loop's last `sleep` ends within its second).
  const alive = (pid: number) => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  await until("no process left of either", async () => ([first.child, second.child].some((c) => alive(c.pid!)) ? undefined : true), 5);
});
