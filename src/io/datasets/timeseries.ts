// Univariate time series from a CSV with a header and a date column (the ETT layout:
// `date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT`), and the forecasting plumbing around it: chronological split,
// standardization on the training part, sliding (input, horizon) windows. Browser-safe.
import { check } from '../../tensor/errors.js';
import { type SourceOptions, quoteSource } from './idx.js';
import { checkWidth, csvRows, numberCell } from './csv.js';

/** Options of `parseTimeSeriesCsv`. */
export interface TimeSeriesCsvOptions extends SourceOptions {
  /** The value column, by header name (default: the last column — ETT's target 'OT'). */
  column?: string;
  /** The date column (default 'date'); `null` when the file has none. Dates are kept as the cell strings. */
  dateColumn?: string | null;
}

/** A parsed series: one value (float64) and one date string per data row, in file order. */
export interface TimeSeries {
  dates: string[];
  values: Float64Array;
  /** The header's column names. */
  columns: string[];
  /** The column the values came from. */
  column: string;
}

/**
 * Parse a CSV with a header row into the series of one column chosen by name. Every row must have as many
 * cells as the header; the chosen column's cells must be finite numbers. A missing column is an error that
 * lists the available ones.
 */
export function parseTimeSeriesCsv(text: string, opts: TimeSeriesCsvOptions = {}): TimeSeries {
  const where = 'parseTimeSeriesCsv';
  const { source } = opts;
  const src = quoteSource(source);
  const rows = csvRows(text, where, source);
  check(rows.length > 0, where, () => `${src} is empty (expected a header row such as date,…,OT)`);
  const columns = rows[0]!.cells.map((c) => c.trim());
  const list = columns.map((c) => `'${c}'`).join(', ');
  const column = opts.column ?? columns[columns.length - 1]!;
  check(typeof column === 'string', where, () => `column must be a column name, got ${String(column)}`);
  const vi = columns.indexOf(column);
  check(vi >= 0, where, () => `${src} has no column '${column}'; its columns are ${list}`);
  const dateColumn = opts.dateColumn === undefined ? 'date' : opts.dateColumn;
  const di = dateColumn === null ? -1 : columns.indexOf(dateColumn);
  check(dateColumn === null || di >= 0, where, () =>
    `${src} has no date column '${dateColumn}'; its columns are ${list} (pass dateColumn: null if it has none)`);
  check(rows.length > 1, where, () => `${src} has a header but no data rows`);
  const values = new Float64Array(rows.length - 1);
  const dates: string[] = [];
  const label = `${vi + 1} ('${column}')`;
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    checkWidth(row, columns.length, where, source, `one per header column: ${list}`);
    values[r - 1] = numberCell(row.cells[vi]!, where, source, row.line, label);
    if (di >= 0) dates.push(row.cells[di]!.trim());
  }
  return { dates, values, columns, column };
}

/** A half-open index range [start, end). */
export interface Range {
  start: number;
  end: number;
}

/**
 * Split `n` time steps into consecutive parts with the given fractions (default train/val/test 0.7/0.1/0.2).
 * Every part but the second gets floor(n·f) steps and the second gets the rest — Informer's ETT rule (train
 * and test floored, validation takes the remainder). Fractions must be positive and sum to 1; no part may be
 * empty. Forecasting windows of a later part may look back into the previous one: take its inputs from
 * `values.subarray(range.start - inputLength, range.end)`.
 */
export function chronologicalSplit(n: number, fractions: readonly number[] = [0.7, 0.1, 0.2]): Range[] {
  const where = 'chronologicalSplit';
  check(Number.isSafeInteger(n) && n > 0, where, () => `n must be a positive integer, got ${n}`);
  check(Array.isArray(fractions) && fractions.length >= 2, where, () => `fractions must list at least 2 parts, got ${String(fractions)}`);
  fractions.forEach((f, i) => check(Number.isFinite(f) && f > 0, where, () => `fractions[${i}] must be positive, got ${f}`));
  const total = fractions.reduce((a, b) => a + b, 0);
  check(Math.abs(total - 1) < 1e-9, where, () => `fractions must sum to 1, got [${fractions.join(', ')}] (sum ${total})`);
  const sizes = fractions.map((f) => Math.floor(n * f + 1e-9));
  sizes[1] = n - sizes.reduce((a, b, i) => (i === 1 ? a : a + b), 0);
  sizes.forEach((s, i) => check(s > 0, where, () => `part ${i} (fraction ${fractions[i]}) of ${n} steps is empty`));
  const out: Range[] = [];
  let start = 0;
  for (const s of sizes) {
    out.push({ start, end: start + s });
    start += s;
  }
  return out;
}

