// hopfield.theory: the quantities of the paper's Section 4 (Def. 4.1, Thm 4.1, Cor. 4.1.1–4.1.2, Thm 4.2)
// evaluated exactly, in float64, on a memory set Ξ given as M rows ξ_μ ∈ R^d (auto-association: the keys
// are the memories, δξ = 0). Memories are indexed from 0. These functions compute what the paper states;
// whether the statements hold is tested elsewhere. The capacity bound (Lemma 4.2) is in capacity.ts and
// Lambert W₀ in lambert-w.ts; both are re-exported here, so this module is the whole `hopfield.theory`.
import { Tensor } from '../tensor/tensor.js';
import { HopgradError, check } from '../tensor/errors.js';

export { capacityLowerBound, capacityTerms } from './capacity.js';
export type { CapacityOptions, CapacityTerms } from './capacity.js';
export { lambertW0, lambertW0Exp } from './lambert-w.js';

/** A memory set: a Tensor [M, d] or M rows of d numbers. */
export type MemorySet = Tensor | readonly (readonly number[])[];
/** A pattern: a Tensor [d] or d numbers. */
export type Pattern = Tensor | readonly number[];

interface Rows { data: Float64Array; M: number; d: number }

function finiteAll(data: ArrayLike<number>, where: string, param: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new HopgradError(`${where}: ${param} must be finite, got ${data[i]} at flat index ${i}`);
  }
}

/** @internal a memory set as contiguous float64 rows (validated: 2-D, finite, at least `minM` rows). */
export function memoryRows(stored: MemorySet, where: string, minM = 1): Rows {
  let data: Float64Array;
  let M: number;
  let d: number;
  if (stored instanceof Tensor) {
    check(stored.ndim === 2, where, () => `stored must be a 2-D tensor [M, d], got shape [${stored.shape.join(',')}]`);
    check(stored.dtype !== 'int32', where, 'stored must be a float tensor, got int32');
    [M, d] = stored.shape as [number, number];
    data = Float64Array.from(stored.contiguousData());
  } else {
    check(Array.isArray(stored), where, () => `stored must be a Tensor [M, d] or an array of rows, got ${typeof stored}`);
    M = stored.length;
    d = M > 0 && Array.isArray(stored[0]) ? stored[0].length : 0;
    data = new Float64Array(M * d);
    stored.forEach((row, i) => {
      check(Array.isArray(row) && row.length === d, where, () => `stored rows must all have length ${d}; row ${i} ${Array.isArray(row) ? `has length ${row.length}` : 'is not an array'}`);
      row.forEach((v, j) => {
        check(typeof v === 'number', where, () => `stored[${i}][${j}] must be a number, got ${typeof v}`);
        data[i * d + j] = v;
      });
    });
  }
  check(M >= minM, where, () => `stored needs at least ${minM} memor${minM === 1 ? 'y' : 'ies'}, got M = ${M}`);
  check(d >= 1, where, () => `stored patterns need dimension d ≥ 1, got d = ${d}`);
  finiteAll(data, where, 'stored');
  return { data, M, d };
}

/** @internal a pattern as float64 (validated: length d, finite). */
export function patternOf(x: Pattern, d: number, where: string, param = 'x'): Float64Array {
  let v: Float64Array;
  if (x instanceof Tensor) {
    check(x.ndim === 1, where, () => `${param} must be a 1-D tensor [d], got shape [${x.shape.join(',')}]`);
    check(x.dtype !== 'int32', where, () => `${param} must be a float tensor, got int32`);
    v = Float64Array.from(x.contiguousData());
  } else {
    check(Array.isArray(x), where, () => `${param} must be a Tensor [d] or an array of numbers, got ${typeof x}`);
    check(x.every((e) => typeof e === 'number'), where, () => `${param} must hold numbers only`);
    v = Float64Array.from(x);
  }
  check(v.length === d, where, () => `${param} has dimension ${v.length} but the stored patterns have d = ${d}`);
  finiteAll(v, where, param);
  return v;
}

function memoryIndex(mu: number, M: number, where: string): number {
  check(Number.isInteger(mu) && mu >= 0 && mu < M, where, () => `mu must be an integer memory index in [0, ${M - 1}], got ${mu}`);
  return mu;
}

