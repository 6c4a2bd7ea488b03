// Multiple-instance-learning datasets in the CSV layout of the common MIL benchmarks (musk1/2, fox, tiger,
// elephant): no header, one instance per row — bag label, bag id, then the features. And a seeded
// stratified k-fold split for cross-validating on bags. Browser-safe (text in, typed arrays out).
import { check } from '../../tensor/errors.js';
import { Generator } from '../../tensor/random.js';
import { type SourceOptions, quoteSource } from './idx.js';
import { checkWidth, csvRows, numberCell } from './csv.js';

/** One bag: its id (the cell text), its label, and its instances as a row-major [count, features] array. */
export interface MilBag {
  id: string;
  /** Bag label, 0 or 1. */
  label: number;
  /** Row-major [count, features] float32 instance features, in file order. */
  instances: Float32Array;
  count: number;
  /** The label cell of each instance row (0 or 1), in file order. */
  instanceLabels: Int32Array;
}

/** A parsed MIL dataset. */
export interface MilDataset {
  /** Bags in order of first appearance in the file. */
  bags: MilBag[];
  /** Bag labels, `labels[i] === bags[i].label` (handy for `stratifiedKFold`). */
  labels: Int32Array;
  /** Features per instance. */
  features: number;
  /** Instances (rows) in all. */
  instanceCount: number;
  /** Bags with label 1. */
  positives: number;
}

/** Options of `parseMilCsv`. */
export interface MilCsvOptions extends SourceOptions {
  /**
   * How a bag's label follows from its rows' label cells: 'max' (default; the benchmark layout: a bag is
   * positive when any instance is) or 'constant' (every row of a bag must carry the same label, else an error).
   */
  bagLabel?: 'max' | 'constant';
}

/**
 * Parse a MIL CSV (no header; columns: label, bag id, features…). Labels must be 0 or 1 (−1 is read as 0, the
 * ±1 convention of some MIL files); every row must have the same number of cells (at least 3) and every
 * feature cell must be a finite number. Errors name the source, line and column.
 */
export function parseMilCsv(text: string, opts: MilCsvOptions = {}): MilDataset {
  const where = 'parseMilCsv';
  const { source } = opts;
  const rule = opts.bagLabel ?? 'max';
  check(rule === 'max' || rule === 'constant', where, () => `bagLabel must be 'max' or 'constant', got ${String(rule)}`);
  const rows = csvRows(text, where, source);
  check(rows.length > 0, where, () => `${quoteSource(source)} has no rows`);
  const width = rows[0]!.cells.length;
  check(width >= 3, where, () =>
    `${quoteSource(source)} line ${rows[0]!.line} has ${width} cells; a MIL row needs a label, a bag id and at least one feature`);
  const features = width - 2;
  const groups = new Map<string, { rows: number[]; labels: number[]; firstLine: number }>();
  const data = new Float32Array(rows.length * features);
  rows.forEach((row, r) => {
    checkWidth(row, width, where, source, `bag label, bag id and ${features} features, as on line ${rows[0]!.line}`);
    const cells = row.cells;
    const raw = numberCell(cells[0]!, where, source, row.line, '1 (label)');
    check(raw === 0 || raw === 1 || raw === -1, where, () =>
      `${quoteSource(source)} line ${row.line}, column 1 (label): ${cells[0]} is not a binary label (0/1, or −1/1)`);
    const id = cells[1]!.trim();
    check(id !== '', where, () => `${quoteSource(source)} line ${row.line}, column 2 (bag id) is empty`);
    for (let j = 0; j < features; j++) data[r * features + j] = numberCell(cells[j + 2]!, where, source, row.line, String(j + 3));
    let g = groups.get(id);
    if (g === undefined) {
      g = { rows: [], labels: [], firstLine: row.line };
      groups.set(id, g);
    }
    g.rows.push(r);
    g.labels.push(raw === 1 ? 1 : 0);
  });
  const bags: MilBag[] = [];
  for (const [id, g] of groups) {
    const label = Math.max(...g.labels);
    if (rule === 'constant') {
      const other = g.labels.findIndex((l) => l !== g.labels[0]);
      check(other < 0, where, () =>
        `${quoteSource(source)}: bag ${JSON.stringify(id)} has rows labelled ${g.labels[0]} (line ${g.firstLine}) and ` +
        `${g.labels[other]} (line ${rows[g.rows[other]!]!.line}); with bagLabel 'constant' a bag's rows must agree`);
    }
    const instances = new Float32Array(g.rows.length * features);
    g.rows.forEach((r, i) => instances.set(data.subarray(r * features, (r + 1) * features), i * features));
    bags.push({ id, label, instances, count: g.rows.length, instanceLabels: Int32Array.from(g.labels) });
  }
  const labels = Int32Array.from(bags, (b) => b.label);
  return { bags, labels, features, instanceCount: rows.length, positives: labels.reduce((a, b) => a + b, 0) };
}

/** One fold of a k-fold split: sorted indices of the training and test items. */
export interface Fold {
  train: Int32Array;
  test: Int32Array;
}

/**
 * Stratified k-fold split of items with class `labels`: each class's items are shuffled with a
 * `Generator(seed)` and dealt round-robin over the k folds (continuing across classes), so every fold's test
 * set has each class in proportion (sizes differ by at most one) and the folds partition the items.
 * Deterministic for a given seed. Every class needs at least k items.
 */
export function stratifiedKFold(labels: ArrayLike<number>, k: number, seed = 0): Fold[] {
  const where = 'stratifiedKFold';
  check(labels !== null && typeof labels === 'object' && typeof labels.length === 'number', where,
    () => `labels must be an array of class labels, got ${String(labels)}`);
  check(Number.isInteger(k) && k >= 2, where, () => `k must be an integer ≥ 2, got ${k}`);
  check(Number.isInteger(seed), where, () => `seed must be an integer, got ${seed}`);
  const n = labels.length;
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    check(Number.isFinite(y), where, () => `labels[${i}] is ${y}, not a finite class label`);
    const list = byClass.get(y) ?? [];
    list.push(i);
    byClass.set(y, list);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  for (const c of classes) {
    const m = byClass.get(c)!.length;
    check(m >= k, where, () => `class ${c} has ${m} item(s), fewer than k = ${k} folds (each test fold needs one of every class)`);
  }
  const gen = new Generator(seed);
  const foldOf = new Int32Array(n);
  let next = 0;
  for (const c of classes) {
    const items = byClass.get(c)!;
    const perm = gen.permutation(items.length);
    for (const p of perm) foldOf[items[p]!] = next++ % k;
  }
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const test: number[] = [];
    const train: number[] = [];
    for (let i = 0; i < n; i++) (foldOf[i] === f ? test : train).push(i);
    folds.push({ train: Int32Array.from(train), test: Int32Array.from(test) });
  }
  return folds;
}
