// Unit tests of the indexing ops: slicing views (Python semantics, storage sharing), narrow/select,
// sliceBackward, gather/scatterAdd/indexSelect, maskedFill, topk/sort/argsort, oneHot, and their errors.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  HopgradError, Tensor, tensor, arange, slice, sliceBackward, narrow, select, gather, scatterAdd, indexSelect,
  maskedFill, topk, sort, argsort, oneHot, sum, mul, transpose, gradcheck,
} from '../src/index.js';
import type { SliceEntry } from '../src/index.js';

const fcp = (numRuns: number) => (process.env.FC_SEED ? { numRuns, seed: Number(process.env.FC_SEED) } : { numRuns });
const f64 = (data: number[] | number[][] | number[][][]) => tensor(data, { dtype: 'float64' });
const i32 = (data: number[] | number[][] | number[][][]) => tensor(data, { dtype: 'int32' });
const err = (f: () => unknown, msg: string | RegExp): void => {
  expect(f).toThrow(HopgradError);
  expect(f).toThrow(msg);
};
const a7 = () => arange(0, 7, 1, { dtype: 'float64' });
const x345 = () => arange(0, 60, 1, { dtype: 'float64' }).reshape([3, 4, 5]);

describe('slice', () => {
  // expected values printed by CPython: list(range(7))[slice(start, end, step)]
  const PY: [SliceEntry, number[]][] = [
    [[null, null, -1], [6, 5, 4, 3, 2, 1, 0]],
    [[5, 1, -2], [5, 3]],
    [[-2, null, -3], [5, 2]],
    [[10, -10, -1], [6, 5, 4, 3, 2, 1, 0]],
    [[null, -10, -1], [6, 5, 4, 3, 2, 1, 0]],
    [[1, 100, 2], [1, 3, 5]],
    [[-100, 3], [0, 1, 2]],
    [[3, 1], []],
    [[-1, -8, -2], [6, 4, 2, 0]],
    [[null, null, 3], [0, 3, 6]],
    [[-3], [4, 5, 6]],
  ];
  for (const [entry, want] of PY) {
    it(`matches Python for [${JSON.stringify(entry)}]`, () => {
      expect(slice(a7(), [entry]).toArray()).toEqual(want);
    });
  }

  it('matches numpy on 3-D specs (values from numpy)', () => {
    expect(slice(x345(), [1, [null, null, -2], [1, 4]]).toArray()).toEqual([[36, 37, 38], [26, 27, 28]]);
    expect(slice(x345(), [-1, null, -1]).toArray()).toEqual([44, 49, 54, 59]);
    expect(slice(x345(), [[null, null, 2], 1]).toArray()).toEqual([[5, 6, 7, 8, 9], [45, 46, 47, 48, 49]]);
    expect(slice(x345(), []).shape).toEqual([3, 4, 5]);
    expect(slice(x345(), [0, 0, 0]).shape).toEqual([]);
    expect(slice(x345(), [0, 0, 0]).item()).toBe(0);
  });

  it('agrees with a nested-array reference for random positive-step specs', () => {
    const pySlice = (n: number, s: number | null, e: number | null, st: number): number[] => {
      // Array.prototype.slice clamps like Python for step 1; then keep every st-th position
      const all = Array.from({ length: n }, (_, i) => i).slice(s ?? 0, e ?? n);
      return all.filter((_, i) => i % st === 0);
    };
    const arb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }).chain((shape) =>
      fc.tuple(fc.constant(shape), fc.tuple(...shape.map((d) => fc.tuple(
        fc.option(fc.integer({ min: -d - 2, max: d + 2 }), { nil: null }),
        fc.option(fc.integer({ min: -d - 2, max: d + 2 }), { nil: null }),
        fc.integer({ min: 1, max: 3 }),
      )))));
    fc.assert(fc.property(arb, ([shape, spec]) => {
      const n = shape.reduce((p, d) => p * d, 1);
      const x = arange(0, n, 1, { dtype: 'float64' }).reshape(shape);
      const got = slice(x, spec.map(([s, e, st]): SliceEntry => [s, e, st]));
      const pos = spec.map(([s, e, st], i) => pySlice(shape[i]!, s, e, st));
      const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1));
      const build = (ax: number, base: number): unknown =>
        ax === shape.length ? base : pos[ax]!.map((p) => build(ax + 1, base + p * strides[ax]!));
      expect(got.shape).toEqual(pos.map((p) => p.length));
      if (got.size > 0) expect(got.toArray()).toEqual(build(0, 0));
    }), fcp(200));
  });

  it('is a view: shares storage, no copy, and sees writes to the base', () => {
    const x = x345();
    const v = slice(x, [[1, 3], null, [null, null, -2]]);
    expect(v._storage).toBe(x._storage);
    expect(v.shape).toEqual([2, 4, 3]);
    (x._storage as Float64Array)[20 + 4] = -1; // x[1,0,4]
    expect((v.toArray() as number[][][])[0]![0]![0]).toBe(-1);
    const t = transpose(x);
    const w = slice(t, [0, [1, 3]]);
    expect(w._storage).toBe(x._storage);
    expect(w.toArray()).toEqual([[1, 6, 11, 16], [2, 7, 12, 17]]);
    expect(slice(slice(x, [[1, null]]), [1, [2, 4]])._storage).toBe(x._storage);
  });

  it('backpropagates ones into the selected positions only', () => {
    const x = a7().requiresGrad_();
    sum(mul(slice(x, [[5, 0, -2]]), 3)).backward();
    expect(x.grad!.toArray()).toEqual([0, 3, 0, 3, 0, 3, 0]);
    const y = x345().requiresGrad_();
    sum(slice(y, [1, [null, null, 2], -1])).backward();
    expect(sum(y.grad!).item()).toBe(2);
    expect((y.grad!.toArray() as number[][][])[1]![2]![4]).toBe(1);
  });

  it('validates the spec, naming the axis and sizes', () => {
    err(() => slice(x345(), [0, 0, 0, 0]), 'slice: spec has 4 entries but the input of shape [3,4,5] has only 3 axes');
    err(() => slice(x345(), [3]), 'slice: index 3 is out of range for axis 0 of size 3 (shape [3,4,5])');
    err(() => slice(x345(), [null, -5]), 'slice: index -5 is out of range for axis 1 of size 4');
    err(() => slice(x345(), [[0, 2, 0]]), 'slice: step of the range for axis 0 must not be 0');
    err(() => slice(x345(), [[0.5, 2]]), 'slice: start of the range for axis 0 must be an integer or null, got 0.5');
    err(() => slice(x345(), [1.5]), 'slice: index for axis 0 must be an integer, got 1.5');
    err(() => slice(x345(), [[0, 1, 2, 3] as unknown as SliceEntry]), 'slice: entry 0 must be an integer, null or [start?, end?, step?]');
    err(() => slice('x' as unknown as Tensor, []), 'slice: input must be a Tensor, got string');
  });
});