function positiveBeta(beta: unknown, where: string): number {
  check(typeof beta === 'number' && Number.isFinite(beta) && beta > 0, where, () => `beta must be a finite number > 0, got ${String(beta)}`);
  return beta;
}

function supportSize(k: unknown, M: number, where: string): number {
  check(typeof k === 'number' && Number.isInteger(k) && k >= 1 && k <= M, where, () => `k (the support size |𝓜|) must be an integer in [1, M = ${M}], got ${String(k)}`);
  return k;
}

function dotRows(a: Float64Array, i: number, b: Float64Array, j: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) s += a[i * d + t]! * b[j * d + t]!;
  return s;
}

function dist(a: Float64Array, i: number, b: Float64Array, j: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) { const e = a[i * d + t]! - b[j * d + t]!; s += e * e; }
  return Math.sqrt(s);
}

/** m = max_μ ‖ξ_μ‖ (the largest memory norm). */
export function maxNorm(stored: MemorySet): number {
  return normRows(memoryRows(stored, 'maxNorm'));
}

/** R = ½ min_{μ≠ν} ‖ξ_μ − ξ_ν‖, the radius of the balls S_μ (needs M ≥ 2; 0 when two memories coincide). */
export function minSeparationRadius(stored: MemorySet): number {
  return radiusRows(memoryRows(stored, 'minSeparationRadius', 2));
}

function radiusRows({ data, M, d }: Rows): number {
  let r = Infinity;
  for (let i = 0; i < M; i++) for (let j = i + 1; j < M; j++) r = Math.min(r, dist(data, i, data, j, d));
  return r / 2;
}

function normRows({ data, M, d }: Rows): number {
  let m = 0;
  for (let i = 0; i < M; i++) m = Math.max(m, Math.sqrt(dotRows(data, i, data, i, d)));
  return m;
}

function separationRows({ data, M, d }: Rows, x: Float64Array, mu: number): number {
  // min_{ν≠μ} (⟨x, ξ_μ⟩ − ⟨x, ξ_ν⟩) = ⟨x, ξ_μ⟩ − max_{ν≠μ} ⟨x, ξ_ν⟩
  const own = dotRows(x, 0, data, mu, d);
  let best = -Infinity;
  for (let n = 0; n < M; n++) if (n !== mu) best = Math.max(best, dotRows(x, 0, data, n, d));
  return own - best;
}

/** Δ_μ = min_{ν≠μ} (⟨ξ_μ, ξ_μ⟩ − ⟨ξ_μ, ξ_ν⟩), the separation of memory `mu` (Def. 4.1; needs M ≥ 2). */
export function separation(stored: MemorySet, mu: number): number {
  const rows = memoryRows(stored, 'separation', 2);
  memoryIndex(mu, rows.M, 'separation');
  return separationRows(rows, rows.data.subarray(mu * rows.d, (mu + 1) * rows.d), mu);
}

/** Δ_μ for every memory (Def. 4.1). */
export function separations(stored: MemorySet): number[] {
  const rows = memoryRows(stored, 'separations', 2);
  return Array.from({ length: rows.M }, (_, mu) => separationRows(rows, rows.data.subarray(mu * rows.d, (mu + 1) * rows.d), mu));
}

/** Δ̃_μ(x) = min_{ν≠μ} (⟨x, ξ_μ⟩ − ⟨x, ξ_ν⟩), the separation of memory `mu` seen from x (B.40; needs M ≥ 2). */
export function separationAt(x: Pattern, stored: MemorySet, mu: number): number {
  const rows = memoryRows(stored, 'separationAt', 2);
  memoryIndex(mu, rows.M, 'separationAt');
  return separationRows(rows, patternOf(x, rows.d, 'separationAt'), mu);
}

/** Whether x ∈ S_μ = {x : ‖x − ξ_μ‖ ≤ R} (closed ball; needs M ≥ 2). */
export function inBall(x: Pattern, stored: MemorySet, mu: number): boolean {
  const rows = memoryRows(stored, 'inBall', 2);
  memoryIndex(mu, rows.M, 'inBall');
  const v = patternOf(x, rows.d, 'inBall');
  return dist(v, 0, rows.data, mu, rows.d) <= radiusRows(rows);
}

