// Every claim `hopgrad verify` refutes, pinned as a concrete counterexample: the plain numbers of a shrunk
// counterexample found by fast-check (the JSON of `hopgrad verify --seed S`, S noted per case) written into the
// test, re-evaluated, checked to satisfy the claim's hypotheses (x ∈ S_μ, μ ∈ 𝓜 built as the mask kind builds
// it), asserted still refuted with the same two sides, and every corrected statement that applies asserted on
// the same instance. A few hand-derived counterexamples check the sides against closed forms.
import { describe, expect, it } from 'vitest';
import { inBall } from '../src/hopfield/theory.js';
import { type NoisyInstance, type RetrievalInstance, evaluateClaim, reference, retrievalClaims } from '../src/hopfield/verify/index.js';

interface Pinned {
  claim: string;
  /** The seed of the `hopgrad verify` run (maxM 6, maxD 4, 20000 runs) that found it. */
  seed: number;
  lhs: number;
  rhs: number;
  instance: RetrievalInstance | NoisyInstance;
}

const PINNED: Pinned[] = [
  {
    claim: 'thm4.1/printed/topk/paper', seed: 11, lhs: 0.45016581384737064, rhs: 0.3328709567178625,
    instance: { memories: [[-1], [1]], mu: 0, x: [-0.10000038146972656], beta: 1, maskKind: 'topk', mask: [0], K: 1 },
  },
  {
    claim: 'thm4.1/printed/topk/renormalized', seed: 2, lhs: 0.9003316276947413, rhs: 0.665741913435725,
    instance: { memories: [[1], [-1]], mu: 0, x: [0.10000038146972656], beta: 1, maskKind: 'topk', mask: [0, 1], K: 2 },
  },
  {
    claim: 'thm4.1/printed/random/paper', seed: 11, lhs: 0.45016581384737064, rhs: 0.3328709567178625,
    instance: { memories: [[-1], [1]], mu: 0, x: [-0.10000038146972656], beta: 1, maskKind: 'random', mask: [0] },
  },
  {
    claim: 'thm4.1/printed/random/renormalized', seed: 2, lhs: 0.9003316276947413, rhs: 0.665741913435725,
    instance: { memories: [[1], [-1]], mu: 0, x: [0.10000038146972656], beta: 1, maskKind: 'random', mask: [0, 1] },
  },
  {
    claim: 'thm4.1/printed/window/paper', seed: 11, lhs: 0.45016581384737064, rhs: 0.3328709567178625,
    instance: { memories: [[-1], [1]], mu: 0, x: [-0.10000038146972656], beta: 1, maskKind: 'window', mask: [0], query: 0, w: 0 },
  },
  {
    claim: 'thm4.1/printed/window/renormalized', seed: 2, lhs: 0.9003316276947413, rhs: 0.665741913435725,
    instance: { memories: [[1], [-1]], mu: 0, x: [0.10000038146972656], beta: 1, maskKind: 'window', mask: [0, 1], query: 0, w: 1 },
  },
  {
    claim: 'thm4.1/printed/sparsemax', seed: 2, lhs: 0.7999992370605469, rhs: 0.665741913435725,
    instance: { memories: [[1], [-1]], mu: 0, x: [0.10000038146972656], beta: 1, maskKind: 'sparsemax', mask: [0, 1] },
  },
  {
    claim: 'cor4.1.1/printed/topk/paper', seed: 9, lhs: 0.4043192579077589, rhs: 0.20215962895387948,
    instance: { memories: [[-1], [-0.5]], mu: 0, x: [-0.7750000953674316], beta: 1, maskKind: 'topk', mask: [0], K: 1 },
  },
  {
    claim: 'cor4.1.1/printed/topk/renormalized', seed: 3, lhs: 0.1328023433434391, rhs: 0.036440634662203486,
    instance: { memories: [[0], [0.5], [0.75]], mu: 1, x: [0.5], beta: 1, maskKind: 'topk', mask: [1, 2], K: 2 },
  },
  {
    claim: 'cor4.1.1/printed/random/paper', seed: 5, lhs: 0.3775406687981454, rhs: 0.18877033439907276,
    instance: { memories: [[-1], [-0.5]], mu: 0, x: [-1], beta: 1, maskKind: 'random', mask: [0] },
  },
  {
    claim: 'cor4.1.1/printed/random/renormalized', seed: 7, lhs: 0.2189117495571009, rhs: 0.036440634662203486,
    instance: { memories: [[0], [0.5], [0.75]], mu: 1, x: [0.5], beta: 1, maskKind: 'random', mask: [0, 1] },
  },
  {
    claim: 'cor4.1.1/printed/window/paper', seed: 6, lhs: 0.6224593312018546, rhs: 0.31122966560092735,
    instance: { memories: [[1], [1.5]], mu: 0, x: [1], beta: 1, maskKind: 'window', mask: [0], query: 0, w: 0 },
  },
  {
    claim: 'cor4.1.1/printed/window/renormalized', seed: 3, lhs: 0.4100536139884604, rhs: 0.21293559214333524,
    instance: { memories: [[0], [-1], [-0.25]], mu: 2, x: [-0.25], beta: 1, maskKind: 'window', mask: [1, 2], query: 3, w: 2 },
  },
  {
    claim: 'cor4.1.1/printed/sparsemax', seed: 2, lhs: 0.7249999046325684, rhs: 0.6106391886002984,
    instance: { memories: [[-1], [0]], mu: 1, x: [-0.4499998092651367], beta: 1, maskKind: 'sparsemax', mask: [0, 1] },
  },
  {
    claim: 'remark4.2/errors/topk/paper', seed: 10, lhs: 0.24999952316295548, rhs: 5.960464477539072e-08,
    instance: { memories: [[-9.5367431640625e-07], [0.4999990463256836]], mu: 0, x: [-9.5367431640625e-07], beta: 1, maskKind: 'topk', mask: [0], K: 1, noisyX: [0], noisyKeys: [[-9.5367431640625e-07], [0.4999990463256836]], noisyMask: [0, 1], queryNoise: 9.5367431640625e-07, keyNoise: 0 },
  },
  {
    claim: 'remark4.2/errors/topk/renormalized', seed: 8, lhs: 0.25, rhs: 2.9802322387695405e-08,
    instance: { memories: [[0], [0.5]], mu: 0, x: [0], beta: 1, maskKind: 'topk', mask: [0, 1], K: 1, noisyX: [4.76837158203125e-07], noisyKeys: [[0], [0.5]], noisyMask: [1], queryNoise: 4.76837158203125e-07, keyNoise: 0 },
  },
  {
    claim: 'remark4.2/errors/random/paper', seed: 9, lhs: 0.024070528277753824, rhs: 0.012035264138876943,
    instance: { memories: [[-1], [-0.5]], mu: 0, x: [-1], beta: 1, maskKind: 'random', mask: [0], noisyX: [-0.7975125312805176], noisyKeys: [[-1], [-0.5]], noisyMask: [0], queryNoise: 0.20248746871948242, keyNoise: 0 },
  },
  {
    claim: 'remark4.2/errors/random/renormalized', seed: 11, lhs: 0.019188684141244413, rhs: 0,
    instance: { memories: [[1], [0], [1.75]], mu: 0, x: [1.3374998569488525], beta: 1, maskKind: 'random', mask: [0, 1], noisyX: [1.224701166152954], noisyKeys: [[1], [0], [1.75]], noisyMask: [0, 1], queryNoise: 0.11279869079589844, keyNoise: 0 },
  },
  {
    claim: 'remark4.2/errors/window/paper', seed: 9, lhs: 0.024070528277753824, rhs: 0.012035264138876943,
    instance: { memories: [[-1], [-0.5]], mu: 0, x: [-1], beta: 1, maskKind: 'window', mask: [0], query: 0, w: 0, noisyX: [-0.7975125312805176], noisyKeys: [[-1], [-0.5]], noisyMask: [0], queryNoise: 0.20248746871948242, keyNoise: 0 },
  },
  {
    claim: 'remark4.2/errors/window/renormalized', seed: 7, lhs: 0.19674410150506907, rhs: 0.1797619240012841,
    instance: { memories: [[0], [0.6025052968453456], [-1]], mu: 2, x: [-1], beta: 1, maskKind: 'window', mask: [1, 2], query: 2, w: 1, noisyX: [-0.5575144872514237], noisyKeys: [[0], [0.6025052968453456], [-1]], noisyMask: [1, 2], queryNoise: 0.4424855127485763, keyNoise: 0 },
  },
];

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), Number.MIN_VALUE);
const correctionsOf = (name: string): string[] => retrievalClaims.find((c) => `${c.id}/${c.reading}` === name)?.correctedBy?.split(', ') ?? [];

