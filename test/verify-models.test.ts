// The foundations of hopfield.verify's retrieval claims: the generators satisfy each claim's hypotheses by
// construction (distinct memories, x ∈ S_μ, μ ∈ 𝓜 for every mask kind), the float64 reference maps equal the
// library's `retrieve` (top-K in both readings, window, random via a padding mask, dense, sparsemax), the
// log-domain sides equal hopfield.theory's bounds, and the inequality helpers behave at the edges.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HopgradError, tensor } from '../src/index.js';
import { retrieve } from '../src/hopfield/retrieve.js';
import { windowIndex } from '../src/hopfield/masks.js';
import {
  denseRetrievalBound, inBall, minSeparationRadius, oneStepRetrievalBound, sparseRetrievalBound,
} from '../src/hopfield/theory.js';
import {
  type MaskKind, type RetrievalInstance, evaluateClaim, inequality, logInequality, noisyInstance, reference, retrievalInstance,
} from '../src/hopfield/verify/index.js';

const fcOpts = (numRuns: number) => ({ numRuns, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) });
const gen = { maxM: 6, maxD: 4 };
const KINDS: MaskKind[] = ['topk', 'random', 'window', 'sparsemax', 'dense'];
const f64 = (rows: number[][] | number[]) => tensor(rows, { dtype: 'float64' });
const close = (a: readonly number[], b: readonly number[], tol: number): boolean => a.every((v, i) => Math.abs(v - b[i]!) <= tol);
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), Number.MIN_VALUE);

describe('generators: the hypotheses hold by construction', () => {
  for (const kind of KINDS) {
    it(`${kind}: M ≥ 2 distinct memories, x ∈ S_μ, μ ∈ 𝓜 (sorted, distinct, in range)`, () => {
      fc.assert(fc.property(retrievalInstance(kind, gen), (c: RetrievalInstance) => {
        const M = c.memories.length;
        expect(M).toBeGreaterThanOrEqual(2);
        expect(c.x.length).toBeGreaterThanOrEqual(1);
        expect(minSeparationRadius(c.memories)).toBeGreaterThan(0);
        expect(inBall(c.x, c.memories, c.mu)).toBe(true);
        expect(c.mask).toContain(c.mu);
        expect(c.mask.every((v, i) => Number.isInteger(v) && v >= 0 && v < M && (i === 0 || v > c.mask[i - 1]!))).toBe(true);
        expect(c.beta).toBeGreaterThanOrEqual(1e-3);
        expect(c.beta).toBeLessThanOrEqual(100);
        const s = reference.scoresOf(c.x, c.memories);
        if (kind === 'topk') {
          const pStar = [...s].sort((a, b) => b - a)[c.K! - 1]!;
          expect(c.mask).toEqual(s.flatMap((v, i) => (v >= pStar ? [i] : [])));
        }
        if (kind === 'window') {
          const set = windowIndex(c.query! + 1, M, c.w!);
          const row = Array.from(set.index.slice(c.query! * set.width, (c.query! + 1) * set.width))
            .filter((_, j) => !set.invalid || set.invalid[c.query! * set.width + j] === 0);
          expect(c.mask).toEqual(row);
        }
        if (kind === 'sparsemax') expect(c.mask).toEqual(reference.sparsemaxSupport(s, c.beta));
        if (kind === 'dense') expect(c.mask.length).toBe(M);
      }), fcOpts(300));
    });
  }

  it('draws the hard cases: M = 2, d = 1, β < 0.01, β > 10, x on the sphere of S_μ, near-duplicate memories, nearly tied scores, unequal norms', () => {
    const seen = { m2: false, d1: false, small: false, large: false, boundary: false, nearDup: false, nearTie: false, unequal: false };
    fc.assert(fc.property(retrievalInstance('topk', gen), (c) => {
      const R = reference.radiusOf(c.memories);
      const norms = c.memories.map(reference.norm);
      seen.m2 ||= c.memories.length === 2;
      seen.d1 ||= c.x.length === 1;
      seen.small ||= c.beta < 0.01;
      seen.large ||= c.beta > 10;
      seen.boundary ||= reference.dist(c.x, c.memories[c.mu]!) >= R * (1 - 1e-9);
      seen.nearDup ||= R < 1e-4 * Math.max(...norms);
      const s = reference.scoresOf(c.x, c.memories);
      seen.nearTie ||= s.some((v, i) => i !== c.mu && Math.abs(v - s[c.mu]!) <= 1e-3 * Math.max(...s.map(Math.abs)));
      seen.unequal ||= Math.max(...norms) > 4 * Math.min(...norms);
    }), { ...fcOpts(2000), seed: 5 });
    expect(seen).toEqual({ m2: true, d1: true, small: true, large: true, boundary: true, nearDup: true, nearTie: true, unequal: true });
  });

  it('noisy instances: top-K anchored at the noisy input keeps μ there; anchored clean it keeps μ at x', () => {
    fc.assert(fc.property(noisyInstance('topk', 'noisy', gen), (c) => { expect(c.noisyMask).toContain(c.mu); }), fcOpts(200));
    fc.assert(fc.property(noisyInstance('topk', 'clean', gen), (c) => {
      expect(c.mask).toContain(c.mu);
      expect(inBall(c.x, c.memories, c.mu)).toBe(true);
    }), fcOpts(200));
  });

  it('a fixed memory set (GenOptions.memories) is used as given', () => {
    const memories = [[1, 0], [0, 2], [-1, -1]];
    fc.assert(fc.property(retrievalInstance('random', { ...gen, memories }), (c) => {
      expect(c.memories).toEqual(memories);
      expect(inBall(c.x, memories, c.mu)).toBe(true);
    }), fcOpts(100));
  });
});

