// Regression examples for the dynamics / capacity / complexity claims: every claim the suite refutes, pinned
// as a concrete counterexample in plain numbers with its corrected statement asserted on the same instance;
// the equality case of Thm 4.2; a negative control showing the complexity check fails on quadratic work; and
// the check that the float64 reference dynamics the claims iterate is the library's `retrieve`.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { Claim } from '../src/hopfield/verify/claim.js';
import { claimName } from '../src/hopfield/verify/runner.js';
import { dynamicsClaims } from '../src/hopfield/verify/claims-dynamics.js';
import { capacityClaims } from '../src/hopfield/verify/claims-capacity.js';
import { complexityClaims } from '../src/hopfield/verify/claims-complexity.js';
import { type Model, type Rows, type Vec, ballInstanceArb, dist, iterate, stepper } from '../src/hopfield/verify/gen-dynamics.js';
import { capacityLowerBound } from '../src/hopfield/theory.js';
import { type RetrieveDetailedOptions, retrieveDetailed } from '../src/hopfield/retrieve.js';
import { tensor } from '../src/tensor/creation.js';
import { noGrad } from '../src/autograd/engine.js';

const claim = (name: string): Claim => {
  const c = [...dynamicsClaims, ...capacityClaims, ...complexityClaims].find((x) => claimName(x) === name);
  if (!c) throw new Error(`no claim ${name}`);
  return c;
};
const model = (m: Partial<Model> & Pick<Model, 'kind'>): Model => ({ reading: 'renormalized', k: 2, window: 0, pos: 0, seed: 0, ...m });

/**
 * The claims' iteration through the library's `retrieve` (the window query sits at row `pos` of pos + 1 identical
 * queries), for every model `retrieve` offers: all but the paper-literal window / random reading.
 */
function iterateLibrary(m: Model, xi: Rows, x0: Vec, beta: number, steps: number): Vec[] {
  const o: RetrieveDetailedOptions = { kind: m.kind, beta, steps, returnTrajectory: true };
  if (m.kind === 'topk') { o.k = m.k; o.reading = m.reading; }
  if (m.kind === 'random') { o.k = m.k; o.seed = m.seed; }
  if (m.kind === 'window') o.window = m.window;
  const rows = m.kind === 'window' ? m.pos + 1 : 1;
  const q = tensor(rows === 1 ? x0 : Array.from({ length: rows }, () => x0), { dtype: 'float64' });
  const r = noGrad(() => retrieveDetailed(q, tensor(xi, { dtype: 'float64' }), o));
  const at = rows === 1 ? 0 : m.pos * x0.length;
  return r.trajectory!.map((t) => Array.from(t.contiguousData().subarray(at, at + x0.length)));
}

describe('Lemma 4.1: paper-literal weights on a fixed mask cycle instead of converging', () => {
  // ξ₀ = 1, ξ₁ = 0.5 (d = 1), μ = 1, 𝓜 = {1}: T(y) = 0.5·e^{25y}/(e^{50y} + e^{25y}) = 0.5/(1 + e^{25y}) for β = 50;
  // from y₀ = ξ₁ = 0.5 ∈ S₁ (R = 0.25) the orbit settles on the 2-cycle {0.00104515328555…, 0.24673408178837…}
  const xi = [[1], [0.5]];
  const cases: [string, Model][] = [
    ['window', model({ kind: 'window', reading: 'paper', k: 1, window: 0, pos: 1 })],
    ['random', model({ kind: 'random', reading: 'paper', k: 1, seed: 4 })], // Generator(4) draws the mask {1}
  ];
  for (const [kind, m] of cases) {
    it(`${kind}: a 2-cycle from x = ξ_μ (lemma4.1/printed/${kind}/paper refuted); the corrected statements hold there`, () => {
      const inst = { xi, mu: 1, x: [0.5], beta: 50, model: m };
      const ev = claim(`lemma4.1/printed/${kind}/paper`).evaluate(inst);
      expect(ev.holds).toBe(false);
      expect(ev.details!.status).toBe('cycle');
      expect(ev.details!.period).toBe(2);
      const r = iterate(m, xi, [0.5], 50, 600, 0);
      const [a, b] = [r.traj[599]![0]!, r.traj[600]![0]!].sort((u, v) => u - v);
      expect(a).toBeCloseTo(0.0010451532856, 12);
      expect(b).toBeCloseTo(0.2467340817884, 12);
      expect(0.5 / (1 + Math.exp(25 * a!))).toBeCloseTo(b!, 12); // T(a) = b and T(b) = a
      expect(0.5 / (1 + Math.exp(25 * b!))).toBeCloseTo(a!, 12);
      // every step still obeys the derived bound; the renormalized reading converges (T = ξ₁ at once)
      expect(claim(`lemma4.1/corrected/${kind}/paper`).evaluate(inst).holds).toBe(true);
      expect(claim(`lemma4.1/printed/${kind}/renormalized`).evaluate({ ...inst, model: { ...m, reading: 'renormalized' } }).holds).toBe(true);
    });
  }
});