/** Options of the Theorem 4.1 bound. */
export interface SparseBoundOptions {
  beta: number;
  /** k = |𝓜|, the support size, an integer in [1, M]. */
  k: number;
  /**
   * 'printed' (default): (4.1), exponent ⟨ξ_μ, x⟩ − max_{ν≠μ} ⟨ξ_μ, ξ_ν⟩.
   * 'derived': what the proof (B.29)–(B.33), (B.41) derives, exponent ⟨x, ξ_μ⟩ − max_ν ⟨x, ξ_ν⟩ = Δ̃_μ(x).
   */
  form?: 'printed' | 'derived';
  /**
   * For 'derived': the max over ν ≠ μ (default; what (B.33)'s argument and (B.40)–(B.41) need) or over all
   * ν ∈ [M] as the subscript of (B.32)–(B.34) is printed (then the exponent is ≤ 0).
   */
  maxOver?: 'others' | 'all';
}

function exponentAt(rows: Rows, x: Float64Array, mu: number, maxOver: 'others' | 'all'): number {
  if (maxOver === 'others') return separationRows(rows, x, mu);
  const own = dotRows(x, 0, rows.data, mu, rows.d);
  let best = -Infinity;
  for (let n = 0; n < rows.M; n++) best = Math.max(best, dotRows(x, 0, rows.data, n, rows.d));
  return own - best;
}

/** (4.1)'s exponent ⟨ξ_μ, x⟩ − max_{ν≠μ} ⟨ξ_μ, ξ_ν⟩ (at x = ξ_μ it is computed exactly as Δ̃_μ(ξ_μ) = Δ_μ). */
function printedExponent({ data, M, d }: Rows, x: Float64Array, mu: number): number {
  const own = dotRows(x, 0, data, mu, d);
  let best = -Infinity;
  for (let n = 0; n < M; n++) if (n !== mu) best = Math.max(best, dotRows(data, mu, data, n, d));
  return own - best;
}

function maxOverOf(v: unknown, where: string): 'others' | 'all' {
  check(v === undefined || v === 'others' || v === 'all', where, () => `maxOver must be 'others' or 'all', got ${String(v)}`);
  return v ?? 'others';
}

/**
 * The retrieval-error bound of Theorem 4.1 for the sparse-structured model at query x and memory `mu`:
 * printed (4.1): m(M + k − 2)·exp{−β(⟨ξ_μ, x⟩ − max_{ν≠μ} ⟨ξ_μ, ξ_ν⟩)};
 * derived (B.32)/(B.41): m(M + k − 2)·exp{−β(⟨x, ξ_μ⟩ − max_{ν≠μ} ⟨x, ξ_ν⟩)} = m(M + k − 2)·exp{−β Δ̃_μ(x)}.
 * (The proof's constants agree with the printed m(M + k − 2): (B.30)–(B.31) give m·ε̃·(M + k − 2)/(M − 1)
 * with ε̃ = (M − 1)·exp{−βΔ̃_μ(x)}; only the exponent differs.) Needs M ≥ 2.
 */
export function sparseRetrievalBound(x: Pattern, stored: MemorySet, mu: number, opts: SparseBoundOptions): number {
  const where = 'sparseRetrievalBound';
  check(typeof opts === 'object' && opts !== null, where, 'options { beta, k } are required');
  const rows = memoryRows(stored, where, 2);
  memoryIndex(mu, rows.M, where);
  const beta = positiveBeta(opts.beta, where);
  const k = supportSize(opts.k, rows.M, where);
  const form = opts.form ?? 'printed';
  check(form === 'printed' || form === 'derived', where, () => `form must be 'printed' or 'derived', got ${String(form)}`);
  const maxOver = maxOverOf(opts.maxOver, where);
  const v = patternOf(x, rows.d, where);
  const m = normRows(rows);
  const exponent = form === 'printed' ? printedExponent(rows, v, mu) : exponentAt(rows, v, mu, maxOver);
  return m * (rows.M + k - 2) * Math.exp(-beta * exponent);
}

