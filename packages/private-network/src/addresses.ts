// Private addresses, stable per node id. A node's id is placement's `<instance type>-<index>`
// (gpu-1x-a10-0); its address is a pure function of that id and the stack's range, so no state, no
// allocator and no order of creation decides it. The range is cut into 32 equal blocks, one per
// instance type (a slot pinned below); a node's address is its type's block + 1 + its index.
import { LAMBDA_INSTANCE_TYPES, type LambdaInstanceType } from "@sophia/agent-categories";

/** Each type's block in the range. Pinned, never derived from the catalog's order: a type added to
 * the catalog fails to compile until it has a slot here, and no existing node's address moves. */
export const ADDRESS_SLOTS = {
  gpu_1x_rtx6000: 0,
  gpu_1x_a10: 1,
  gpu_1x_gh200: 2,
  gpu_1x_h100_pcie: 3,
  gpu_1x_h100_sxm5: 4,
  gpu_1x_b200_sxm6: 5,
  gpu_2x_h100_sxm5: 6,
  gpu_2x_b200_sxm6: 7,
  gpu_4x_a6000: 8,
  gpu_4x_h100_sxm5: 9,
  gpu_4x_b200_sxm6: 10,
  gpu_8x_v100: 11,
  gpu_8x_a100: 12,
  gpu_8x_a100_80gb_sxm4: 13,
  gpu_8x_h100_sxm5: 14,
  gpu_8x_b200_sxm6: 15,
} as const satisfies Record<LambdaInstanceType, number>;

export const SLOT_COUNT = 32;

/** Docker's default address pools (bridge 172.17.0.0/16, then 172.18–172.31 as /16s and
 * 192.168.0.0/16 as /20s): every network Docker makes on a node comes from these. */
export const DOCKER_ADDRESS_POOLS: readonly string[] = ["172.17.0.0/16", "172.18.0.0/15", "172.20.0.0/14", "172.24.0.0/13", "192.168.0.0/16"];

/** The private ranges a stack's network may use (RFC 1918 and the shared address space of RFC 6598). */
export const PRIVATE_RANGES: readonly string[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];

export interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

export function parseCidr(cidr: string): Cidr {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = match ? match.slice(1, 5).map(Number) : [];
  const prefix = Number(match?.[5]);
  if (!match || octets.some((o) => o > 255) || prefix > 32) throw new Error(`expected an IPv4 CIDR such as 10.210.0.0/16; got ${JSON.stringify(cidr)}`);
  const address = octets.reduce((sum, o) => sum * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  return { base: address - (address % size), prefix };
}

export const sizeOf = (cidr: Cidr) => 2 ** (32 - cidr.prefix);
export const formatAddress = (value: number) => [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");

/** A single IPv4 address (dotted, no leading zeros) inside one of PRIVATE_RANGES: what a private
 * (WireGuard) address must be before anything is published on it. */
export function isPrivateAddress(address: string): boolean {
  const octets = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address)?.slice(1);
  if (!octets || octets.some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith("0")))) return false;
  return PRIVATE_RANGES.some((range) => contains(range, `${address}/32`));
}

export function overlaps(a: string, b: string): boolean {
  const [x, y] = [parseCidr(a), parseCidr(b)];
  return x.base < y.base + sizeOf(y) && y.base < x.base + sizeOf(x);
}

export function contains(outer: string, inner: string): boolean {
  const [x, y] = [parseCidr(outer), parseCidr(inner)];
  return y.base >= x.base && y.base + sizeOf(y) <= x.base + sizeOf(x);
}

/** How many nodes of one type the range holds: a block, less its first address and the range's last. */
export function nodesPerType(cidr: string): number {
  return sizeOf(parseCidr(cidr)) / SLOT_COUNT - 2;
}

/** What is wrong with `cidr` as a stack's private range, or undefined. `maxNodesPerType` is the
 * node pool's limit, which every type's block must hold. */
export function privateRangeProblem(cidr: string, maxNodesPerType: number): string | undefined {
  const range = parseCidr(cidr);
  if (formatAddress(range.base) !== cidr.split("/")[0]) return `expected the range's first address (${formatAddress(range.base)}/${range.prefix}); got ${cidr}`;
  if (!PRIVATE_RANGES.some((p) => contains(p, cidr))) return `expected a private range inside one of ${PRIVATE_RANGES.join(", ")}; got ${cidr}`;
  const docker = DOCKER_ADDRESS_POOLS.find((pool) => overlaps(pool, cidr));
  if (docker) return `expected a range apart from Docker's address pools (${DOCKER_ADDRESS_POOLS.join(", ")}), where the nodes' container networks live; got ${cidr}, which overlaps ${docker}`;
  if (range.prefix > 21) return `expected a /21 or larger (32 blocks of at least 64 addresses, one per instance type); got /${range.prefix}`;
  const room = nodesPerType(cidr);
  if (room < maxNodesPerType) return `expected room for sophia:nodePool.maxNodesPerType (${maxNodesPerType}) nodes of each type; a /${range.prefix} holds ${room} (one block of ${room + 2} per type): use a larger range`;
  return undefined;
}

/** The instance type and index a placement node id names. */
export function parseNodeId(id: string): { type: LambdaInstanceType; index: number } {
  const match = /^(.+)-(\d+)$/.exec(id);
  const type = match && (Object.keys(LAMBDA_INSTANCE_TYPES) as LambdaInstanceType[]).find((t) => t.replace(/_/g, "-") === match[1]);
  if (!match || !type) throw new Error(`node id ${JSON.stringify(id)}: expected <instance type>-<index> as placement names nodes (e.g. gpu-1x-a10-0)`);
  return { type, index: Number(match[2]) };
}

/** The node's private address in `cidr`: its type's block, plus 1, plus its index. */
export function privateAddress(cidr: string, nodeId: string): string {
  const range = parseCidr(cidr);
  const { type, index } = parseNodeId(nodeId);
  const block = sizeOf(range) / SLOT_COUNT;
  if (index > block - 3) throw new Error(`node ${nodeId}: index ${index} does not fit a block of ${block} addresses of ${cidr} (at most ${block - 3}); use a larger range`);
  return formatAddress(range.base + ADDRESS_SLOTS[type] * block + 1 + index);
}