describe("Lemma 4.1's proof (B.37)–(B.39): ‖x_t − ξ_μ‖ does not tend to 0", () => {
  // β = 1, μ = 0, x₀ = ξ₀: the iterates converge, but to a fixed point away from ξ₀. Softmax kinds with both
  // memories ξ₀ = 0, ξ₁ = 1 kept: x* = 1/(1 + e^{−x*}) ≈ 0.659 (B.37 is false already for the dense model);
  // sparsemax climbs to ξ₁; the paper-literal 𝓜 = {0} with ξ₀ = 1, ξ₁ = 0 shrinks to x* = σ(x*) ≈ 0.659.
  const both: [string, Model][] = [
    ['dense', model({ kind: 'dense', k: 2 })], ['topk/renormalized', model({ kind: 'topk', k: 2 })],
    ['window/renormalized', model({ kind: 'window', window: 1 })], ['random/renormalized', model({ kind: 'random', k: 2 })],
  ];
  const only: [string, Model][] = [
    ['topk/paper', model({ kind: 'topk', reading: 'paper', k: 1 })], ['window/paper', model({ kind: 'window', reading: 'paper', k: 1 })],
    ['random/paper', model({ kind: 'random', reading: 'paper', k: 1, seed: 0 })], // Generator(0) draws {0}
  ];
  const cases: [string, Model, number[][], number][] = [
    ...both.map(([n, m]): [string, Model, number[][], number] => [n, m, [[0], [1]], 0.659046068]),
    ['sparsemax', model({ kind: 'sparsemax', k: 2 }), [[0], [1]], 1],
    ...only.map(([n, m]): [string, Model, number[][], number] => [n, m, [[1], [0]], 1 - 0.659046068]),
  ];
  for (const [name, m, xi, far] of cases) {
    it(`${name}: ξ = ${JSON.stringify(xi)}, the limit stays ${far.toFixed(4)} from ξ₀; the corrected bound holds`, () => {
      const inst = { xi, mu: 0, x: xi[0]!, beta: 1, model: m };
      const ev = claim(`lemma4.1/proof-B.39/${name}`).evaluate(inst);
      expect(ev.holds).toBe(false);
      expect(ev.details!.status).toBe('converged');
      expect(ev.details!.distanceToXi as number).toBeCloseTo(far, 6);
      expect(claim(`lemma4.1/corrected/${name}`).evaluate(inst).holds).toBe(true);
    });
  }
});

