// Helpers shared by the retrieval claims (claims-retrieval.ts, claims-noise.ts): the model's weights at an
// instance in a reading, the retrieval errors and the bounds as logarithms (so nothing underflows at large β),
// with separate keys (which score) and values (which are returned), and the plain-number instance description.
import type { RetrievalInstance, NoisyInstance } from './generators.js';
import {
  type Reading, type Rows, type Weights, dot, logErrorOf, logSumExp, maxNormOf, radiusOf, scoresOf, simplexWeights,
  sparsemaxOf, structuredWeights,
} from './reference.js';

/** The two readings of the sparse-structured model (3.9). */
export const READINGS = ['paper', 'renormalized'] as const;

/** Weights of the sparse model on support `mask` (reading ignored for sparsemax, whose weights are the projection). */
export function sparseWeights(x: readonly number[], keys: Rows, beta: number, mask: readonly number[] | null, kind: RetrievalInstance['maskKind'], reading: Reading): Weights {
  const s = scoresOf(x, keys);
  if (kind === 'sparsemax') return simplexWeights(sparsemaxOf(s.map((v) => beta * v)));
  return structuredWeights(s, beta, kind === 'dense' ? null : mask, reading);
}

/** log ‖T_sparse(x) − ξ_μ‖ at the instance (keys = values = memories). */
export function logSparseError(c: RetrievalInstance, reading: Reading): number {
  return logErrorOf(sparseWeights(c.x, c.memories, c.beta, c.mask, c.maskKind, reading), c.memories, c.mu);
}

/** log ‖T_dense(x) − ξ_μ‖ at the instance. */
export function logDenseError(c: RetrievalInstance): number {
  return logErrorOf(structuredWeights(scoresOf(c.x, c.memories), c.beta, null, 'renormalized'), c.memories, c.mu);
}

/** Δ̃_μ(x) = ⟨x, ξ_μ⟩ − max_{ν≠μ} ⟨x, ξ_ν⟩ against the given keys (B.40). */
export function separationAtKeys(x: readonly number[], keys: Rows, mu: number): number {
  const s = scoresOf(x, keys);
  return s[mu]! - Math.max(...s.filter((_, i) => i !== mu));
}

/** (4.1)'s printed exponent ⟨ξ_μ, x⟩ − max_{ν≠μ} ⟨ξ_μ, ξ_ν⟩. */
export function printedExponent(x: readonly number[], memories: Rows, mu: number): number {
  const xi = memories[mu]!;
  return dot(xi, x) - Math.max(...memories.filter((_, i) => i !== mu).map((r) => dot(xi, r)));
}

/** log of the coefficient m(M + k − 2) of Thm 4.1, m from the values. */
export function logSparseCoefficient(values: Rows, k: number): number {
  return Math.log(maxNormOf(values) * (values.length + k - 2));
}

/** log of the dense coefficient 2m(M − 1) of (B.34). */
export function logDenseCoefficient(values: Rows): number {
  return Math.log(2 * maxNormOf(values) * (values.length - 1));
}

/** log of the proof's bound (B.41), keys scoring and values returned: m(M + k − 2)·exp{−β Δ̃_μ(x)}. */
export function logDerivedBound(x: readonly number[], keys: Rows, values: Rows, mu: number, beta: number, k: number): number {
  return logSparseCoefficient(values, k) - beta * separationAtKeys(x, keys, mu);
}

/** log of the dense bound (B.34) with keys and values: 2m(M − 1)·exp{−β Δ̃_μ(x)}. */
export function logDenseBound(x: readonly number[], keys: Rows, values: Rows, mu: number, beta: number): number {
  return logDenseCoefficient(values) - beta * separationAtKeys(x, keys, mu);
}

/** log(e^a + e^b). */
export function logAdd(a: number, b: number): number {
  return logSumExp([a, b]);
}

/** The instance in plain numbers, with m, R and k = |𝓜|. */
export function describeInstance(c: RetrievalInstance | NoisyInstance, reading?: Reading): Record<string, unknown> {
  const out: Record<string, unknown> = {
    memories: c.memories, mu: c.mu, x: c.x, beta: c.beta, maskKind: c.maskKind, mask: c.mask, k: c.mask.length,
    M: c.memories.length, d: c.x.length, m: maxNormOf(c.memories), R: radiusOf(c.memories),
  };
  if (reading !== undefined) out.reading = reading;
  if (c.K !== undefined) out.K = c.K;
  if (c.query !== undefined) { out.windowQuery = c.query; out.windowHalfWidth = c.w; }
  if ('noisyX' in c) Object.assign(out, { noisyX: c.noisyX, noisyKeys: c.noisyKeys, noisyMask: c.noisyMask, queryNoise: c.queryNoise, keyNoise: c.keyNoise });
  return out;
}
