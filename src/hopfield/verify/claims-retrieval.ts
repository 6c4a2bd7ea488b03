// The retrieval-error claims of §4.1 as fast-check properties: Theorem 4.1 as printed (4.1), as its proof
// derives it ((B.29)–(B.33), (B.41); also with (B.32)'s printed max over all ν) and with the printed exponent
// corrected, and Corollary 4.1.1 as printed (4.2) with its two corrected forms, for both readings of the
// sparse-structured model (3.9) and the top-K, random and window masks, plus sparsemax (k = |supp|). Cor. 4.1.2
// and Remark 4.2 are in claims-noise.ts; `retrievalClaims` collects all of them. Both sides are computed as
// logarithms (./retrieval-common.ts; equal to hopfield.theory's bounds where those do not underflow).
import type { Claim } from './claim.js';
import { logInequality } from './claim.js';
import { type MaskKind, type RetrievalInstance, STRUCTURED_MASKS, retrievalInstance } from './generators.js';
import type { Reading } from './reference.js';
import { dist, maxNormOf, structuredWeights, scoresOf } from './reference.js';
import {
  describeInstance, logAdd, logDenseBound, logDenseError, logDerivedBound, logSparseCoefficient, logSparseError,
  printedExponent, READINGS, separationAtKeys,
} from './retrieval-common.js';
import { noiseClaims, oneStepClaims } from './claims-noise.js';

type Form = 'printed' | 'printed-corrected' | 'derived' | 'B.32-max-all';

const tag = (kind: MaskKind, reading?: Reading): string => (reading ? `${kind}/${reading}` : kind);
const HYP = 'x ∈ S_μ, μ ∈ 𝓜';

function modelName(kind: MaskKind, reading?: Reading): string {
  if (kind === 'sparsemax') return 'T = Ξ sparsemax(βΞᵀx), 𝓜 = supp, k = |supp|';
  return `T_sparse (3.9), ${kind} mask, ${reading === 'paper' ? 'paper-literal weights (full softmax restricted to 𝓜)' : 'softmax renormalized over 𝓜'}`;
}

function thm41(form: Form, kind: MaskKind, reading: Reading = 'paper'): Claim<RetrievalInstance> {
  const rd = kind === 'sparsemax' ? undefined : reading;
  const exponent = {
    printed: '⟨ξ_μ, x⟩ − max_{ν≠μ} ⟨ξ_μ, ξ_ν⟩',
    'printed-corrected': '⟨ξ_μ, x⟩ − max_{ν≠μ} ⟨ξ_μ, ξ_ν⟩ − m‖x − ξ_μ‖',
    derived: 'Δ̃_μ(x) = ⟨x, ξ_μ⟩ − max_{ν≠μ} ⟨x, ξ_ν⟩',
    'B.32-max-all': '⟨x, ξ_μ⟩ − max_{ν∈[M]} ⟨x, ξ_ν⟩',
  }[form];
  const where = { printed: '(4.1) as printed', 'printed-corrected': '(4.1) with its exponent lowered by m‖x − ξ_μ‖ (≤ mR on S_μ; the least such shift, since Δ̃_μ(x) ≥ printed exponent − m‖x − ξ_μ‖ with equality possible)', derived: 'the proof’s (B.32)/(B.41) with ν ≠ μ', 'B.32-max-all': '(B.32) with its printed max over all ν ∈ [M]' }[form];
  const claim: Claim<RetrievalInstance> = {
    id: 'thm4.1',
    reading: `${form}/${tag(kind, rd)}`,
    statement: `Thm 4.1, ${where}: for ${HYP}, ‖T(x) − ξ_μ‖ ≤ m(M + k − 2)·exp{−β(${exponent})}; ${modelName(kind, rd)}.`,
    arbitrary: (o) => retrievalInstance(kind, o),
    evaluate(c) {
      const k = c.mask.length;
      const sep = separationAtKeys(c.x, c.memories, c.mu);
      const s = scoresOf(c.x, c.memories);
      const exponent = form === 'printed' ? printedExponent(c.x, c.memories, c.mu)
        : form === 'printed-corrected' ? printedExponent(c.x, c.memories, c.mu) - maxNormOf(c.memories) * dist(c.x, c.memories[c.mu]!)
          : form === 'derived' ? sep : s[c.mu]! - Math.max(...s);
      return logInequality(logSparseError(c, reading), logSparseCoefficient(c.memories, k) - c.beta * exponent, { exponent, separationAtX: sep, k });
    },
    describe: (c) => describeInstance(c, rd),
  };
  if (form === 'printed') claim.correctedBy = `thm4.1/derived/${tag(kind, rd)}, thm4.1/printed-corrected/${tag(kind, rd)}`;
  if (form === 'B.32-max-all') claim.note = 'vacuous: with μ inside the max the exponent is ≤ 0, so the bound is ≥ m(M + k − 2), never below the largest error these models can make (2m; m when M = 2, k = 1); kept to show that (B.32)’s subscript must read ν ≠ μ';
  return claim;
}

