// The cpu top-k kernel's partial selection (sampled threshold, quickselect, sort of the kept k only) against a
// plain full sort of every row with the reference order (NaN largest, ties and −0/+0 by lower index): identical
// indices and values, for float32 / float64 / int32 rows with many ties, NaN and ±∞, both directions, every k,
// rows long enough to take the sampled-threshold path; `sorted: false` keeps the same set; argsort is the full sort.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { argsort, topk } from '../src/tensor/backend/cpu/indexing.js';
import type { TypedArray } from '../src/tensor/dtype.js';

const params = (numRuns: number): { numRuns: number; seed?: number } =>
  (process.env.FC_SEED ? { numRuns, seed: Number(process.env.FC_SEED) } : { numRuns });

/** Reference: sort every column index by (NaN first when largest / last otherwise, value, lower index). */
function reference(x: TypedArray, rows: number, cols: number, k: number, largest: boolean): { values: number[]; indices: number[] } {
  const values: number[] = [];
  const indices: number[] = [];
  for (let r = 0; r < rows; r++) {
    const order = Array.from({ length: cols }, (_, j) => j);
    order.sort((i, j) => {
      const a = x[r * cols + i]!, b = x[r * cols + j]!;
      const na = a !== a, nb = b !== b;
      if (na || nb) return na && nb ? i - j : (na === largest ? -1 : 1); // NaN above everything, +∞ included
      if (a === b) return i - j; // −0 and +0 tie too
      return (largest ? a > b : a < b) ? -1 : 1;
    });
    for (let j = 0; j < k; j++) { indices.push(order[j]!); values.push(x[r * cols + order[j]!]!); }
  }
  return { values, indices };
}

/** Row values drawn from a small pool (many ties), NaN, ±∞, ±0, or wide random floats. */
const valueArb = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) },
  { weight: 3, arbitrary: fc.integer({ min: -5, max: 5 }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 0, -0) },
);

const caseArb = fc.record({
  rows: fc.integer({ min: 1, max: 3 }),
  cols: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1024, max: 1400 })),
  dtype: fc.constantFrom('float32', 'float64', 'int32'),
  largest: fc.boolean(),
  kFrac: fc.double({ min: 0, max: 1, noNaN: true }),
  smallK: fc.boolean(),
  seed: fc.nat(),
  pool: fc.array(valueArb, { minLength: 1, maxLength: 64 }),
  spread: fc.boolean(),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function build(c: Case): { x: TypedArray; k: number } {
  const n = c.rows * c.cols;
  let s = c.seed >>> 0;
  const next = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
  const raw = Array.from({ length: n }, () => (c.spread ? (next() - 0.5) * 100 : c.pool[Math.floor(next() * c.pool.length)]!));
  const x = c.dtype === 'float32' ? Float32Array.from(raw) : c.dtype === 'float64' ? Float64Array.from(raw) : Int32Array.from(raw, (v) => (Number.isFinite(v) ? v : 7));
  const k = c.smallK ? Math.min(c.cols, Math.floor(c.kFrac * c.cols * 0.25)) : Math.round(c.kFrac * c.cols);
  return { x, k };
}

describe('cpu topk: partial selection equals the full sort', () => {
  it('same indices and values (order, ties, NaN, ±0) for every dtype, direction and k', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const { x, k } = build(c);
      const got = topk(x, c.rows, c.cols, k, c.largest);
      const ref = reference(x, c.rows, c.cols, k, c.largest);
      expect(Array.from(got.indices)).toEqual(ref.indices);
      expect(Array.from(got.values)).toEqual(Array.from(c.dtype === 'float32' ? Float32Array.from(ref.values) : ref.values));
      expect(got.values.constructor).toBe(x.constructor);
    }), params(120));
  });

  it('sorted: false keeps the same k entries (in some order)', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const { x, k } = build(c);
      const a = topk(x, c.rows, c.cols, k, c.largest, false);
      const b = topk(x, c.rows, c.cols, k, c.largest);
      for (let r = 0; r < c.rows; r++) {
        const sa = Array.from(a.indices.subarray(r * k, (r + 1) * k)).sort((p, q) => p - q);
        const sb = Array.from(b.indices.subarray(r * k, (r + 1) * k)).sort((p, q) => p - q);
        expect(sa).toEqual(sb);
      }
    }), params(60));
  });

  it('argsort (keyed native sort for float32 / int32) equals the full sort of every row', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const { x } = build(c);
      const got = argsort(x, c.rows, c.cols, c.largest);
      expect(Array.from(got)).toEqual(reference(x, c.rows, c.cols, c.cols, c.largest).indices);
    }), params(60));
  });

  it('takes the threshold path on long rows and still falls back correctly when many entries tie at the threshold', () => {
    const cols = 4096;
    const x = new Float32Array(cols).fill(1); // every entry ties: the threshold keeps all of them
    x[4000] = 2;
    x[17] = NaN;
    const got = topk(x, 1, cols, 100, true);
    expect(Array.from(got.indices)).toEqual([17, 4000, ...Array.from({ length: 98 }, (_, i) => i < 17 ? i : i + 1)]);
    const asc = topk(x, 1, cols, 3, false);
    expect(Array.from(asc.indices)).toEqual([0, 1, 2]);
  });
});