/** The claim's hypotheses on a pinned instance: x ∈ S_μ, μ ∈ 𝓜, and 𝓜 is what its mask kind builds. */
function checkHypotheses(c: RetrievalInstance | NoisyInstance): void {
  const M = c.memories.length;
  expect(inBall(c.x, c.memories, c.mu)).toBe(true);
  expect(c.mask).toContain(c.mu);
  const s = reference.scoresOf(c.x, c.memories);
  if (c.maskKind === 'topk') expect(c.mask).toEqual(reference.topkMask(s, c.K!));
  if (c.maskKind === 'window') expect(c.mask).toEqual(reference.windowMask(c.query!, c.w!, M));
  if (c.maskKind === 'sparsemax') expect(c.mask).toEqual(reference.sparsemaxSupport(s, c.beta));
  if ('noisyX' in c && c.maskKind === 'topk') expect(c.noisyMask).toEqual(reference.topkMask(reference.scoresOf(c.noisyX, c.noisyKeys), c.K!));
  if ('noisyX' in c && c.maskKind !== 'topk') expect(c.noisyMask).toEqual(c.mask);
}

/** Whether a corrected claim's hypotheses hold on the instance (the noisy bound needs μ ∈ 𝓜 at x̃). */
function applies(name: string, c: RetrievalInstance | NoisyInstance): boolean {
  return !name.startsWith('remark4.2/noisy-bound/') || ('noisyMask' in c && c.noisyMask.includes(c.mu));
}

