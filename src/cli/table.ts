// Plain-text result tables for the terminal (and the main job's summary), plus mean ± std helpers that the
// experiment commands share.

/** Cell contents: text, or a number formatted with `digits` decimals. */
export type Cell = string | number;

/**
 * Format rows as an aligned text table with a header rule: text left-aligned, numbers right-aligned.
 * Numbers use `digits` decimals (default 4); NaN prints as 'nan'.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[], opts: { digits?: number } = {}): string {
  const digits = opts.digits ?? 4;
  rows.forEach((r, i) => {
    if (r.length !== headers.length) throw new RangeError(`formatTable: row ${i} has ${r.length} cells, the header has ${headers.length}`);
  });
  const text = rows.map((r) => r.map((c) => (typeof c === 'number' ? (Number.isNaN(c) ? 'nan' : Number.isInteger(c) ? String(c) : c.toFixed(digits)) : c)));
  const numeric = headers.map((_, j) => rows.length > 0 && rows.every((r) => typeof r[j] === 'number'));
  const width = headers.map((h, j) => Math.max(h.length, ...text.map((r) => r[j]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, j) => (numeric[j] ? c.padStart(width[j]!) : c.padEnd(width[j]!))).join('  ').trimEnd();
  return [line(headers), width.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n');
}

/** Mean and sample standard deviation (n − 1; 0 for a single value). Empty input is an error. */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number; n: number } {
  const n = values.length;
  if (n === 0) throw new RangeError('meanStd: no values');
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i]!;
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i]! - mean) ** 2;
  return { mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n };
}

/** "0.8123 ± 0.0210" (mean ± sample std of `values`, `digits` decimals). */
export function fmtMeanStd(values: ArrayLike<number>, digits = 4): string {
  const { mean, std } = meanStd(values);
  return `${mean.toFixed(digits)} ± ${std.toFixed(digits)}`;
}
