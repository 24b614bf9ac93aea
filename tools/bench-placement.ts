// npm run bench:placement — placement's cost against the optimum, and its speed, on fleets built to
// be hard (packages/agent-categories/src/hard-instances.ts) beside today's random ones, from 10 to
// 50,000 agents, all measured in this one run.
//
// Against what: up to 60 agents, the exact optimum of the node-by-node integer program
// (packages/agent-categories/src/exact.ts) run without placement's node limit, for up to 20 s:
// proven optimal, or else the placement's bound, which only makes the ratio look worse. Above 60, the
// lower bound placement prints: the configuration LP's value ("lp") where agents come in few shapes,
// or the aggregate program's ("aggregate").
import { exactIntegerProgramOf, hardPlacementInput, PLACEMENT_FAMILIES, placeAgents, type Placement, type PlacementInput } from "@sophia/agent-categories";

// `--family <name>` and `--size <n>` (each repeatable) run a part of the table.
const picked = (flag: string) => process.argv.flatMap((a, k) => (process.argv[k - 1] === flag ? [a] : []));
const SIZES = picked("--size").length > 0 ? picked("--size").map(Number) : [10, 30, 60, 1000, 10_000, 50_000];
const FAMILIES = picked("--family").length > 0 ? PLACEMENT_FAMILIES.filter((f) => picked("--family").includes(f)) : PLACEMENT_FAMILIES;
const SEEDS = [1, 2];
const EXACT_UP_TO = 60;

/** The exact optimum of `input`, or the placement's bound where the program's time limit ends first. */
async function exactOptimum(input: PlacementInput, upper: Placement): Promise<{ value: number; proven: boolean }> {
  const exact = await exactIntegerProgramOf(input, upper.costPerHour, { timeLimitSeconds: 20 });
  return exact?.proven ? { value: exact.cost, proven: true } : { value: upper.lowerBoundPerHour, proven: false };
}

async function main(): Promise<void> {
  await placeAgents(hardPlacementInput("ffd-worst-case", 10, 1)); // load the solver once, outside the timings
  const worst = { ratio: 0, where: "" };
  const slowest = new Map<number, number>();
  console.log("family                 agents  seed  nodes    $/hour    against   ratio  optimal  solve ms");
  for (const family of FAMILIES) {
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
  const ms = (size: number) => slowest.get(size)?.toFixed(0) ?? "-";
  console.log(`\nworst ratio: ${worst.ratio.toFixed(4)} (${worst.where}; target ≤ 1.01); slowest at 10,000 agents: ${ms(10_000)} ms (target < 500); at 50,000: ${ms(50_000)} ms (target < 2000)`);
  console.log(`placement: worst-ratio=${worst.ratio.toFixed(4)} t10000-ms=${ms(10_000)} t50000-ms=${ms(50_000)}`);
}

main().catch((error: Error) => {
  console.error(error.stack ?? String(error));
  process.exit(1);
});
