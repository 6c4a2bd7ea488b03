// Tests of hopfield.theory (src/hopfield/theory.ts, capacity.ts, lambert-w.ts): hand-checked values of every
// quantity on 2–3 memories in 2-D, properties relating the printed and derived forms of Thm 4.1's bound, the
// capacity bound of Lemma 4.2 against mpmath values, and Lambert W₀ over its whole principal domain. These
// check that the quantities are computed exactly as stated; whether the paper's theorems hold is not tested.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HopgradError, Tensor } from '../src/index.js';
import {
  denseRetrievalBound, inBall, isWellSeparated, maxNorm, minSeparationRadius, oneStepRetrievalBound, separation,
  separationAt, separations, sparseRetrievalBound, wellSeparationThreshold,
} from '../src/hopfield/theory.js';
import { capacityLowerBound, capacityTerms } from '../src/hopfield/capacity.js';
import { lambertW0, lambertW0Exp } from '../src/hopfield/lambert-w.js';

const fcOpts = (numRuns: number) => ({ numRuns, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) });
const EPS = Number.EPSILON;
const rel = (a: number, b: number): number => (b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b));

// ξ₀ = (2, 0), ξ₁ = (0, 1), ξ₂ = (1, 1): m = 2; distances √5, √2, 1 → R = ½;
// Δ₀ = 4 − max(0, 2) = 2, Δ₁ = 1 − max(0, 1) = 0, Δ₂ = 2 − max(2, 1) = 0.
const A = [[2, 0], [0, 1], [1, 1]];
// x = (1.8, 0.1): ⟨x, ξ⟩ = 3.6, 0.1, 1.9 → Δ̃₀(x) = 3.6 − 1.9 = 1.7; ‖x − ξ₀‖ = √0.05 ≤ R.
const X = [1.8, 0.1];

