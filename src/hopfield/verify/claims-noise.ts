// Corollary 4.1.2 with its bound (B.36) and Remark 4.2 (noise robustness) as fast-check properties, for both
// readings of the sparse-structured model (3.9) and the top-K, random and window masks (B.36 also for dense and
// sparsemax). Remark 4.2 is qualitative; it is formalized three ways (see `noiseClaims`): the literal argument
// (the bound's noise-induced change scales with the coefficient), the bound at contaminated inputs, and the
// reading a user would take (the same noise increases the actual error less), which is tested, not assumed.
import type { Claim } from './claim.js';
import { inequality, logInequality } from './claim.js';
import { type MaskKind, type NoisyInstance, type RetrievalInstance, STRUCTURED_MASKS, noisyInstance, retrievalInstance } from './generators.js';
import { type MapSpec, type Reading, dist, fixedPoint, logErrorOf, maxNormOf, scoresOf, structuredWeights } from './reference.js';
import {
  describeInstance, logDenseBound, logDenseCoefficient, logDenseError, logDerivedBound, logSparseError, READINGS,
  separationAtKeys,
} from './retrieval-common.js';

type Structured = (typeof STRUCTURED_MASKS)[number];

/** v·e^top without 0·∞ = NaN (the reported sides may overflow or underflow; the verdict used the scaled values). */
function unscale(v: number, top: number): number {
  return v === 0 ? 0 : Math.sign(v) * Math.exp(Math.log(Math.abs(v)) + top);
}

function specOf(c: RetrievalInstance, reading: Reading): MapSpec {
  switch (c.maskKind) {
    case 'dense': return { kind: 'dense' };
    case 'sparsemax': return { kind: 'sparsemax' };
    case 'topk': return { kind: 'topk', K: c.K!, reading };
    default: return { kind: 'fixed', mask: c.mask, reading };
  }
}

function b36(kind: MaskKind, reading: Reading = 'paper'): Claim<RetrievalInstance> {
  const rd = kind === 'dense' || kind === 'sparsemax' ? undefined : reading;
  const model = kind === 'dense' ? 'T_dense (2.3)' : kind === 'sparsemax' ? 'T = Ξ sparsemax(βΞᵀx)' : `T_sparse (3.9), ${kind} mask, ${reading} reading`;
  return {
    id: 'cor4.1.2',
    reading: `B.36/${rd ? `${kind}/${rd}` : kind}`,
    statement: `Cor 4.1.2 via (B.36): for x ∈ S_μ, μ ∈ 𝓜, ‖T(x) − ξ_μ‖ ≤ 2m(M − 1)·exp{−β(Δ_μ − 2m·max(‖x − ξ_μ‖, ‖x − x*_μ‖))}, x*_μ the fixed point reached by iterating T from x; ${model}.`,
    arbitrary: (o) => retrievalInstance(kind, o),
    evaluate(c) {
      const err = kind === 'dense' ? logDenseError(c) : logSparseError(c, reading);
      const fp = fixedPoint(c.x, c.memories, c.beta, specOf(c, reading));
      const radius = Math.max(dist(c.x, c.memories[c.mu]!), dist(c.x, fp.x));
      const delta = separationAtKeys(c.memories[c.mu]!, c.memories, c.mu);
      const bound = logDenseCoefficient(c.memories) - c.beta * (delta - 2 * maxNormOf(c.memories) * radius);
      return logInequality(err, bound, { separation: delta, radius, fixedPointSteps: fp.steps, fixedPointConverged: fp.converged, distanceToFixedPoint: dist(c.x, fp.x) });
    },
    describe: (c) => describeInstance(c, rd),
  };
}

/** log errors of the sparse model (keys score, clean memories are returned) and of dense at the clean and noisy inputs. */
function noisyErrors(c: NoisyInstance, reading: Reading): { sC: number; sN: number; dC: number; dN: number } {
  const err = (x: number[], keys: number[][], mask: number[] | null, rd: Reading): number =>
    logErrorOf(structuredWeights(scoresOf(x, keys), c.beta, mask, rd), c.memories, c.mu);
  return {
    sC: err(c.x, c.memories, c.mask, reading),
    sN: err(c.noisyX, c.noisyKeys, c.noisyMask, reading),
    dC: err(c.x, c.memories, null, 'renormalized'),
    dN: err(c.noisyX, c.noisyKeys, null, 'renormalized'),
  };
}

