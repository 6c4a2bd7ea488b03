// Unit tests of the Hopfield energies (src/hopfield/energy.ts): the dense (2.2) and sparse energies against
// direct formulas, Ψ* as the convex conjugate (a maximum over the simplex), ∇E = x − T(x), the concave–convex
// (CCCP) update equal to one retrieval step, float64 gradient checks, shapes and errors.
import { describe, it, expect } from 'vitest';
import { Generator, HopgradError, Tensor, grad, gradcheck, randn, tensor } from '../src/index.js';
import { concaveConvexStep, energy, isConcaveConvexStep } from '../src/hopfield/energy.js';
import { retrieve } from '../src/hopfield/retrieve.js';
import { expectAllclose } from './helpers/allclose.js';

const rn = (shape: number[], seed: number): Tensor => randn(shape, { dtype: 'float64', generator: new Generator(seed) });
const rows = (t: Tensor): number[][] => t.toArray() as number[][];
const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0);

/** Sparsemax of one vector by the sort-based rule (independent of the library's kernel). */
function sparsemaxRef(z: number[]): number[] {
  const s = [...z].sort((a, b) => b - a);
  let cum = 0;
  let k = 0;
  let kc = 0;
  s.forEach((v, j) => { cum += v; if (1 + (j + 1) * v > cum) { k = j + 1; kc = cum; } });
  const tau = (kc - 1) / k;
  return z.map((v) => Math.max(0, v - tau));
}
/** Ψ*(z) = ⟨p, z⟩ − ½‖p‖² + ½ at p = sparsemax(z) (the conjugate's maximizer). */
const psiStar = (z: number[]): number => { const p = sparsemaxRef(z); return dot(p, z) - 0.5 * dot(p, p) + 0.5; };

describe('energy', () => {
  const x = rn([4, 3], 1);
  const s = rn([6, 3], 2);
  const beta = 1.7;

  it('dense: E(x) = −β⁻¹ log Σ exp(β ξᵀx) + ½‖x‖² per row', () => {
    const e = energy(x, s, { beta });
    expect(e.shape).toEqual([4]);
    const want = rows(x).map((xi) => -Math.log(rows(s).reduce((a, k) => a + Math.exp(beta * dot(k, xi)), 0)) / beta + 0.5 * dot(xi, xi));
    expectAllclose(e, want, { rtol: 1e-13, atol: 1e-14 });
  });

  it('sparse: E(x) = −β⁻¹ Ψ*(β Ξᵀx) + ½‖x‖², with Ψ*(z) = max over the simplex of ⟨p, z⟩ − ½‖p‖² + ½', () => {
    const e = energy(x, s, { kind: 'sparsemax', beta });
    const want = rows(x).map((xi) => -psiStar(rows(s).map((k) => beta * dot(k, xi))) / beta + 0.5 * dot(xi, xi));
    expectAllclose(e, want, { rtol: 1e-13, atol: 1e-14 });
    // the printed form ½‖z‖² − ½‖sparsemax(z) − z‖² + ½ is the conjugate: no point of the simplex does better
    const g = new Generator(3);
    for (const xi of rows(x)) {
      const z = rows(s).map((k) => beta * dot(k, xi));
      const best = psiStar(z);
      for (let t = 0; t < 200; t++) {
        const w = z.map(() => -Math.log(g.uniform()));
        const tot = w.reduce((a, b) => a + b, 0);
        const p = w.map((v) => v / tot);
        expect(dot(p, z) - 0.5 * dot(p, p) + 0.5).toBeLessThanOrEqual(best + 1e-12);
      }
    }
  });

  it('the default β is 1/√d, a 1-D x gives a scalar, batches broadcast and β may be a per-batch tensor', () => {
    expectAllclose(energy(x, s), energy(x, s, { beta: 1 / Math.sqrt(3) }), { rtol: 0, atol: 0 });
    const v = energy(x.select(0, 2), s, { beta });
    expect(v.shape).toEqual([]);
    expectAllclose(v.item(), energy(x, s, { beta }).select(0, 2).item(), { rtol: 1e-15 });
    const sb = rn([2, 6, 3], 4);
    const bt = tensor([[[0.5]], [[2]]], { dtype: 'float64' });
    const eb = energy(x, sb, { beta: bt, kind: 'sparsemax' });
    expect(eb.shape).toEqual([2, 4]);
    expectAllclose(eb.select(0, 1), energy(x, sb.select(0, 1), { beta: 2, kind: 'sparsemax' }), { rtol: 1e-14 });
  });

  for (const kind of ['dense', 'sparsemax'] as const) {
    it(`${kind}: ∇ₓE = x − T(x) and float64 gradient checks in x and stored`, () => {
      const g = grad((xx: Tensor) => energy(xx, s, { kind, beta }).sum())(x) as Tensor;
      expectAllclose(g, x.sub(retrieve(x, s, { kind, beta })), { rtol: 1e-12, atol: 1e-13 });
      expect(gradcheck((a, b) => energy(a, b, { kind, beta }), [x, s]).ok).toBe(true);
    });
  }
});