/** A fitted standardization: z = (x − mean) / std. */
export interface Scaler {
  mean: number;
  std: number;
  /** (x − mean) / std, elementwise, into a fresh Float64Array. */
  apply(x: ArrayLike<number>): Float64Array;
  /** x · std + mean, elementwise (back to the original units), into a fresh Float64Array. */
  invert(z: ArrayLike<number>): Float64Array;
}

/**
 * Fit a standardization on `train` (mean and population std, as scikit-learn's StandardScaler). Fit it on the
 * training part only and apply it to every part. A constant or non-finite series is an error.
 */
export function standardize(train: ArrayLike<number>): Scaler {
  const where = 'standardize';
  check(train !== null && typeof train === 'object' && typeof train.length === 'number' && train.length > 0, where,
    () => `train must be a non-empty array of numbers, got ${String(train)}`);
  let sum = 0;
  for (let i = 0; i < train.length; i++) {
    const v = train[i]!;
    check(Number.isFinite(v), where, () => `train[${i}] is ${v}, not a finite number`);
    sum += v;
  }
  const mean = sum / train.length;
  let ss = 0;
  for (let i = 0; i < train.length; i++) ss += (train[i]! - mean) ** 2;
  const std = Math.sqrt(ss / train.length);
  check(std > 0, where, () => `the ${train.length} training values are constant (std 0): cannot standardize`);
  const map = (x: ArrayLike<number>, f: (v: number) => number): Float64Array => {
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
    return out;
  };
  return { mean, std, apply: (x) => map(x, (v) => (v - mean) / std), invert: (z) => map(z, (v) => v * std + mean) };
}

/** Forecasting windows over a series: window i has inputs [s, s+L) and targets [s+L, s+L+H), s = i·stride. */
export interface Windows {
  count: number;
  inputLength: number;
  horizon: number;
  stride: number;
  /** Window i's inputs (a view of the series, no copy). */
  input(i: number): Float64Array;
  /** Window i's targets (a view of the series, no copy). */
  target(i: number): Float64Array;
  /** Copies of the windows `indices` as row-major float32 [len, L] inputs and [len, H] targets. */
  batch(indices: ArrayLike<number>): { inputs: Float32Array; targets: Float32Array };
}

/**
 * The sliding (input, target) windows of `values`: inputs of `inputLength` steps followed by `horizon` target
 * steps, starting every `stride` steps (default 1). Windows are views until `batch` copies them (so a long
 * series with L = H = 720 costs no extra memory).
 */
export function slidingWindows(values: Float64Array, inputLength: number, horizon: number, opts: { stride?: number } = {}): Windows {
  const where = 'slidingWindows';
  check(values instanceof Float64Array, where, () => `values must be a Float64Array, got ${String(values)}`);
  check(Number.isSafeInteger(inputLength) && inputLength > 0, where, () => `inputLength must be a positive integer, got ${inputLength}`);
  check(Number.isSafeInteger(horizon) && horizon > 0, where, () => `horizon must be a positive integer, got ${horizon}`);
  const stride = opts.stride ?? 1;
  check(Number.isSafeInteger(stride) && stride > 0, where, () => `stride must be a positive integer, got ${stride}`);
  const span = inputLength + horizon;
  check(values.length >= span, where, () =>
    `a series of ${values.length} steps is shorter than one window (inputLength ${inputLength} + horizon ${horizon} = ${span})`);
  const count = Math.floor((values.length - span) / stride) + 1;
  const at = (i: number): number => {
    check(Number.isInteger(i) && i >= 0 && i < count, where, () => `window index ${i} is out of range [0, ${count})`);
    return i * stride;
  };
  return {
    count, inputLength, horizon, stride,
    input: (i) => { const s = at(i); return values.subarray(s, s + inputLength); },
    target: (i) => { const s = at(i) + inputLength; return values.subarray(s, s + horizon); },
    batch(indices) {
      const inputs = new Float32Array(indices.length * inputLength);
      const targets = new Float32Array(indices.length * horizon);
      for (let j = 0; j < indices.length; j++) {
        const s = at(indices[j]!);
        inputs.set(values.subarray(s, s + inputLength), j * inputLength);
        targets.set(values.subarray(s + inputLength, s + span), j * horizon);
      }
      return { inputs, targets };
    },
  };
}
