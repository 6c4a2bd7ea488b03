// Unit tests of the join ops: concat/cat, stack, split, chunk, pad, repeat/tile and flip — values, views,
// gradients, negative-stride views flowing through other ops, and the error messages.
import { describe, expect, it } from 'vitest';
import {
  HopgradError, Tensor, tensor, arange, concat, cat, stack, split, chunk, pad, repeat, tile, flip, sum, mul, add,
  matmul, reshape, transpose, contiguous, gradcheck,
} from '../src/index.js';

const f64 = (data: number[] | number[][] | number[][][]) => tensor(data, { dtype: 'float64' });
const err = (f: () => unknown, msg: string | RegExp): void => {
  expect(f).toThrow(HopgradError);
  expect(f).toThrow(msg);
};
const grid = (r: number, c: number, from = 0) => arange(from, from + r * c, 1, { dtype: 'float64' }).reshape([r, c]);

describe('concat', () => {
  it('joins along an axis, including views and empty pieces', () => {
    const a = grid(2, 2);
    const b = grid(2, 3, 10);
    expect(concat([a, b], 1).toArray()).toEqual([[0, 1, 10, 11, 12], [2, 3, 13, 14, 15]]);
    expect(concat([a, transpose(a)], -2).toArray()).toEqual([[0, 1], [2, 3], [0, 2], [1, 3]]);
    expect(cat([a, grid(0, 2), a]).shape).toEqual([4, 2]);
    expect(concat([a]).toArray()).toEqual(a.toArray());
    expect(concat([tensor([1, 2], { dtype: 'int32' }), tensor([3], { dtype: 'int32' })]).dtype).toBe('int32');
  });
  it('backpropagates blocks of dy that are views of one buffer', () => {
    const a = grid(2, 2).requiresGrad_();
    const b = grid(2, 1).requiresGrad_();
    const out = concat([a, b], 1);
    const dy = f64([[1, 2, 3], [4, 5, 6]]);
    // the rule itself hands out views of dy (no copy) ...
    const [ga, gb] = out._node!.backward(dy);
    expect(ga!._storage).toBe(dy._storage);
    expect(gb!._storage).toBe(dy._storage);
    // ... and the tape gives each leaf a gradient of its own
    out.backward(dy);
    expect(a.grad!.toArray()).toEqual([[1, 2], [4, 5]]);
    expect(b.grad!.toArray()).toEqual([[3], [6]]);
    expect(a.grad!._storage).not.toBe(b.grad!._storage);
  });
  it('checks dtype and shapes, naming the offending tensor', () => {
    err(() => concat([grid(2, 2), grid(2, 2), grid(3, 3)], 1), 'concat: tensor 2 has shape [3,3] but tensor 0 has [2,2] (all dimensions except axis 1 must match)');
    err(() => concat([grid(2, 2), f64([1, 2])]), 'concat: tensor 1 has shape [2] but tensor 0 has [2,2]');
    err(() => concat([grid(1, 2), tensor([[1, 2]])]), 'concat: tensor 1 has dtype float32 but tensor 0 has float64');
    err(() => concat([]), 'concat: tensors must be a non-empty array of Tensors');
    err(() => concat([grid(1, 1), 3 as unknown as Tensor]), 'concat: tensor 1 must be a Tensor, got number');
    err(() => concat([tensor(1), tensor(2)]), 'concat: cannot concatenate 0-d tensors (use stack)');
    err(() => concat([grid(1, 1)], 2), 'concat: axis 2 is out of range for a tensor of rank 2');
  });
});

