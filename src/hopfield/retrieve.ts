// hopfield.retrieve: the functional Hopfield retrieval core. Validates queries, memories and the kind's
// options, resolves the support set once per call (random draws, windows), then iterates x ← T(x) for
// `steps` steps or until the largest per-query change is ≤ tol. `retrieve` returns the retrieved patterns;
// `retrieveDetailed` also returns the step count, convergence, trajectory and association weights. Optional
// dropout on the association weights (the caller decides when: training) keeps the sparse kinds sub-quadratic.
import { Tensor } from '../tensor/tensor.js';
import { HopgradError, check } from '../tensor/errors.js';
import { broadcastShapes, fmt, sizeOf } from '../tensor/shape.js';
import { Generator, defaultGenerator } from '../tensor/random.js';
import { noGrad } from '../autograd/engine.js';
import { max, reshape, square, sqrt, sub, sum } from '../autograd/ops/index.js';
import { KINDS, type RetrieveKind, type StepConfig, type TopkReading, associate } from './association.js';
import { checkWindow, defaultWindow, maskGenerator, randomIndex, resolveK, windowIndex } from './masks.js';

export { KINDS } from './association.js';
export type { RetrieveKind, TopkReading } from './association.js';

/** Options of `retrieve` (every kind-specific option is read only by its kind). */
export interface RetrieveOptions {
  /** The association (default 'dense'): dense softmax, sparsemax, entmax, topk, random, window, linear or prf. */
  kind?: RetrieveKind;
  /** Values [..., M, dv] returned for hetero-association (default: the stored patterns, auto-association). */
  values?: Tensor;
  /**
   * Inverse temperature β > 0 (default 1/√d): a number, or a tensor broadcastable to [..., L, 1] (one β per batch
   * element, head or query row; differentiable). linear and prf apply their feature map to √β·x and √β·ξ (see
   * feature-maps.ts), so for them a tensor β must broadcast to [..., 1, 1] (per batch element / head, not per
   * query row: φ(√β·ξ) would depend on the query and the memory sums could no longer be shared).
   */
  beta?: number | Tensor;
  /** Maximum number of update steps x ← T(x) (default 1). More than one needs values of dimension d. */
  steps?: number;
  /** Stop once max over queries of ‖x_{t+1} − x_t‖ ≤ tol (default 0: always run `steps` steps). */
  tol?: number;
  /**
   * topk and random: the support size, a count in 1..M or a fraction 0 < k < 1 of M (→ ⌈k·M⌉). Required for
   * those kinds.
   */
  k?: number;
  /**
   * topk: how (3.9) weighs the kept memories. 'renormalized' (default): softmax over the K kept scores, the
   * others at −∞ — the top-K attention the paper connects the model to (Gupta et al. 2021); its weights lie on
   * the simplex, so outputs stay in the convex hull of the values, stored patterns stay fixed points and
   * iterating does not shrink the state. 'paper': (3.9) read literally, the full softmax over all M memories
   * restricted to the K kept ones and not renormalized (weights sum to ≤ 1); it is the reading the proof of
   * Thm 4.1 ((B.29)–(B.33)) bounds. With K = M both equal dense.
   */
  reading?: TopkReading;
  /** window: half-width w ≥ 0, query i sees memories |i − j| ≤ w (default ⌈√L / 2⌉, see `defaultWindow`). */
  window?: number;
  /** entmax: α ∈ (1, 2] (default 1.5), a number or a tensor broadcastable to [..., L, 1] (differentiable). */
  alpha?: number | Tensor;
  /** prf: number of random features m_f (default ⌈d·ln d⌉). */
  features?: number;
  /**
   * random and prf: seed of the draws. random: masks from a fresh Generator(seed) (default: `generator`, else
   * the process-wide generator); prf: Ω drawn from the seed (default 0; see feature-maps.ts).
   */
  seed?: number;
  /** random: the generator to draw masks from when no seed is given (default: the process-wide generator). */
  generator?: Generator;
  /** prf: an explicit random-feature matrix Ω [m_f, d] (e.g. `RandomFeatures.omega`, redrawable). */
  omega?: Tensor;
  /**
   * Key padding mask, nonzero / true = padded memory, shape broadcastable to [..., M]. Padded memories get weight
   * 0 (linear / prf: they are left out of Σ φ(ξ)vᵀ and Σ φ(ξ)); a query whose memories are all padded retrieves 0.
   */
  mask?: Tensor;
  /**
   * Inverted dropout on the association weights of every step: each weight is zeroed with probability p and the
   * rest scaled by 1/(1 − p), masks drawn from `generator` (default: the process-wide generator). Applied
   * whenever given (the caller decides: training only). topk, random and window drop their kept [L, K] /
   * [L, width] weights only, so they stay sub-quadratic. Not available for linear / prf: independent dropout
   * of each (query, memory) weight needs the L×M weight matrix, which kernelized attention never forms (p > 0
   * throws; use `returnWeights` and drop them yourself if the quadratic cost is acceptable).
   * `retrieveDetailed`'s `weights` are the weights before dropout.
   */
  weightDropout?: { p: number; generator?: Generator };
}

