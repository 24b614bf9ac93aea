// "Did you mean …?": the known name closest to a mistyped one, when it is close enough to be meant.

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[t.length]!;
}

/** The candidate nearest to `name` (ties: the first), if at most a third of its letters differ. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** "did you mean X?", and for a secret, its own command: a secret is never a plain mapping in the file. */
export function didYouMean(guess: string, secretCommand?: string): string {
  return `did you mean ${guess}?${secretCommand ? ` It is a secret: remove this key and set it with ${secretCommand}` : ""}`;
}
