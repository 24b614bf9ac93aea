// Where a node may launch: placement picked an instance type; capacity at Lambda comes and goes, so
// the node also accepts any configured type at least as large in every dimension, in any configured
// region. Order: the chosen type first (region order from config), then the larger ones by price.
// Never another CPU architecture: the node's images are built for the chosen type's.
import type { LaunchCandidate } from "./launch";

export interface CandidateType {
  readonly name: string;
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly gpus: number;
  readonly gpuMemoryGiB: number;
  readonly pricePerHour: number;
  readonly architecture: string;
}

export function launchCandidates(chosen: CandidateType, configured: readonly CandidateType[], regions: readonly string[]): LaunchCandidate[] {
  const fits = (t: CandidateType) =>
    t.name !== chosen.name && t.architecture === chosen.architecture && t.vcpus >= chosen.vcpus && t.memoryGiB >= chosen.memoryGiB && t.gpus >= chosen.gpus && t.gpuMemoryGiB >= chosen.gpuMemoryGiB;
  const larger = configured.filter(fits).sort((a, b) => a.pricePerHour - b.pricePerHour || a.name.localeCompare(b.name));
  return [chosen, ...larger].flatMap((t) => regions.map((region) => ({ region, instanceType: t.name })));
}