describe('Lemma 4.2 algebra (B.53)–(B.60)', () => {
  it('(B.59) does not solve (B.57): k = 2, C < 1 (and (B.57) ≤ 0 fails); the equation it does solve holds', () => {
    const inst = { d: 2, m: 1, R: 1, p: 0.001, k: 2, beta: 1 };
    const printed = claim('lemma4.2/algebra/B.57-printed').evaluate(inst);
    expect(printed.holds).toBe(false);
    expect(printed.details!.C as number).toBeCloseTo(0.2804053035, 9);
    expect(printed.details!.B57 as number).toBeCloseTo(0.4339237602, 9);
    expect(claim('lemma4.2/algebra/B.57-inequality').evaluate(inst).holds).toBe(false);
    expect(claim('lemma4.2/algebra/solved').evaluate(inst).holds).toBe(true);
  });

  it('(B.59) does not solve (B.57) with C > 1 either (k = 3), but then (B.57) ≤ 0 does hold (the C ≥ 1 correction)', () => {
    const inst = { d: 9, m: 1, R: 0.5, p: 0.25, k: 3, beta: 100 };
    const printed = claim('lemma4.2/algebra/B.57-printed').evaluate(inst);
    expect(printed.holds).toBe(false);
    expect(printed.details!.C as number).toBeCloseTo(3.791497806, 8);
    expect(printed.details!.B57 as number).toBeCloseTo(-0.2585696012, 9);
    expect(claim('lemma4.2/algebra/B.57-inequality-C-ge-1').evaluate(inst).holds).toBe(true);
    expect(claim('lemma4.2/algebra/solved').evaluate(inst).holds).toBe(true);
  });

  it('the bound M = √p·C^{(d−1)/4} = 146 breaks (B.53) once 2mRβ > 1; with 2mRβ kept, M = 24 satisfies it', () => {
    const inst = { d: 9, m: 1, R: 0.01, p: 0.25, k: 2, beta: 1000 };
    const printed = claim('lemma4.2/algebra/B.53-at-bound').evaluate(inst);
    expect(printed.holds).toBe(false);
    expect(printed.details!.M as number).toBeCloseTo(146.357, 2);
    expect(printed.lhs).toBeCloseTo(0.66386, 4);
    const fixed = claim('lemma4.2/algebra/B.53-at-corrected-bound').evaluate(inst);
    expect(fixed.holds).toBe(true);
    expect(fixed.details!.M as number).toBeCloseTo(23.9777, 3);
    expect(fixed.lhs).toBeCloseTo(0.0138449, 6);
  });
});

describe('Lemma 4.2: Definition 3.2 storage fails for paper-literal masks that drop the touching memory', () => {
  it('one draw: ξ₀ = (1, 0), ξ₁ = (0.8, 0.6), K = 1, β = 4000 (M = 2 ≤ the bound): T leaves S₀ next to where S₀ and S₁ touch', () => {
    const xi = [[1, 0], [0.8, 0.6]];
    const R = dist(xi[0]!, xi[1]!) / 2;
    expect(capacityLowerBound({ d: 2, m: 1, R, p: 0.25, k: 1, beta: 4000 })).toBeGreaterThanOrEqual(2);
    const x = xi[0]!.map((v, j) => v + (1 - 1e-6) * R * (xi[1]![j]! - v) / (2 * R));
    const paper = stepper(model({ kind: 'topk', reading: 'paper', k: 1 }), xi, 4000);
    expect(dist(paper(x), xi[0]!)).toBeCloseTo(0.5, 3); // T(x) ≈ ½ξ₀: ‖T(x) − ξ₀‖ ≈ 0.5 > R ≈ 0.316
    expect(dist(paper(x), xi[0]!)).toBeGreaterThan(R);
    // corrected: the memory itself is retrieved within R, and the renormalized reading keeps S₀
    expect(dist(paper(xi[0]!), xi[0]!)).toBeLessThan(R);
    expect(dist(stepper(model({ kind: 'topk', k: 1 }), xi, 4000)(x), xi[0]!)).toBe(0);
  });

  const inst = { d: 2, m: 1, p: 0.010000228881835938, M: 2, k: 1, w: 0, slack: 0, seed: 176095099 };
  for (const kind of ['topk', 'window', 'random']) {
    it(`${kind}/paper: the failure probability's 0.999 lower bound exceeds p (9 of 60 draws fail); corrected statements hold`, () => {
      const ev = claim(`lemma4.2/stored-def3.2/${kind}/paper`).evaluate(inst);
      expect(ev.holds).toBe(false);
      expect(ev.details!.failures).toBe(9);
      expect(ev.lhs).toBeCloseTo(0.0429038, 6);
      expect(claim(`lemma4.2/retrieved-within-R/${kind}/paper`).evaluate(inst).holds).toBe(true);
      expect(claim(`lemma4.2/stored-def3.2/${kind}/renormalized`).evaluate(inst).holds).toBe(true);
    });
  }
});

