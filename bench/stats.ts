// Summary statistics of individually timed calls (median is the primary figure of bench-workloads.md §2).

export interface Summary {
  median: number;
  min: number;
  max: number;
  mean: number;
  count: number;
}

/** Median (mean of the middle two for an even count), min, max, mean of a non-empty sample. */
export function summarize(times: readonly number[]): Summary {
  if (times.length === 0) throw new Error('summarize: empty sample');
  const s = [...times].sort((a, b) => a - b);
  const h = s.length >> 1;
  const median = s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { median, min: s[0]!, max: s[s.length - 1]!, mean, count: s.length };
}
