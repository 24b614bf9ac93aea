// npm run bench:placement — placement's cost against the optimum, and its speed, on fleets built to
// be hard (packages/agent-categories/src/hard-instances.ts) beside today's random ones, from 10 to
// 50,000 agents, all measured in this one run.
//
// Against what: up to 60 agents, the exact optimum of an integer program of its own here (every node
// that a cheaper placement could use, each agent of a need counted on each node; HiGHS, proven
// optimal, or else the placement's bound, which only makes the ratio look worse). Above 60, the
// lower bound placement prints: the configuration LP's value ("lp") where agents come in few shapes,
// or the aggregate program's ("aggregate").
import type { Highs } from "highs";
import { hardPlacementInput, PLACEMENT_FAMILIES, placeAgents, type Placement, type PlacementInput } from "@sophia/agent-categories";

const SIZES = [10, 30, 60, 1000, 10_000, 50_000];
const SEEDS = [1, 2];
const EXACT_UP_TO = 60;

let highs: Promise<Highs> | undefined;

/** The exact optimum of `input` by an integer program over explicit nodes, or a bound on it. */
async function exactOptimum(input: PlacementInput, upper: Placement): Promise<{ value: number; proven: boolean }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  highs ??= (require("highs") as () => Promise<Highs>)();
  const solver = await highs;
  const milli = (x: number) => Math.round(x * 1000);
  const mib = (x: number) => Math.round(x * 1024);
  const shapes = new Map<string, { cpu: number; mem: number; gpus: number; gpuMem: number; count: number }>();
  for (const a of input.agents) {
    const key = `${milli(a.cpu)}/${mib(a.memoryGiB)}/${a.gpus}/${a.minGpuMemoryGiB}`;
    const s = shapes.get(key) ?? { cpu: milli(a.cpu), mem: mib(a.memoryGiB), gpus: a.gpus, gpuMem: a.minGpuMemoryGiB, count: 0 };
    s.count++;
    shapes.set(key, s);
  }
  const shapeList = [...shapes.values()];
  // A cheaper placement has at most cost/price nodes of an offer (and never more than one per agent).
  const nodes = input.offers.flatMap((o, j) =>
    Array.from({ length: Math.min(o.maxCount, input.agents.length, o.pricePerHour > 0 ? Math.floor(upper.costPerHour / o.pricePerHour + 1e-9) : 1) }, (_, k) => ({ o, j, k })),
  );
  const rows: string[] = [];
  const ints: string[] = [];
  const bins: string[] = [];
  shapeList.forEach((s, t) => {
    const terms = nodes.flatMap((n, i) => (s.cpu <= milli(n.o.vcpus - input.reservePerNode.cpu) && s.mem <= mib(n.o.memoryGiB - input.reservePerNode.memoryGiB) && s.gpus <= n.o.gpus && (s.gpus === 0 || n.o.gpuMemoryGiB >= s.gpuMem) ? [`z${t}_${i}`] : []));
    ints.push(...terms);
    rows.push(` d${t}: ${terms.join(" + ") || "0 y0"} = ${s.count}`);
  });
  nodes.forEach((n, i) => {
    bins.push(`y${i}`);
    const on = (f: (s: { cpu: number; mem: number; gpus: number }) => number, cap: number, label: string) => {
      const terms = shapeList.flatMap((s, t) => (ints.includes(`z${t}_${i}`) && f(s) > 0 ? [`${f(s)} z${t}_${i}`] : []));
      if (terms.length > 0) rows.push(` ${label}${i}: ${terms.join(" + ")} - ${cap} y${i} <= 0`);
    };
    on((s) => s.cpu, milli(n.o.vcpus - input.reservePerNode.cpu), "c");
    on((s) => s.mem, mib(n.o.memoryGiB - input.reservePerNode.memoryGiB), "m");
    on((s) => s.gpus, n.o.gpus, "g");
    // Nodes of one offer are used in order: no two solutions that only swap nodes.
    if (n.k > 0) rows.push(` s${i}: y${i} - y${i - 1} <= 0`);
  });
  const lp = ["Minimize", ` obj: ${nodes.map((n, i) => `${n.o.pricePerHour} y${i}`).join(" + ")}`, "Subject To", ...rows, "Bounds", ...ints.map((z) => ` 0 <= ${z}`), "General", ` ${ints.join(" ")}`, "Binary", ` ${bins.join(" ")}`, "End"].join("\n");
  const result = solver.solve(lp, { output_flag: false, threads: 1, random_seed: 0, time_limit: 20, mip_rel_gap: 0 });
  if (result.Status === "Optimal") return { value: result.ObjectiveValue, proven: true };
  return { value: upper.lowerBoundPerHour, proven: false };
}

async function main(): Promise<void> {
  await placeAgents(hardPlacementInput("ffd-worst-case", 10, 1)); // load the solver once, outside the timings
  const worst = { ratio: 0, where: "" };
  const slowest = new Map<number, number>();
  console.log("family                 agents  seed  nodes    $/hour    against   ratio  optimal  solve ms");
  for (const family of PLACEMENT_FAMILIES) {
    for (const size of SIZES) {
      for (const seed of SEEDS) {
        const input = hardPlacementInput(family, size, seed);
        const start = performance.now();
        const placement = await placeAgents(input);
        const ms = performance.now() - start;
        const exact = input.agents.length <= EXACT_UP_TO ? await exactOptimum(input, placement) : undefined;
        const against = exact ? exact.value : placement.lowerBoundPerHour;
        const label = exact ? (exact.proven ? "exact" : "ip-bound") : placement.lowerBoundFrom === "configuration LP" ? "lp" : "aggregate";
        const ratio = against > 0 ? placement.costPerHour / against : 1;
        if (ratio > worst.ratio) Object.assign(worst, { ratio, where: `${family} ${input.agents.length} agents seed ${seed}` });
        slowest.set(size, Math.max(slowest.get(size) ?? 0, ms));
        console.log(
          `${family.padEnd(22)} ${String(input.agents.length).padStart(6)}  ${String(seed).padStart(4)}  ${String(placement.nodes.length).padStart(5)}  ${placement.costPerHour.toFixed(2).padStart(8)}  ${`${against.toFixed(2)} ${label}`.padStart(17)}  ${ratio.toFixed(4)}  ${placement.optimal ? "proven " : "       "}  ${ms.toFixed(0).padStart(7)}`,
        );
      }
    }
  }
  console.log(`\nworst ratio: ${worst.ratio.toFixed(4)} (${worst.where}; target ≤ 1.01); slowest at 10,000 agents: ${slowest.get(10_000)!.toFixed(0)} ms (target < 500); at 50,000: ${slowest.get(50_000)!.toFixed(0)} ms (target < 2000)`);
  console.log(`placement: worst-ratio=${worst.ratio.toFixed(4)} t10000-ms=${slowest.get(10_000)!.toFixed(0)} t50000-ms=${slowest.get(50_000)!.toFixed(0)}`);
}

main().catch((error: Error) => {
  console.error(error.stack ?? String(error));
  process.exit(1);
});