describe('Thm 4.2 equality case and vacuity', () => {
  it('M = 2, k = 1, ξ₁ = −ξ₀: (4.3) holds with equality for every β and T maps S_μ into S_μ', () => {
    const xi = [[2, 0], [-2, 0]];
    for (const reading of ['paper', 'renormalized'] as const) {
      const inst = { xi, mu: 1, x: [-1, 1], beta: 0.3, model: model({ kind: 'topk', reading, k: 1 }), radius: 2, k: 1 };
      const ev = claim(`thm4.2/printed/topk/${reading}`).evaluate(inst);
      expect(ev.holds).toBe(true);
      expect(ev.details!.hypothesisSlack).toBe(0);
    }
  });

  it('a closest-pair memory never meets (4.3): ξ = (1, 0), (0.8, 0.6), (−1, 0), μ = 0', () => {
    for (const beta of [0.01, 1, 1e6]) {
      const ev = claim('thm4.2/hypothesis/closest-pair-unsatisfiable').evaluate({ xi: [[1, 0], [0.8, 0.6], [-1, 0]], mu: 0, beta, k: 1 });
      expect(ev.holds).toBe(true);
      expect(ev.rhs - ev.lhs).toBeGreaterThan(0.43); // threshold − Δ₀ = β⁻¹ ln(2m/R) + 2mR − 0.2 with 2mR = 0.632
    }
  });
});

describe('complexity: the counting check', () => {
  it('fails on quadratic work: dense retrieval does not pass the window (sub-quadratic) check', () => {
    const ev = claim('complexity/window').evaluate({ kind: 'dense', d: 4, k: 2, w: 1, features: 4, sizes: [16, 32, 64, 128, 256] });
    expect(ev.holds).toBe(false);
    expect(ev.details!.slope as number).toBeGreaterThan(1.9);
    expect(ev.details!.largestTensor).toBeLessThan(256 * 256); // the fused dense kernel never builds L×M: the counted work fails it
  });
});

describe('the reference dynamics the claims iterate is the library’s retrieve', () => {
  const runs = { numRuns: process.env.FC_RUNS ? Number(process.env.FC_RUNS) : 150, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) };
  const kinds = [['dense', 'renormalized'], ['sparsemax', 'renormalized'], ['topk', 'renormalized'], ['topk', 'paper'], ['window', 'renormalized'], ['random', 'renormalized']] as const;
  for (const [kind, reading] of kinds) {
    it(`${kind}/${reading}: 8 iterates agree to 1e-9·m`, () => {
      fc.assert(fc.property(ballInstanceArb({ maxM: 6, maxD: 4 }, kind, reading, 'wide'), (c) => {
        const ref = iterate(c.model, c.xi, c.x, c.beta, 8, -1).traj;
        const lib = iterateLibrary(c.model, c.xi, c.x, c.beta, 8);
        const m = Math.max(...c.xi.map((r) => Math.hypot(...r)));
        ref.forEach((y, t) => { if (!(dist(y, lib[t]!) <= 1e-9 * m)) throw new Error(`step ${t}: reference ${y} vs retrieve ${lib[t]}`); });
      }), runs);
    });
  }
});
