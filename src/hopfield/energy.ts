// Energies of the dense and sparse modern Hopfield models and their concave–convex (CCCP) structure:
// E(x) = −(concave part) + ½⟨x, x⟩, and one retrieval step is x ← ∇ₓ(concave part) — checked with autodiff.
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import { fmt } from '../tensor/shape.js';
import { grad } from '../autograd/functional.js';
import { noGrad } from '../autograd/engine.js';
import { add, div, logsumexp, matmul, mul, reshape, square, sub, sum, transpose } from '../autograd/ops/index.js';
import { sparsemax } from './separation.js';
import { retrieve } from './retrieve.js';

/** The energies: dense (2.2) and sparse (Hu et al. 2023, sparsemax). */
export type EnergyKind = 'dense' | 'sparsemax';

/** Options of `energy` and the CCCP helpers. */
export interface EnergyOptions {
  /** 'dense' (default) or 'sparsemax'. */
  kind?: EnergyKind;
  /** β > 0 (default 1/√d): a number or a tensor broadcastable to [..., L, 1]. */
  beta?: number | Tensor;
}

const WHERE = 'energy';

interface Prepped { x: Tensor; xi: Tensor; kind: EnergyKind; beta: number | Tensor; vector: boolean }

function prep(x: Tensor, stored: Tensor, opts: EnergyOptions, where: string): Prepped {
  check(x instanceof Tensor && x.dtype !== 'int32' && x.ndim >= 1, where, () => `x must be a float Tensor [d] or [..., L, d], got ${x instanceof Tensor ? `${x.dtype} ${fmt(x.shape)}` : typeof x}`);
  check(stored instanceof Tensor && stored.dtype !== 'int32' && stored.ndim >= 2, where, () => `stored must be a float Tensor [..., M, d], got ${stored instanceof Tensor ? `${stored.dtype} ${fmt(stored.shape)}` : typeof stored}`);
  const kind = opts.kind ?? 'dense';
  check(kind === 'dense' || kind === 'sparsemax', where, () => `kind must be 'dense' or 'sparsemax', got '${String(kind)}'`);
  const d = x.shape[x.ndim - 1]!;
  check(stored.shape[stored.ndim - 1] === d, where, () => `x of shape ${fmt(x.shape)} and stored of shape ${fmt(stored.shape)} differ in pattern dimension d`);
  check(stored.shape[stored.ndim - 2]! >= 1, where, () => `the memory set is empty: stored has shape ${fmt(stored.shape)}`);
  check(d >= 1, where, 'the pattern dimension d must be at least 1');
  const beta = opts.beta ?? 1 / Math.sqrt(d);
  if (typeof beta === 'number') check(Number.isFinite(beta) && beta > 0, where, () => `beta must be a finite number > 0, got ${beta}`);
  else {
    check(beta instanceof Tensor && beta.dtype !== 'int32', where, () => `beta must be a number or a float Tensor, got ${typeof beta}`);
    check(beta.ndim === 0 || beta.shape[beta.ndim - 1] === 1, where, () => `beta tensor of shape ${fmt(beta.shape)} must broadcast to [..., L, 1]`);
    for (const v of beta.contiguousData()) check(Number.isFinite(v) && v > 0, where, () => `beta must be finite and > 0, got ${v}`);
  }
  const vector = x.ndim === 1;
  return { x: vector ? reshape(x, [1, d]) : x, xi: stored, kind, beta, vector };
}

/**
 * The concave part's negation, per row [..., L, 1]: β⁻¹ lse(β Ξᵀx) (dense) or β⁻¹ Ψ*(β Ξᵀx) (sparse), with
 * Ψ*(z) = ½‖z‖² − ½‖sparsemax(z) − z‖² + ½ (the convex conjugate of the Gini entropy on the simplex).
 */
function concavePart(p: Prepped, x: Tensor): Tensor {
  const z = mul(matmul(x, transpose(p.xi, -2, -1)), p.beta);
  if (p.kind === 'dense') return div(logsumexp(z, -1, { keepDims: true }), p.beta);
  const sm = sparsemax(z);
  const psi = add(sub(mul(sum(square(z), -1, { keepDims: true }), 0.5), mul(sum(square(sub(sm, z)), -1, { keepDims: true }), 0.5)), 0.5);
  return div(psi, p.beta);
}

/**
 * The Hopfield energy of each query row: dense (2.2) E(x) = −lse(β, Ξᵀx) + ½⟨x, x⟩ with
 * lse(β, z) = β⁻¹ log Σ exp(β z), or sparse E(x) = −β⁻¹ Ψ*(β Ξᵀx) + ½⟨x, x⟩. x is [d] (a scalar energy) or
 * [..., L, d] (energies [..., L]); stored [..., M, d] broadcasts like matmul batches. Differentiable.
 */
export function energy(x: Tensor, stored: Tensor, opts: EnergyOptions = {}): Tensor {
  const p = prep(x, stored, opts, WHERE);
  const e = sub(mul(sum(square(p.x), -1, { keepDims: true }), 0.5), concavePart(p, p.x));
  const out = reshape(e, e.shape.slice(0, -1));
  return p.vector ? reshape(out, out.shape.slice(0, -1)) : out;
}

/**
 * The concave–convex procedure's update for the energy: x⁺ = ∇ₓ[β⁻¹ lse(β Ξᵀx)] (dense) or
 * ∇ₓ[β⁻¹ Ψ*(β Ξᵀx)] (sparse), i.e. the gradient of the concave part's negation, computed by autodiff.
 * By the theory it equals one retrieval step Ξ softmax(βΞᵀx) (resp. Ξ sparsemax(βΞᵀx)). Not differentiable.
 */
export function concaveConvexStep(x: Tensor, stored: Tensor, opts: EnergyOptions = {}): Tensor {
  const p = prep(x, stored, opts, 'concaveConvexStep');
  const g = grad((xx: Tensor) => sum(concavePart(p, xx)))(noGrad(() => p.x.detach())) as Tensor;
  return p.vector ? reshape(g, [g.shape[1]!]) : g;
}

/**
 * Whether one retrieval step of `kind` (via `retrieve`, auto-association) is the concave–convex update of its
 * energy at x: |T(x) − ∇ₓ(concave part's negation)| ≤ atol + rtol·|T(x)| everywhere (defaults 1e-9 / 1e-7 for
 * float64, 1e-5 / 1e-4 otherwise). Returns the largest deviation too.
 */
export function isConcaveConvexStep(
  x: Tensor, stored: Tensor, opts: EnergyOptions & { atol?: number; rtol?: number } = {},
): { ok: boolean; maxAbsError: number } {
  const g = concaveConvexStep(x, stored, opts);
  const t = noGrad(() => retrieve(x, stored, { kind: opts.kind ?? 'dense', ...(opts.beta !== undefined ? { beta: opts.beta } : {}) }));
  check(t.size === g.size, 'isConcaveConvexStep', () => `the step ${fmt(t.shape)} and the gradient ${fmt(g.shape)} differ in shape (batched stored patterns with a broadcast x?)`);
  const f64 = x.dtype === 'float64';
  const atol = opts.atol ?? (f64 ? 1e-9 : 1e-5);
  const rtol = opts.rtol ?? (f64 ? 1e-7 : 1e-4);
  const a = t.contiguousData();
  const b = g.contiguousData();
  let worst = 0;
  let ok = true;
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i]! - b[i]!);
    if (!(err <= worst)) worst = err;
    if (!(err <= atol + rtol * Math.abs(a[i]!))) ok = false;
  }
  return { ok, maxAbsError: worst };
}
