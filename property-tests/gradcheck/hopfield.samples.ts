// Gradient-check cases for the Hopfield separation ops (sparsemax, entmax). Support edges are kinks, so
// inputs are built from a chosen output: support entries with probability ≥ gap, the others ≥ gap below τ.
import fc from 'fast-check';
import { Tensor } from '../../src/index.js';
import { entmax, sparsemax } from '../../src/hopfield/separation.js';
import type { SeparationAttrs } from '../../src/hopfield/separation.js';
import type { CaseArb } from './case.js';

const GAP = 0.05;

/** Rows of scores whose α-entmax (α = 2: sparsemax) has support entries ≥ GAP and others ≥ GAP off the edge. */
function scoresArb(alpha: number, maxRows = 3, maxCols = 6): fc.Arbitrary<{ x: Tensor; rows: number; cols: number }> {
  return fc.integer({ min: 1, max: maxRows }).chain((rows) => fc.integer({ min: 1, max: maxCols }).chain((cols) =>
    fc.array(
      fc.record({
        k: fc.integer({ min: 1, max: cols }),
        w: fc.array(fc.double({ min: 0.2, max: 1, noNaN: true }), { minLength: cols, maxLength: cols }),
        below: fc.array(fc.double({ min: GAP, max: 1, noNaN: true }), { minLength: cols, maxLength: cols }),
        tau: fc.double({ min: -1, max: 1, noNaN: true }),
        perm: fc.shuffledSubarray(Array.from({ length: cols }, (_, i) => i), { minLength: cols, maxLength: cols }),
      }),
      { minLength: rows, maxLength: rows },
    ).map((rs) => {
      const data = new Float64Array(rows * cols);
      rs.forEach(({ k, w, below, tau, perm }, r) => {
        // probabilities ≥ GAP on the support: GAP + (1 − k·GAP) · w/Σw (k ≤ cols ≤ 6 keeps 1 − k·GAP > 0)
        const ws = w.slice(0, k);
        const tot = ws.reduce((a, b) => a + b, 0);
        for (let j = 0; j < cols; j++) {
          const c = perm[j]!;
          let v: number;
          if (j < k) {
            const p = GAP + (1 - k * GAP) * (ws[j]! / tot);
            v = (Math.pow(p, alpha - 1) + tau) / (alpha - 1);
          } else {
            v = (tau - below[j]!) / (alpha - 1);
          }
          data[r * cols + c] = v;
        }
      });
      return { x: new Tensor(data, [rows, cols]), rows, cols };
    })));
}

export const hopfieldCases: { [K in keyof SeparationAttrs]: CaseArb } = {
  sparsemax: scoresArb(2).map(({ x }) => ({ inputs: [x], run: (t: Tensor) => sparsemax(t), label: `sparsemax ${x.shape}` })),
  entmax: fc.double({ min: 1.2, max: 1.9, noNaN: true }).chain((alpha) =>
    scoresArb(alpha).map(({ x, rows }) => {
      // α learnable per row: the gradient with respect to α is checked as well
      const a = new Tensor(new Float64Array(rows).fill(alpha), [rows, 1]);
      return { inputs: [x, a], run: (t: Tensor, al: Tensor) => entmax(t, al), label: `entmax α=${alpha} ${x.shape}` };
    })),
};
