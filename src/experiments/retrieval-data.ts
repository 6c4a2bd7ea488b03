// Data preparation of the memory-retrieval experiment (browser-safe): the image pool, seeded memory draws,
// the two query corruptions of Appendix E.1 (lower half of the image set to 0; Gaussian noise), the pattern
// normalizations, the relative sum-of-squares error, and orthogonal random features for the prf kind.
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import { Generator, lowbias32 } from '../tensor/random.js';
import type { Normalization } from './retrieval-config.js';

/** Images as flat rows: `count` rows of `dim = channels·rows·cols` values, channel-major (as MNIST / CIFAR-10). */
export interface ImagePool {
  images: Float32Array;
  count: number;
  dim: number;
  channels: number;
  rows: number;
  cols: number;
  /** Where the images came from (for results.json). */
  source: string;
}

/** Check a pool's fields against each other. */
export function checkPool(pool: ImagePool, where: string): void {
  check(pool !== null && typeof pool === 'object' && pool.images instanceof Float32Array, where, 'pool.images must be a Float32Array');
  const { count, dim, channels, rows, cols } = pool;
  check([count, dim, channels, rows, cols].every((v) => Number.isSafeInteger(v) && v >= 1), where,
    () => `pool sizes must be integers ≥ 1, got count ${count}, dim ${dim}, channels ${channels}, rows ${rows}, cols ${cols}`);
  check(dim === channels * rows * cols, where, () => `pool.dim = ${dim} but channels·rows·cols = ${channels}·${rows}·${cols} = ${channels * rows * cols}`);
  check(pool.images.length === count * dim, where, () => `pool.images holds ${pool.images.length} values, expected count·dim = ${count}·${dim}`);
}

/** A 31-bit seed derived from `seed` and integer tags (independent streams per trial, point, purpose). */
export function deriveSeed(seed: number, ...tags: number[]): number {
  let h = lowbias32(seed >>> 0);
  for (const t of tags) h = lowbias32((h ^ Math.imul((t + 1) >>> 0, 0x9e3779b1)) >>> 0);
  return h & 0x7fffffff;
}

/** Rows `idx[0..m)` of the pool, as a fresh [m·dim] array. */
export function gatherRows(pool: ImagePool, idx: ArrayLike<number>, m: number): Float32Array {
  const out = new Float32Array(m * pool.dim);
  for (let i = 0; i < m; i++) {
    const r = idx[i]!;
    out.set(pool.images.subarray(r * pool.dim, (r + 1) * pool.dim), i * pool.dim);
  }
  return out;
}

/** Row `order[r]` of `rows` as row r, for every r (rows of `dim` values). */
export function permuteRows(rows: Float32Array, order: ArrayLike<number>, dim: number): Float32Array {
  const out = new Float32Array(order.length * dim);
  for (let r = 0; r < order.length; r++) out.set(rows.subarray(order[r]! * dim, (order[r]! + 1) * dim), r * dim);
  return out;
}

/** A copy of `rows` (n images of the pool's shape) with the lower half of every channel set to 0. */
export function halfMask(rows: Float32Array, pool: ImagePool): Float32Array {
  const out = new Float32Array(rows);
  const plane = pool.rows * pool.cols;
  const from = Math.floor(pool.rows / 2) * pool.cols;
  const n = rows.length / pool.dim;
  for (let i = 0; i < n; i++) for (let c = 0; c < pool.channels; c++) out.fill(0, i * pool.dim + c * plane + from, i * pool.dim + (c + 1) * plane);
  return out;
}

/** A copy of `rows` plus σ·N(0, 1) per value (drawn from `gen`), optionally clipped to [0, 1]. */
export function addNoise(rows: Float32Array, sigma: number, gen: Generator, clip: boolean): Float32Array {
  const noise = new Float64Array(rows.length);
  gen.fillNormal(noise, sigma);
  const out = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i]! + noise[i]!;
    out[i] = clip ? Math.min(1, Math.max(0, v)) : v;
  }
  return out;
}

/**
 * `rows` (n rows of `dim`) prepared for scoring: unchanged ('none'), divided by their L2 norm ('unit'), or
 * minus their mean and then divided by the norm ('center'). An all-zero (or constant, for 'center') row stays 0.
 */
