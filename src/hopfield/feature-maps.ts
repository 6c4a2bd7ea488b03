// Kernelized (feature-map) associations of the paper's Appendix C, linear in L + M: the linear modern
// Hopfield model (C.1)–(C.2) with φ = elu + 1, and the Performer positive-random-feature model (C.6)–(C.7)
// approximating softmax(β q·k) attention. Both go through Σ_μ φ(ξ_μ)v_μᵀ and Σ_μ φ(ξ_μ) and never build the
// L × M score matrix. The random projections Ω live in ./omega.ts (re-exported here).
//
// How β enters. The paper brings β into a kernel's feature map as √β·x on both arguments ((3.8), (B.22),
// (C.4): K(x, ξ) = Σₙ ⟨√βx, √βξ⟩ⁿ/n! = exp(β⟨x, ξ⟩)); (C.1)–(C.2) print no β. Both kinds here apply their
// feature map to √β·x and √β·ξ, so β = 1 is (C.2) exactly and prf approximates Ξ softmax(β Ξᵀx) as (C.6) does.
// β may be a tensor with one value per batch element or head ([..., 1, 1]); it cannot vary per query row,
// because φ(√β·ξ) would then depend on the query and the memory sums could not be shared (O(L·M)).
//
// Key padding (nonzero = padded memory) removes the padded rows from Σ φ(ξ)vᵀ and Σ φ(ξ), which is exactly
// the association over the unpadded memories; a batch entry whose memories are all padded retrieves zeros.
import { Tensor } from '../tensor/tensor.js';
import { HopgradError, check } from '../tensor/errors.js';
import { broadcastShapes, fmt } from '../tensor/shape.js';
import { Generator } from '../tensor/random.js';
import { allocate } from '../tensor/dtype.js';
import {
  add, div, elu, exp, isfinite, matmul, max, mul, sqrt, square, sub, sum, transpose, unsqueeze, where as select,
} from '../autograd/ops/index.js';
import { defaultFeatures, drawOmega, finiteTensor, omegaAs, omegaFor } from './omega.js';

export { defaultFeatures, drawOmega } from './omega.js';
export type { OmegaOptions } from './omega.js';

/** Options of the kernel associations. */
export interface KernelOptions {
  /**
   * Inverse temperature β > 0: a number, or a float tensor broadcastable to [..., 1, 1] (one β per batch
   * element or head; differentiable). Not per query row (see the header).
   */
  beta: number | Tensor;
  /** Key padding mask, nonzero / true = padded memory, shape broadcastable to [..., M]. */
  mask?: Tensor;
}

/** Options of the prf association: the kernel options plus the random features. */
export interface PrfOptions extends KernelOptions {
  /** Number of random features m_f (default ⌈d·ln d⌉). */
  features?: number;
  /** Seed of Ω (default 0; the same seed gives the same Ω). */
  seed?: number;
  /** An explicit Ω [m_f, d] (e.g. RandomFeatures.omega); excludes `seed`. */
  omega?: Tensor;
}

/** Validate β of a kernel association: a finite number > 0, or a float tensor of such values shaped [..., 1, 1]. */
function checkKernelBeta(where: string, beta: unknown): void {
  if (!(beta instanceof Tensor)) {
    check(typeof beta === 'number' && Number.isFinite(beta) && beta > 0, where, () => `beta must be a finite number > 0, got ${String(beta)}`);
    return;
  }
  check(beta.dtype !== 'int32', where, 'beta must be a number or a float Tensor, got an int32 tensor');
  const r = beta.ndim;
  check(r === 0 || (beta.shape[r - 1] === 1 && (r < 2 || beta.shape[r - 2] === 1)), where,
    () => `beta tensor of shape ${fmt(beta.shape)} must broadcast to [..., 1, 1] (one β per batch element or head): ` +
      'the kernel applies φ to √β·ξ, so a β per query row would make the memory features depend on the query (O(L·M))');
  const d = beta.contiguousData();
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    check(Number.isFinite(v) && v > 0, where, () => `beta must be finite and > 0, got ${v} at flat index ${i}`);
  }
}