describe('theory: hand-checked values (ξ = (2,0), (0,1), (1,1); x = (1.8, 0.1))', () => {
  it('m, R, Δ_μ, Δ̃_μ(x), S_μ', () => {
    expect(maxNorm(A)).toBe(2);
    expect(minSeparationRadius(A)).toBe(0.5);
    expect([0, 1, 2].map((mu) => separation(A, mu))).toEqual([2, 0, 0]);
    expect(separations(A)).toEqual([2, 0, 0]);
    expect(Math.abs(separationAt(X, A, 0) - 1.7)).toBeLessThan(1e-15);
    expect(Math.abs(separationAt(X, A, 1) - (0.1 - 3.6))).toBeLessThan(1e-15);
    expect(Math.abs(separationAt(X, A, 2) - (1.9 - 3.6))).toBeLessThan(1e-15);
    expect(inBall(X, A, 0)).toBe(true);
    expect(inBall(X, A, 1)).toBe(false);
    expect(inBall([2.5, 0], A, 0)).toBe(true); // on the sphere: S_μ is closed
    expect(inBall([2.5000001, 0], A, 0)).toBe(false);
  });

  it('Thm 4.1 printed 6e^{−1.6}, derived 6e^{−1.7}; dense (B.34) 8e^{−1.7}; max over all ν gives e⁰', () => {
    // m(M + k − 2) = 2·3 = 6 for k = 2; printed exponent ⟨ξ₀, x⟩ − max(⟨ξ₀, ξ₁⟩, ⟨ξ₀, ξ₂⟩) = 3.6 − 2 = 1.6
    const printed = sparseRetrievalBound(X, A, 0, { beta: 1, k: 2 });
    expect(rel(printed, 1.2113791079679324)).toBeLessThan(1e-14);
    expect(sparseRetrievalBound(X, A, 0, { beta: 1, k: 2, form: 'printed' })).toBe(printed);
    expect(rel(sparseRetrievalBound(X, A, 0, { beta: 1, k: 2, form: 'derived' }), 1.096101144316408)).toBeLessThan(1e-14);
    expect(sparseRetrievalBound(X, A, 0, { beta: 1, k: 2, form: 'derived', maxOver: 'all' })).toBe(6);
    expect(rel(denseRetrievalBound(X, A, 0, { beta: 1 }), 1.4614681924218773)).toBeLessThan(1e-14);
    expect(denseRetrievalBound(X, A, 0, { beta: 1, maxOver: 'all' })).toBe(8);
    // β = 2, k = 1: m(M − 1) = 4, exponent doubled
    expect(rel(sparseRetrievalBound(X, A, 0, { beta: 2, k: 1 }), 4 * Math.exp(-3.2))).toBeLessThan(1e-14);
    // x = (1.8, 0.5): max_ν ⟨x, ξ_ν⟩ = 2.3 > 2 = max_ν ⟨ξ₀, ξ_ν⟩, so now printed < derived
    expect(rel(sparseRetrievalBound([1.8, 0.5], A, 0, { beta: 1, k: 2 }), 6 * Math.exp(-1.6))).toBeLessThan(1e-14);
    expect(rel(sparseRetrievalBound([1.8, 0.5], A, 0, { beta: 1, k: 2, form: 'derived' }), 6 * Math.exp(-1.3))).toBeLessThan(1e-14);
  });

  it('Cor 4.1.2 / (B.36): 2m(M − 1)·exp{−β(Δ_μ − 2m·max(‖x − ξ_μ‖, ‖x − x*‖))}', () => {
    // x* = (1.9, 0.05): ‖x − x*‖ = √0.0125 < ‖x − ξ₀‖ = √0.05, so 8·exp{−(2 − 4√0.05)}
    const b = oneStepRetrievalBound(X, A, 0, { beta: 1, fixedPoint: [1.9, 0.05] });
    expect(rel(b, 2.6481697279532783)).toBeLessThan(1e-14);
    // a fixed point farther than ξ₀ takes over the max: ‖x − (1.8, 0.6)‖ = 0.5
    expect(rel(oneStepRetrievalBound(X, A, 0, { beta: 1, fixedPoint: [1.8, 0.6] }), 8 * Math.exp(-(2 - 4 * 0.5)))).toBeLessThan(1e-14);
  });

  it('Thm 4.2 threshold β⁻¹ ln((M + k − 2)m/R) + 2mR and isWellSeparated', () => {
    expect(rel(wellSeparationThreshold(A, { beta: 1, k: 2 }), Math.log(12) + 2)).toBeLessThan(1e-15);
    expect(rel(wellSeparationThreshold(A, { beta: 2, k: 1 }), Math.log(8) / 2 + 2)).toBeLessThan(1e-15);
    expect(rel(wellSeparationThreshold(A, { beta: 1 }), Math.log(16) + 2)).toBeLessThan(1e-15); // k = M = 3
    // ξ = (10, 0), (0, 1), (0, −1): m = 10, R = 1, Δ = 100, 1, 1; threshold (k = 1) = ln 20 + 20
    const B = [[10, 0], [0, 1], [0, -1]];
    const t = Math.log(20) + 20;
    const r = isWellSeparated(B, { beta: 1, k: 1 });
    expect(rel(r.threshold, t)).toBeLessThan(1e-15);
    expect(r.separations).toEqual([100, 1, 1]);
    expect(r.wellSeparated).toEqual([true, false, false]);
    r.margins.forEach((g, i) => expect(Math.abs(g - ([100, 1, 1][i]! - t))).toBeLessThan(1e-13));
    expect(r.all).toBe(false);
    // the boundary case: antipodal pair, M = 2, k = 1: Δ = 2 = ln(1) + 2·1·1, margin exactly 0 (≥ holds)
    const C = isWellSeparated([[1, 0], [-1, 0]], { beta: 1, k: 1 });
    expect(C.margins).toEqual([0, 0]);
    expect(C.all).toBe(true);
    // coinciding memories: R = 0, threshold +∞
    const D = isWellSeparated([[1, 0], [1, 0], [0, 1]], { beta: 1, k: 2 });
    expect(D.threshold).toBe(Infinity);
    expect(D.wellSeparated).toEqual([false, false, false]);
  });

  it('accepts Tensors (any float dtype) as well as arrays', () => {
    const t = new Tensor(Float32Array.from(A.flat()), [3, 2]);
    expect(maxNorm(t)).toBe(2);
    expect(separations(t)).toEqual([2, 0, 0]);
    const x = new Tensor(Float64Array.from(X), [2]);
    expect(separationAt(x, t, 0)).toBe(separationAt(X, A, 0)); // the float32 entries 2, 0, 1 are exact
  });
});

