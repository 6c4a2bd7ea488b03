// Unit tests of tensor creation: nested and typed arrays, dtype inference, ragged-input errors, constant
// fills, arange/linspace/eye, and reproducible random tensors (manualSeed, explicit Generator, saved state).
import { describe, expect, it } from 'vitest';
import {
  Generator, HopgradError, arange, bernoulli, eye, full, linspace, manualSeed, normal, ones, onesLike, permutation,
  rand, randn, scalar, tensor, uniform, zeros, zerosLike,
} from '../src/index.js';
import { expectAllclose } from './helpers/allclose.js';

const err = (f: () => unknown, msg: string | RegExp): void => {
  expect(f).toThrow(HopgradError);
  expect(f).toThrow(msg);
};

describe('tensor() from nested arrays', () => {
  it('infers the shape and defaults to float32', () => {
    const t = tensor([[[1, 2]], [[3, 4]], [[5, 6]]]);
    expect(t.shape).toEqual([3, 1, 2]);
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([[[1, 2]], [[3, 4]], [[5, 6]]]);
    expect(tensor(4).shape).toEqual([]);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
  });

  it('honours dtype and shape options', () => {
    const t = tensor([1.5, 2.5, 3.5, 4.5], { dtype: 'float64', shape: [2, 2] });
    expect([t.dtype, t.shape]).toEqual(['float64', [2, 2]]);
    expect(t.toArray()).toEqual([[1.5, 2.5], [3.5, 4.5]]);
    expect(tensor([1.7, -1.7], { dtype: 'int32' }).toArray()).toEqual([1, -1]);
    expect(tensor([0.1]).item()).toBe(Math.fround(0.1));
    expect(tensor([1, 2], { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('names the ragged position', () => {
    err(() => tensor([[1, 2], [3]]), 'tensor: ragged nested array: [1] has length 1 where shape [2,2] expects length 2');
    err(() => tensor([[1, 2], 3] as never), 'tensor: ragged nested array: [1] has a number where shape [2,2] expects length 2');
    err(() => tensor([1, [2, 3]] as never), 'tensor: element at [1] is an array, expected a number (ragged nesting?)');
    err(() => tensor([[[1], [2]], [[3], [4, 5]]]), 'tensor: ragged nested array: [1][1] has length 2 where shape [2,2,1] expects length 1');
  });

  it('rejects bad data, dtypes, shapes and int32 gradients', () => {
    err(() => tensor('abc' as never), 'tensor: data must be a number, nested arrays or a typed array, got string');
    err(() => tensor([1, 'a'] as never), 'tensor: element at [1] is string, expected a number');
    err(() => tensor([1, 2], { dtype: 'float16' as never }), "tensor: dtype must be 'float32', 'float64' or 'int32', got float16");
    err(() => tensor([1, 2, 3], { shape: [2, 2] }), 'tensor: shape [2,2] holds 4 elements but the data has 3');
    err(() => tensor([1, 2], { shape: [-1, -2] }), 'tensor: shape [-1,-2] must hold non-negative integers');
    err(() => tensor([1, 2], { dtype: 'int32', requiresGrad: true }), 'tensor: requiresGrad needs a float dtype, got int32');
    err(() => zeros([2], { dtype: 'int32', requiresGrad: true }), 'zeros: requiresGrad needs a float dtype, got int32');
  });
});

describe('tensor() from typed arrays', () => {
  it('takes the dtype from the array and copies it', () => {
    const src = new Float64Array([1, 2, 3, 4]);
    const t = tensor(src, { shape: [2, 2] });
    expect(t.dtype).toBe('float64');
    src[0] = 100;
    expect(t.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(tensor(new Float32Array([1, 2])).dtype).toBe('float32');
    expect(tensor(new Int32Array([1, 2]), { dtype: 'float64' }).dtype).toBe('float64');
    expect(tensor(new Float32Array(6)).shape).toEqual([6]);
    err(() => tensor(new Float32Array(5), { shape: [2, 3] }), 'tensor: shape [2,3] holds 6 elements but the data has 5');
  });
});

describe('constant fills', () => {
  it('zeros, ones, full and the *Like variants', () => {
    expect(zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(ones([3], { dtype: 'int32' }).toArray()).toEqual([1, 1, 1]);
    expect(full([2], 7.5, { dtype: 'float64' }).toArray()).toEqual([7.5, 7.5]);
    const like = zerosLike(ones([2, 3], { dtype: 'float64' }));
    expect([like.shape, like.dtype]).toEqual([[2, 3], 'float64']);
    expect(onesLike(zeros([1], { dtype: 'int32' })).toArray()).toEqual([1]);
    expect(scalar(2, 'int32').dtype).toBe('int32');
    err(() => zeros([2.5]), 'zeros: shape [2.5] must hold non-negative integers');
    err(() => full([2], 'x' as never), 'full: value must be a number, got string');
  });
});

describe('ranges and identity', () => {
  it('arange infers int32 for integer arguments and float32 otherwise', () => {
    const a = arange(5);
    expect([a.dtype, a.toArray()]).toEqual(['int32', [0, 1, 2, 3, 4]]);
    expect(arange(2, 5).toArray()).toEqual([2, 3, 4]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    const f = arange(1, 2, 0.25);
    expect([f.dtype, f.toArray()]).toEqual(['float32', [1, 1.25, 1.5, 1.75]]);
    expect(arange(0, 1, 0.1).size).toBe(10);
    expect(arange(3, 1).size).toBe(0);
    expect(arange(3, undefined, 1, { dtype: 'float64' }).dtype).toBe('float64');
    err(() => arange(0, 1, 0), 'arange: step must not be 0');
    err(() => arange(0, Infinity), 'arange: start, end and step must be finite');
  });

  it('linspace includes both ends', () => {
    expect(linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(2, 3, 1).toArray()).toEqual([2]);
    expect(linspace(0, 1, 0).size).toBe(0);
    expectAllclose(linspace(-1, 1, 3, { dtype: 'float64' }), [-1, 0, 1], { rtol: 0, atol: 0 });
    err(() => linspace(0, 1, -1), 'linspace: num must be a non-negative integer, got -1');
  });

  it('eye makes square and rectangular identities', () => {
    expect(eye(2).toArray()).toEqual([[1, 0], [0, 1]]);
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(eye(3, 1, { dtype: 'int32' }).toArray()).toEqual([[1], [0], [0]]);
    err(() => eye(-1), 'eye: sizes must be non-negative integers, got -1, -1');
  });
});

describe('random tensors', () => {
  // normal(1, [5]) of /work/shared/docs/bench-workloads.md §1 (float32)
  const REF = [0.6331514716148376, -1.308870553970337, 0.5304943323135376, -0.42722705006599426, 0.0024804873391985893];

  it('randn after manualSeed reproduces the reference stream and repeats after reseeding', () => {
    manualSeed(1);
    const a = randn([5]);
    expect(Array.from(a.dataSync())).toEqual(REF);
    const next = randn([3]).toArray();
    manualSeed(1);
    expect(randn([5]).toArray()).toEqual(a.toArray());
    expect(randn([3]).toArray()).toEqual(next);
  });

  it('an explicit Generator gives the same stream and leaves the default one untouched', () => {
    manualSeed(5);
    const fromDefault = randn([4]).toArray();
    manualSeed(5);
    expect(Array.from(randn([5], { generator: new Generator(1) }).dataSync())).toEqual(REF);
    expect(randn([4]).toArray()).toEqual(fromDefault);
    // float64 draws carry the unrounded values of the same stream
    const d = randn([5], { dtype: 'float64', generator: new Generator(1) }).dataSync();
    d.forEach((v, i) => expect(Math.fround(v)).toBe(REF[i]));
  });

  it('a saved Generator state restores the stream', () => {
    const g = new Generator(7);
    randn([3], { generator: g });
    const st = g.state;
    const a = randn([4], { generator: g }).toArray();
    const b = rand([2], { generator: g }).toArray();
    g.setState(st);
    expect(randn([4], { generator: g }).toArray()).toEqual(a);
    expect(rand([2], { generator: g }).toArray()).toEqual(b);
    const h = new Generator(99);
    h.setState(st);
    expect(randn([4], { generator: h }).toArray()).toEqual(a);
  });

  it('rand, uniform, normal, bernoulli and permutation stay in range with the right shapes', () => {
    const g = new Generator(3);
    const r = rand([1000], { generator: g }).dataSync();
    expect(r.every((v) => v > 0 && v < 1)).toBe(true);
    const u = uniform([1000], -2, 3, { generator: g, dtype: 'float64' }).dataSync();
    expect(u.every((v) => v >= -2 && v < 3)).toBe(true);
    expect(normal([3], 5, 0, { generator: g }).toArray()).toEqual([5, 5, 5]);
    const bern = bernoulli([500], 0.3, { generator: g }).dataSync();
    expect(bern.every((v) => v === 0 || v === 1)).toBe(true);
    const ones_ = Array.from(bern).reduce((s, v) => s + v, 0);
    expect(ones_).toBeGreaterThan(100);
    expect(ones_).toBeLessThan(200);
    const p = permutation(10, { generator: g });
    expect(p.dtype).toBe('int32');
    expect(Array.from(p.dataSync()).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(randn([2, 3], { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('rejects bad arguments', () => {
    err(() => randn([2], { dtype: 'int32' }), 'randn: random floats need a float dtype');
    err(() => normal([2], 0, -1), 'normal: std must be a finite non-negative number, got -1');
    err(() => uniform([2], 1, 0), 'uniform: need finite low ≤ high, got 1, 0');
    err(() => bernoulli([2], 1.5), 'bernoulli: p must be in [0, 1], got 1.5');
    err(() => permutation(-1), 'permutation: n must be a non-negative integer, got -1');
    err(() => new Generator(1.5), 'Generator: seed must be an integer, got 1.5');
  });
});
