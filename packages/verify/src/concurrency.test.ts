import { slowFirst } from "./checklist";
import { mapConcurrently } from "./concurrency";

test("at most `concurrency` at once, the next started as one ends, results in the items' order", async () => {
  let running = 0;
  let most = 0;
  const started: number[] = [];
  // Items finish in the reverse of their order: the later ones are quicker.
  const results = await mapConcurrently([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    started.push(n);
    most = Math.max(most, ++running);
    await new Promise((resolve) => setTimeout(resolve, (8 - n) * 5));
    running--;
    return n * 10;
  });
  expect(results).toEqual([10, 20, 30, 40, 50, 60, 70]);
  expect(most).toBe(3);
  expect(started.slice(0, 3)).toEqual([1, 2, 3]);
  expect(started.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  // One at a time, in order, and nothing for nothing.
  const order: number[] = [];
  await mapConcurrently([1, 2, 3], 1, async (n) => order.push(n));
  expect(order).toEqual([1, 2, 3]);
  expect(await mapConcurrently([], 4, async () => 1)).toEqual([]);
});

test("the checklist starts its slow checks first, each group in its written order", () => {
  type Check = { readonly name: string; readonly slow?: true };
  const checks: Check[] = [{ name: "a" }, { name: "drift", slow: true }, { name: "b" }, { name: "preview", slow: true }, { name: "c" }];
  expect(slowFirst(checks).map((c) => c.name)).toEqual(["drift", "preview", "a", "b", "c"]);
  expect(slowFirst<Check>([{ name: "a" }]).map((c) => c.name)).toEqual(["a"]);
});
