// The first node that still holds a need, in logarithmic time instead of a scan: a segment tree over
// the nodes in their order, each subtree keeping the most free CPU, memory and GPUs (and the largest
// GPU memory) of any one node in it. A subtree whose maxima fall short of the need holds no node that
// fits, so the search skips it whole. Fleets of thousands of nodes pack in O(n log nodes), where best
// fit's scan of every node for every agent was O(n · nodes) (issue 25: 87 % of 45 s at 50,000 agents).

export interface Need {
  readonly cpu: number;
  readonly mem: number;
  readonly gpus: number;
  /** GPU memory each GPU must have; 0 without GPUs. */
  readonly gpuMem: number;
}

export class FreeCapacityTree {
  private readonly size: number;
  private readonly cpu: Float64Array;
  private readonly mem: Float64Array;
  private readonly gpus: Float64Array;
  private readonly gpuMem: Float64Array;
  private readonly nodeGpuMem: Float64Array;

  /** `nodes[k]` is node k's free capacity and GPU memory. */
  constructor(nodes: readonly Need[]) {
    let size = 1;
    while (size < Math.max(1, nodes.length)) size *= 2;
    this.size = size;
    const empty = () => new Float64Array(2 * size).fill(-1);
    [this.cpu, this.mem, this.gpus, this.gpuMem] = [empty(), empty(), empty(), empty()];
    this.nodeGpuMem = Float64Array.from(nodes, (n) => n.gpuMem);
    nodes.forEach((n, k) => this.write(size + k, n));
    for (let i = size - 1; i >= 1; i--) this.pull(i);
  }

  /** The lowest node index whose free capacity holds `need`, or -1. */
  firstFit(need: Need): number {
    const fits = (i: number) => this.cpu[i]! >= need.cpu && this.mem[i]! >= need.mem && this.gpus[i]! >= need.gpus && (need.gpus === 0 || this.gpuMem[i]! >= need.gpuMem);
    if (!fits(1)) return -1;
    // Depth first, left before right: the maxima of a subtree can all be met by different nodes, so
    // a subtree that passes may still hold none, and the search goes back up.
    const stack = [1];
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (!fits(i)) continue;
      if (i >= this.size) return i - this.size;
      stack.push(2 * i + 1, 2 * i);
    }
    return -1;
  }

  /** Node `k`'s free capacity is now `free` (its GPU memory stays). */
  update(k: number, free: Omit<Need, "gpuMem">): void {
    let i = this.size + k;
    this.write(i, { ...free, gpuMem: this.nodeGpuMem[k]! });
    for (i >>= 1; i >= 1; i >>= 1) this.pull(i);
  }

  private write(i: number, n: Need): void {
    this.cpu[i] = n.cpu;
    this.mem[i] = n.mem;
    this.gpus[i] = n.gpus;
    this.gpuMem[i] = n.gpus > 0 ? n.gpuMem : 0;
  }

  private pull(i: number): void {
    this.cpu[i] = Math.max(this.cpu[2 * i]!, this.cpu[2 * i + 1]!);
    this.mem[i] = Math.max(this.mem[2 * i]!, this.mem[2 * i + 1]!);
    this.gpus[i] = Math.max(this.gpus[2 * i]!, this.gpus[2 * i + 1]!);
    this.gpuMem[i] = Math.max(this.gpuMem[2 * i]!, this.gpuMem[2 * i + 1]!);
  }
}
