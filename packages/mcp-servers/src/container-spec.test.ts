// Values the docker provider reads back differently from how they were written make every `up`
// replace the container; these helpers write them the way the provider reads them.
import { cpuLimit, memoryLimit } from "./container-spec";

test("CPU limits are written as the docker provider reads them back: whole numbers with .0", () => {
  expect([1, 2, 0.5, 1.5, 2.25, 0.01].map(cpuLimit)).toEqual(["1.0", "2.0", "0.5", "1.5", "2.25", "0.01"]);
  expect(() => cpuLimit(0)).toThrow("cpuLimit: expected a positive number of CPUs; got 0");
});

test("a memory cap comes with swap set to the same value (Docker would store twice the memory)", () => {
  expect(memoryLimit(256)).toEqual({ memory: 256, memorySwap: 256 });
});