describe('sliceBackward', () => {
  it('puts dy at the sliced positions of zeros', () => {
    expect(sliceBackward(f64([1, 2]), [5], [[4, 0, -3]]).toArray()).toEqual([0, 2, 0, 0, 1]);
    expect(sliceBackward(f64([7, 8]), [2, 3], [null, 1]).toArray()).toEqual([[0, 7, 0], [0, 8, 0]]);
    expect(gradcheck((d) => sliceBackward(d, [3, 4], [[null, null, 2], [3, 0, -1]]), [f64([[1, 2, 3], [4, 5, 6]])]).ok).toBe(true);
  });
  it('checks that dy has the sliced shape', () => {
    err(() => sliceBackward(f64([1, 2, 3]), [5], [[0, 2]]), 'sliceBackward: dy has shape [3] but slicing [5] with this spec gives [2]');
  });
});

describe('narrow and select', () => {
  it('take views of one axis', () => {
    const x = x345();
    const n = narrow(x, -1, -3, 2);
    expect(n._storage).toBe(x._storage);
    expect(n.shape).toEqual([3, 4, 2]);
    expect((n.toArray() as number[][][])[0]![0]).toEqual([2, 3]);
    expect(narrow(x, 1, 4, 0).shape).toEqual([3, 0, 5]);
    const s = select(x, 1, -1);
    expect(s._storage).toBe(x._storage);
    expect(s.shape).toEqual([3, 5]);
    expect((s.toArray() as number[][])[2]).toEqual([55, 56, 57, 58, 59]);
    expect(x.narrow(0, 1, 1).shape).toEqual([1, 4, 5]);
    expect(x.select(0, 2).toArray()).toEqual(select(x, 0, 2).toArray());
  });
  it('validate axis, start, length and index', () => {
    err(() => narrow(x345(), 1, 2, 3), 'narrow: start 2 + length 3 exceeds the size 4 of axis 1 (shape [3,4,5])');
    err(() => narrow(x345(), 1, -5, 1), 'narrow: start -5 is out of range for axis 1 of size 4');
    err(() => narrow(x345(), 1, 0, -1), 'narrow: length must be a non-negative integer, got -1');
    err(() => narrow(x345(), 3, 0, 1), 'narrow: axis 3 is out of range for a tensor of rank 3');
    err(() => select(x345(), 2, 5), 'select: index 5 is out of range for axis 2 of size 5 (shape [3,4,5])');
    err(() => select(tensor(1), 0, 0), 'select: cannot select from a 0-d tensor');
  });
});

