// CPU kernels for indexing: gather / scatterAdd along an axis, top-k and stable argsort of rows.
import { type TypedArray, allocate, allocateUninit, dtypeOf } from '../../dtype.js';

export function gather(x: TypedArray, outer: number, n: number, inner: number, idx: Int32Array, k: number): TypedArray {
  const out = allocateUninit(dtypeOf(x), outer * k * inner); // every (o, j, i) is written once
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const row = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) out[row + i] = x[(o * n + idx[row + i]!) * inner + i]!;
    }
  }
  return out;
}

export function scatterAdd(src: TypedArray, outer: number, n: number, inner: number, idx: Int32Array, k: number): TypedArray {
  const out = allocate(dtypeOf(src), outer * n * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const row = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) out[(o * n + idx[row + i]!) * inner + i]! += src[row + i]!;
    }
  }
  return out;
}

/** Order for sorting: NaN counts as the largest value (like torch.sort), ties by index. */
function cmpDesc(vals: TypedArray, base: number): (i: number, j: number) => number {
  return (i, j) => {
    const a = vals[base + i]!;
    const b = vals[base + j]!;
    if (a === b) return i - j;
    if (a !== a) return b !== b ? i - j : -1;
    if (b !== b) return 1;
    return a > b ? -1 : 1;
  };
}
function cmpAsc(vals: TypedArray, base: number): (i: number, j: number) => number {
  return (i, j) => {
    const a = vals[base + i]!;
    const b = vals[base + j]!;
    if (a === b) return i - j;
    if (a !== a) return b !== b ? i - j : 1;
    if (b !== b) return -1;
    return a < b ? -1 : 1;
  };
}

/**
 * A stable argsort of each row (Backend.argsort; NaN largest, ties by lower index). float32 / int32 rows sort their
 * rank keys (see rankKeys) with the native numeric sort; float64 rows use the comparator.
 */
export function argsort(x: TypedArray, rows: number, cols: number, descending: boolean): Int32Array {
  const out = allocateUninit('int32', rows * cols) as Int32Array; // both branches write every (r, j)
  if (!(x instanceof Float64Array) && cols <= KEY_COLS) {
    const keys = new Float64Array(cols);
    const all = Int32Array.from({ length: cols }, (_, j) => j);
    const bits = x instanceof Float32Array ? new Uint32Array(x.buffer, x.byteOffset, x.length) : null;
    for (let r = 0; r < rows; r++) {
      rankKeys(x, bits, r * cols, all, cols, descending, keys);
      keys.sort();
      for (let j = 0; j < cols; j++) { const v = keys[j]!; out[r * cols + j] = v - Math.floor(v / KEY_COLS) * KEY_COLS; }
    }
    return out;
  }
  const order = new Array<number>(cols);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) order[j] = j;
    order.sort(descending ? cmpDesc(x, r * cols) : cmpAsc(x, r * cols));
    for (let j = 0; j < cols; j++) out[r * cols + j] = order[j]!;
  }
  return out;
}

/**
 * Top-k of each row (Backend.topk) in the order of the full sort by `cmpDesc` / `cmpAsc` (NaN counts as the
 * largest, ties keep the lower index first), without sorting whole rows: a sampled threshold keeps a candidate
 * set that provably holds the k best (every other entry is strictly worse than the threshold), quickselect
 * narrows it to k, and only those k are sorted. Falls back to selecting over the whole row when the sample
 * misjudges the threshold. `sorted` false skips that last sort (the same k, in an unspecified order).
 */
