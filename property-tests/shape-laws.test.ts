// Algebraic laws of the shape ops, checked on random shapes and values: reshape round trips, permute and
// transpose inverses, slicing/splitting then concatenating restores the input, stack then select, flip and
// pad undone by flip and slice, broadcasting commuting with elementwise ops, transposed views multiplying
// like their contiguous copies, and the broadcast shape rule against numpy's definition written plainly.
// FC_SEED fixes the seed, FC_RUNS the number of runs per property.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  HopgradError, Tensor, reshape, permute, transpose, expand, contiguous, add, mul, matmul, zeros, slice, concat,
  split, stack, select, flip, pad,
} from '../src/index.js';
import { fcParams, shapeArb } from './gradcheck/case.js';

type Arb<T> = fc.Arbitrary<T>;
const RUNS = 100;
const size = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/** A float64 tensor of `shape` with small integer values (sums and products stay exact). */
function ints(shape: readonly number[]): Arb<Tensor> {
  const n = size(shape);
  return fc.array(fc.integer({ min: -9, max: 9 }), { minLength: n, maxLength: n }).map((v) => new Tensor(Float64Array.from(v), shape));
}

/** Same shape, same values (compared through the row-major data, so views and copies compare alike). */
function same(a: Tensor, b: Tensor): void {
  expect(a.shape).toEqual(b.shape);
  expect(a.dtype).toBe(b.dtype);
  expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
}

/** A tensor and an axis of it. */
const withAxis: Arb<[Tensor, number]> = shapeArb(1, 4, 4).chain((s) => fc.tuple(ints(s), fc.integer({ min: -s.length, max: s.length - 1 })));

/** A permutation of 0..n-1. */
const permArb = (n: number): Arb<number[]> => fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n });

/** Cut points 0 = c0 ≤ c1 ≤ … ≤ ck = d of an axis of size d. */
const cutsArb = (d: number): Arb<number[]> =>
  fc.array(fc.integer({ min: 0, max: d }), { maxLength: 4 }).map((cs) => [0, ...cs.sort((p, q) => p - q), d]);

/** The numpy broadcasting rule, plainly: align shapes on the right, missing dimensions count as 1; each
 * pair of dimensions must be equal or contain a 1, and the result takes the larger; otherwise an error. */
function numpyBroadcast(a: readonly number[], b: readonly number[]): number[] | 'error' {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (da !== db && da !== 1 && db !== 1) return 'error';
    out.push(da === 1 ? db : da);
  }
  return out;
}

