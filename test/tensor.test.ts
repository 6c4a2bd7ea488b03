// Unit tests of the Tensor class: shape and dtype, toArray/dataSync/item, detach, views and contiguity, and the
// error messages of shape-checking ops (matmul, reshape, broadcasting), plus the shared allclose helper.
import { describe, expect, it } from 'vitest';
import {
  HopgradError, Tensor, add, contiguous, expand, matmul, mul, permute, reshape, scalar, tensor, transpose, zeros,
} from '../src/index.js';
import { allcloseReport, expectAllclose } from './helpers/allclose.js';

const f64 = (xs: number[], shape = [xs.length]): Tensor => new Tensor(Float64Array.from(xs), shape);
const err = (f: () => unknown, msg: string | RegExp): void => {
  expect(f).toThrow(HopgradError);
  expect(f).toThrow(msg);
};

describe('Tensor basics', () => {
  it('reports shape, dtype, size and ndim', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.size).toBe(6);
    expect(t.ndim).toBe(2);
    expect(Object.isFrozen(t.shape)).toBe(true);
    const s = scalar(2.5, 'float64');
    expect([s.shape, s.size, s.ndim, s.dtype]).toEqual([[], 1, 0, 'float64']);
    const empty = zeros([2, 0, 3]);
    expect([empty.size, empty.toArray()]).toEqual([0, [[], []]]);
  });

  it('toArray nests by shape and returns a number for a scalar', () => {
    expect(tensor([[1, 2], [3, 4]], { dtype: 'int32' }).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor([1, 2, 3, 4, 5, 6], { shape: [3, 1, 2] }).toArray()).toEqual([[[1, 2]], [[3, 4]], [[5, 6]]]);
    expect(scalar(7).toArray()).toBe(7);
    expect(f64([1, 2, 3, 4, 5, 6], [2, 3]).T.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
  });

  it('dataSync returns a copy in row-major order (writing to it leaves the tensor alone)', () => {
    const t = f64([1, 2, 3, 4], [2, 2]);
    const d = t.dataSync();
    expect(d).toBeInstanceOf(Float64Array);
    expect(Array.from(d)).toEqual([1, 2, 3, 4]);
    d[0] = 99;
    expect(t.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(t.dataSync()).not.toBe(t.dataSync());
    // a view reads through its strides, and its copy is equally independent
    const v = t.T;
    const dv = v.dataSync();
    expect(Array.from(dv)).toEqual([1, 3, 2, 4]);
    dv[1] = -1;
    expect(v.toArray()).toEqual([[1, 3], [2, 4]]);
    expect(tensor([1, 2], { dtype: 'int32' }).dataSync()).toBeInstanceOf(Int32Array);
  });

  it('data() resolves to the same copy as dataSync()', async () => {
    const t = f64([1, 2, 3]);
    expect(Array.from(await t.data())).toEqual([1, 2, 3]);
  });

  it('item returns the value of a one-element tensor and names the shape otherwise', () => {
    expect(scalar(3).item()).toBe(3);
    expect(tensor([[5]]).item()).toBe(5);
    expect(expand(f64([4]), [1, 1]).item()).toBe(4);
    // a one-element view that does not start at the storage's start
    const col = new Tensor(Float64Array.from([1, 2, 3]), [1], [1], 2);
    expect(col.item()).toBe(3);
    err(() => tensor([1, 2]).item(), 'item: only a one-element tensor can be converted to a number, got shape [2]');
    err(() => zeros([0]).item(), 'got shape [0]');
  });

  it('detach shares the data but cuts the graph', () => {
    const x = f64([1, 2]).requiresGrad_();
    const y = mul(x, 3);
    const d = y.detach();
    expect(y.isLeaf).toBe(false);
    expect([d.isLeaf, d.requiresGrad, d._node]).toEqual([true, false, null]);
    expect(d._storage).toBe(y._storage);
    expect(d.toArray()).toEqual([3, 6]);
    const v = f64([1, 2, 3, 4], [2, 2]).T.detach();
    expect(v.toArray()).toEqual([[1, 3], [2, 4]]);
  });

  it('requiresGrad_ marks float leaves and refuses int32 and turning a non-leaf off', () => {
    const x = f64([1]);
    expect(x.requiresGrad_()).toBe(x);
    expect(x.requiresGrad).toBe(true);
    x.requiresGrad_(false);
    expect(x.requiresGrad).toBe(false);
    err(() => tensor([1, 2], { dtype: 'int32' }).requiresGrad_(), 'requiresGrad_: only float tensors can require gradients, got int32');
    const y = mul(f64([1]).requiresGrad_(), 2);
    err(() => y.requiresGrad_(false), 'requiresGrad_: cannot turn off gradients of a non-leaf tensor');
  });

  it('toString shows shape, dtype, grad flag and values', () => {
    expect(f64([1, 2]).requiresGrad_().toString()).toBe('Tensor([2], float64, requiresGrad): [1,2]');
    expect(zeros([100]).toString()).toBe('Tensor([100], float32): 100 elements');
  });
});

