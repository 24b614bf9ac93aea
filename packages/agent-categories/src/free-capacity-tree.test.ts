// The tree's first fit is the linear scan's first fit, under any sequence of needs and updates.
import fc from "fast-check";
import { FreeCapacityTree, type Need } from "./free-capacity-tree";
import { propertyRuns } from "./property-runs";

const need = fc.record({ cpu: fc.integer({ min: 0, max: 40 }), mem: fc.integer({ min: 0, max: 40 }), gpus: fc.integer({ min: 0, max: 2 }), gpuMem: fc.constantFrom(0, 16, 24, 80) });

it("finds the same node as a scan from the first, and no node where none fits, as nodes fill", () => {
  fc.assert(
    fc.property(fc.array(need, { minLength: 1, maxLength: 40 }), fc.array(need, { maxLength: 120 }), (nodes, needs) => {
      const free = nodes.map((n) => ({ ...n }));
      const tree = new FreeCapacityTree(nodes);
      for (const n of needs) {
        const scan = free.findIndex((f) => f.cpu >= n.cpu && f.mem >= n.mem && f.gpus >= n.gpus && (n.gpus === 0 || f.gpuMem >= n.gpuMem));
        expect(tree.firstFit(n)).toBe(scan);
        if (scan < 0) continue;
        const f = free[scan]! as { -readonly [K in keyof Need]: number };
        [f.cpu, f.mem, f.gpus] = [f.cpu - n.cpu, f.mem - n.mem, f.gpus - n.gpus];
        tree.update(scan, f);
      }
    }),
    propertyRuns(200),
  );
});
