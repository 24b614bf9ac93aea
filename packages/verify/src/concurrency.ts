// Work on many items, a few at a time (checks that wait mostly on containers or child processes).

/** `run` over every item, at most `concurrency` at a time, each next item started as one ends; the
 * results in the items' order. */
export async function mapConcurrently<T, R>(items: readonly T[], concurrency: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}