describe('verify regressions: every refuted claim stays refuted at its pinned counterexample', () => {
  it('pins one counterexample for every claim the suite knows to be refuted', () => {
    const refuted = retrievalClaims.filter((c) => c.correctedBy !== undefined).map((c) => `${c.id}/${c.reading}`);
    expect(PINNED.map((p) => p.claim).sort()).toEqual([...refuted].sort());
  });

  for (const p of PINNED) {
    it(`${p.claim} (seed ${p.seed}): lhs ${p.lhs.toPrecision(4)} > rhs ${p.rhs.toPrecision(4)}; corrections hold there`, () => {
      checkHypotheses(p.instance);
      const ev = evaluateClaim(p.claim, p.instance);
      expect(ev.holds).toBe(false);
      expect(rel(ev.lhs, p.lhs)).toBeLessThan(1e-12);
      expect(rel(ev.rhs, p.rhs)).toBeLessThan(1e-12);
      expect(ev.lhs).toBeGreaterThan(ev.rhs);
      const fixes = correctionsOf(p.claim).filter((f) => applies(f, p.instance));
      expect(fixes.length).toBeGreaterThan(0);
      for (const fix of fixes) expect(evaluateClaim(fix, p.instance).holds, fix).toBe(true);
    });
  }
});

describe('verify regressions: hand-derived counterexamples against closed forms', () => {
  const E = Math.exp;
  it('Thm 4.1 (4.1): ξ = (−1, 3), μ = 1, x = 1 (on the sphere of S_μ), β = 1, 𝓜 = both: error 4/(1 + e⁴) > printed 6e⁻⁶; derived 6e⁻⁴ holds', () => {
    const c: RetrievalInstance = { memories: [[-1], [3]], mu: 1, x: [1], beta: 1, maskKind: 'topk', mask: [0, 1], K: 2 };
    checkHypotheses(c);
    for (const r of ['paper', 'renormalized']) {
      const printed = evaluateClaim(`thm4.1/printed/topk/${r}`, c);
      expect(printed.holds).toBe(false);
      expect(rel(printed.lhs, 4 / (1 + E(4)))).toBeLessThan(1e-14);
      expect(rel(printed.rhs, 6 * E(-6))).toBeLessThan(1e-14);
      const derived = evaluateClaim(`thm4.1/derived/topk/${r}`, c);
      expect(derived.holds).toBe(true);
      expect(rel(derived.rhs, 6 * E(-4))).toBeLessThan(1e-14);
    }
  });

  it('Thm 4.1 (4.1) with equal norms: ξ = ±1, μ = 0 (ξ = −1), x = −0.1, β = 1, 𝓜 = {μ}: 1/(1 + e^0.2) > e^−1.1; the corrected exponent 1.1 − m‖x − ξ_μ‖ = 0.2 = Δ̃ is attained', () => {
    const c: RetrievalInstance = { memories: [[-1], [1]], mu: 0, x: [-0.1], beta: 1, maskKind: 'random', mask: [0] };
    checkHypotheses(c);
    const printed = evaluateClaim('thm4.1/printed/random/paper', c);
    expect(printed.holds).toBe(false);
    expect(rel(printed.lhs, 1 / (1 + E(0.2)))).toBeLessThan(1e-14);
    expect(rel(printed.rhs, E(-1.1))).toBeLessThan(1e-14);
    const corrected = evaluateClaim('thm4.1/printed-corrected/random/paper', c);
    const derived = evaluateClaim('thm4.1/derived/random/paper', c);
    expect(corrected.holds && derived.holds).toBe(true);
    expect(rel(corrected.rhs, E(-0.2))).toBeLessThan(1e-14);
    expect(rel(derived.rhs, E(-0.2))).toBeLessThan(1e-14);
  });

  it('Cor 4.1.1 (4.2), renormalized top-2: ξ = (−1, 0, 1), μ = 1, x = 0.25, β = 1: dropping ξ = −1 breaks the cancellation', () => {
    const c: RetrievalInstance = { memories: [[-1], [0], [1]], mu: 1, x: [0.25], beta: 1, maskKind: 'topk', mask: [1, 2], K: 2 };
    checkHypotheses(c);
    const ev = evaluateClaim('cor4.1.1/printed/topk/renormalized', c);
    expect(ev.holds).toBe(false);
    expect(rel(ev.lhs, E(0.25) / (1 + E(0.25)))).toBeLessThan(1e-14);
    expect(rel(ev.rhs, (E(0.25) - E(-0.25)) / (1 + E(0.25) + E(-0.25)))).toBeLessThan(1e-14);
    expect(evaluateClaim('cor4.1.1/vs-dense-bound/topk/renormalized', c).holds).toBe(true);
    expect(evaluateClaim('cor4.1.1/additive/topk/renormalized', c).holds).toBe(true);
  });

  it('Cor 4.1.1 (4.2), paper-literal top-1: ξ = (1, 2), μ = 1, x = 2, β = 1: the sparse error (1 − p)·‖ξ_μ‖ is twice the dense (1 − p)·‖ξ_μ − ξ_0‖', () => {
    const c: RetrievalInstance = { memories: [[1], [2]], mu: 1, x: [2], beta: 1, maskKind: 'topk', mask: [1], K: 1 };
    checkHypotheses(c);
    const ev = evaluateClaim('cor4.1.1/printed/topk/paper', c);
    const q = 1 / (1 + E(2)); // 1 − p_μ
    expect(ev.holds).toBe(false);
    expect(rel(ev.lhs, 2 * q)).toBeLessThan(1e-14);
    expect(rel(ev.rhs, q)).toBeLessThan(1e-14);
    expect(evaluateClaim('cor4.1.1/additive/topk/paper', c).holds).toBe(true);
  });

  it('Remark 4.2, paper-literal 𝓜 = {μ}: ξ = (−1, −0.5), μ = 0, x = −1 → x̃ = −0.8: the sparse error grows twice as much as the dense one', () => {
    const c: NoisyInstance = {
      memories: [[-1], [-0.5]], mu: 0, x: [-1], beta: 1, maskKind: 'random', mask: [0],
      noisyX: [-0.8], noisyKeys: [[-1], [-0.5]], noisyMask: [0], queryNoise: 0.2, keyNoise: 0,
    };
    checkHypotheses(c);
    const ev = evaluateClaim('remark4.2/errors/random/paper', c);
    const harm = 1 / (1 + E(0.4)) - 1 / (1 + E(0.5)); // (1 − p_0) at x̃ minus at x, times ‖ξ_0‖ = 1
    expect(ev.holds).toBe(false);
    expect(rel(ev.lhs, harm)).toBeLessThan(1e-12);
    expect(rel(ev.rhs, harm / 2)).toBeLessThan(1e-12);
    expect(evaluateClaim('remark4.2/noisy-bound/random/paper', c).holds).toBe(true);
    expect(evaluateClaim('remark4.2/coefficient/topk', c).holds).toBe(true);
  });
});