export function normalizeRows(rows: Float32Array, dim: number, how: Normalization): Float32Array {
  if (how === 'none') return rows;
  const out = new Float32Array(rows.length);
  const n = rows.length / dim;
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    let mean = 0;
    if (how === 'center') {
      for (let j = 0; j < dim; j++) mean += rows[o + j]!;
      mean /= dim;
    }
    let ss = 0;
    for (let j = 0; j < dim; j++) ss += (rows[o + j]! - mean) ** 2;
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let j = 0; j < dim; j++) out[o + j] = (rows[o + j]! - mean) * inv;
  }
  return out;
}

/**
 * The error of every retrieved row r against its memory ξ = memories[target[r]]: ‖x̂_r − ξ‖² / ‖ξ − c‖², with
 * c = 0 (the paper's relative sum-of-squares error) or c = `center` (the memory set's mean image, so that
 * answering with the mean image scores exactly 1). A zero denominator gives 0 when x̂ = ξ, else Infinity.
 */
export function retrievalErrors(
  retrieved: ArrayLike<number>, memories: Float32Array, target: ArrayLike<number>, dim: number, center: Float64Array | null = null,
): Float64Array {
  const n = target.length;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const t = target[r]!;
    let e = 0;
    let s = 0;
    for (let j = 0; j < dim; j++) {
      const m = memories[t * dim + j]!;
      e += (retrieved[r * dim + j]! - m) ** 2;
      s += (m - (center ? center[j]! : 0)) ** 2;
    }
    out[r] = s > 0 ? e / s : e > 0 ? Infinity : 0;
  }
  return out;
}

/** The pixel-wise mean of the n rows of `rows` [dim] (float64). */
export function meanImage(rows: Float32Array, dim: number): Float64Array {
  const n = rows.length / dim;
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += rows[i * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= n;
  return mean;
}

/** `image` repeated n times as float32 rows (the trivial "mean image" answer to n queries). */
export function repeatRow(image: Float64Array, n: number): Float32Array {
  const out = new Float32Array(n * image.length);
  for (let i = 0; i < n; i++) out.set(image, i * image.length);
  return out;
}

/**
 * Positive-random-feature projections Ω [features, d] (float64): orthogonal blocks of ≤ d Gaussian rows
 * (Gram–Schmidt applied only to the rows kept, O(features·d·min(features, d))), each row rescaled by the norm
 * of an independent N(0, I_d) vector, the distribution `hopfield.drawOmega` documents. Drawn here because
 * drawOmega orthonormalizes a full d × d block even when fewer rows are needed (minutes for CIFAR's d = 3072).
 */
export function orthogonalOmega(d: number, features: number, gen: Generator): Tensor {
  const out = new Float64Array(features * d);
  for (let start = 0; start < features; start += d) {
    const r = Math.min(d, features - start);
    const b = out.subarray(start * d, (start + r) * d);
    for (let attempt = 0; ; attempt++) {
      check(attempt < 10, 'orthogonalOmega', 'Gram–Schmidt kept collapsing (degenerate random draws)');
      gen.fillNormal(b);
      if (gramSchmidt(b, r, d)) break;
    }
  }
  const z = new Float64Array(d);
  for (let i = 0; i < features; i++) {
    gen.fillNormal(z);
    let n = 0;
    for (let t = 0; t < d; t++) n += z[t]! ** 2;
    n = Math.sqrt(n);
    for (let t = 0; t < d; t++) out[i * d + t]! *= n;
  }
  return new Tensor(out, [features, d]);
}

/** Orthonormalize the r rows (length d) of `b` in place, modified Gram–Schmidt twice; false if a row collapses. */
function gramSchmidt(b: Float64Array, r: number, d: number): boolean {
  for (let i = 0; i < r; i++) {
    const row = b.subarray(i * d, (i + 1) * d);
    let n0 = 0;
    for (let t = 0; t < d; t++) n0 += row[t]! ** 2;
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        const prev = b.subarray(j * d, (j + 1) * d);
        let dot = 0;
        for (let t = 0; t < d; t++) dot += row[t]! * prev[t]!;
        for (let t = 0; t < d; t++) row[t]! -= dot * prev[t]!;
      }
    }
    let n = 0;
    for (let t = 0; t < d; t++) n += row[t]! ** 2;
    if (!(n > 1e-20 * n0)) return false;
    const inv = 1 / Math.sqrt(n);
    for (let t = 0; t < d; t++) row[t]! *= inv;
  }
  return true;
}
