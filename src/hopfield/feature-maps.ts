// Kernelized (feature-map) associations of the paper's Appendix C, linear in L + M: the linear modern
// Hopfield model (C.1)–(C.2) with φ = elu + 1, and the Performer positive-random-feature model (C.6)–(C.7)
// approximating softmax(β q·k) attention. Both go through Σ_μ φ(ξ_μ)v_μᵀ and Σ_μ φ(ξ_μ) and never build the
// L × M score matrix. Also the random projections Ω (orthogonal blocks, seeded, redrawable).
//
// How β enters. The paper brings β into a kernel's feature map as √β·x on both arguments ((3.8), (B.22),
// (C.4): K(x, ξ) = Σₙ ⟨√βx, √βξ⟩ⁿ/n! = exp(β⟨x, ξ⟩)); (C.1)–(C.2) print no β. Both kinds here apply their
// feature map to √β·x and √β·ξ, so β = 1 is (C.2) exactly and prf approximates Ξ softmax(β Ξᵀx) as (C.6) does.
import { Tensor } from '../tensor/tensor.js';
import { HopgradError, check } from '../tensor/errors.js';
import { broadcastShapes, fmt } from '../tensor/shape.js';
import { Generator } from '../tensor/random.js';
import { div, elu, exp, matmul, max, mul, square, sub, sum, transpose, add } from '../autograd/ops/index.js';

function finiteTensor(t: Tensor, where: string, param: string): void {
  const d = t.contiguousData();
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v - v !== 0) throw new HopgradError(`${where}: ${param} contains ${v} at flat index ${i} (shape ${fmt(t.shape)}); inputs must be finite`);
  }
}