describe('shape laws', () => {
  it('reshape round trips: reshape(reshape(x, s2), s) = x, and a −1 is inferred', () => {
    const arb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((factors) =>
      fc.tuple(ints(factors), fc.shuffledSubarray(factors, { minLength: factors.length, maxLength: factors.length }), fc.nat()));
    fc.assert(fc.property(arb, ([x, shuffled, k]) => {
      // regroup the shuffled factors into another shape of the same size
      const s2 = shuffled.length > 1 ? [shuffled[0]! * shuffled[1]!, ...shuffled.slice(2)] : shuffled;
      same(reshape(reshape(x, s2), [...x.shape]), x);
      const withFree = s2.map((d, i) => (i === k % s2.length ? -1 : d));
      expect(reshape(x, withFree).shape).toEqual(s2);
    }), fcParams(RUNS));
  });

  it('permute by p then by p⁻¹ is the identity', () => {
    const arb = shapeArb(0, 4, 4).chain((s) => fc.tuple(ints(s), permArb(s.length)));
    fc.assert(fc.property(arb, ([x, p]) => {
      const inv = new Array<number>(p.length);
      p.forEach((a, i) => { inv[a] = i; });
      const y = permute(x, p);
      expect(y.shape).toEqual(p.map((a) => x.shape[a]));
      same(permute(y, inv), x);
    }), fcParams(RUNS));
  });

  it('transposing the same two axes twice is the identity', () => {
    const arb = shapeArb(2, 4, 4).chain((s) => fc.tuple(ints(s), fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: 0, max: s.length - 1 })));
    fc.assert(fc.property(arb, ([x, a, b]) => {
      const t = transpose(x, a, b);
      expect(t._storage).toBe(x._storage);
      same(transpose(t, b, a), x);
    }), fcParams(RUNS));
  });

  it('slicing an axis into consecutive parts and concatenating them restores x', () => {
    const arb = withAxis.chain(([x, axis]) => fc.tuple(fc.constant(x), fc.constant(axis), cutsArb(x.shape[(axis + x.ndim) % x.ndim]!)));
    fc.assert(fc.property(arb, ([x, axis, cuts]) => {
      const a = (axis + x.ndim) % x.ndim;
      const parts = cuts.slice(1).map((c, i) => slice(x, [...new Array<null>(a).fill(null), [cuts[i]!, c]]));
      for (const p of parts) expect(p._storage).toBe(x._storage);
      same(concat(parts, axis), x);
    }), fcParams(RUNS));
  });

  it('split and concat are inverse', () => {
    const arb = withAxis.chain(([x, axis]) => fc.tuple(fc.constant(x), fc.constant(axis), cutsArb(x.shape[(axis + x.ndim) % x.ndim]!), fc.integer({ min: 1, max: 5 })));
    fc.assert(fc.property(arb, ([x, axis, cuts, chunkSize]) => {
      const sizes = cuts.slice(1).map((c, i) => c - cuts[i]!);
      const parts = split(x, sizes, axis);
      same(concat(parts, axis), x);
      same(concat(split(x, chunkSize, axis), axis), x);
      // and the other way round: splitting a concatenation gives back the parts
      split(concat(parts, axis), sizes, axis).forEach((p, i) => same(p, parts[i]!));
    }), fcParams(RUNS));
  });

  it('select(stack(ts, axis), axis, i) = ts[i]', () => {
    const arb = shapeArb(0, 3, 3).chain((s) =>
      fc.tuple(fc.array(ints(s), { minLength: 1, maxLength: 4 }), fc.integer({ min: -s.length - 1, max: s.length })));
    fc.assert(fc.property(arb, ([ts, axis]) => {
      const st = stack(ts, axis);
      ts.forEach((t, i) => same(select(st, axis, i), t));
    }), fcParams(RUNS));
  });

  it('flip is an involution and pad is undone by slicing out the interior', () => {
    const arb = shapeArb(1, 3, 4).chain((s) =>
      fc.tuple(ints(s), fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), { minLength: s.length, maxLength: s.length })));
    fc.assert(fc.property(arb, ([x, pads]) => {
      same(flip(flip(x)), x);
      same(slice(pad(x, pads, 5), pads.map(([b], i): [number, number] => [b, b + x.shape[i]!])), x);
    }), fcParams(RUNS));
  });

  it('broadcasting commutes with elementwise ops: expand(a) ∘ b = a ∘ b', () => {
    const arb = shapeArb(0, 3, 4).chain((s) =>
      fc.tuple(fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }), fc.integer({ min: 0, max: s.length }))
        .chain(([ones, drop]) => {
          const sa = s.map((d, i) => (ones[i] ? 1 : d)).slice(drop);
          return fc.tuple(ints(sa), ints(s));
        }));
    fc.assert(fc.property(arb, ([a, b]) => {
      const e = expand(a, [...b.shape]);
      same(add(e, b), add(a, b));
      same(mul(b, e), mul(b, a));
      same(add(contiguous(e), b), add(a, b));
    }), fcParams(RUNS));
  });

  it('transposed views multiply like their contiguous copies (x.T·y, x·y.T, batched)', () => {
    const arb = fc.tuple(shapeArb(0, 2, 3), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
      .chain(([batch, m, k, n]) => fc.tuple(ints([...batch, k, m]), ints([...batch, k, n]), ints([...batch, n, k])));
    fc.assert(fc.property(arb, ([x, y, z]) => {
      same(x.T.matmul(y), matmul(contiguous(transpose(x)), y));
      same(matmul(x.T, z.T), matmul(contiguous(x.T), contiguous(z.T)));
    }), fcParams(RUNS));
  });

  it('the broadcast shape of two shapes follows numpy’s rule, and incompatible shapes throw naming both', () => {
    const dim = fc.integer({ min: 1, max: 3 });
    const arb = fc.tuple(fc.array(dim, { maxLength: 4 }), fc.array(dim, { maxLength: 4 }));
    fc.assert(fc.property(arb, ([sa, sb]) => {
      const want = numpyBroadcast(sa, sb);
      const run = () => add(zeros(sa, { dtype: 'float64' }), zeros(sb, { dtype: 'float64' }));
      if (want === 'error') {
        expect(run).toThrow(HopgradError);
        expect(run).toThrow(`[${sa.join(',')}] and [${sb.join(',')}]`);
      } else {
        expect(run().shape).toEqual(want);
      }
    }), fcParams(RUNS * 3));
  });
});
