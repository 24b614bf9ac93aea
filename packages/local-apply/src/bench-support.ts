// Shared by the benchmarks that need the local stack running: bring it up, hand it to the benchmark,
// tear it down (also on failure and Ctrl-C), and only then print what the benchmark returned, so its
// summary line is the last line. Plus the statistics every table uses.
import { readFile } from "node:fs/promises";
import { bringUpLocal, type Created, docker, type LocalProgram, type LocalStack, teardownOnSignal } from "./local-stack";

export async function withLocalStack(name: string, program: LocalProgram, use: (stack: LocalStack) => Promise<string[]>): Promise<void> {
  const created: Created = { containers: [], networks: [], volumes: [] };
  const log = (line: string) => console.error(`[${name}] ${line}`);
  const finish = teardownOnSignal(created, log);
  let report: string[];
  try {
    report = await use(await bringUpLocal(program, created, log));
  } finally {
    await finish();
  }
  for (const line of report) console.log(line);
}

/** A container's address on one of its networks, reachable from this machine. */
export async function containerIp(container: string, network: string): Promise<string> {
  const ip = await docker(["inspect", "-f", `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container], container);
  if (!ip) throw new Error(`container ${container} has no address on network ${network}`);
  return ip;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** nr_periods and nr_throttled of a cgroup's cpu.stat (the same names in v1 and v2); 0 without a limit. */
function throttling(cpuStat: string): { periods: number; throttledPeriods: number } {
  const field = (name: string) => Number(cpuStat.match(new RegExp(`^${name} (\\d+)$`, "m"))?.[1] ?? 0);
  return { periods: field("nr_periods"), throttledPeriods: field("nr_throttled") };
}

export interface ContainerUsage {
  readonly mib: number;
  readonly peakMiB: number;
  readonly cpuSeconds: number;
  /** Scheduler periods (100 ms) since start, and how many of them hit the CPU limit: a throttled
   * period stalls every request in the container until the next one begins. */
  readonly periods: number;
  readonly throttledPeriods: number;
}

/** A container's memory now and at its peak since start (MiB), its CPU time so far (seconds) and its
 * CPU throttling, from its cgroup on this machine: `docker stats` reports zeros under Docker 20.10
 * with cgroup v1. cgroup v2 layouts (systemd or cgroupfs driver) are read too. */
export async function containerUsage(container: string): Promise<ContainerUsage> {
  const id = await docker(["inspect", "-f", "{{.Id}}", container], container);
  const read = (file: string) => readFile(file, "utf8").then((s) => Number(s.trim().split(/\s+/)[0]), () => undefined);
  const v1 = async () => {
    const [mem, peak, cpu, stat] = await Promise.all([
      read(`/sys/fs/cgroup/memory/docker/${id}/memory.usage_in_bytes`),
      read(`/sys/fs/cgroup/memory/docker/${id}/memory.max_usage_in_bytes`),
      read(`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`),
      readFile(`/sys/fs/cgroup/cpu/docker/${id}/cpu.stat`, "utf8").catch(() => ""),
    ]);
    return mem === undefined || peak === undefined || cpu === undefined ? undefined : { mib: mem / 2 ** 20, peakMiB: peak / 2 ** 20, cpuSeconds: cpu / 1e9, ...throttling(stat) };
  };
  const v2 = async () => {
    for (const dir of [`/sys/fs/cgroup/system.slice/docker-${id}.scope`, `/sys/fs/cgroup/docker/${id}`]) {
      const [mem, peak, stat] = await Promise.all([read(`${dir}/memory.current`), read(`${dir}/memory.peak`), readFile(`${dir}/cpu.stat`, "utf8").catch(() => undefined)]);
      const usec = stat?.match(/usage_usec (\d+)/)?.[1];
      if (mem !== undefined && usec) return { mib: mem / 2 ** 20, peakMiB: (peak ?? mem) / 2 ** 20, cpuSeconds: Number(usec) / 1e6, ...throttling(stat!) };
    }
    return undefined;
  };
  const usage = (await v1()) ?? (await v2());
  if (!usage) throw new Error(`${container}: no cgroup memory/CPU accounting found under /sys/fs/cgroup`);
  return usage;
}