export function topk(x: TypedArray, rows: number, cols: number, k: number, largest: boolean, sorted = true): { values: TypedArray; indices: Int32Array } {
  const values = allocateUninit(dtypeOf(x), rows * k); // the last loop writes every (r, j) of both
  const indices = allocateUninit('int32', rows * k) as Int32Array;
  if (k === 0) return { values, indices };
  const cand = new Int32Array(cols);
  const sample = new Float64Array(Math.min(cols, SAMPLE));
  const keyed = !(x instanceof Float64Array) && cols <= KEY_COLS;
  const keys = keyed ? new Float64Array(cols) : null;
  const bits = x instanceof Float32Array ? new Uint32Array(x.buffer, x.byteOffset, x.length) : null;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const n = candidates(x, base, cols, k, largest, cand, sample);
    if (keys) {
      rankKeys(x, bits, base, cand, n, largest, keys);
      selectKeys(keys, n, k);
      const kept = sorted ? keys.subarray(0, k).sort() : keys;
      // the column is the key's low 21 bits (exact: dividing by a power of two; % would be a slow fmod)
      for (let j = 0; j < k; j++) { const v = kept[j]!; cand[j] = v - Math.floor(v / KEY_COLS) * KEY_COLS; }
    } else {
      select(x, base, cand, n, k, largest);
      if (sorted) sortRange(x, base, cand, 0, k - 1, largest);
    }
    for (let j = 0; j < k; j++) {
      const c = cand[j]!;
      indices[r * k + j] = c;
      values[r * k + j] = x[base + c]!;
    }
  }
  return { values, indices };
}

/** Columns a rank key can encode: key = rank·KEY_COLS + column, exact in float64 for 32-bit ranks (2^32·2^21 = 2^53). */
const KEY_COLS = 2 ** 21;

/**
 * keys[i] = the rank key of column cand[i] for float32 / int32 data: an unsigned 32-bit order of the value (NaN
 * above +∞, −0 as +0) flipped for `largest`, times KEY_COLS, plus the column — so ascending keys are exactly the
 * order of cmpDesc / cmpAsc (ties by lower column), and the native numeric sort can order them.
 */
function rankKeys(x: TypedArray, bits: Uint32Array | null, base: number, cand: Int32Array, n: number, largest: boolean, keys: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const j = cand[i]!;
    const v = x[base + j]!;
    let u: number;
    if (!bits) u = v + 2147483648; // int32: v + 2^31 is already an order-preserving unsigned value
    else if (v !== v) u = 4294967295;
    else if (v === 0) u = 2147483648;
    else {
      const b = bits[base + j]!;
      u = b >= 2147483648 ? (~b >>> 0) : b + 2147483648;
    }
    keys[i] = (largest ? 4294967295 - u : u) * KEY_COLS + j;
  }
}

/** Quickselect on distinct numbers: reorder keys[0..n) so that its first k entries are the k smallest. */
function selectKeys(keys: Float64Array, n: number, k: number): void {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    if (hi === lo + 1) {
      if (keys[hi]! < keys[lo]!) { const t = keys[lo]!; keys[lo] = keys[hi]!; keys[hi] = t; }
      return;
    }
    const mid = (lo + hi) >>> 1; // lo < mid < hi: the median-of-three write-back is a permutation
    let a = keys[lo]!, b = keys[mid]!, c = keys[hi]!;
    if (b < a) { const t = a; a = b; b = t; }
    if (c < a) { const t = a; a = c; c = t; }
    if (c < b) { const t = b; b = c; c = t; }
    keys[lo] = a; keys[mid] = b; keys[hi] = c;
    const p = b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (keys[i]! < p) i++;
      while (p < keys[j]!) j--;
      if (i <= j) { const t = keys[i]!; keys[i] = keys[j]!; keys[j] = t; i++; j--; }
    }
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else return;
  }
}

/** Entries sampled per row to place the candidate threshold. */
const SAMPLE = 256;

/**
 * Write into `cand` a set of column indices (ascending) that contains the row's k best entries and return its
 * size: all columns when the row is short or k is a large share of it, else the columns not strictly worse than
 * a threshold read off a strided sample a little beyond rank k (retried on the whole row when too few pass).
 */