describe('theory: bad input', () => {
  const err = (f: () => unknown, re: RegExp) => {
    expect(f).toThrow(HopgradError);
    expect(f).toThrow(re);
  };
  it('names the function, the parameter and the value', () => {
    err(() => minSeparationRadius([[1, 2]]), /minSeparationRadius: stored needs at least 2 memories, got M = 1/);
    err(() => maxNorm([]), /maxNorm: stored needs at least 1 memory, got M = 0/);
    err(() => separation(A, 3), /separation: mu must be an integer memory index in \[0, 2\], got 3/);
    err(() => separation(A, 0.5), /mu must be an integer/);
    err(() => separationAt([1, 2, 3], A, 0), /separationAt: x has dimension 3 but the stored patterns have d = 2/);
    err(() => maxNorm([[1, 2], [3]]), /stored rows must all have length 2; row 1 has length 1/);
    err(() => maxNorm([[1, Number.NaN]]), /maxNorm: stored must be finite, got NaN at flat index 1/);
    err(() => inBall([Infinity, 0], A, 0), /inBall: x must be finite, got Infinity/);
    err(() => maxNorm(new Tensor(new Float64Array(8), [2, 2, 2])), /stored must be a 2-D tensor \[M, d\], got shape \[2,2,2\]/);
    for (const beta of [0, -1, Number.NaN]) err(() => sparseRetrievalBound(X, A, 0, { beta, k: 1 }), new RegExp(`beta must be a finite number > 0, got ${beta}`));
    for (const k of [0, 4, 1.5]) err(() => sparseRetrievalBound(X, A, 0, { beta: 1, k }), new RegExp(`k \\(the support size \\|𝓜\\|\\) must be an integer in \\[1, M = 3\\], got ${k}`));
    err(() => sparseRetrievalBound(X, A, 0, { beta: 1, k: 1, form: 'exact' as 'printed' }), /form must be 'printed' or 'derived', got exact/);
    err(() => denseRetrievalBound(X, A, 0, { beta: 1, maxOver: 'some' as 'all' }), /maxOver must be 'others' or 'all', got some/);
    err(() => oneStepRetrievalBound(X, A, 0, { beta: 1 } as { beta: number; fixedPoint: number[] }), /fixedPoint \(x\*_μ\) is required/);
    err(() => oneStepRetrievalBound(X, A, 0, { beta: 1, fixedPoint: [1] }), /fixedPoint has dimension 1/);
    err(() => wellSeparationThreshold(A, { beta: 1, k: 9 }), /wellSeparationThreshold: k .* got 9/);
  });
});

/** A memory set of 2–5 rows in 1–4 dimensions, an index into it, and a query. */
const setup = fc.integer({ min: 2, max: 5 }).chain((M) => fc.integer({ min: 1, max: 4 }).chain((d) => fc.record({
  stored: fc.array(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: d, maxLength: d }), { minLength: M, maxLength: M }),
  x: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: d, maxLength: d }),
  mu: fc.integer({ min: 0, max: M - 1 }),
  k: fc.integer({ min: 1, max: M }),
  beta: fc.double({ min: 0.05, max: 3, noNaN: true }),
})));
const dot = (a: number[], b: number[]): number => a.reduce((s, e, i) => s + e * b[i]!, 0);
const maxOthers = (mu: number, stored: number[][], f: (xi: number[]) => number): number =>
  Math.max(...stored.filter((_, n) => n !== mu).map(f));