/** Validate query [..., L, d], keys [..., M, d], values [..., M, dv] (batch dims broadcast) and β. */
function checkAssociation(where: string, query: unknown, keys: unknown, values: unknown, beta: unknown): void {
  const named: [unknown, string][] = [[query, 'query'], [keys, 'keys'], [values, 'values']];
  for (const [t, name] of named) {
    check(t instanceof Tensor, where, () => `${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
    check(t.ndim >= 2, where, () => `${name} must have shape [..., ${name === 'query' ? 'L, d' : name === 'keys' ? 'M, d' : 'M, dv'}], got ${fmt(t.shape)}`);
    check(t.dtype !== 'int32', where, () => `${name} must be a float tensor, got int32`);
  }
  const q = query as Tensor;
  const k = keys as Tensor;
  const v = values as Tensor;
  check(q.dtype === k.dtype && k.dtype === v.dtype, where, () => `query, keys and values must share a dtype, got ${q.dtype}, ${k.dtype} and ${v.dtype}`);
  const dq = q.shape[q.ndim - 1]!;
  const dk = k.shape[k.ndim - 1]!;
  check(dq === dk, where, () => `query has pattern dimension d = ${dq} but keys have d = ${dk} (query ${fmt(q.shape)}, keys ${fmt(k.shape)})`);
  const mk = k.shape[k.ndim - 2]!;
  const mv = v.shape[v.ndim - 2]!;
  check(mk === mv, where, () => `keys hold M = ${mk} memories but values hold ${mv} (keys ${fmt(k.shape)}, values ${fmt(v.shape)})`);
  check(mk >= 1, where, () => `the memory set is empty (keys ${fmt(k.shape)}); M must be ≥ 1`);
  const kb = broadcastShapes(k.shape.slice(0, -2), v.shape.slice(0, -2), `${where}: batch dimensions of keys ${fmt(k.shape)} and values ${fmt(v.shape)}`);
  broadcastShapes(q.shape.slice(0, -2), kb, `${where}: batch dimensions of query ${fmt(q.shape)} and keys ${fmt(k.shape)}`);
  check(typeof beta === 'number' && Number.isFinite(beta) && beta > 0, where, () => `beta must be a finite number > 0, got ${String(beta)}`);
  for (const [t, name] of named) finiteTensor(t as Tensor, where, name);
}

/** num / den with den [..., L, 1] checked positive and finite (it is > 0 in exact arithmetic). */
function normalize(where: string, num: Tensor, den: Tensor, hint: string): Tensor {
  const d = den.contiguousData();
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (!(v > 0 && v < Infinity)) throw new HopgradError(`${where}: the normalizer Σ_ν ⟨φ(x), φ(ξ_ν)⟩ of query row ${i} is ${v} in ${den.dtype} (${hint})`);
  }
  return div(num, den);
}

/** φ(√β·x) = elu(√β·x) + 1 elementwise (C.1). */
function eluFeatures(x: Tensor, beta: number): Tensor {
  return add(elu(mul(x, Math.sqrt(beta))), 1);
}

/** Linear attention (C.1)–(C.2): φ = elu + 1; T(x) = Σ_μ ⟨φ(x), φ(ξ_μ)⟩ v_μ / Σ_ν ⟨φ(x), φ(ξ_ν)⟩, via Σ φ(ξ)vᵀ and Σ φ(ξ): linear in L + M. */
export function linearAssociation(query: Tensor, keys: Tensor, values: Tensor, opts: { beta: number }): Tensor {
  const where = 'linearAssociation';
  check(typeof opts === 'object' && opts !== null, where, 'options { beta } are required');
  checkAssociation(where, query, keys, values, opts.beta);
  // φ applied to √β·x (see the header); φ > 0 elementwise, so the normalizer is > 0
  const fq = eluFeatures(query, opts.beta); // [..., L, d]
  const fk = eluFeatures(keys, opts.beta); // [..., M, d]
  const kv = matmul(transpose(fk), values); // Σ_μ φ(ξ_μ) v_μᵀ: [..., d, dv]
  const ksum = sum(fk, -2, { keepDims: true }); // Σ_μ φ(ξ_μ): [..., 1, d]
  const den = sum(mul(fq, ksum), -1, { keepDims: true }); // [..., L, 1]
  return normalize(where, matmul(fq, kv), den, 'every φ underflowed: elu(√β·x) + 1 = e^{√β·x} is 0 for very negative entries');
}

// ---- random projections Ω --------------------------------------------------------------------------

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

/** A seeded Ω that can be redrawn: `new RandomFeatures(d, { features, seed }).omega`, `.redraw()`. */
export class RandomFeatures {
  /** Pattern dimension d. */
  readonly dim: number;
  /** Number of random features m_f. */
  readonly features: number;
  readonly orthogonal: boolean;
  /** The stream Ω is drawn from (each redraw advances it). */
  readonly generator: Generator;
  private current: Tensor;

  constructor(dim: number, opts: { features?: number; seed?: number; generator?: Generator; orthogonal?: boolean } = {}) {
    check(Number.isInteger(dim) && dim >= 1, 'RandomFeatures', () => `dim must be an integer ≥ 1, got ${dim}`);
    check(opts.seed === undefined || opts.generator === undefined, 'RandomFeatures', 'give seed or generator, not both');
    this.dim = dim;
    this.features = opts.features ?? defaultFeatures(dim);
    this.orthogonal = opts.orthogonal ?? true;
    this.generator = opts.generator ?? new Generator(opts.seed ?? 0);
    this.current = drawOmega(dim, this.features, { generator: this.generator, orthogonal: this.orthogonal });
  }

  /** The current projection Ω [features, dim] (float64). */
  get omega(): Tensor {
    return this.current;
  }

  /** Draw a fresh Ω from the generator (the next in its stream) and return it. */
  redraw(): Tensor {
    this.current = drawOmega(this.dim, this.features, { generator: this.generator, orthogonal: this.orthogonal });
    return this.current;
  }

  /** prfAssociation with this Ω. */
  associate(query: Tensor, keys: Tensor, values: Tensor, opts: { beta: number }): Tensor {
    return prfAssociation(query, keys, values, { beta: opts?.beta, omega: this.current });
  }
}

const omegaCache = new Map<string, Tensor>();

/** Ω for prf: the given one (validated), or the seeded draw (cached: same seed, same Ω). */
function omegaFor(where: string, d: number, opts: { features?: number; seed?: number; omega?: Tensor }): Tensor {
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
    omegaCache.set(key, om);
  }
  return om;
}

/** Ω in `dtype`, without gradient. */
function omegaAs(om: Tensor, dtype: 'float32' | 'float64'): Tensor {
  if (om.dtype === dtype && !om.requiresGrad) return om;
  const data = om.contiguousData();
  return new Tensor(dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data), om.shape);
}

/**
 * Log-features ωᵢᵀ(√β x) − β‖x‖²/2 of x [..., n, d] for Ω [m_f, d]: [..., n, m_f]. The positive features are
 * φ(√β x) = m_f^{-1/2} exp(these).
 */
function logFeatures(x: Tensor, omega: Tensor, beta: number): Tensor {
  const xs = mul(x, Math.sqrt(beta));
  return sub(matmul(xs, transpose(omega)), mul(sum(square(xs), -1, { keepDims: true }), 0.5));
}

/** prf features of queries and keys, each shifted by a detached max inside the exp (see prfAssociation). */
function stabilizedPrf(where: string, query: Tensor, keys: Tensor, opts: { beta: number; features?: number; seed?: number; omega?: Tensor }): FeaturePair {
  const om = omegaAs(omegaFor(where, query.shape[query.ndim - 1]!, opts), query.dtype as 'float32' | 'float64');
  const lq = logFeatures(query, om, opts.beta);
  const lk = logFeatures(keys, om, opts.beta);
  // the shifts are constants (detached): the association does not depend on them
  return {
    query: exp(sub(lq, max(lq.detach(), -1, { keepDims: true }))),
    keys: exp(sub(lk, max(lk.detach(), [-2, -1], { keepDims: true }))),
  };
}

/** Feature maps of queries and keys whose normalized products are the association weights. */
export interface FeaturePair {
  /** φ(queries) [..., L, D]. */
  query: Tensor;
  /** φ(keys) [..., M, D]. */
  keys: Tensor;
}

/**
 * The features the 'linear' or 'prf' association uses (D = d or m_f), for callers that want the
 * association weights themselves: w = φ(q)φ(k)ᵀ / (φ(q)φ(k)ᵀ1) [..., L, M] (this builds L × M, the
 * associations do not). prf's are the stabilized ones: each query row and each batch entry's keys are
 * scaled by a constant, which leaves w unchanged. Same options and validation as the associations.
 */
export function kernelFeatures(
  kind: 'linear' | 'prf', query: Tensor, keys: Tensor, opts: { beta: number; features?: number; seed?: number; omega?: Tensor },
): FeaturePair {
  const where = 'kernelFeatures';
  check(kind === 'linear' || kind === 'prf', where, () => `kind must be 'linear' or 'prf', got ${String(kind)}`);
  check(typeof opts === 'object' && opts !== null, where, 'options { beta } are required');
  check(query instanceof Tensor && keys instanceof Tensor, where, 'query and keys must be Tensors');
  checkAssociation(where, query, keys, keys, opts.beta);
  if (kind === 'linear') return { query: eluFeatures(query, opts.beta), keys: eluFeatures(keys, opts.beta) };
  return stabilizedPrf(where, query, keys, opts);
}

/**
 * The positive random features (C.6) of x [..., n, d] with β: φ(√β x) = m_f^{-1/2} exp(Ω√βx − β‖x‖²/2),
 * [..., n, m_f], so that E_Ω[φ(√β x)ᵀφ(√β y)] = exp(β xᵀy). Unstabilized (prfAssociation stabilizes).
 */
export function positiveRandomFeatures(x: Tensor, omega: Tensor, opts: { beta: number }): Tensor {
  const where = 'positiveRandomFeatures';
  check(x instanceof Tensor && x.ndim >= 1 && x.dtype !== 'int32', where, () => 'x must be a float Tensor [..., d]');
  const beta = opts?.beta;
  check(typeof beta === 'number' && Number.isFinite(beta) && beta > 0, where, () => `beta must be a finite number > 0, got ${String(beta)}`);
  check(omega instanceof Tensor, where, 'omega must be a Tensor [features, d] (see drawOmega)');
  const om = omegaFor(where, x.shape[x.ndim - 1]!, { omega });
  return mul(exp(logFeatures(x, omegaAs(om, x.dtype as 'float32' | 'float64'), beta)), 1 / Math.sqrt(om.shape[0]!));
}

/**
 * Performer positive random features (C.6)–(C.7) approximating softmax(β q·k) attention.
 * T(x) = Σ_μ φ(√βx)ᵀφ(√βξ_μ) v_μ / Σ_ν φ(√βx)ᵀφ(√βξ_ν) with φ(u) = m_f^{-1/2} exp(Ωu − ‖u‖²/2) and the m_f
 * rows of Ω Gaussian in orthogonal blocks (drawOmega); m_f = `features` (default ⌈d·ln d⌉), Ω drawn from
 * `seed` (default 0; the same seed gives the same Ω) or given as `omega` (e.g. RandomFeatures.omega).
 * Cost O((L + M)·d·m_f); differentiable in query, keys and values (Ω is a constant).
 * Stability (as Performer): the query features subtract their row max and the key features the max over
 * all keys and features of a batch entry inside the exp. Each shift multiplies the numerator and the
 * normalizer alike and cancels in the ratio (as does the constant m_f^{-1/2}, left out), so large β·‖x‖²
 * cannot overflow. Performer's limit remains: a key whose every log-feature lies more than ~745 (float64)
 * or ~100 (float32) below that max underflows to 0 and drops out; a normalizer that underflows to 0
 * throws rather than returning NaN.
 */
export function prfAssociation(
  query: Tensor, keys: Tensor, values: Tensor, opts: { beta: number; features?: number; seed?: number; omega?: Tensor },
): Tensor {
  const where = 'prfAssociation';
  check(typeof opts === 'object' && opts !== null, where, 'options { beta } are required');
  checkAssociation(where, query, keys, values, opts.beta);
  const { query: fq, keys: fk } = stabilizedPrf(where, query, keys, opts); // [..., L, m_f], [..., M, m_f]
  const kv = matmul(transpose(fk), values); // Σ_μ φ(ξ_μ) v_μᵀ: [..., m_f, dv]
  const ksum = sum(fk, -2, { keepDims: true }); // Σ_μ φ(ξ_μ): [..., 1, m_f]
  const den = sum(mul(fq, ksum), -1, { keepDims: true }); // [..., L, 1]
  return normalize(where, matmul(fq, kv), den, 'the random-feature estimate underflowed: β·‖x‖² is too large for this m_f; reduce beta or use the dense kind');
}