describe('reference maps equal hopfield.retrieve (float64)', () => {
  const out = (w: reference.Weights, mem: number[][]): number[] => reference.combine(w, mem);
  it('top-K (both readings, when no tie at the K-th score), window, random (dense + padding mask), dense, sparsemax', () => {
    fc.assert(fc.property(fc.constantFrom(...KINDS), fc.constantFrom('paper', 'renormalized') as fc.Arbitrary<reference.Reading>, fc.nat(), (kind, reading, seed) => {
      const c = fc.sample(retrievalInstance(kind, gen), { seed, numRuns: 1 })[0]!;
      const s = reference.scoresOf(c.x, c.memories);
      const tol = 1e-10 * (1 + reference.maxNormOf(c.memories));
      const mem = f64(c.memories);
      let lib: number[];
      let ref: number[];
      if (kind === 'topk') {
        if (c.mask.length !== c.K) return; // the library keeps exactly K on a tie; (3.11) keeps all tied
        lib = Array.from(retrieve(f64(c.x), mem, { kind: 'topk', k: c.K!, reading, beta: c.beta }).contiguousData());
        ref = out(reference.structuredWeights(s, c.beta, c.mask, reading), c.memories);
      } else if (kind === 'window') {
        const L = c.query! + 1;
        const X = Array.from({ length: L }, (_, i) => (i === c.query ? c.x : c.x.map(() => 0)));
        const all = Array.from(retrieve(f64(X), mem, { kind: 'window', window: c.w!, beta: c.beta }).contiguousData());
        lib = all.slice(c.query! * c.x.length, (c.query! + 1) * c.x.length);
        ref = out(reference.structuredWeights(s, c.beta, c.mask, 'renormalized'), c.memories);
      } else if (kind === 'random') {
        const pad = f64(c.memories.map((_, i) => (c.mask.includes(i) ? 0 : 1)));
        lib = Array.from(retrieve(f64(c.x), mem, { kind: 'dense', mask: pad, beta: c.beta }).contiguousData());
        ref = out(reference.structuredWeights(s, c.beta, c.mask, 'renormalized'), c.memories);
      } else {
        lib = Array.from(retrieve(f64(c.x), mem, { kind, beta: c.beta }).contiguousData());
        ref = out(reference.weightsAt(c.x, c.memories, c.beta, { kind }), c.memories);
      }
      expect(close(lib, ref, tol), `${kind}/${reading}: ${lib} vs ${ref}`).toBe(true);
    }), fcOpts(400));
  });

  it('log-domain errors stay exact where the direct error underflows', () => {
    // ξ = ±1, x = 1, k = 2: ‖T(x) − ξ₀‖ = 2 e^{−2β}/(1 + e^{−2β}) exactly
    for (const beta of [1, 20, 400]) {
      const w = reference.structuredWeights([1, -1], beta, null, 'renormalized');
      const exact = Math.log(2) - 2 * beta - Math.log1p(Math.exp(-2 * beta));
      expect(rel(reference.logErrorOf(w, [[1], [-1]], 0), exact)).toBeLessThan(1e-14);
    }
    expect(reference.errorOf(reference.structuredWeights([1, -1], 400, null, 'renormalized'), [[1], [-1]], 0)).toBe(0);
  });
});

