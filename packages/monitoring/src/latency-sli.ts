// The latency SLI computed outside Prometheus exactly as Prometheus computes it, so a benchmark prints
// the figures the dashboard shows: the SLO's share of operations within the threshold (the latency
// SLO's error ratio, ./slo.ts) and the p99 panel's histogram_quantile, from the same histogram
// (the servers' mcp_server_operation_duration_seconds) read at two moments.

/** One cumulative bucket: operations that took at most `le` seconds (Infinity for +Inf). */
export interface HistogramBucket {
  readonly le: number;
  readonly count: number;
}

/** PromQL's histogram_quantile(q, …) over cumulative buckets: linear interpolation inside the bucket
 * the rank falls in, the lowest bucket starting at 0, and a rank in +Inf answered with the highest
 * finite bound. NaN when there are no operations. */
export function histogramQuantile(q: number, buckets: readonly HistogramBucket[]): number {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total === 0 || sorted.at(-1)!.le !== Infinity) return NaN;
  const rank = q * total;
  const index = sorted.findIndex((b) => b.count >= rank);
  const bucket = sorted[index]!;
  if (bucket.le === Infinity) return sorted[index - 1]?.le ?? NaN;
  const lower = index === 0 ? 0 : sorted[index - 1]!.le;
  const below = index === 0 ? 0 : sorted[index - 1]!.count;
  return bucket.count === below ? bucket.le : lower + (bucket.le - lower) * ((rank - below) / (bucket.count - below));
}

/** The latency SLO's good share: operations within `thresholdSeconds` (a bucket bound) of all of
 * them, as `sum(rate(…_bucket{le="0.1"})) / sum(rate(…_count))`. NaN when there are none. */
export function shareWithin(thresholdSeconds: number, buckets: readonly HistogramBucket[]): number {
  const total = buckets.find((b) => b.le === Infinity)?.count ?? 0;
  const within = buckets.find((b) => b.le === thresholdSeconds);
  if (!within) throw new Error(`shareWithin: no bucket at le=${thresholdSeconds}; the SLO's threshold must be a bucket bound`);
  return total === 0 ? NaN : within.count / total;
}

/** The buckets of one histogram in Prometheus's text exposition, summed over every series whose
 * labels include `match` (e.g. server and method, over all outcomes). */
export function bucketsFromExposition(text: string, metric: string, match: Readonly<Record<string, string>>): HistogramBucket[] {
  const sums = new Map<number, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${metric}_bucket{`)) continue;
    const close = line.lastIndexOf("}");
    const labels = Object.fromEntries([...line.slice(metric.length + 8, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (Object.entries(match).some(([k, v]) => labels[k] !== v)) continue;
    const le = labels.le === "+Inf" ? Infinity : Number(labels.le);
    sums.set(le, (sums.get(le) ?? 0) + Number(line.slice(close + 1).trim()));
  }
  return [...sums].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** What happened between two readings of the same histogram. */
export function bucketsBetween(before: readonly HistogramBucket[], after: readonly HistogramBucket[]): HistogramBucket[] {
  return after.map((b) => ({ le: b.le, count: b.count - (before.find((x) => x.le === b.le)?.count ?? 0) }));
}