describe('theory: printed vs derived forms (properties)', () => {
  it('they coincide at x = ξ_μ (both m(M + k − 2)e^{−βΔ_μ}) and Δ̃_μ(ξ_μ) = Δ_μ', () => {
    fc.assert(fc.property(setup, ({ stored, mu, k, beta }) => {
      const xi = stored[mu]!;
      const p = sparseRetrievalBound(xi, stored, mu, { beta, k });
      expect(sparseRetrievalBound(xi, stored, mu, { beta, k, form: 'derived' })).toBe(p);
      expect(separationAt(xi, stored, mu)).toBe(separation(stored, mu));
      expect(rel(p, maxNorm(stored) * (stored.length + k - 2) * Math.exp(-beta * separation(stored, mu)))).toBeLessThan(1e-12);
    }), fcOpts(200));
  });

  it('elsewhere they differ by exactly ln(printed/derived) = β(max_{ν≠μ}⟨ξ_μ, ξ_ν⟩ − max_{ν≠μ}⟨x, ξ_ν⟩)', () => {
    fc.assert(fc.property(setup, ({ stored, x, mu, k, beta }) => {
      const p = sparseRetrievalBound(x, stored, mu, { beta, k });
      const q = sparseRetrievalBound(x, stored, mu, { beta, k, form: 'derived' });
      const want = beta * (maxOthers(mu, stored, (xi) => dot(stored[mu]!, xi)) - maxOthers(mu, stored, (xi) => dot(x, xi)));
      fc.pre(p > 1e-300 && q > 1e-300 && p < 1e300 && q < 1e300);
      expect(Math.abs(Math.log(p / q) - want)).toBeLessThan(1e-9 * (1 + Math.abs(Math.log(p))));
    }), fcOpts(200));
  });

  it('the derived bound with k = M is the dense bound (B.34), and for k ≤ M it is m(M + k − 2)/(2m(M − 1)) of it', () => {
    fc.assert(fc.property(setup, ({ stored, x, mu, k, beta }) => {
      const M = stored.length;
      const dense = denseRetrievalBound(x, stored, mu, { beta });
      expect(sparseRetrievalBound(x, stored, mu, { beta, k: M, form: 'derived' })).toBe(dense);
      const s = sparseRetrievalBound(x, stored, mu, { beta, k, form: 'derived' });
      if (Number.isFinite(dense) && dense > 0) expect(rel(s / dense, (M + k - 2) / (2 * (M - 1)))).toBeLessThan(1e-12);
    }), fcOpts(200));
  });

  it('(B.42): |Δ̃_μ(x) − Δ_μ| ≤ 2m‖x − ξ_μ‖ (the step from Δ̃ to Δ in Thm 4.2\'s proof, a Cauchy–Schwarz fact)', () => {
    fc.assert(fc.property(setup, ({ stored, x, mu }) => {
      const r = Math.sqrt(x.reduce((s, e, i) => s + (e - stored[mu]![i]!) ** 2, 0));
      expect(Math.abs(separationAt(x, stored, mu) - separation(stored, mu))).toBeLessThanOrEqual(2 * maxNorm(stored) * r + 1e-12);
    }), fcOpts(200));
  });

  it('(B.36) at x = x* = ξ_μ equals the dense bound at ξ_μ', () => {
    fc.assert(fc.property(setup, ({ stored, mu, beta }) => {
      const xi = stored[mu]!;
      const a = oneStepRetrievalBound(xi, stored, mu, { beta, fixedPoint: xi });
      const b = denseRetrievalBound(xi, stored, mu, { beta });
      expect(rel(a, b)).toBeLessThan(1e-12);
    }), fcOpts(200));
  });

  it('margins are Δ_μ − threshold; the two memories of the closest pair never have a positive margin', () => {
    // Δ_μ ≤ ⟨ξ_μ, ξ_μ − ξ_ν⟩ ≤ m‖ξ_μ − ξ_ν‖ = 2mR for the closest pair (μ, ν), while the threshold is
    // ≥ 2mR because (M + k − 2)m ≥ m ≥ R: (4.3) can hold there only with equality (see the report).
    fc.assert(fc.property(setup, ({ stored, k, beta }) => {
      const r = isWellSeparated(stored, { beta, k });
      r.margins.forEach((g, i) => expect(g).toBe(r.separations[i]! - r.threshold));
      let pair = [0, 1];
      let best = Infinity;
      stored.forEach((a, i) => stored.forEach((b, j) => {
        const dist = Math.sqrt(a.reduce((s, e, t) => s + (e - b[t]!) ** 2, 0));
        if (i < j && dist < best) [best, pair] = [dist, [i, j]];
      }));
      for (const i of pair) expect(r.margins[i]!).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(r.threshold)));
    }), fcOpts(200));
  });

  it('m and R are invariant to permuting the memories; Δ_μ permutes with them; scaling by c scales m, R by |c| and Δ by c²', () => {
    fc.assert(fc.property(setup, fc.double({ min: -3, max: 3, noNaN: true }), ({ stored }, c) => {
      fc.pre(Math.abs(c) > 0.1);
      const rev = [...stored].reverse();
      expect(maxNorm(rev)).toBe(maxNorm(stored));
      expect(minSeparationRadius(rev)).toBe(minSeparationRadius(stored));
      expect(separations(rev)).toEqual([...separations(stored)].reverse());
      const scaled = stored.map((r) => r.map((e) => c * e));
      expect(maxNorm(scaled)).toBeCloseTo(Math.abs(c) * maxNorm(stored), 10);
      expect(minSeparationRadius(scaled)).toBeCloseTo(Math.abs(c) * minSeparationRadius(stored), 10);
      separations(scaled).forEach((s, i) => expect(s).toBeCloseTo(c * c * separations(stored)[i]!, 9));
    }), fcOpts(150));
  });
});

