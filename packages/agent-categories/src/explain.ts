// A placement, told the way a reviewer reads it: what runs where, why there, and what it costs.
import type { Placement } from "./placement-types";

const HOURS_PER_MONTH = 730;

const usd = (x: number) => `$${x.toFixed(2)}`;
const amount = (x: number) => String(Number(x.toFixed(3)));

export function explainPlacement(placement: Placement, agentCategories: Readonly<Record<string, string>>): string[] {
  const lines: string[] = [];
  const ratio = placement.lowerBoundPerHour > 0 ? placement.costPerHour / placement.lowerBoundPerHour : 1;
  // The bound rounded down, so that the printed figure is a bound too.
  const bound = `$${(Math.floor(placement.lowerBoundPerHour * 100 + 1e-6) / 100).toFixed(2)}`;
  lines.push(
    `${placement.nodes.length} node(s), ${usd(placement.costPerHour)}/hour (${usd(placement.costPerHour * HOURS_PER_MONTH)}/month at ${HOURS_PER_MONTH} h); ` +
      `no placement costs less than ${bound}/hour (bound from the ${placement.lowerBoundFrom}), ratio ${ratio.toFixed(3)}${placement.optimal ? ", proven optimal" : ""}`,
  );
  for (const node of placement.nodes) {
    const gpu = node.capacity.gpus > 0 ? `, ${node.used.gpus}/${node.capacity.gpus} GPU (${node.gpuMemoryGiB} GiB each)` : "";
    lines.push(
      `node ${node.id}: ${node.offer} at ${usd(node.pricePerHour)}/hour — uses ${amount(node.used.cpu)}/${amount(node.capacity.cpu)} vCPU, ` +
        `${amount(node.used.memoryGiB)}/${amount(node.capacity.memoryGiB)} GiB${gpu}`,
    );
    for (const pool of placement.pools.filter((p) => p.node === node.id)) {
      const who = pool.agents.map((a) => `${a} (${agentCategories[a] ?? "?"})`).join(", ");
      const why = pool.gpu
        ? `needs ${pool.needs.gpus} GPU; ${node.offer}'s GPUs are big enough, in the cheapest placement found`
        : `CPU-only agents packed into this node's free vCPU and memory`;
      lines.push(`  pool ${pool.id}: ${usd(pool.costPerHour)}/hour — ${why}; ${pool.agents.length} agent(s): ${who}`);
    }
  }
  for (const warning of placement.warnings) lines.push(`warning: ${warning}`);
  return lines;
}