function candidates(x: TypedArray, base: number, cols: number, k: number, largest: boolean, cand: Int32Array, sample: Float64Array): number {
  if (cols >= 4 * SAMPLE && k * 4 <= cols) {
    const s = sample.length;
    const stride = cols / s;
    // the sample in ascending order of badness (negated when largest; NaN as +∞: only a bound, checked below)
    for (let i = 0; i < s; i++) {
      const v = x[base + Math.floor(i * stride)]!;
      sample[i] = v !== v ? Infinity : largest ? -v : v;
    }
    // rank of the threshold among the sample: the expected k/cols quantile plus ~3 standard deviations of slack
    const q = (k / cols) * s;
    const rank = Math.min(s - 1, Math.ceil(q + 3 * Math.sqrt(q) + 2));
    selectKeys(sample, s, rank + 1);
    let t = sample[0]!;
    for (let i = 1; i <= rank; i++) if (sample[i]! > t) t = sample[i]!;
    if (t < Infinity) {
      let n = 0;
      // keep v unless it is strictly worse than t (NaN ranks first when largest, so it is kept; last otherwise);
      // branch-free: the slot is written always and kept by advancing n
      if (largest) { t = -t; for (let j = 0; j < cols; j++) { cand[n] = j; n += +!(x[base + j]! < t); } }
      else for (let j = 0; j < cols; j++) { cand[n] = j; n += +(x[base + j]! <= t); }
      if (n >= k) return n;
    }
  }
  for (let j = 0; j < cols; j++) cand[j] = j;
  return cols;
}

/** Whether column i ranks before column j (cmpDesc / cmpAsc < 0). */
function before(x: TypedArray, base: number, i: number, j: number, largest: boolean): boolean {
  const a = x[base + i]!;
  const b = x[base + j]!;
  if (a === b) return i < j;
  if (a !== a) return b !== b ? i < j : largest;
  if (b !== b) return !largest;
  return largest ? a > b : a < b;
}

/** Quickselect: reorder cand[0..n) so that its first k entries are the k best (in any order). */
function select(x: TypedArray, base: number, cand: Int32Array, n: number, k: number, largest: boolean): void {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    if (hi - lo < 16) { sortRange(x, base, cand, lo, hi, largest); return; }
    const [i, j] = partition(x, base, cand, lo, hi, largest);
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else return;
  }
}

/** Sort cand[lo..hi] (inclusive) by rank: quicksort, insertion sort below 16 entries. */
function sortRange(x: TypedArray, base: number, cand: Int32Array, lo: number, hi: number, largest: boolean): void {
  while (hi - lo >= 16) {
    const [i, j] = partition(x, base, cand, lo, hi, largest);
    // recurse into the smaller side, loop on the larger
    if (j - lo < hi - i) { sortRange(x, base, cand, lo, j, largest); lo = i; }
    else { sortRange(x, base, cand, i, hi, largest); hi = j; }
  }
  for (let a = lo + 1; a <= hi; a++) {
    const v = cand[a]!;
    let b = a - 1;
    while (b >= lo && before(x, base, v, cand[b]!, largest)) { cand[b + 1] = cand[b]!; b--; }
    cand[b + 1] = v;
  }
}

/**
 * Median-of-three pivot, then Hoare partition of cand[lo..hi] by rank; returns [i, j] with i > j: cand[lo..j]
 * ranks no later than the pivot and cand[i..hi] no earlier (what lies between is the pivot).
 */
function partition(x: TypedArray, base: number, cand: Int32Array, lo: number, hi: number, largest: boolean): [number, number] {
  const mid = (lo + hi) >>> 1;
  if (before(x, base, cand[mid]!, cand[lo]!, largest)) swap(cand, mid, lo);
  if (before(x, base, cand[hi]!, cand[lo]!, largest)) swap(cand, hi, lo);
  if (before(x, base, cand[hi]!, cand[mid]!, largest)) swap(cand, hi, mid);
  const p = cand[mid]!;
  let i = lo;
  let j = hi;
  while (i <= j) {
    while (before(x, base, cand[i]!, p, largest)) i++;
    while (before(x, base, p, cand[j]!, largest)) j--;
    if (i <= j) { swap(cand, i, j); i++; j--; }
  }
  return [i, j];
}

function swap(a: Int32Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}
