// Bags for multiple-instance learning: a pool of instance rows plus, per bag, the row indices it holds and its
// label. Builds MNIST bags (a bag is positive iff it holds the target digit; balanced classes, seeded), the
// per-fold sets of a MIL CSV dataset (features standardized on the training bags, a stratified validation
// hold-out), and the padded [B, M, F] batches with their key padding mask that the model takes.
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import { Generator } from '../tensor/random.js';
import type { MilDataset } from '../io/datasets/mil.js';

/** A set of bags over a shared pool of instances. */
export interface BagSet {
  /** Features per instance. */
  features: number;
  /** Row-major [rows, features] instance features that the bags index into (shared, not copied). */
  pool: Float32Array;
  /** Per bag, the pool rows it holds (in bag order). */
  bags: Int32Array[];
  /** Per bag, its label: 1 positive, 0 negative. */
  labels: Int32Array;
}

/** An image set as the loaders return it: [count, features] pixels and int labels. */
export interface LabelledImages {
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

/** Options of `makeDigitBags`. */
export interface DigitBagOptions {
  /** The signal class: a bag is positive iff it holds an instance of it. */
  target: number;
  /** Number of bags; ⌊count/2⌋ positive, the rest negative, in seeded random order. */
  count: number;
  /** Instances per bag (the mean when bagSizeStd > 0). */
  bagSize: number;
  /** Standard deviation of the bag size (default 0: every bag has bagSize instances). Sizes are rounded draws of N(bagSize, std²), at least posPerBag and 1. */
  bagSizeStd?: number;
  /** Target instances in a positive bag (default 1); the other instances are drawn from the other classes. */
  posPerBag?: number;
  /** Seed of the draws. */
  seed: number;
}

/** `k` distinct indices of 0..n-1 in random order (Floyd's sampling, then a shuffle). */
function sampleDistinct(n: number, k: number, g: Generator): number[] {
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = g.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  const out = [...chosen];
  for (let i = out.length - 1; i > 0; i--) {
    const j = g.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const isCount = (v: unknown, min: number): boolean => Number.isSafeInteger(v) && (v as number) >= min;

/**
 * MNIST-bags (Ilse et al. 2018; the paper's Appendix E.2): `count` bags over the rows of `set` — a positive
 * bag holds `posPerBag` instances of class `target` (distinct rows) and fills up with instances of the other
 * classes; a negative bag holds only other classes. Rows may repeat across bags, never within one. The pool is
 * `set.images` itself. Deterministic for a given seed.
 */
export function makeDigitBags(set: LabelledImages, opts: DigitBagOptions): BagSet {
  const where = 'makeDigitBags';
  check(set !== null && typeof set === 'object' && set.images instanceof Float32Array && set.labels instanceof Int32Array, where,
    'set must be { images: Float32Array, labels: Int32Array, count }');
  check(isCount(set.count, 1) && set.labels.length === set.count && set.images.length % set.count === 0, where,
    () => `set holds ${set.images.length} pixel values and ${set.labels.length} labels for count ${set.count}`);
  const { target, count, bagSize, seed } = opts;
  const std = opts.bagSizeStd ?? 0;
  const posPerBag = opts.posPerBag ?? 1;
  check(Number.isInteger(target), where, () => `target must be an integer class, got ${String(target)}`);
  check(isCount(count, 2), where, () => `count must be an integer ≥ 2 (one bag per class at least), got ${String(count)}`);
  check(isCount(bagSize, 1), where, () => `bagSize must be an integer ≥ 1, got ${String(bagSize)}`);
  check(typeof std === 'number' && Number.isFinite(std) && std >= 0, where, () => `bagSizeStd must be a number ≥ 0, got ${String(std)}`);
  check(isCount(posPerBag, 1) && posPerBag <= bagSize, where, () => `posPerBag must be an integer in [1, bagSize = ${bagSize}], got ${String(posPerBag)}`);
  check(Number.isInteger(seed), where, () => `seed must be an integer, got ${String(seed)}`);
  const targets: number[] = [];
  const others: number[] = [];
  for (let i = 0; i < set.count; i++) (set.labels[i] === target ? targets : others).push(i);
  check(targets.length >= posPerBag, where, () => `the set holds ${targets.length} instance(s) of target ${target}; a positive bag needs ${posPerBag}`);
  const g = new Generator(seed);
  const sizeOf = (min: number): number => {
    if (std === 0) return bagSize;
    const z = [0];
    g.fillNormal(z, std, bagSize);
    return Math.max(min, 1, Math.round(z[0]!));
  };
  const nPos = Math.floor(count / 2);
  const bags: Int32Array[] = [];
  const labels: number[] = [];
  for (let b = 0; b < count; b++) {
    const positive = b < nPos;
    const size = sizeOf(positive ? posPerBag : 1);
    const nOther = positive ? size - posPerBag : size;
    check(nOther <= others.length, where, () => `a bag of ${size} needs ${nOther} non-target instances, but the set holds only ${others.length}`);
    const rows = sampleDistinct(others.length, nOther, g).map((i) => others[i]!);
    if (positive) rows.push(...sampleDistinct(targets.length, posPerBag, g).map((i) => targets[i]!));
    const perm = g.permutation(rows.length);
    bags.push(Int32Array.from(perm, (p) => rows[p]!));
    labels.push(positive ? 1 : 0);
  }
  const order = g.permutation(count);
  return {
    features: set.images.length / set.count, pool: set.images,
    bags: Array.from(order, (o) => bags[o]!), labels: Int32Array.from(order, (o) => labels[o]!),
  };
}

/** The bags `idx` of `set` (sharing its pool). */
export function subsetBags(set: BagSet, idx: ArrayLike<number>): BagSet {
  const bags: Int32Array[] = [];
  const labels = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i]!;
    check(Number.isInteger(j) && j >= 0 && j < set.bags.length, 'subsetBags', () => `index ${j} is outside [0, ${set.bags.length})`);
    bags.push(set.bags[j]!);
    labels[i] = set.labels[j]!;
  }
  return { features: set.features, pool: set.pool, bags, labels };
}

/**
 * Split `idx` (items with class `labels[idx[i]]`) into train and validation parts, stratified: per class a
 * seeded shuffle, the first round(fraction·n) go to validation (at least one when fraction > 0 and the class
 * has two or more items). fraction 0 gives an empty validation part.
 */
export function stratifiedHoldout(labels: ArrayLike<number>, idx: ArrayLike<number>, fraction: number, g: Generator): { train: Int32Array; val: Int32Array } {
  check(typeof fraction === 'number' && fraction >= 0 && fraction < 1, 'stratifiedHoldout', () => `fraction must be in [0, 1), got ${fraction}`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < idx.length; i++) {
    const y = labels[idx[i]!]!;
    const list = byClass.get(y) ?? [];
    list.push(idx[i]!);
    byClass.set(y, list);
  }
  const train: number[] = [];
  const val: number[] = [];
  for (const y of [...byClass.keys()].sort((a, b) => a - b)) {
    const items = byClass.get(y)!;
    const perm = g.permutation(items.length);
    let nVal = Math.round(fraction * items.length);
    if (fraction > 0 && items.length >= 2) nVal = Math.min(items.length - 1, Math.max(1, nVal));
    perm.forEach((p, r) => (r < nVal ? val : train).push(items[p]!));
  }
  return { train: Int32Array.from(train.sort((a, b) => a - b)), val: Int32Array.from(val.sort((a, b) => a - b)) };
}

/**
 * A MIL dataset as one BagSet whose pool holds every instance, standardized per feature with the mean and
 * (population) standard deviation over the instances of the bags `fitOn` (features with zero spread are only
 * centered). Bag i of the result is bag i of the dataset.
 */
export function standardizedBags(ds: MilDataset, fitOn: ArrayLike<number>): BagSet {
  const f = ds.features;
  const mean = new Float64Array(f);
  const sq = new Float64Array(f);
  let n = 0;
  for (let i = 0; i < fitOn.length; i++) {
    const bag = ds.bags[fitOn[i]!];
    check(bag !== undefined, 'standardizedBags', () => `fitOn[${i}] = ${fitOn[i]} is not a bag index`);
    for (let r = 0; r < bag.count; r++) {
      for (let j = 0; j < f; j++) {
        const v = bag.instances[r * f + j]!;
        mean[j] = mean[j]! + v;
        sq[j] = sq[j]! + v * v;
      }
    }
    n += bag.count;
  }
  check(n > 0, 'standardizedBags', 'no instances to fit the standardization on');
  const scale = new Float64Array(f);
  for (let j = 0; j < f; j++) {
    mean[j] = mean[j]! / n;
    const v = Math.max(0, sq[j]! / n - mean[j]! ** 2);
    scale[j] = v > 1e-12 ? 1 / Math.sqrt(v) : 1;
  }
  const pool = new Float32Array(ds.instanceCount * f);
  const bags: Int32Array[] = [];
  let row = 0;
  for (const bag of ds.bags) {
    const rows = new Int32Array(bag.count);
    for (let r = 0; r < bag.count; r++, row++) {
      rows[r] = row;
      for (let j = 0; j < f; j++) pool[row * f + j] = (bag.instances[r * f + j]! - mean[j]!) * scale[j]!;
    }
    bags.push(rows);
  }
  return { features: f, pool, bags, labels: Int32Array.from(ds.labels) };
}

/** A batch of bags: instances [B, M, F] (M = the largest bag, smaller bags zero-padded), the padding mask, labels. */
export interface BagBatch {
  x: Tensor;
  /** [B, M] int32, 1 = padded slot; absent when every bag has M instances. */
  mask?: Tensor;
  /** Bag labels as float32 [B] (BCE targets). */
  labels: Tensor;
}

/** Gather the bags `idx` of `set` into a padded batch (see BagBatch). */
export function bagBatch(set: BagSet, idx: ArrayLike<number>): BagBatch {
  check(idx.length > 0, 'bagBatch', 'no bags to batch');
  const f = set.features;
  let m = 0;
  let uniform = true;
  for (let i = 0; i < idx.length; i++) {
    const s = set.bags[idx[i]!]!.length;
    if (i > 0 && s !== m) uniform = false;
    m = Math.max(m, s);
  }
  const b = idx.length;
  const x = new Float32Array(b * m * f);
  const mask = uniform ? undefined : new Int32Array(b * m);
  const labels = new Float32Array(b);
  for (let i = 0; i < b; i++) {
    const rows = set.bags[idx[i]!]!;
    for (let r = 0; r < rows.length; r++) x.set(set.pool.subarray(rows[r]! * f, rows[r]! * f + f), (i * m + r) * f);
    if (mask) mask.fill(1, i * m + rows.length, (i + 1) * m);
    labels[i] = set.labels[idx[i]!]!;
  }
  const out: BagBatch = { x: new Tensor(x, [b, m, f]), labels: new Tensor(labels, [b]) };
  if (mask) out.mask = new Tensor(mask, [b, m]);
  return out;
}

/** The bags `idx` grouped by size, in first-appearance order (for kinds that cannot take a padding mask). */
export function groupBySize(set: BagSet, idx: ArrayLike<number>): number[][] {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < idx.length; i++) {
    const s = set.bags[idx[i]!]!.length;
    const list = groups.get(s) ?? [];
    list.push(idx[i]!);
    groups.set(s, list);
  }
  return [...groups.values()];
}