/** Cor 4.1.1: actual errors, sparse ≤ dense, as printed (4.2). */
function cor411Printed(kind: MaskKind, reading: Reading = 'paper'): Claim<RetrievalInstance> {
  const rd = kind === 'sparsemax' ? undefined : reading;
  return {
    id: 'cor4.1.1',
    reading: `printed/${tag(kind, rd)}`,
    statement: `Cor 4.1.1 (4.2) as printed: for ${HYP}, ‖T_sparse(x) − ξ_μ‖ ≤ ‖T_dense(x) − ξ_μ‖ (the actual errors); ${modelName(kind, rd)}.`,
    arbitrary: (o) => retrievalInstance(kind, o),
    evaluate: (c) => logInequality(logSparseError(c, reading), logDenseError(c), { k: c.mask.length }),
    describe: (c) => describeInstance(c, rd),
    correctedBy: kind === 'sparsemax' ? 'cor4.1.1/vs-dense-bound/sparsemax' : `cor4.1.1/vs-dense-bound/${tag(kind, rd)}, cor4.1.1/additive/${tag(kind, rd)}`,
  };
}

/** What the proof (B.35) actually compares: the sparse error is below the dense model's bound (B.34). */
function cor411VsDenseBound(kind: MaskKind, reading: Reading = 'paper'): Claim<RetrievalInstance> {
  const rd = kind === 'sparsemax' ? undefined : reading;
  return {
    id: 'cor4.1.1',
    reading: `vs-dense-bound/${tag(kind, rd)}`,
    statement: `Cor 4.1.1 corrected to what (B.32)–(B.35) prove: for ${HYP}, ‖T_sparse(x) − ξ_μ‖ ≤ m(M + k − 2)e^{−βΔ̃_μ(x)} ≤ 2m(M − 1)e^{−βΔ̃_μ(x)} = (B.34), the dense model's bound; ${modelName(kind, rd)}.`,
    arbitrary: (o) => retrievalInstance(kind, o),
    evaluate(c) {
      const k = c.mask.length;
      const sparseBound = logDerivedBound(c.x, c.memories, c.memories, c.mu, c.beta, k);
      const dense = logDenseBound(c.x, c.memories, c.memories, c.mu, c.beta);
      return logInequality(logSparseError(c, reading), dense, { logSparseBoundB41: sparseBound, sparseBoundBelowDenseBound: sparseBound <= dense, k });
    },
    describe: (c) => describeInstance(c, rd),
  };
}

/** Actual errors, corrected: sparse ≤ dense + c·m·(dense softmax mass outside 𝓜), c = 1 (paper) or 2 (renormalized). */
function cor411Additive(kind: (typeof STRUCTURED_MASKS)[number], reading: Reading): Claim<RetrievalInstance> {
  const c0 = reading === 'paper' ? 1 : 2;
  return {
    id: 'cor4.1.1',
    reading: `additive/${kind}/${reading}`,
    statement: `Cor 4.1.1 corrected for the actual errors: for ${HYP}, ‖T_sparse(x) − ξ_μ‖ ≤ ‖T_dense(x) − ξ_μ‖ + ${c0}·m·(1 − Σ_{ν∈𝓜} softmax(βΞᵀx)_ν) (since ‖T_sparse − T_dense‖ is at most that); ${modelName(kind, reading)}.`,
    arbitrary: (o) => retrievalInstance(kind, o),
    evaluate(c) {
      const logOutside = structuredWeights(scoresOf(c.x, c.memories), c.beta, c.mask, 'paper').logMissing;
      const logDense = logDenseError(c);
      const logM = Math.log(c0 * maxNormOf(c.memories));
      return logInequality(logSparseError(c, reading), logAdd(logDense, logM + logOutside), { logDenseError: logDense, logMassOutsideMask: logOutside, k: c.mask.length });
    },
    describe: (c) => describeInstance(c, reading),
  };
}

const structured = <T>(f: (kind: (typeof STRUCTURED_MASKS)[number], reading: Reading) => T): T[] =>
  STRUCTURED_MASKS.flatMap((kind) => READINGS.map((reading) => f(kind, reading)));

/** Theorem 4.1: printed and derived, every structured mask kind in both readings, and sparsemax. */
export const theorem41Claims: Claim<RetrievalInstance>[] = [
  ...structured((k, r) => thm41('printed', k, r)), thm41('printed', 'sparsemax'),
  ...structured((k, r) => thm41('derived', k, r)), thm41('derived', 'sparsemax'),
  ...structured((k, r) => thm41('printed-corrected', k, r)), thm41('printed-corrected', 'sparsemax'),
  ...READINGS.map((r) => thm41('B.32-max-all', 'topk', r)),
];

/** Corollary 4.1.1: printed, and its corrected forms. */
export const corollary411Claims: Claim<RetrievalInstance>[] = [
  ...structured((k, r) => cor411Printed(k, r)), cor411Printed('sparsemax'),
  ...structured((k, r) => cor411VsDenseBound(k, r)), cor411VsDenseBound('sparsemax'),
  ...structured((k, r) => cor411Additive(k, r)),
];

/** Every retrieval-error claim of §4.1: Thm 4.1, Cor 4.1.1, Cor 4.1.2 (B.36) and Remark 4.2. */
export const retrievalClaims: Claim[] = [...theorem41Claims, ...corollary411Claims, ...oneStepClaims, ...noiseClaims] as Claim[];