describe('capacity lower bound (Lemma 4.2)', () => {
  // references: mpmath at 40 digits of a, b, W₀(e^{a + ln b}), C = b/W₀ and √p·C^{(d−1)/4}
  const cases = [
    { o: { d: 5, m: 1, R: 0.25, p: 0.01, k: 1, beta: 1 }, a: 0.08370926812584495, b: 0.2, w: 0.18138803858886385, C: 1.1026085377841381, bound: 0.11026085377841381, logBound: -2.2049063225310266 },
    { o: { d: 64, m: 2, R: 0.5, p: 0.05, k: 8, beta: 3 }, a: 0.277057063223041, b: 0.1523809523809524, w: 0.16965771980275313, C: 0.8981669243115669, bound: 0.04119634271391776, logBound: -3.1894057956465303 },
    { o: { d: 3, m: 1, R: 0.5, p: 1, k: 2, beta: 0.1 }, a: 4.772588722239782, b: 0.04, w: 1.2951140988676146, C: 0.030885309668834644, bound: 0.1757421681578859, logBound: -1.7387373116860834 },
    { o: { d: 2, m: 1, R: 1e-3, p: 0.5, k: 1, beta: 1e-6 }, a: 30.244726754808656, b: 8e-7, w: 13.596276664910238, C: 5.883963821247245e-8, bound: 0.01101292040982946, logBound: -4.508686112754577 },
  ];
  it('matches mpmath on a, b, W₀, C and the bound', () => {
    for (const c of cases) {
      const t = capacityTerms(c.o);
      for (const key of ['a', 'b', 'w', 'C', 'bound', 'logBound'] as const) expect(rel(t[key], c[key]), `${key} of ${JSON.stringify(c.o)}`).toBeLessThan(1e-13);
      expect(capacityLowerBound(c.o)).toBe(t.bound);
    }
  });

  it('stays finite in log space where the bound overflows (d = 4000)', () => {
    const t = capacityTerms({ d: 4000, m: 10, R: 1, p: 0.1, k: 10, beta: 100 });
    expect(t.bound).toBe(Infinity);
    expect(rel(t.logBound, 848.3710121166285)).toBeLessThan(1e-13);
    expect(rel(t.C, 2.3390263156421582)).toBeLessThan(1e-13);
  });

  it('C solves C = b / W₀(exp{a + ln b}): b/C + ln(b/C) = a + ln b', () => {
    fc.assert(fc.property(
      fc.record({
        d: fc.integer({ min: 2, max: 500 }), m: fc.double({ min: 0.1, max: 10, noNaN: true }), R: fc.double({ min: 0.01, max: 1, noNaN: true }),
        p: fc.double({ min: 1e-6, max: 1, noNaN: true }), k: fc.integer({ min: 1, max: 100 }), beta: fc.double({ min: 1e-4, max: 100, noNaN: true }),
      }),
      (o) => {
        const { a, b, C } = capacityTerms(o);
        const w = b / C;
        expect(Math.abs(w + Math.log(w) - (a + Math.log(b)))).toBeLessThan(1e-12 * (1 + Math.abs(a + Math.log(b))));
      },
    ), fcOpts(200));
  });

  it('rejects inputs outside the lemma', () => {
    const ok = { d: 5, m: 1, R: 0.25, p: 0.01, k: 1, beta: 1 };
    expect(() => capacityLowerBound({ ...ok, d: 1 })).toThrow(/capacityLowerBound: d must be an integer ≥ 2 \(the bound divides by d − 1\), got 1/);
    expect(() => capacityLowerBound({ ...ok, d: 2.5 })).toThrow(/d must be an integer ≥ 2/);
    for (const p of [0, 1.5, -0.1]) expect(() => capacityLowerBound({ ...ok, p })).toThrow(new RegExp(`p must be a probability in \\(0, 1\\], got ${p}`));
    expect(() => capacityLowerBound({ ...ok, m: 0 })).toThrow(/m must be a finite number > 0, got 0/);
    expect(() => capacityLowerBound({ ...ok, R: -1 })).toThrow(/R must be a finite number > 0, got -1/);
    expect(() => capacityLowerBound({ ...ok, beta: 0 })).toThrow(/beta must be a finite number > 0, got 0/);
    expect(() => capacityLowerBound({ ...ok, k: 0 })).toThrow(/k must be an integer ≥ 1, got 0/);
    expect(() => capacityLowerBound({ ...ok, k: 0 })).toThrow(HopgradError);
  });
});

