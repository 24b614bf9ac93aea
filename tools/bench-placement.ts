// npm run bench:placement — placement quality and speed on seeded random fleets.
// For each instance: solve time, $/hour, the lower bound (optimum of the aggregate integer program:
// fleet-wide CPU, memory and per-GPU-class totals, which every real placement satisfies, so no
// placement can cost less) and cost / bound. Several seeds per size; all measured in this one run.
import { placeAgents, randomPlacementInput } from "@sophia/agent-categories";

const SIZES = [10, 100, 1000, 10000];
const SEEDS = [1, 2, 3, 4, 5];

async function main(): Promise<void> {
  await placeAgents(randomPlacementInput(10, 0)); // load the solver once, outside the timings
  const rows: string[] = [];
  let worstRatioUpTo1000 = 0;
  const times10k: number[] = [];
  console.log("agents  seed  nodes   $/hour   bound $/h  ratio   solve ms");
  for (const n of SIZES) {
    for (const seed of SEEDS) {
      const input = randomPlacementInput(n, seed);
      const start = performance.now();
      const placement = await placeAgents(input);
      const ms = performance.now() - start;
      const ratio = placement.costPerHour / placement.lowerBoundPerHour;
      if (n <= 1000) worstRatioUpTo1000 = Math.max(worstRatioUpTo1000, ratio);
      if (n === 10000) times10k.push(ms);
      const row = `${String(n).padStart(6)}  ${String(seed).padStart(4)}  ${String(placement.nodes.length).padStart(5)}  ${placement.costPerHour.toFixed(2).padStart(8)}  ${placement.lowerBoundPerHour.toFixed(2).padStart(9)}  ${ratio.toFixed(4)}  ${ms.toFixed(0).padStart(8)}`;
      rows.push(row);
      console.log(row);
    }
  }
  const worst10k = Math.max(...times10k);
  console.log(`\nworst ratio up to 1,000 agents: ${worstRatioUpTo1000.toFixed(4)} (target ≤ 1.03); slowest 10,000-agent solve: ${worst10k.toFixed(0)} ms (target < 1000 ms)`);
  console.log(`placement: worst-ratio=${worstRatioUpTo1000.toFixed(4)} t10000-ms=${worst10k.toFixed(0)}`);
}

main().catch((error: Error) => {
  console.error(error.stack ?? String(error));
  process.exit(1);
});