/** The dense model's bound (B.34): 2m(M − 1)·exp{−β(⟨x, ξ_μ⟩ − max_ν ⟨x, ξ_ν⟩)} ((B.32) with k = M; needs M ≥ 2). */
export function denseRetrievalBound(x: Pattern, stored: MemorySet, mu: number, opts: { beta: number; maxOver?: 'others' | 'all' }): number {
  const where = 'denseRetrievalBound';
  check(typeof opts === 'object' && opts !== null, where, 'options { beta } are required');
  const rows = memoryRows(stored, where, 2);
  memoryIndex(mu, rows.M, where);
  const beta = positiveBeta(opts.beta, where);
  const maxOver = maxOverOf(opts.maxOver, where);
  const v = patternOf(x, rows.d, where);
  return 2 * normRows(rows) * (rows.M - 1) * Math.exp(-beta * exponentAt(rows, v, mu, maxOver));
}

/**
 * The one-step bound of Cor. 4.1.2 as (B.36): 2m(M − 1)·exp{−β(Δ_μ − 2m·max(‖x − ξ_μ‖, ‖x − x*_μ‖))},
 * with x*_μ the fixed point (passed as `fixedPoint`). Needs M ≥ 2.
 */
export function oneStepRetrievalBound(x: Pattern, stored: MemorySet, mu: number, opts: { beta: number; fixedPoint: Pattern }): number {
  const where = 'oneStepRetrievalBound';
  check(typeof opts === 'object' && opts !== null, where, 'options { beta, fixedPoint } are required');
  const rows = memoryRows(stored, where, 2);
  memoryIndex(mu, rows.M, where);
  const beta = positiveBeta(opts.beta, where);
  check(opts.fixedPoint !== undefined, where, 'fixedPoint (x*_μ) is required');
  const v = patternOf(x, rows.d, where);
  const star = patternOf(opts.fixedPoint, rows.d, where, 'fixedPoint');
  const m = normRows(rows);
  const xi = rows.data.subarray(mu * rows.d, (mu + 1) * rows.d);
  const radius = Math.max(dist(v, 0, rows.data, mu, rows.d), dist(v, 0, star, 0, rows.d));
  return 2 * m * (rows.M - 1) * Math.exp(-beta * (separationRows(rows, xi, mu) - 2 * m * radius));
}

/**
 * Theorem 4.2's well-separation threshold (4.3): β⁻¹ ln((M + k − 2)·m / R) + 2mR (k defaults to M, the
 * dense model). +∞ when R = 0 (two memories coincide: no Δ_μ can meet it). Needs M ≥ 2.
 */
export function wellSeparationThreshold(stored: MemorySet, opts: { beta: number; k?: number }): number {
  const where = 'wellSeparationThreshold';
  check(typeof opts === 'object' && opts !== null, where, 'options { beta, k } are required');
  const rows = memoryRows(stored, where, 2);
  const beta = positiveBeta(opts.beta, where);
  const k = supportSize(opts.k ?? rows.M, rows.M, where);
  const m = normRows(rows);
  const R = radiusRows(rows);
  if (R === 0) return Infinity;
  return Math.log(((rows.M + k - 2) * m) / R) / beta + 2 * m * R;
}

/** What isWellSeparated reports. */
export interface WellSeparation {
  /** Per memory: whether Δ_μ ≥ threshold (4.3). */
  wellSeparated: boolean[];
  /** Per memory: Δ_μ − threshold (≥ 0 when well separated). */
  margins: number[];
  /** Δ_μ per memory. */
  separations: number[];
  /** β⁻¹ ln((M + k − 2)m/R) + 2mR. */
  threshold: number;
  /** Whether every memory is well separated. */
  all: boolean;
}

/** Which memories satisfy Theorem 4.2's well-separation condition (4.3) for this β and k (default k = M, dense). */
export function isWellSeparated(stored: MemorySet, opts: { beta: number; k?: number }): WellSeparation {
  const threshold = wellSeparationThreshold(stored, opts);
  const seps = separations(stored);
  const margins = seps.map((s) => s - threshold);
  const wellSeparated = margins.map((g) => g >= 0);
  return { wellSeparated, margins, separations: seps, threshold, all: wellSeparated.every(Boolean) };
}
