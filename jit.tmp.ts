import { exactIntegerProgramOf, hardPlacementInput, placeAgents } from "./packages/agent-categories/src";
(async () => {
  for (const [family, seed] of [["jittered-fractions", 1], ["jittered-fractions", 2]] as const) {
    const input = hardPlacementInput(family, 60, seed);
    const p = await placeAgents(input);
    const t = Date.now();
    const exact = await exactIntegerProgramOf(input, p.costPerHour, { timeLimitSeconds: 400 });
    console.log(`${family} 60 seed ${seed}: placement $${p.costPerHour} (${p.nodes.length} nodes), bound $${p.lowerBoundPerHour} (${p.lowerBoundFrom}); exact ${exact ? `$${exact.cost.toFixed(2)} (${exact.nodes.length} nodes) ${exact.proven ? "proven" : "not proven"}` : "none better"} in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  }
})();