function remarkErrors(kind: Structured, reading: Reading): Claim<NoisyInstance> {
  return {
    id: 'remark4.2',
    reading: `errors/${kind}/${reading}`,
    statement: `Remark 4.2 read as a statement about actual errors ("noise hurts the sparse model less"): for x ∈ S_μ, μ ∈ 𝓜 and the same noise (x̃ = x + δx, keys ξ_ν + δξ_ν), the sparse error grows by no more than the dense error grows: (‖T_sparse(x̃) − ξ_μ‖ − ‖T_sparse(x) − ξ_μ‖)⁺ ≤ (‖T_dense(x̃) − ξ_μ‖ − ‖T_dense(x) − ξ_μ‖)⁺ (top-K re-selects 𝓜 at x̃ with the same K; ${reading} reading).`,
    arbitrary: (o) => noisyInstance(kind, 'clean', o),
    evaluate(c) {
      const e = noisyErrors(c, reading);
      // compare the harms (increases, 0 when noise helps) scaled by the largest of the four errors, e^top
      const top = Math.max(e.sC, e.sN, e.dC, e.dN);
      const f = (l: number): number => (top === -Infinity ? 0 : Math.exp(l - top));
      const ev = inequality(Math.max(0, f(e.sN) - f(e.sC)), Math.max(0, f(e.dN) - f(e.dC)), {
        logSparseClean: e.sC, logSparseNoisy: e.sN, logDenseClean: e.dC, logDenseNoisy: e.dN, logScale: top, muInNoisyMask: c.noisyMask.includes(c.mu),
      }, 1);
      return { ...ev, lhs: unscale(ev.lhs, top), rhs: unscale(ev.rhs, top) };
    },
    describe: (c) => describeInstance(c, reading),
    correctedBy: `remark4.2/noisy-bound/${kind}/${reading}, remark4.2/coefficient/topk`,
  };
}

function remarkNoisyBound(kind: Structured, reading: Reading): Claim<NoisyInstance> {
  return {
    id: 'remark4.2',
    reading: `noisy-bound/${kind}/${reading}`,
    statement: `Remark 4.2's premise, Thm 4.1 (derived form) at contaminated inputs: with x̃ = x + δx, keys ξ̃_ν = ξ_ν + δξ_ν scoring and clean ξ_ν returned (3.9), and μ ∈ 𝓜 at x̃: ‖T_sparse(x̃) − ξ_μ‖ ≤ m(M + k − 2)·exp{−β(⟨x̃, ξ̃_μ⟩ − max_{ν≠μ} ⟨x̃, ξ̃_ν⟩)}; ${kind} mask, ${reading} reading.`,
    arbitrary: (o) => noisyInstance(kind, 'noisy', o),
    evaluate(c) {
      const e = noisyErrors(c, reading);
      return logInequality(e.sN, logDerivedBound(c.noisyX, c.noisyKeys, c.memories, c.mu, c.beta, c.noisyMask.length), { k: c.noisyMask.length });
    },
    describe: (c) => describeInstance(c, reading),
  };
}

/** The remark's own argument: the (4.1)-type bound moves under noise by (M + k − 2)/(2(M − 1)) ≤ 1 times the dense one. */
const remarkCoefficient: Claim<NoisyInstance> = {
  id: 'remark4.2',
  reading: 'coefficient/topk',
  statement: 'Remark 4.2 as argued: for x ∈ S_μ, μ ∈ 𝓜 and the same noise, |B_sparse(x̃) − B_sparse(x)| ≤ |B_dense(x̃) − B_dense(x)| with B_sparse = m(M + k − 2)e^{−βΔ̃_μ} (B.41) and B_dense = 2m(M − 1)e^{−βΔ̃_μ} (B.34), Δ̃_μ from the (noisy) keys.',
  arbitrary: (o) => noisyInstance('topk', 'clean', o),
  evaluate(c) {
    const k = c.mask.length;
    const bs = [logDerivedBound(c.x, c.memories, c.memories, c.mu, c.beta, k), logDerivedBound(c.noisyX, c.noisyKeys, c.memories, c.mu, c.beta, k)];
    const bd = [logDenseBound(c.x, c.memories, c.memories, c.mu, c.beta), logDenseBound(c.noisyX, c.noisyKeys, c.memories, c.mu, c.beta)];
    // the four bounds scaled by the largest, e^top (they overflow or underflow at large β)
    const top = Math.max(...bs, ...bd);
    const f = (l: number): number => Math.exp(l - top);
    const ev = inequality(Math.abs(f(bs[1]!) - f(bs[0]!)), Math.abs(f(bd[1]!) - f(bd[0]!)), {
      coefficientRatio: (c.memories.length + k - 2) / (2 * (c.memories.length - 1)), logScale: top,
    }, 1);
    return { ...ev, lhs: unscale(ev.lhs, top), rhs: unscale(ev.rhs, top) };
  },
  describe: (c) => describeInstance(c),
  note: 'holds by algebra: both bounds share the exponent, so the change of the sparse one is (M + k − 2)/(2(M − 1)) ≤ 1 times the dense one; it says nothing about actual errors (see remark4.2/errors)',
};

/** Corollary 4.1.2 via (B.36): every structured mask in both readings, dense and sparsemax. */
export const oneStepClaims: Claim<RetrievalInstance>[] = [
  ...STRUCTURED_MASKS.flatMap((k) => READINGS.map((r) => b36(k, r))), b36('dense'), b36('sparsemax'),
];

/** Remark 4.2: actual-error reading (tested), the bound at contaminated inputs, and the coefficient argument. */
export const noiseClaims: Claim<NoisyInstance>[] = [
  ...STRUCTURED_MASKS.flatMap((k) => READINGS.map((r) => remarkErrors(k, r))),
  ...STRUCTURED_MASKS.flatMap((k) => READINGS.map((r) => remarkNoisyBound(k, r))),
  remarkCoefficient,
];