describe('claim sides equal hopfield.theory where they do not underflow', () => {
  const sample = (kind: MaskKind, n: number) => fc.sample(retrievalInstance(kind, gen), { seed: 11, numRuns: n });
  const inRange = (v: number): boolean => v > 1e-250 && v < 1e250;
  it('Thm 4.1 printed / derived / (B.32) bounds, (B.34), (B.36) and the error', () => {
    for (const c of sample('topk', 300)) {
      const k = c.mask.length;
      const checks: [string, number][] = [
        ['thm4.1/printed/topk/paper', sparseRetrievalBound(c.x, c.memories, c.mu, { beta: c.beta, k, form: 'printed' })],
        ['thm4.1/derived/topk/paper', sparseRetrievalBound(c.x, c.memories, c.mu, { beta: c.beta, k, form: 'derived' })],
        ['thm4.1/B.32-max-all/topk/paper', sparseRetrievalBound(c.x, c.memories, c.mu, { beta: c.beta, k, form: 'derived', maxOver: 'all' })],
        ['cor4.1.1/vs-dense-bound/topk/paper', denseRetrievalBound(c.x, c.memories, c.mu, { beta: c.beta })],
      ];
      for (const [name, theory] of checks) {
        const ev = evaluateClaim(name, c);
        if (inRange(theory)) expect(rel(ev.rhs, theory), name).toBeLessThan(1e-9);
      }
      const fp = reference.fixedPoint(c.x, c.memories, c.beta, { kind: 'topk', K: c.K!, reading: 'paper' });
      const b36 = oneStepRetrievalBound(c.x, c.memories, c.mu, { beta: c.beta, fixedPoint: fp.x });
      if (inRange(b36)) expect(rel(evaluateClaim('cor4.1.2/B.36/topk/paper', c).rhs, b36)).toBeLessThan(1e-9);
      const direct = reference.dist(reference.combine(reference.structuredWeights(reference.scoresOf(c.x, c.memories), c.beta, c.mask, 'paper'), c.memories), c.memories[c.mu]!);
      const lhs = evaluateClaim('thm4.1/derived/topk/paper', c).lhs;
      if (direct > 1e-6 * reference.maxNormOf(c.memories)) expect(rel(lhs, direct)).toBeLessThan(1e-8);
    }
  });
});

describe('inequality helpers', () => {
  it('inequality: verdict, relative margin, rounding allowance, NaN', () => {
    expect(inequality(1, 2)).toMatchObject({ holds: true, margin: 0.5 });
    expect(inequality(2, 1)).toMatchObject({ holds: false, margin: -0.5 });
    expect(inequality(0, 0)).toMatchObject({ holds: true, margin: 0 });
    expect(inequality(1 + 1e-12, 1)).toMatchObject({ holds: true, margin: 0 });
    expect(inequality(1 + 1e-6, 1).holds).toBe(false);
    expect(inequality(1, Infinity)).toMatchObject({ holds: true, margin: 1 });
    expect(inequality(Infinity, 1)).toMatchObject({ holds: false, margin: -1 });
    expect(inequality(1e-3, 2e-3, undefined, 1).margin).toBeCloseTo(1e-3, 15);
    expect(() => inequality(NaN, 1)).toThrow(HopgradError);
  });

  it('logInequality: the same on logarithms, exact where the sides underflow', () => {
    const ev = logInequality(-2000, -1999);
    expect(ev.holds).toBe(true);
    expect(ev.lhs).toBe(0);
    expect(ev.margin).toBeCloseTo(1 - Math.exp(-1), 14);
    expect(logInequality(-1999, -2000)).toMatchObject({ holds: false });
    expect(logInequality(-1999, -2000).margin).toBeCloseTo(Math.exp(-1) - 1, 14);
    expect(logInequality(-Infinity, -Infinity)).toMatchObject({ holds: true, margin: 0 });
    expect(logInequality(-Infinity, -5)).toMatchObject({ holds: true, margin: 1 });
    expect(() => logInequality(NaN, 0)).toThrow(/NaN/);
  });
});