describe('stack', () => {
  it('joins along a new axis', () => {
    const a = f64([1, 2, 3]);
    const b = f64([4, 5, 6]);
    expect(stack([a, b]).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(stack([a, b], -1).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(stack([tensor(1), tensor(2)]).toArray()).toEqual([1, 2]);
    expect(gradcheck((x, y) => stack([x, y, x], 1), [grid(2, 3), grid(2, 3, 6)]).ok).toBe(true);
  });
  it('requires equal shapes', () => {
    err(() => stack([f64([1, 2]), f64([1, 2, 3])]), 'stack: tensor 1 has shape [3] but tensor 0 has [2] (all must match)');
    err(() => stack([f64([1, 2])], 2), 'stack: axis 2 is out of range for stacking tensors of rank 1 (valid: -2..1)');
    err(() => stack([f64([1, 2])], -3), 'stack: axis -3 is out of range');
  });
});

describe('split and chunk', () => {
  const x = () => arange(0, 10, 1, { dtype: 'float64' }).reshape([2, 5]);
  it('split by size and by sections gives views', () => {
    const base = x();
    const parts = split(base, 2, 1);
    expect(parts.map((p) => p.shape)).toEqual([[2, 2], [2, 2], [2, 1]]);
    expect(parts[2]!.toArray()).toEqual([[4], [9]]);
    for (const p of parts) expect(p._storage).toBe(base._storage);
    expect(base.split([1, 0, 4], -1).map((p) => p.shape)).toEqual([[2, 1], [2, 0], [2, 4]]);
    expect(split(base, 5, 0).length).toBe(1);
  });
  it('chunk follows torch.chunk (pieces of ceil(n/chunks), maybe fewer pieces)', () => {
    const a = arange(0, 5, 1, { dtype: 'float64' });
    expect(chunk(a, 3).map((p) => p.toArray())).toEqual([[0, 1], [2, 3], [4]]);
    expect(chunk(arange(0, 6, 1, { dtype: 'float64' }), 4).map((p) => p.shape[0])).toEqual([2, 2, 2]);
    expect(x().chunk(2, 1).map((p) => p.shape)).toEqual([[2, 3], [2, 2]]);
  });
  it('validate sizes', () => {
    err(() => split(x(), [2, 2], 1), 'split: sizes [2,2] sum to 4, but axis 1 of shape [2,5] has size 5');
    err(() => split(x(), 0), 'split: split size must be a positive integer, got 0');
    err(() => split(x(), [6, -1], 1), 'split: sizes [6,-1] must be non-negative integers');
    err(() => chunk(x(), 0), 'chunk: chunks must be a positive integer, got 0');
    err(() => split(tensor(1), 1), 'split: cannot split a 0-d tensor');
  });
});

describe('pad', () => {
  it('pads with a constant per [before, after] pair', () => {
    expect(pad(f64([[1, 2], [3, 4]]), [[1, 0], [0, 2]], 9).toArray()).toEqual([[9, 9, 9, 9], [1, 2, 9, 9], [3, 4, 9, 9]]);
    expect(f64([1]).pad([[2, 1]]).toArray()).toEqual([0, 0, 1, 0]);
    expect(pad(tensor(5), []).item()).toBe(5);
    expect(pad(transpose(grid(2, 3)), [[0, 1], [1, 0]]).toArray()).toEqual([[0, 0, 3], [0, 1, 4], [0, 2, 5], [0, 0, 0]]);
  });
  it('backpropagates the interior of dy', () => {
    const a = grid(2, 2).requiresGrad_();
    pad(a, [[1, 1], [0, 1]], 7).backward(arange(0, 12, 1, { dtype: 'float64' }).reshape([4, 3]));
    expect(a.grad!.toArray()).toEqual([[3, 4], [6, 7]]);
  });
  it('validates pads and value', () => {
    err(() => pad(grid(2, 2), [[1, 1]]), 'pad: pads must hold one [before, after] pair per axis (2 for shape [2,2]), got [[1,1]]');
    err(() => pad(grid(2, 2), [[1, 1], [-1, 0]]), 'pad: pads[1] must be [before, after] with non-negative integers, got [-1,0]');
    err(() => pad(tensor([1], { dtype: 'int32' }), [[1, 1]], 0.5), 'pad: value 0.5 is not an integer, but the input is int32');
  });
});

describe('repeat and tile', () => {
  it('repeat follows torch.Tensor.repeat', () => {
    const x = f64([1, 2, 3]);
    expect(repeat(x, [4, 2]).shape).toEqual([4, 6]);
    expect((repeat(x, [4, 2]).toArray() as number[][])[3]).toEqual([1, 2, 3, 1, 2, 3]);
    expect(repeat(x, [1, 2, 1]).toArray()).toEqual([[[1, 2, 3], [1, 2, 3]]]);
    expect(repeat(grid(2, 2), [2, 0]).shape).toEqual([4, 0]);
  });
  it('tile follows numpy.tile (values from numpy)', () => {
    const b = f64([[1, 2], [3, 4]]);
    expect(tile(b, [2]).toArray()).toEqual([[1, 2, 1, 2], [3, 4, 3, 4]]);
    expect(b.tile([2, 1]).toArray()).toEqual([[1, 2], [3, 4], [1, 2], [3, 4]]);
    expect(tile(f64([0, 1, 2]), [2, 2]).toArray()).toEqual([[0, 1, 2, 0, 1, 2], [0, 1, 2, 0, 1, 2]]);
  });
  it('the gradient sums the copies', () => {
    const x = f64([[1, 2]]).requiresGrad_();
    sum(x.repeat([3, 2])).backward();
    expect(x.grad!.toArray()).toEqual([[6, 6]]);
    expect(gradcheck((t) => repeat(t, [2, 1, 3]), [grid(2, 2)]).ok).toBe(true);
  });
  it('validates reps', () => {
    err(() => repeat(grid(2, 2), [2]), 'repeat: reps [2] has fewer entries than the input\'s rank 2 (shape [2,2])');
    err(() => tile(grid(2, 2), [1.5]), 'tile: reps [1.5] must be non-negative integers');
  });
});

describe('flip', () => {
  it('reverses axes as a negative-stride view', () => {
    const x = grid(2, 3);
    const f = flip(x, 1);
    expect(f._storage).toBe(x._storage);
    expect(f._strides).toEqual([3, -1]);
    expect(f.toArray()).toEqual([[2, 1, 0], [5, 4, 3]]);
    expect(flip(x).toArray()).toEqual([[5, 4, 3], [2, 1, 0]]);
    expect(x.flip([0]).toArray()).toEqual([[3, 4, 5], [0, 1, 2]]);
    expect(flip(flip(x, [0, 1]), [1, 0]).toArray()).toEqual(x.toArray());
    expect(flip(tensor(3)).item()).toBe(3);
  });
  it('negative-stride views work in every consumer', () => {
    const x = grid(3, 3);
    const f = flip(x, [0, 1]);
    const ref = f64([[8, 7, 6], [5, 4, 3], [2, 1, 0]]);
    expect(add(f, 0).toArray()).toEqual(ref.toArray());
    expect(add(f, f64([1, 1, 1])).toArray()).toEqual(add(ref, 1).toArray());
    expect(matmul(f, x).toArray()).toEqual(matmul(ref, x).toArray());
    expect(matmul(x, flip(x, 0)).toArray()).toEqual(matmul(x, contiguous(flip(x, 0))).toArray());
    expect(sum(f, 1).toArray()).toEqual([21, 12, 3]);
    expect(reshape(f, [9]).toArray()).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(concat([f, x]).shape).toEqual([6, 3]);
    expect(pad(f, [[0, 0], [1, 0]]).toArray()).toEqual([[0, 8, 7, 6], [0, 5, 4, 3], [0, 2, 1, 0]]);
  });
  it('backpropagates the flipped gradient', () => {
    const x = f64([1, 2, 3]).requiresGrad_();
    sum(mul(flip(x), f64([1, 10, 100]))).backward();
    expect(x.grad!.toArray()).toEqual([100, 10, 1]);
  });
  it('validates axes', () => {
    err(() => flip(grid(2, 2), [0, 0]), 'flip: axis list [0,0] repeats an axis');
    err(() => flip(grid(2, 2), 2), 'flip: axis 2 is out of range for a tensor of rank 2');
    err(() => flip(tensor(1), 0), 'flip: a 0-d tensor has no axes to flip');
  });
});
