// How many runs, and from which seed, a property test makes. `npm test` (and so CI) runs a fixed seed,
// so a red run is the code's doing and replays exactly; `npm run test:explore` sets FC_EXPLORE=1 for
// fresh seeds and ten times the runs. fast-check prints the seed and path of any failure; replay one
// with FC_SEED=<seed> (and FC_EXPLORE=1 for the explore run's counts).
const explore = process.env.FC_EXPLORE === "1";
const FIXED_SEED = 20_261_205;

const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : explore ? Date.now() % 2_147_483_647 : FIXED_SEED;
if (explore) console.log(`fast-check seed ${seed} (replay: FC_SEED=${seed} FC_EXPLORE=1)`);

/** fast-check's parameters for a property run `runs` times in `npm test`. */
export function propertyRuns(runs: number): { numRuns: number; seed: number } {
  return { numRuns: explore ? runs * 10 : runs, seed };
}
