// Properties of the feature-map associations (src/hopfield/feature-maps.ts) on random shapes and values:
// linear equals (C.2) evaluated plainly; both kinds are invariant to permuting memories together with their
// values, return convex combinations of the values (positive weights), and treat batch entries
// independently; prf equals its unstabilized formula. FC_SEED fixes the seed, FC_RUNS the runs.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor } from '../src/index.js';
import { drawOmega, linearAssociation, positiveRandomFeatures, prfAssociation } from '../src/hopfield/feature-maps.js';
import { fcParams } from './gradcheck/case.js';

interface Problem { L: number; M: number; d: number; dv: number; beta: number; q: number[][]; k: number[][]; v: number[][]; perm: number[] }

const mat = (rows: number, cols: number, lim: number) =>
  fc.array(fc.array(fc.double({ min: -lim, max: lim, noNaN: true }), { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });

/** A random association problem with entries in [−lim, lim], plus a permutation of its memories. */
function problem(lim: number): fc.Arbitrary<Problem> {
  return fc.record({
    L: fc.integer({ min: 0, max: 5 }), M: fc.integer({ min: 1, max: 6 }), d: fc.integer({ min: 1, max: 4 }), dv: fc.integer({ min: 1, max: 3 }),
    beta: fc.double({ min: 0.05, max: 4, noNaN: true }),
  }).chain(({ L, M, d, dv, beta }) => fc.record({
    L: fc.constant(L), M: fc.constant(M), d: fc.constant(d), dv: fc.constant(dv), beta: fc.constant(beta),
    q: mat(L, d, lim), k: mat(M, d, lim), v: mat(M, dv, 3),
    perm: fc.shuffledSubarray(Array.from({ length: M }, (_, i) => i), { minLength: M, maxLength: M }),
  }));
}

const t64 = (a: number[][], cols: number): Tensor => new Tensor(Float64Array.from(a.flat()), [a.length, cols]);
const phi = (x: number): number => (x > 0 ? x + 1 : Math.exp(x));

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): boolean {
  if (got.length !== want.length) return false;
  for (let i = 0; i < got.length; i++) if (!(Math.abs(got[i]! - want[i]!) <= tol * Math.max(1, Math.abs(want[i]!)))) return false;
  return true;
}

/** Σ_μ w_μ v_μ / Σ_μ w_μ for each row of weights. */
function weighted(w: number[][], v: number[][]): number[] {
  return w.flatMap((wr) => {
    const tot = wr.reduce((a, b) => a + b, 0);
    return v[0]!.map((_, j) => wr.reduce((s, x, m) => s + x * v[m]![j]!, 0) / tot);
  });
}

type Assoc = (p: Problem, q: Tensor, k: Tensor, v: Tensor) => Tensor;
const kinds: [string, Assoc][] = [
  ['linear', (p, q, k, v) => linearAssociation(q, k, v, { beta: p.beta })],
  ['prf', (p, q, k, v) => prfAssociation(q, k, v, { beta: p.beta, features: 7, seed: 3 })],
];

describe('feature-map associations: properties', () => {
  it('linear equals (C.2) evaluated plainly with φ(√β·x), φ = elu + 1', () => {
    fc.assert(fc.property(problem(3), (p) => {
      const s = Math.sqrt(p.beta);
      const w = p.q.map((x) => p.k.map((xi) => xi.reduce((acc, e, i) => acc + phi(s * x[i]!) * phi(s * e), 0)));
      const out = linearAssociation(t64(p.q, p.d), t64(p.k, p.d), t64(p.v, p.dv), { beta: p.beta });
      expect(out.shape).toEqual([p.L, p.dv]);
      return close(out.dataSync(), weighted(w, p.v), 1e-12);
    }), fcParams(150));
  });

  it('prf equals its formula with unstabilized features (moderate inputs)', () => {
    fc.assert(fc.property(problem(1), fc.integer({ min: 1, max: 12 }), fc.nat(1000), (p, features, seed) => {
      const om = drawOmega(p.d, features, { seed });
      const beta = Math.min(p.beta, 2);
      const fq = positiveRandomFeatures(t64(p.q, p.d), om, { beta }).toArray() as number[][];
      const fk = positiveRandomFeatures(t64(p.k, p.d), om, { beta }).toArray() as number[][];
      const w = fq.map((a) => fk.map((b) => a.reduce((s, e, i) => s + e * b[i]!, 0)));
      const out = prfAssociation(t64(p.q, p.d), t64(p.k, p.d), t64(p.v, p.dv), { beta, omega: om });
      return close(out.dataSync(), weighted(w, p.v), 1e-11);
    }), fcParams(150));
  });

  for (const [name, f] of kinds) {
    it(`${name}: permuting memories together with their values leaves the output unchanged`, () => {
      fc.assert(fc.property(problem(3), (p) => {
        const a = f(p, t64(p.q, p.d), t64(p.k, p.d), t64(p.v, p.dv)).dataSync();
        const b = f(p, t64(p.q, p.d), t64(p.perm.map((i) => p.k[i]!), p.d), t64(p.perm.map((i) => p.v[i]!), p.dv)).dataSync();
        return close(b, a, 1e-12);
      }), fcParams(100));
    });

    it(`${name}: each output is a convex combination of the values (within their coordinate range)`, () => {
      fc.assert(fc.property(problem(3), (p) => {
        const out = f(p, t64(p.q, p.d), t64(p.k, p.d), t64(p.v, p.dv)).toArray() as number[][];
        return out.every((r) => r.every((e, j) => {
          const col = p.v.map((x) => x[j]!);
          return Number.isFinite(e) && e >= Math.min(...col) - 1e-12 && e <= Math.max(...col) + 1e-12;
        }));
      }), fcParams(100));
    });

    it(`${name}: a batch [2, ...] equals its entries computed one by one`, () => {
      fc.assert(fc.property(problem(2), problem(2), (p1, p2) => {
        // reshape p2's arrays to p1's sizes by cycling its entries
        const fit = (src: number[][], rows: number, cols: number) =>
          Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => src.flat()[(i * cols + j) % Math.max(1, src.flat().length)] ?? 0.5));
        const q2 = fit(p2.q, p1.L, p1.d);
        const k2 = fit(p2.k, p1.M, p1.d);
        const v2 = fit(p2.v, p1.M, p1.dv);
        const stack = (a: number[][], b: number[][], cols: number) => new Tensor(Float64Array.from([...a.flat(), ...b.flat()]), [2, a.length, cols]);
        const both = f(p1, stack(p1.q, q2, p1.d), stack(p1.k, k2, p1.d), stack(p1.v, v2, p1.dv)).dataSync();
        const one = f(p1, t64(p1.q, p1.d), t64(p1.k, p1.d), t64(p1.v, p1.dv)).dataSync();
        const two = f(p1, t64(q2, p1.d), t64(k2, p1.d), t64(v2, p1.dv)).dataSync();
        return close(both, [...one, ...two], 1e-12);
      }), fcParams(60));
    });
  }
});