describe('gather and scatterAdd', () => {
  it('gather follows torch.gather', () => {
    const t = f64([[1, 2], [3, 4]]);
    expect(gather(t, 1, i32([[0, 0], [1, 0]])).toArray()).toEqual([[1, 1], [4, 3]]);
    expect(gather(t, 0, i32([[1, 0], [1, 1], [0, 0]])).toArray()).toEqual([[3, 2], [3, 4], [1, 2]]);
    expect(t.gather(-1, i32([[1], [0]])).toArray()).toEqual([[2], [3]]);
  });
  it('gather backpropagates by adding dy at the indices (repeats add up)', () => {
    const x = f64([[1, 2, 3]]).requiresGrad_();
    sum(gather(x, 1, i32([[2, 2, 0, 2]]))).backward();
    expect(x.grad!.toArray()).toEqual([[1, 0, 3]]);
  });
  it('scatterAdd adds src at the indices, out of place', () => {
    const x = f64([[1, 1, 1], [2, 2, 2]]);
    const out = scatterAdd(x, 1, i32([[0, 0], [2, 1]]), f64([[5, 6], [7, 8]]));
    expect(out.toArray()).toEqual([[12, 1, 1], [2, 10, 9]]);
    expect(x.toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(x.scatterAdd(0, i32([[1, 0, 1]]), f64([[1, 2, 3]])).toArray()).toEqual([[1, 3, 1], [3, 2, 5]]);
  });
  it('scatterAdd passes dy to x and gathers it for src', () => {
    const x = f64([[0, 0, 0]]).requiresGrad_();
    const src = f64([[1, 1]]).requiresGrad_();
    const w = f64([[1, 10, 100]]);
    sum(mul(scatterAdd(x, 1, i32([[2, 0]]), src), w)).backward();
    expect(x.grad!.toArray()).toEqual([[1, 10, 100]]);
    expect(src.grad!.toArray()).toEqual([[100, 1]]);
  });
  it('validate index dtype, rank, shape and values', () => {
    const x = f64([[1, 2, 3], [4, 5, 6]]);
    err(() => gather(x, 1, f64([[0], [1]])), 'gather: index must be an int32 tensor, got float64');
    err(() => gather(x, 1, i32([0, 1])), 'gather: index of shape [2] must have the input\'s rank 2 and match the input\'s shape [2,3] on every axis except axis 1 (it has rank 1)');
    err(() => gather(x, 1, i32([[0], [1], [0]])), '(dimension 0 is 3 vs 2)');
    err(() => gather(x, -1, i32([[0], [3]])), 'gather: index value 3 at flat position 1 is out of range for axis -1 of size 3 (valid: 0..2)');
    err(() => gather(x, 0, i32([[-1, 0, 0]])), 'gather: index value -1 at flat position 0');
    err(() => gather(x, 2, i32([[0], [0]])), 'gather: axis 2 is out of range for a tensor of rank 2');
    err(() => scatterAdd(x, 1, i32([[0], [1]]), f64([[1, 2], [3, 4]])), 'scatterAdd: src of shape [2,2] must have the index\'s shape [2,1]');
    err(() => scatterAdd(x, 1, i32([[0], [1]]), tensor([[1], [2]])), 'scatterAdd: src has dtype float32 but the input has float64');
  });
});

describe('indexSelect', () => {
  it('selects along an axis; any-rank indices give numpy.take shapes (values from numpy)', () => {
    const x = arange(0, 12, 1, { dtype: 'float64' }).reshape([3, 4]);
    expect(indexSelect(x, 1, i32([[2, 0], [1, 1]])).toArray()).toEqual([[[2, 0], [1, 1]], [[6, 4], [5, 5]], [[10, 8], [9, 9]]]);
    expect(indexSelect(x, 0, i32([2, 0])).toArray()).toEqual([[8, 9, 10, 11], [0, 1, 2, 3]]);
    expect(x.indexSelect(-1, i32([3])).shape).toEqual([3, 1]);
    expect(indexSelect(x, 0, tensor([], { dtype: 'int32' })).shape).toEqual([0, 4]);
  });
  it('is an embedding lookup whose gradient counts each row use', () => {
    const weight = arange(0, 8, 1, { dtype: 'float64' }).reshape([4, 2]).requiresGrad_();
    const ids = i32([[1, 3, 1], [0, 1, 1]]);
    const out = indexSelect(weight, 0, ids);
    expect(out.shape).toEqual([2, 3, 2]);
    expect((out.toArray() as number[][][])[0]![1]).toEqual([6, 7]);
    sum(out).backward();
    expect(weight.grad!.toArray()).toEqual([[1, 1], [4, 4], [0, 0], [1, 1]]);
  });
  it('validates the indices', () => {
    err(() => indexSelect(f64([1, 2]), 0, i32([2])), 'indexSelect: index value 2 at flat position 0 is out of range for axis 0 of size 2');
    err(() => indexSelect(f64([1, 2]), 0, tensor([0])), 'indexSelect: index must be an int32 tensor, got float32');
  });
});

describe('maskedFill', () => {
  it('fills where the broadcast mask is nonzero', () => {
    const x = f64([[1, 2, 3], [4, 5, 6]]);
    expect(maskedFill(x, i32([1, 0, 1]), -1).toArray()).toEqual([[-1, 2, -1], [-1, 5, -1]]);
    expect(maskedFill(x, tensor([[0], [2]]), -Infinity).toArray()).toEqual([[1, 2, 3], [-Infinity, -Infinity, -Infinity]]);
    expect(x.maskedFill(tensor(0), 9).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });
  it('has zero gradient at filled entries', () => {
    const x = f64([[1, 2, 3], [4, 5, 6]]).requiresGrad_();
    sum(mul(maskedFill(x, i32([0, 1, 0]), 100), 2)).backward();
    expect(x.grad!.toArray()).toEqual([[2, 0, 2], [2, 0, 2]]);
  });
  it('validates mask and value', () => {
    err(() => maskedFill(f64([[1, 2]]), i32([1, 0, 1]), 0), 'maskedFill: mask of shape [3] does not broadcast to the input\'s shape [1,2]');
    err(() => maskedFill(f64([1]), i32([[1], [0]]), 0), 'maskedFill: mask of shape [2,1] does not broadcast to the input\'s shape [1]');
    err(() => maskedFill(i32([1, 2]), i32([1, 0]), 0.5), 'maskedFill: value 0.5 is not an integer, but the input is int32');
    err(() => maskedFill(f64([1]), [1] as unknown as Tensor, 0), 'maskedFill: mask must be a Tensor');
  });
});

describe('topk, sort, argsort', () => {
  const m = () => f64([[3, 1, 4, 1, 5], [9, 2, 6, 5, 3]]);
  it('topk returns the best k, sorted, with int32 indices', () => {
    const { values, indices } = topk(m(), 3);
    expect(values.toArray()).toEqual([[5, 4, 3], [9, 6, 5]]);
    expect(indices.toArray()).toEqual([[4, 2, 0], [0, 2, 3]]);
    expect(indices.dtype).toBe('int32');
    const s = m().topk(2, { largest: false, axis: 1 });
    expect(s.values.toArray()).toEqual([[1, 1], [2, 3]]);
    expect(s.indices.toArray()).toEqual([[1, 3], [1, 4]]); // tie: the lower index first
    expect(topk(m(), 1, { axis: 0 }).indices.toArray()).toEqual([[1, 1, 1, 1, 0]]);
    expect(topk(m(), 0).values.shape).toEqual([2, 0]);
  });
  it('topk values carry the gradient to the chosen entries', () => {
    const x = m().requiresGrad_();
    const { values, indices } = topk(x, 2);
    expect(indices.requiresGrad).toBe(false);
    sum(values).backward();
    expect(x.grad!.toArray()).toEqual([[0, 0, 1, 0, 1], [1, 0, 1, 0, 0]]);
  });
  it('sort is stable in both directions and puts NaN last ascending', () => {
    const x = f64([2, 1, 2, 0, 1]);
    expect(sort(x).values.toArray()).toEqual([0, 1, 1, 2, 2]);
    expect(sort(x).indices.toArray()).toEqual([3, 1, 4, 0, 2]);
    expect(sort(x, { descending: true }).indices.toArray()).toEqual([0, 2, 1, 4, 3]);
    expect(argsort(f64([NaN, 1, -1])).toArray()).toEqual([2, 1, 0]);
    expect(x.argsort({ descending: true }).toArray()).toEqual([0, 2, 1, 4, 3]);
    const c = sort(m(), { axis: 0, descending: true });
    expect(c.values.toArray()).toEqual([[9, 2, 6, 5, 5], [3, 1, 4, 1, 3]]);
    expect(c.indices.toArray()).toEqual([[1, 1, 1, 1, 0], [0, 0, 0, 0, 1]]);
    expect(m().sort().values.toArray()).toEqual([[1, 1, 3, 4, 5], [2, 3, 5, 6, 9]]);
  });
  it('sort values are a permutation: the gradient is permuted back', () => {
    const x = f64([3, 1, 2]).requiresGrad_();
    sum(mul(sort(x).values, f64([1, 10, 100]))).backward();
    expect(x.grad!.toArray()).toEqual([100, 1, 10]);
  });
  it('sort along a middle axis of a 3-D view matches sorting each fibre', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 24, maxLength: 24 }), (vals) => {
      const x = transpose(tensor(vals, { shape: [2, 3, 4], dtype: 'float64' }), 0, 2); // [4,3,2], a view
      const { values, indices } = sort(x, { axis: 1 });
      const xa = x.toArray() as number[][][];
      const va = values.toArray() as number[][][];
      const ia = indices.toArray() as number[][][];
      for (let i = 0; i < 4; i++) for (let k = 0; k < 2; k++) {
        const fibre = [0, 1, 2].map((j) => xa[i]![j]![k]!);
        const order = [0, 1, 2].sort((p, q) => fibre[p]! - fibre[q]! || p - q);
        expect([0, 1, 2].map((j) => ia[i]![j]![k])).toEqual(order);
        expect([0, 1, 2].map((j) => va[i]![j]![k])).toEqual(order.map((p) => fibre[p]));
      }
    }), fcp(100));
  });
  it('validate k and axis', () => {
    err(() => topk(m(), 6), 'topk: k must be an integer in [0, 5] for axis -1 of shape [2,5], got 6');
    err(() => topk(m(), 1, { axis: 2 }), 'topk: axis 2 is out of range for a tensor of rank 2');
    err(() => sort(tensor(1)), 'sort: needs a tensor with at least 1 dimension, got a 0-d tensor');
  });
});

describe('oneHot', () => {
  it('encodes int32 indices as float32 rows', () => {
    const h = oneHot(i32([[0, 2], [1, 0]]), 3);
    expect(h.dtype).toBe('float32');
    expect(h.shape).toEqual([2, 2, 3]);
    expect(h.toArray()).toEqual([[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [1, 0, 0]]]);
    expect(oneHot(i32([0, 3])).shape).toEqual([2, 4]);
  });
  it('validates indices and numClasses', () => {
    err(() => oneHot(i32([0, 3]), 3), 'oneHot: class index 3 at flat position 1 is out of range for 3 classes');
    err(() => oneHot(f64([0, 1]), 3), 'oneHot: indices must be an int32 tensor, got float64');
    err(() => oneHot(tensor([], { dtype: 'int32' })), 'oneHot: cannot infer numClasses from an empty tensor; pass numClasses');
    err(() => oneHot(i32([0]), 1.5), 'oneHot: numClasses must be a non-negative integer, got 1.5');
  });
});
