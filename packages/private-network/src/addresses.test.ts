import fc from "fast-check";
import { LAMBDA_INSTANCE_TYPE_NAMES, propertyRuns } from "@sophia/agent-categories";
import { ADDRESS_SLOTS, nodesPerType, overlaps, parseNodeId, privateAddress, privateRangeProblem, SLOT_COUNT } from "./addresses";

describe("private addresses", () => {
  it("gives every instance type its own slot, below the slot count", () => {
    const slots = LAMBDA_INSTANCE_TYPE_NAMES.map((t) => ADDRESS_SLOTS[t]);
    expect(new Set(slots).size).toBe(slots.length);
    expect(Math.max(...slots)).toBeLessThan(SLOT_COUNT);
  });

  it("derives a node's address from its id alone: type block + 1 + index", () => {
    expect(privateAddress("10.210.0.0/16", "gpu-1x-rtx6000-0")).toBe("10.210.0.1");
    expect(privateAddress("10.210.0.0/16", "gpu-1x-a10-0")).toBe("10.210.8.1");
    expect(privateAddress("10.210.0.0/16", "gpu-1x-a10-5")).toBe("10.210.8.6");
    expect(privateAddress("10.210.0.0/16", "gpu-8x-a100-80gb-sxm4-2")).toBe("10.210.104.3");
  });

  it("gives distinct nodes distinct addresses inside the range, never its first or last (property)", () => {
    const ids = fc.tuple(fc.constantFrom(...LAMBDA_INSTANCE_TYPE_NAMES), fc.nat({ max: nodesPerType("10.210.0.0/16") - 1 })).map(([t, i]) => `${t.replace(/_/g, "-")}-${i}`);
    fc.assert(
      fc.property(fc.uniqueArray(ids, { minLength: 2, maxLength: 200 }), (nodes) => {
        const addresses = nodes.map((id) => privateAddress("10.210.0.0/16", id));
        expect(new Set(addresses).size).toBe(nodes.length);
        for (const a of addresses) {
          expect(a.startsWith("10.210.")).toBe(true);
          expect(["10.210.0.0", "10.210.255.255"]).not.toContain(a);
        }
      }),
      propertyRuns(100),
    );
  });

  it("refuses an index its type's block cannot hold, and an id placement would not make", () => {
    expect(() => privateAddress("10.210.0.0/21", "gpu-1x-a10-62")).toThrow("node gpu-1x-a10-62: index 62 does not fit a block of 64 addresses of 10.210.0.0/21 (at most 61); use a larger range");
    expect(() => parseNodeId("gpu-9x-z1-0")).toThrow('node id "gpu-9x-z1-0": expected <instance type>-<index>');
  });
});

describe("privateRangeProblem", () => {
  it("accepts a private range apart from Docker's pools with room for every type's nodes", () => {
    expect(privateRangeProblem("10.210.0.0/16", 100)).toBeUndefined();
  });

  it.each([
    ["10.210.0.5/16", 1, "expected the range's first address (10.210.0.0/16); got 10.210.0.5/16"],
    ["8.8.0.0/16", 1, "expected a private range inside one of 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10; got 8.8.0.0/16"],
    ["172.18.0.0/16", 1, "got 172.18.0.0/16, which overlaps 172.18.0.0/15"],
    ["192.168.64.0/18", 1, "which overlaps 192.168.0.0/16"],
    ["10.210.0.0/24", 1, "expected a /21 or larger"],
    ["10.210.0.0/21", 100, "expected room for sophia:nodePool.maxNodesPerType (100) nodes of each type; a /21 holds 62"],
  ])("refuses %s (maxNodesPerType %d)", (cidr, max, message) => {
    expect(privateRangeProblem(cidr, max)).toContain(message);
  });

  it("knows overlap both ways", () => {
    expect(overlaps("10.0.0.0/8", "10.210.0.0/16")).toBe(true);
    expect(overlaps("10.210.0.0/16", "10.211.0.0/16")).toBe(false);
  });
});