describe('Lambert W₀', () => {
  it('known values: W(0) = 0, W(1) = Ω, W(e) = 1, W(−1/e) = −1, W(∞) = ∞', () => {
    expect(lambertW0(0)).toBe(0);
    expect(rel(lambertW0(1), 0.5671432904097838)).toBeLessThanOrEqual(EPS);
    expect(rel(lambertW0(Math.E), 1)).toBeLessThanOrEqual(EPS);
    expect(lambertW0(-Math.exp(-1))).toBe(-1);
    expect(lambertW0(Infinity)).toBe(Infinity);
  });

  it('matches mpmath (40 digits) to 1e-15 relative across the domain', () => {
    // [x, W₀(x)] with x the exact double shown; the first three lie within 1e-16, 4e-14 and 1e-5 of −1/e
    const ref: [number, number][] = [
      [-0.3678794411714422, -0.9999999768481082], [-0.3678794411714, -0.9999995202104045], [-0.36787, -0.9928527298215277],
      [-0.36, -0.8060843159708176], [-0.3, -0.4894022271802149], [-0.2, -0.25917110181907377], [-0.1, -0.11183255915896297],
      [-1e-5, -1.0000100001500027e-5], [-1e-300, -1e-300], [5e-324, 5e-324], [1e-300, 1e-300], [1e-10, 9.999999999e-11],
      [0.1, 0.09127652716086226], [0.5, 0.35173371124919584], [2.5, 0.958586356728703], [3, 1.04990889496404],
      [10, 1.7455280027406994], [100, 3.38563014029005], [1e5, 9.284571428622108], [1e10, 20.028685413304952],
      [1e50, 110.42491882731335], [1e100, 224.8431064451185], [1e200, 454.398045033714], [1e300, 684.2472086297608],
      [1.7976931348623157e308, 703.2270331047702],
    ];
    for (const [x, w] of ref) expect(rel(lambertW0(x), w), `W₀(${x})`).toBeLessThan(1e-15);
  });

  it('w·eʷ = x to a few ulps on a log-spaced sweep over [−1/e, 1e300], and W₀ is increasing', () => {
    const xs: number[] = [];
    // next to the branch point: −1/e·(1 − 10^{−j}), then −10^{−j} towards 0, then 10^{j} up to 1e300
    for (let j = 1; j <= 15; j += 0.25) xs.push(-Math.exp(-1) * (1 - 10 ** -j));
    xs.sort((a, b) => a - b);
    const neg = [];
    for (let j = 0.5; j <= 300; j += 0.5) neg.push(-(10 ** -j));
    xs.push(...neg);
    for (let j = -300; j <= 300; j += 0.5) xs.push(10 ** j);
    let prev = -Infinity;
    let prevW = -Infinity;
    for (const x of xs) {
      const w = lambertW0(x);
      expect(w).toBeGreaterThanOrEqual(-1);
      // eʷ carries w's rounding, a relative error of about ε·|w|, into the product
      expect(Math.abs(w * Math.exp(w) - x), `x = ${x}`).toBeLessThanOrEqual(4 * EPS * (2 + Math.abs(w)) * Math.abs(x));
      expect(x).toBeGreaterThan(prev);
      expect(w, `monotone at ${x}`).toBeGreaterThan(prevW);
      prev = x;
      prevW = w;
    }
  });

  it('lambertW0Exp(y) = W₀(eʸ) without overflow, and agrees with lambertW0(exp(y)) where eʸ is finite', () => {
    const ref: [number, number][] = [
      [-50, 1.9287498479639178e-22], [-1, 0.2784645427610738], [0, 0.5671432904097838], [1, 1], [2, 1.5571455989976115],
      [10, 7.929420095019697], [100, 95.44148664557584], [709, 702.4454322782813], [710, 703.4440117119545],
      [1000, 993.0991694723891], [1e5, 99988.48718966976], [1e10, 9999999976.97415], [1e300, 1e300],
    ];
    for (const [y, w] of ref) expect(rel(lambertW0Exp(y), w), `W₀(e^${y})`).toBeLessThan(1e-15);
    expect(lambertW0Exp(-800)).toBe(Math.exp(-800));
    expect(lambertW0Exp(-Infinity)).toBe(0);
    expect(lambertW0Exp(Infinity)).toBe(Infinity);
    for (let y = -5; y <= 700; y += 3.7) expect(rel(lambertW0Exp(y), lambertW0(Math.exp(y)))).toBeLessThan(4 * EPS);
  });

  it('rejects x < −1/e and NaN', () => {
    expect(() => lambertW0(-0.37)).toThrow(/lambertW0: x must be ≥ −1\/e .* got -0.37/);
    expect(() => lambertW0(Number.NaN)).toThrow(/lambertW0: x must be a number, got NaN/);
    expect(() => lambertW0Exp(Number.NaN)).toThrow(/lambertW0Exp: y must be a number, got NaN/);
    expect(() => lambertW0(-0.37)).toThrow(HopgradError);
  });
});
