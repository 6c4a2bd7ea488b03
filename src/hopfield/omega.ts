// The random projections Ω of the positive-random-feature (Performer) association: seeded draws in orthogonal
// blocks (FAVOR+), the default feature count ⌈d·ln d⌉, and the per-call resolution of Ω (given, or drawn from a
// seed and cached) in the patterns' dtype. Used by ./feature-maps.ts (prf) and ./association.ts.
import { Tensor } from '../tensor/tensor.js';
import { HopgradError, check } from '../tensor/errors.js';
import { fmt } from '../tensor/shape.js';
import { Generator } from '../tensor/random.js';
import { keep } from '../tensor/tidy.js';

/** Throw naming `param` and the flat index of its first NaN or infinity. */
export function finiteTensor(t: Tensor, where: string, param: string): void {
  const d = t.contiguousData();
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v - v !== 0) throw new HopgradError(`${where}: ${param} contains ${v} at flat index ${i} (shape ${fmt(t.shape)}); inputs must be finite`);
  }
}

/** Options of drawOmega. */
export interface OmegaOptions {
  /** Seed of a fresh Generator (default 0); give `seed` or `generator`, not both. */
  seed?: number;
  /** Draw from this generator (advancing it), e.g. to redraw. */
  generator?: Generator;
  /** Orthogonal blocks (default true) or i.i.d. Gaussian rows. */
  orthogonal?: boolean;
}

/** The default number of random features for dimension d: ⌈d·ln d⌉, at least 1. */
export function defaultFeatures(d: number): number {
  return Math.max(1, Math.ceil(d * Math.log(d)));
}

/** Orthonormalize the d × d row block in place (modified Gram–Schmidt, twice); false if a row collapses. */
function orthonormalize(b: Float64Array, d: number): boolean {
  for (let i = 0; i < d; i++) {
    let n0 = 0;
    for (let t = 0; t < d; t++) n0 += b[i * d + t]! ** 2;
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        let dot = 0;
        for (let t = 0; t < d; t++) dot += b[i * d + t]! * b[j * d + t]!;
        for (let t = 0; t < d; t++) b[i * d + t]! -= dot * b[j * d + t]!;
      }
    }
    let n = 0;
    for (let t = 0; t < d; t++) n += b[i * d + t]! ** 2;
    if (!(n > 1e-20 * n0) || n === 0) return false;
    const inv = 1 / Math.sqrt(n);
    for (let t = 0; t < d; t++) b[i * d + t]! *= inv;
  }
  return true;
}

/**
 * Draw the m_f × d projection Ω of positive random features. Orthogonal (FAVOR+): ⌈m_f/d⌉ blocks, each the
 * Gram–Schmidt orthonormalization of a d × d Gaussian matrix (Haar-distributed rows), the last block cut to
 * the rows needed; every row then rescaled by the norm of an independent N(0, I_d) vector (chi(d)), so each
 * row is marginally N(0, I_d) and E[φ(x)ᵀφ(y)] = exp(xᵀy) stays unbiased, with lower variance than i.i.d.
 * rows. Returns a float64 Tensor [features, d] (no gradient).
 */
export function drawOmega(d: number, features: number, opts: OmegaOptions = {}): Tensor {
  const where = 'drawOmega';
  check(Number.isInteger(d) && d >= 1, where, () => `d must be an integer ≥ 1, got ${d}`);
  check(Number.isInteger(features) && features >= 1, where, () => `features must be an integer ≥ 1, got ${features}`);
  check(opts.seed === undefined || opts.generator === undefined, where, 'give seed or generator, not both');
  check(opts.generator === undefined || opts.generator instanceof Generator, where, 'generator must be a Generator');
  const g = opts.generator ?? new Generator(opts.seed ?? 0);
  const out = new Float64Array(features * d);
  if (opts.orthogonal === false) {
    g.fillNormal(out);
    return new Tensor(out, [features, d]);
  }
  const block = new Float64Array(d * d);
  for (let start = 0; start < features; start += d) {
    do g.fillNormal(block); while (!orthonormalize(block, d));
    out.set(block.subarray(0, Math.min(d, features - start) * d), start * d);
  }
  const z = new Float64Array(d);
  for (let r = 0; r < features; r++) {
    g.fillNormal(z);
    let n = 0;
    for (let t = 0; t < d; t++) n += z[t]! ** 2;
    n = Math.sqrt(n);
    for (let t = 0; t < d; t++) out[r * d + t]! *= n;
  }
  return new Tensor(out, [features, d]);
}

const omegaCache = new Map<string, Tensor>();

/** Ω for prf: the given one (validated), or the seeded draw (cached: same seed, same Ω). */
export function omegaFor(where: string, d: number, opts: { features?: number; seed?: number; omega?: Tensor }): Tensor {
  const f = opts.features;
  check(f === undefined || (Number.isInteger(f) && f >= 1), where, () => `features (m_f) must be an integer ≥ 1, got ${String(f)}`);
  if (opts.omega !== undefined) {
    const om = opts.omega;
    check(om instanceof Tensor && om.ndim === 2 && om.dtype !== 'int32', where, () => `omega must be a float Tensor [features, d], got ${om instanceof Tensor ? `${om.dtype} ${fmt(om.shape)}` : typeof om}`);
    check(om.shape[1] === d, where, () => `omega has shape ${fmt(om.shape)} but the patterns have d = ${d}`);
    check(f === undefined || om.shape[0] === f, where, () => `features = ${f} but omega has ${om.shape[0]} rows`);
    check(opts.seed === undefined, where, 'give omega or seed, not both (omega is already drawn)');
    finiteTensor(om, where, 'omega');
    return om;
  }
  const seed = opts.seed ?? 0;
  check(Number.isInteger(seed), where, () => `seed must be an integer, got ${seed}`);
  const features = f ?? defaultFeatures(d);
  const key = `${d}:${features}:${seed}`;
  let om = omegaCache.get(key);
  if (!om) {
    om = drawOmega(d, features, { seed });
    if (omegaCache.size >= 32) omegaCache.delete(omegaCache.keys().next().value!);
    omegaCache.set(key, keep(om)); // kept: a cache outlives any tidy() scope it was filled in
  }
  return om;
}

/** Ω in `dtype`, without gradient. */
export function omegaAs(om: Tensor, dtype: 'float32' | 'float64'): Tensor {
  if (om.dtype === dtype && !om.requiresGrad) return om;
  const data = om.contiguousData();
  return new Tensor(dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data), om.shape);
}