/** Validate query [..., L, d], keys [..., M, d], values [..., M, dv] (batch dims broadcast), β and the mask. */
function checkAssociation(where: string, query: unknown, keys: unknown, values: unknown, opts: KernelOptions): void {
  check(typeof opts === 'object' && opts !== null, where, 'options { beta } are required');
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
  let batch = broadcastShapes(q.shape.slice(0, -2), kb, `${where}: batch dimensions of query ${fmt(q.shape)} and keys ${fmt(k.shape)}`);
  checkKernelBeta(where, opts.beta);
  if (opts.beta instanceof Tensor && opts.beta.ndim > 2) {
    batch = broadcastShapes(batch, opts.beta.shape.slice(0, -2), `${where}: batch dimensions of beta ${fmt(opts.beta.shape)} and the patterns`);
  }
  const mask = opts.mask;
  if (mask !== undefined) {
    check(mask instanceof Tensor && mask.ndim >= 1 && (mask.shape[mask.ndim - 1] === mk || mask.shape[mask.ndim - 1] === 1), where,
      () => `mask ${mask instanceof Tensor ? `of shape ${fmt(mask.shape)}` : `(${typeof mask})`} must be a Tensor broadcastable to [..., M] with M = ${mk} (nonzero = padded memory)`);
    broadcastShapes(batch, mask.shape.slice(0, -1), `${where}: batch dimensions of mask ${fmt(mask.shape)} and the patterns`);
  }
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

/** √β as a number or a tensor (differentiable in β). */
const rootBeta = (beta: number | Tensor): number | Tensor => (typeof beta === 'number' ? Math.sqrt(beta) : sqrt(beta));

/** φ(√β·x) = elu(√β·x) + 1 elementwise (C.1). */
function eluFeatures(x: Tensor, beta: number | Tensor): Tensor {
  return add(elu(mul(x, rootBeta(beta))), 1);
}

/**
 * Log-features ωᵢᵀ(√β x) − β‖x‖²/2 of x [..., n, d] for Ω [m_f, d]: [..., n, m_f]. The positive features are
 * φ(√β x) = m_f^{-1/2} exp(these).
 */
function logFeatures(x: Tensor, omega: Tensor, beta: number | Tensor): Tensor {
  const xs = mul(x, rootBeta(beta));
  return sub(matmul(xs, transpose(omega)), mul(sum(square(xs), -1, { keepDims: true }), 0.5));
}

/** 1 for each batch entry of the mask whose memories are all padded: [...mask batch, 1, 1]; null if none is. */
function allPadded(mask: Tensor, dtype: 'float32' | 'float64'): Tensor | null {
  const d = mask.contiguousData();
  const m = mask.shape[mask.ndim - 1]!;
  const flags = allocate(dtype, d.length / m);
  let any = false;
  for (let r = 0; r < flags.length; r++) {
    let all = true;
    for (let j = 0; j < m && all; j++) all = d[r * m + j] !== 0;
    if (all) flags[r] = 1;
    any ||= all;
  }
  return any ? new Tensor(flags, [...mask.shape.slice(0, -1), 1, 1]) : null;
}

/** Feature maps of queries and keys whose normalized products are the association weights. */
export interface FeaturePair {
  /** φ(queries) [..., L, D]. */
  query: Tensor;
  /** φ(keys) [..., M, D] (padded memories: 0). */
  keys: Tensor;
}

/** @internal the features of a validated kernel association and the all-padded flags ([..., 1, 1]) or null. */
export interface KernelParts extends FeaturePair {
  empty: Tensor | null;
}

/**
 * @internal φ(queries) and φ(keys) of a validated 'linear' or 'prf' association, padded keys zeroed. prf's
 * are stabilized as Performer does: each query row shifted by its max log-feature and each batch entry's keys
 * by the max over its unpadded keys and features, inside the exp. The shifts are detached constants that
 * multiply numerator and normalizer alike, so they cancel (as does the constant m_f^{-1/2}, left out).
 */
export function kernelParts(where: string, kind: 'linear' | 'prf', query: Tensor, keys: Tensor, opts: PrfOptions): KernelParts {
  const pad = opts.mask === undefined ? null : unsqueeze(opts.mask, -1); // [..., M, 1]
  const empty = opts.mask === undefined ? null : allPadded(opts.mask, query.dtype as 'float32' | 'float64');
  if (kind === 'linear') {
    const fk = eluFeatures(keys, opts.beta);
    return { query: eluFeatures(query, opts.beta), keys: pad ? select(pad, 0, fk) : fk, empty };
  }
  const om = omegaAs(omegaFor(where, query.shape[query.ndim - 1]!, opts), query.dtype as 'float32' | 'float64');
  const lq = logFeatures(query, om, opts.beta);
  let lk = logFeatures(keys, om, opts.beta);
  if (pad) lk = select(pad, -Infinity, lk); // exp(−∞) = 0, with zero gradient
  let shift = max(lk.detach(), [-2, -1], { keepDims: true });
  if (pad) shift = select(isfinite(shift), shift, 0); // every key padded: any finite shift
  return { query: exp(sub(lq, max(lq.detach(), -1, { keepDims: true }))), keys: exp(sub(lk, shift)), empty };
}

const HINTS = {
  linear: 'every φ underflowed: elu(√β·x) + 1 = e^{√β·x} is 0 for very negative entries',
  prf: 'the random-feature estimate underflowed: β·‖x‖² is too large for this m_f; reduce beta or use the dense kind',
};

/** @internal Σ_μ ⟨φ(x), φ(ξ_μ)⟩ v_μ / Σ_ν ⟨φ(x), φ(ξ_ν)⟩ through Σ φ(ξ)vᵀ and Σ φ(ξ): O((L + M)·D·dv). */
export function kernelAggregate(where: string, kind: 'linear' | 'prf', parts: KernelParts, values: Tensor): Tensor {
  const kv = matmul(transpose(parts.keys), values); // Σ_μ φ(ξ_μ) v_μᵀ: [..., D, dv]
  const ksum = sum(parts.keys, -2, { keepDims: true }); // Σ_μ φ(ξ_μ): [..., 1, D]
  let den = sum(mul(parts.query, ksum), -1, { keepDims: true }); // [..., L, 1]
  // all memories padded: numerator and normalizer are 0; retrieve zeros, as the other kinds do
  if (parts.empty) den = add(den, parts.empty);
  return normalize(where, matmul(parts.query, kv), den, HINTS[kind]);
}

/**
 * Linear attention (C.1)–(C.2): φ = elu + 1; T(x) = Σ_μ ⟨φ(x), φ(ξ_μ)⟩ v_μ / Σ_ν ⟨φ(x), φ(ξ_ν)⟩, via Σ φ(ξ)vᵀ
 * and Σ φ(ξ): linear in L + M. β: a number or one per batch element / head; `mask` drops padded memories.
 */
export function linearAssociation(query: Tensor, keys: Tensor, values: Tensor, opts: KernelOptions): Tensor {
  const where = 'linearAssociation';
  checkAssociation(where, query, keys, values, opts);
  // φ applied to √β·x (see the header); φ > 0 elementwise, so the normalizer is > 0
  return kernelAggregate(where, 'linear', kernelParts(where, 'linear', query, keys, opts), values);
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
  associate(query: Tensor, keys: Tensor, values: Tensor, opts: KernelOptions): Tensor {
    const o: PrfOptions = { beta: opts?.beta, omega: this.current };
    if (opts?.mask !== undefined) o.mask = opts.mask;
    return prfAssociation(query, keys, values, o);
  }
}

/**
 * The features the 'linear' or 'prf' association uses (D = d or m_f), for callers that want the
 * association weights themselves: w = φ(q)φ(k)ᵀ / (φ(q)φ(k)ᵀ1) [..., L, M] (this builds L × M, the
 * associations do not). prf's are the stabilized ones: each query row and each batch entry's keys are
 * scaled by a constant, which leaves w unchanged. Padded keys (`mask`) have zero features. Same options and
 * validation as the associations.
 */
export function kernelFeatures(kind: 'linear' | 'prf', query: Tensor, keys: Tensor, opts: PrfOptions): FeaturePair {
  const where = 'kernelFeatures';
  check(kind === 'linear' || kind === 'prf', where, () => `kind must be 'linear' or 'prf', got ${String(kind)}`);
  check(query instanceof Tensor && keys instanceof Tensor, where, 'query and keys must be Tensors');
  checkAssociation(where, query, keys, keys, opts);
  const { query: q, keys: k } = kernelParts(where, kind, query, keys, opts);
  return { query: q, keys: k };
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
 * Cost O((L + M)·d·m_f); differentiable in query, keys, values and a tensor β (Ω is a constant).
 * Stability (as Performer): the query features subtract their row max and the key features the max over
 * all unpadded keys and features of a batch entry inside the exp. Each shift multiplies the numerator and the
 * normalizer alike and cancels in the ratio (as does the constant m_f^{-1/2}, left out), so large β·‖x‖²
 * cannot overflow. Performer's limit remains: a key whose every log-feature lies more than ~745 (float64)
 * or ~100 (float32) below that max underflows to 0 and drops out; a normalizer that underflows to 0
 * throws rather than returning NaN.
 */
export function prfAssociation(query: Tensor, keys: Tensor, values: Tensor, opts: PrfOptions): Tensor {
  const where = 'prfAssociation';
  checkAssociation(where, query, keys, values, opts);
  return kernelAggregate(where, 'prf', kernelParts(where, 'prf', query, keys, opts), values);
}