/** Options of `retrieveDetailed`: those of `retrieve` plus what to return. */
export interface RetrieveDetailedOptions extends RetrieveOptions {
  /** Also return every iterate, the query first (default false). */
  returnTrajectory?: boolean;
  /** Also return the last step's association weights (before any weightDropout) as a dense [..., L, M] tensor (default false). */
  returnWeights?: boolean;
}

/** What `retrieveDetailed` returns. */
export interface RetrieveResult {
  /** The retrieved patterns [..., L, dv] (a 1-D query gives [..., dv]). */
  output: Tensor;
  /** Update steps taken (1..steps). */
  steps: number;
  /** Whether the last step changed every query by at most tol (false when dv ≠ d: no change is defined). */
  converged: boolean;
  /** max over queries of ‖x_t − x_{t−1}‖ at the last step (NaN when dv ≠ d). */
  delta: number;
  /** Iterates x_0 = query, x_1, …, x_steps (on request). */
  trajectory?: Tensor[];
  /** The last step's association weights [..., L, M] (on request; built densely from sparse supports). */
  weights?: Tensor;
}

const WHERE = 'retrieve';

function needFloatTensor(t: unknown, name: string, minRank: number): Tensor {
  check(t instanceof Tensor, WHERE, () => `${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  check(t.dtype !== 'int32', WHERE, () => `${name} must be a float tensor, got int32`);
  check(t.ndim >= minRank, WHERE, () => `${name} must have at least ${minRank} dimension(s) ([..., ${minRank === 1 ? 'd' : 'rows, d'}]), got shape ${fmt(t.shape)}`);
  return t;
}

/**
 * Whether a view visits every element of its storage exactly once (offset 0, as many elements as the storage,
 * strides a permutation of row-major ones): then a scan of the storage sees the same values with no copy.
 */
function coversStorage(t: Tensor): boolean {
  const st = t._storage;
  if (t._offset !== 0 || st.length !== t.size) return false;
  const axes: [number, number][] = [];
  for (let i = 0; i < t.ndim; i++) if (t.shape[i]! !== 1) axes.push([t._strides[i]!, t.shape[i]!]);
  axes.sort((a, b) => a[0] - b[0]);
  let acc = 1;
  for (const [stride, dim] of axes) {
    if (stride !== acc) return false;
    acc *= dim;
  }
  return true;
}

/**
 * Whether every value of `d` is finite (one tight pass). float32 by its exponent bits without a branch: the
 * exponent field plus one ulp of it carries into bit 31 exactly when the field is all ones (±Infinity, NaN).
 */
function allFinite(d: Float32Array | Float64Array | Int32Array): boolean {
  if (d instanceof Float32Array) {
    const u = new Int32Array(d.buffer, d.byteOffset, d.length);
    const n = u.length, E = 0x7f800000, ONE = 0x00800000;
    let acc = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
      acc |= ((u[i]! & E) + ONE) | ((u[i + 1]! & E) + ONE) | ((u[i + 2]! & E) + ONE) | ((u[i + 3]! & E) + ONE);
    }
    for (; i < n; i++) acc |= (u[i]! & E) + ONE;
    return (acc & 0x80000000) === 0;
  }
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v - v !== 0) return false;
  }
  return true;
}

/** Throw naming the tensor and position of the first NaN or infinity. */
function checkFinite(t: Tensor, name: string): void {
  // fast path: a permuted view (e.g. heads split off by transpose) is checked on its storage, without a copy
  if (coversStorage(t) && allFinite(t._storage)) return;
  const d = t.contiguousData();
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v - v !== 0) throw new HopgradError(`${WHERE}: ${name} contains ${Number.isNaN(v) ? 'NaN' : v} at flat index ${i} (shape ${fmt(t.shape)})`);
  }
}

function checkBeta(beta: number | Tensor, l: number): void {
  if (typeof beta === 'number') {
    check(Number.isFinite(beta) && beta > 0, WHERE, () => `beta must be a finite number > 0, got ${beta}`);
    return;
  }
  check(beta instanceof Tensor && beta.dtype !== 'int32', WHERE, () => `beta must be a number or a float Tensor, got ${beta instanceof Tensor ? 'an int32 tensor' : typeof beta}`);
  const r = beta.ndim;
  check(r === 0 || (beta.shape[r - 1] === 1 && (r < 2 || beta.shape[r - 2] === 1 || beta.shape[r - 2] === l)), WHERE,
    () => `beta tensor of shape ${fmt(beta.shape)} must broadcast to [..., L, 1] with L = ${l} (one β per batch element, head or query)`);
  const d = beta.contiguousData();
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    check(Number.isFinite(v) && v > 0, WHERE, () => `beta must be finite and > 0, got ${v} at flat index ${i}`);
  }
}

interface Prepared {
  x: Tensor;
  keys: Tensor;
  values: Tensor;
  cfg: StepConfig;
  steps: number;
  tol: number;
  vector: boolean;
}

function prepare(query: Tensor, stored: Tensor, opts: RetrieveOptions): Prepared {
  check(opts !== null && typeof opts === 'object', WHERE, () => `options must be an object, got ${String(opts)}`);
  const kind = opts.kind ?? 'dense';
  check((KINDS as readonly string[]).includes(kind), WHERE, () => `unknown kind '${String(kind)}' (kinds: ${KINDS.join(', ')})`);
  needFloatTensor(query, 'query', 1);
  const keys = needFloatTensor(stored, 'stored', 2);
  const values = opts.values === undefined ? keys : needFloatTensor(opts.values, 'values', 2);
  const vector = query.ndim === 1;
  const x = vector ? reshape(query, [1, query.shape[0]!]) : query;
  const l = x.shape[x.ndim - 2]!;
  const d = x.shape[x.ndim - 1]!;
  const m = keys.shape[keys.ndim - 2]!;
  check(d >= 1, WHERE, () => `the pattern dimension d must be at least 1, got query of shape ${fmt(query.shape)}`);
  check(keys.shape[keys.ndim - 1] === d, WHERE,
    () => `query of shape ${fmt(query.shape)} and stored of shape ${fmt(stored.shape)} differ in pattern dimension d (${d} vs ${keys.shape[keys.ndim - 1]})`);
  check(m >= 1, WHERE, () => `the memory set is empty: stored has shape ${fmt(stored.shape)} (M = 0)`);
  check(values.shape[values.ndim - 2] === m, WHERE,
    () => `values of shape ${fmt(values.shape)} must hold one row per stored pattern (M = ${m}), got ${values.shape[values.ndim - 2]}`);
  const steps = opts.steps ?? 1;
  check(Number.isInteger(steps) && steps >= 1, WHERE, () => `steps must be an integer >= 1, got ${String(steps)}`);
  const tol = opts.tol ?? 0;
  check(typeof tol === 'number' && tol >= 0 && !Number.isNaN(tol), WHERE, () => `tol must be a number >= 0, got ${String(tol)}`);
  const dv = values.shape[values.ndim - 1]!;
  check(steps === 1 || dv === d, WHERE, () => `steps = ${steps} iterates x <- T(x), which needs values of the query's dimension d = ${d}, got values of shape ${fmt(values.shape)}`);
  const beta = opts.beta ?? 1 / Math.sqrt(d);
  checkBeta(beta, l);
  checkFinite(query, 'query');
  checkFinite(keys, 'stored');
  if (values !== keys) checkFinite(values, 'values');
  const mask = opts.mask;
  const shapes: [string, readonly number[]][] = [['query', x.shape.slice(0, -2)], ['stored', keys.shape.slice(0, -2)], ['values', values.shape.slice(0, -2)]];
  if (mask !== undefined) {
    check(mask instanceof Tensor, WHERE, () => `mask must be a Tensor (nonzero = padded memory), got ${typeof mask}`);
    check(mask.ndim >= 1 && (mask.shape[mask.ndim - 1] === m || mask.shape[mask.ndim - 1] === 1), WHERE,
      () => `mask of shape ${fmt(mask.shape)} must broadcast to [..., M] with M = ${m} (one flag per memory)`);
    shapes.push(['mask', mask.shape.slice(0, -1)]);
  }
  check(!(beta instanceof Tensor) || (kind !== 'linear' && kind !== 'prf') || beta.ndim < 2 || beta.shape[beta.ndim - 2] === 1 || l === 1, WHERE,
    () => `kind '${kind}' takes beta per batch element or head (a tensor broadcastable to [..., 1, 1]), got shape ${fmt((beta as Tensor).shape)}: ` +
      'its feature map of √β·ξ would depend on the query row, and the memory sums could not be shared (O(L·M))');
  if (beta instanceof Tensor && beta.ndim > 2) shapes.push(['beta', beta.shape.slice(0, -2)]);
  let batch: number[] = [];
  for (const [name, s] of shapes) batch = broadcastShapes(batch, s, `${WHERE}: batch dimensions (${name} ${fmt(s)})`);
  const cfg: StepConfig = {
    kind, beta, mask, batch, k: 0, reading: 'renormalized', alpha: opts.alpha ?? 1.5, indexSet: undefined,
    features: opts.features, seed: opts.seed, omega: opts.omega, dropout: weightDropout(opts.weightDropout, kind),
  };
  if (kind === 'topk' || kind === 'random') {
    check(opts.k !== undefined, WHERE, () => `kind '${kind}' needs k (a count in 1..${m} or a fraction in (0, 1) of M)`);
    cfg.k = resolveK(opts.k, m, WHERE, kind);
  }
  if (kind === 'topk') {
    const reading = opts.reading ?? 'renormalized';
    check(reading === 'renormalized' || reading === 'paper', WHERE, () => `reading must be 'renormalized' or 'paper', got '${String(reading)}'`);
    cfg.reading = reading;
  }
  if (kind === 'window') cfg.indexSet = windowIndex(l, m, checkWindow(opts.window ?? defaultWindow(l), WHERE));
  if (kind === 'random') cfg.indexSet = randomIndex(sizeOf(batch) * l, m, cfg.k, maskGenerator(opts.seed, opts.generator, WHERE));
  return { x, keys, values, cfg, steps, tol, vector };
}

/** The validated weight dropout: undefined when absent or p = 0; throws for the kernel kinds. */
function weightDropout(o: RetrieveOptions['weightDropout'], kind: RetrieveKind): StepConfig['dropout'] {
  if (o === undefined) return undefined;
  check(o !== null && typeof o === 'object', WHERE, () => `weightDropout must be an object { p, generator? }, got ${String(o)}`);
  const p = o.p;
  check(typeof p === 'number' && p >= 0 && p <= 1, WHERE, () => `weightDropout.p must be a probability in [0, 1], got ${String(p)}`);
  check(o.generator === undefined || o.generator instanceof Generator, WHERE, () => `weightDropout.generator must be a Generator, got ${typeof o.generator}`);
  if (p === 0) return undefined;
  check(kind !== 'linear' && kind !== 'prf', WHERE,
    () => `weightDropout is not defined for kind '${kind}': dropping each (query, memory) weight independently needs the L×M ` +
      'weight matrix, which kernelized attention never forms (use returnWeights and drop them yourself, at O(L·M) cost)');
  return { p, generator: o.generator ?? defaultGenerator };
}

/** max over rows of ‖a − b‖ (no gradient). */
function maxRowChange(a: Tensor, b: Tensor): number {
  return noGrad(() => (a.size === 0 && b.size === 0 ? 0 : max(sqrt(sum(square(sub(a, b)), -1))).item()));
}

/**
 * Full retrieval with its record: iterates x ← T(x) (the association step of `kind`) from x_0 = query for up to
 * `steps` steps, stopping early once every query moved by ≤ tol (when tol > 0). The random mask is drawn once
 * per call and the window fixed, so every step uses the same support; top-K re-selects each step.
 * Differentiable through every step and kind with respect to query, stored, values (and tensor β / α).
 */
export function retrieveDetailed(query: Tensor, stored: Tensor, opts: RetrieveDetailedOptions = {}): RetrieveResult {
  const p = prepare(query, stored, opts);
  const wantW = opts.returnWeights === true;
  const back = (t: Tensor): Tensor => (p.vector ? reshape(t, [...t.shape.slice(0, -2), t.shape[t.ndim - 1]!]) : t);
  const trajectory: Tensor[] | undefined = opts.returnTrajectory ? [query] : undefined;
  let x = p.x;
  let delta = NaN;
  let weights: Tensor | null = null;
  let t = 0;
  while (t < p.steps) {
    const r = associate(x, p.keys, p.values, p.cfg, wantW);
    t++;
    delta = r.output.shape[r.output.ndim - 1] === x.shape[x.ndim - 1] ? maxRowChange(r.output, x) : NaN;
    x = r.output;
    weights = r.weights;
    trajectory?.push(back(x));
    if (p.tol > 0 && delta <= p.tol) break;
  }
  const res: RetrieveResult = { output: back(x), steps: t, converged: delta <= p.tol, delta };
  if (trajectory) res.trajectory = trajectory;
  if (weights) res.weights = p.vector ? reshape(weights, [...weights.shape.slice(0, -2), weights.shape[weights.ndim - 1]!]) : weights;
  return res;
}

/**
 * Hopfield retrieval: the patterns retrieved from `stored` for `query` ([L, d] or batched [..., L, d]; a 1-D
 * query [d] is one pattern) by `steps` update steps of the association `kind` (default one dense step,
 * softmax(β x Ξᵀ) Ξ with β = 1/√d). See `RetrieveOptions`; `retrieveDetailed` returns the full record.
 */
export function retrieve(query: Tensor, stored: Tensor, opts: RetrieveOptions = {}): Tensor {
  const o = opts as RetrieveDetailedOptions;
  check(o?.returnTrajectory === undefined && o?.returnWeights === undefined, WHERE,
    'returnTrajectory / returnWeights are options of retrieveDetailed (retrieve returns only the retrieved tensor)');
  if ((opts.steps ?? 1) === 1) {
    const p = prepare(query, stored, opts);
    const out = associate(p.x, p.keys, p.values, p.cfg, false).output;
    return p.vector ? reshape(out, [...out.shape.slice(0, -2), out.shape[out.ndim - 1]!]) : out;
  }
  return retrieveDetailed(query, stored, opts).output;
}