describe('views and contiguity', () => {
  const base = () => f64([1, 2, 3, 4, 5, 6], [2, 3]);

  it('a fresh tensor and a reshape of it are contiguous and share storage', () => {
    const t = base();
    expect(t.isContiguous()).toBe(true);
    const r = reshape(t, [3, 2]);
    expect(r.isContiguous()).toBe(true);
    expect(r._storage).toBe(t._storage);
  });

  it('transpose and permute are strided views without a copy', () => {
    const t = base();
    const tt = transpose(t);
    expect(tt.isContiguous()).toBe(false);
    expect(tt._storage).toBe(t._storage);
    expect(tt._strides).toEqual([1, 3]);
    const p = permute(f64(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]), [2, 0, 1]);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(p.isContiguous()).toBe(false);
    expect((p.toArray() as number[][][])[1]![1]![2]).toBe(1 * 12 + 2 * 4 + 1);
  });

  it('expand is a stride-0 view', () => {
    const e = expand(f64([1, 2], [2, 1]), [2, 3]);
    expect(e.isContiguous()).toBe(false);
    expect(e._strides).toEqual([1, 0]);
    expect(e.toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
  });

  it('contiguous copies a view into row-major storage and returns a contiguous tensor unchanged', () => {
    const tt = transpose(base());
    const c = contiguous(tt);
    expect(c.isContiguous()).toBe(true);
    expect(c._storage).not.toBe(tt._storage);
    expect(Array.from(c._storage)).toEqual([1, 4, 2, 5, 3, 6]);
    const t = base();
    expect(contiguous(t)).toBe(t);
    expect(t.contiguous()).toBe(t);
  });

  it('size-1 axes do not break contiguity, but an offset or a partial storage does', () => {
    expect(new Tensor(new Float64Array(3), [3, 1], [1, 7]).isContiguous()).toBe(true);
    expect(new Tensor(new Float64Array(4), [3], [1], 1).isContiguous()).toBe(false);
    expect(new Tensor(new Float64Array(4), [3]).isContiguous()).toBe(false);
  });

  it('reshaping a non-contiguous view copies and keeps the values in logical order', () => {
    const r = reshape(transpose(base()), [6]);
    expect(r.toArray()).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe('error messages name the op and the shapes', () => {
  it('matmul', () => {
    err(() => matmul(zeros([3, 4]), zeros([5, 2])), 'matmul: cannot multiply [3,4] by [5,2] (inner dimensions 4 and 5 differ)');
    err(() => matmul(zeros([4]), zeros([3])), 'matmul: cannot multiply [4] by [3]');
    err(() => matmul(zeros([2, 3, 4]), zeros([3, 4, 2])), /matmul: batch dimensions of \[2,3,4\] and \[3,4,2\]/);
    err(() => matmul(scalar(1), zeros([2])), 'matmul: both operands need at least 1 dimension, got [] and [2]');
    err(() => matmul(zeros([2, 2], { dtype: 'int32' }), zeros([2, 2])), 'matmul: operands must be float tensors, got int32 and float32');
  });

  it('reshape', () => {
    err(() => reshape(zeros([3, 4]), [5, 2]), 'reshape: cannot reshape [3,4] (12 elements) into [5,2] (10 elements)');
    err(() => reshape(zeros([3, 4]), [5, -1]), 'reshape: cannot reshape [3,4] (12 elements) into [5,-1]');
    err(() => reshape(zeros([3, 4]), [-1, -1]), 'reshape: only one dimension can be -1, got [-1,-1]');
  });

  it('broadcasting', () => {
    err(() => add(zeros([2, 3]), zeros([3, 2])), 'add: shapes [2,3] and [3,2] do not broadcast (dimension -2 is 2 vs 3)');
    err(() => mul(zeros([4, 1, 3]), zeros([5, 2, 1])), 'mul: shapes [4,1,3] and [5,2,1] do not broadcast (dimension -3 is 4 vs 5)');
    err(() => expand(zeros([2, 3]), [4, 3]), /expand: .*\[2,3\].*\[4,3\]/);
  });
});

describe('expectAllclose (test helper)', () => {
  it('accepts close values and rejects others with a message naming the index', () => {
    expectAllclose(f64([1, 2], [1, 2]), [[1, 2 + 1e-9]]);
    expectAllclose(scalar(1), 1);
    expectAllclose(new Float32Array([0.1]), [0.1], { rtol: 1e-6 });
    expect(allcloseReport(f64([1, 2, 3], [3]), [1, 2.5, 3])).toMatch(/1 of 3 elements differ .* largest \|Δ\| = 0.5 at \[1\]/);
    expect(allcloseReport(f64([1, 2], [2, 1]), [1, 2])).toBe('shape mismatch: actual [2,1] vs expected [2]');
    expect(allcloseReport([NaN], [NaN])).toMatch(/1 of 1 elements differ/);
    expect(allcloseReport([NaN], [NaN], { equalNan: true })).toBeNull();
    expect(() => expectAllclose([1, 2], [1, 3])).toThrow(/expectAllclose: 1 of 2 elements differ/);
  });
});
