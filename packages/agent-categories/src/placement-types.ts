// The types of placement's input and output, on their own so that placement, the exact program and
// the invariant check share them without importing each other.

export type GpuPolicy = "fail" | "cpu-fallback";

/** A kind of node the environment may run: a Lambda instance type, or the local machine. */
export interface NodeOffer {
  readonly name: string;
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly gpus: number;
  readonly gpuMemoryGiB: number;
  readonly pricePerHour: number;
  /** How many nodes of this offer the environment may run. */
  readonly maxCount: number;
}

/** What one agent needs from the node it lands on. */
export interface AgentDemand {
  readonly name: string;
  readonly category: string;
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly gpus: number;
  readonly minGpuMemoryGiB: number;
}

export interface PlacementInput {
  readonly agents: readonly AgentDemand[];
  readonly offers: readonly NodeOffer[];
  /** Held back on every node for the OS, Docker, the ingress and the MCP servers. */
  readonly reservePerNode: { readonly cpu: number; readonly memoryGiB: number };
  /** What to do with GPU agents when no offer has a GPU (the local environment). */
  readonly gpuPolicy: GpuPolicy;
}

export interface Capacity {
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly gpus: number;
}

export interface PlacedNode {
  readonly id: string;
  readonly offer: string;
  readonly pricePerHour: number;
  readonly gpuMemoryGiB: number;
  /** Capacity left for agents, after the per-node reserve. */
  readonly capacity: Capacity;
  readonly used: Capacity;
}

export interface RuntimePool {
  /** `<node id>-<category>-gpu` holds a category's GPU agents on a node, `…-cpu` its others. */
  readonly id: string;
  readonly node: string;
  readonly gpu: boolean;
  readonly agents: readonly string[];
  readonly needs: Capacity;
  /** The node's price shared between its pools by their largest share of the node. */
  readonly costPerHour: number;
}

export interface Placement {
  readonly nodes: readonly PlacedNode[];
  readonly pools: readonly RuntimePool[];
  /** agent name → pool id */
  readonly assignments: Readonly<Record<string, string>>;
  readonly costPerHour: number;
  /** No placement can cost less: the configuration LP's value (or, where higher, the aggregate
   * program's optimum), rounded down to $0.0001. */
  readonly lowerBoundPerHour: number;
  /** Which model gave the bound: the configuration LP (node patterns, where agents come in few
   * shapes), or the aggregate program (whole nodes covering the fleet's totals). */
  readonly lowerBoundFrom: "configuration LP" | "aggregate program";
  /** The cost is proven to be the optimum (it is the first whole-cent amount at or above the bound). */
  readonly optimal: boolean;
  readonly warnings: readonly string[];
}

/** Why an agent fits nowhere, so the caller can name the setting to change. */
export type PlacementFailure = "listed-twice" | "no-gpu" | "too-big" | "pool-full";
