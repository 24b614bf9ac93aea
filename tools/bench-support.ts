// Shared by the benchmarks that need the local stack running: bring it up, hand it to the benchmark,
// tear it down (also on failure and Ctrl-C). Plus the statistics every table uses.
import { type Created, docker, type LocalStack, bringUpLocal, teardownOnSignal } from "./local-stack";

export async function withLocalStack(name: string, use: (stack: LocalStack) => Promise<void>): Promise<void> {
  const created: Created = { containers: [], networks: [], volumes: [] };
  const log = (line: string) => console.error(`[${name}] ${line}`);
  const finish = teardownOnSignal(created, log);
  try {
    await use(await bringUpLocal(created, log));
  } finally {
    await finish();
  }
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