describe('one retrieval step is the concave–convex (CCCP) update of its energy', () => {
  const x = rn([2, 5, 4], 11);
  const s = rn([2, 7, 4], 12);
  it('dense: ∇ₓ(β⁻¹ log Σ exp(β Ξᵀx)) = Ξ softmax(β Ξᵀx), computed directly', () => {
    const beta = 0.8;
    const step = concaveConvexStep(x, s, { beta });
    const xs = rows(x.select(0, 1));
    const ks = rows(s.select(0, 1));
    const want = xs.map((xi) => {
      const e = ks.map((k) => Math.exp(beta * dot(k, xi)));
      const z = e.reduce((a, b) => a + b, 0);
      return xi.map((_, c) => ks.reduce((a, k, j) => a + (e[j]! / z) * k[c]!, 0));
    });
    expectAllclose(step.select(0, 1), want, { rtol: 1e-12, atol: 1e-14 });
    expect(isConcaveConvexStep(x, s, { beta })).toMatchObject({ ok: true });
  });
  it('sparse: ∇ₓ(β⁻¹ Ψ*(β Ξᵀx)) = Ξ sparsemax(β Ξᵀx), computed directly', () => {
    const beta = 2.5;
    const step = concaveConvexStep(x, s, { beta, kind: 'sparsemax' });
    const xs = rows(x.select(0, 0));
    const ks = rows(s.select(0, 0));
    const want = xs.map((xi) => {
      const p = sparsemaxRef(ks.map((k) => beta * dot(k, xi)));
      return xi.map((_, c) => ks.reduce((a, k, j) => a + p[j]! * k[c]!, 0));
    });
    expectAllclose(step.select(0, 0), want, { rtol: 1e-12, atol: 1e-14 });
    const r = isConcaveConvexStep(x, s, { beta, kind: 'sparsemax' });
    expect(r.ok).toBe(true);
    expect(r.maxAbsError).toBeLessThan(1e-12);
  });
  it('the check fails when the tolerance cannot hold (it reports the deviation)', () => {
    const r = isConcaveConvexStep(x, s, { beta: 1, atol: -1, rtol: 0 });
    expect(r.ok).toBe(false);
    expect(r.maxAbsError).toBeGreaterThanOrEqual(0);
  });
});

describe('energy: errors', () => {
  const x = rn([2, 3], 21);
  const s = rn([4, 3], 22);
  const bad: [string, () => unknown, RegExp][] = [
    ['beta ≤ 0', () => energy(x, s, { beta: -1 }), /energy: beta must be a finite number > 0, got -1/],
    ['kind', () => energy(x, s, { kind: 'topk' as 'dense' }), /kind must be 'dense' or 'sparsemax', got 'topk'/],
    ['mismatched d', () => energy(x, rn([4, 2], 1)), /differ in pattern dimension d/],
    ['empty memories', () => energy(x, rn([0, 3], 1)), /memory set is empty/],
    ['stored rank', () => energy(x, rn([3], 1)), /stored must be a float Tensor \[\.\.\., M, d\]/],
    ['cccp kind', () => concaveConvexStep(x, s, { kind: 'window' as 'dense' }), /concaveConvexStep: kind must be/],
  ];
  for (const [name, f, re] of bad) {
    it(name, () => {
      expect(f).toThrow(HopgradError);
      expect(f).toThrow(re);
    });
  }
});
