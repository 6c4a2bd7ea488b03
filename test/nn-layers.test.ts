// Unit tests of the nn layers and initializers: Linear (init bounds, shapes, values), init functions,
// LayerNorm, Dropout (statistics, eval identity, seeding), Sequential/ModuleList, Embedding, activations.
import { describe, expect, it } from 'vitest';
import { Tensor } from '../src/tensor/tensor.js';
import { HopgradError } from '../src/tensor/errors.js';
import { Generator } from '../src/tensor/random.js';
import { randn, tensor, zeros, ones } from '../src/tensor/creation.js';
import { elu, gelu, leakyRelu, logSoftmax, relu, sigmoid, softmax, softplus, sum, tanh } from '../src/autograd/ops/index.js';
import '../src/autograd/index.js';
import * as nn from '../src/nn/index.js';
import { expectAllclose } from './helpers/allclose.js';

const err = (f: () => unknown, msg: string | RegExp): void => {
  expect(f).toThrow(HopgradError);
  expect(f).toThrow(msg);
};
const vals = (t: Tensor): number[] => Array.from(t.dataSync());

/** x·Wᵀ + b written as loops over a [rows, in] input. */
function affine(x: number[], rows: number, w: number[], b: number[] | null, inF: number, outF: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o]! : 0;
      for (let i = 0; i < inF; i++) s += x[r * inF + i]! * w[o * inF + i]!;
      out.push(s);
    }
  }
  return out;
}

describe('Linear', () => {
  it("draws weight and bias from U(−1/√in, 1/√in) (PyTorch's default), weight first, from the generator", () => {
    const [inF, outF] = [16, 64];
    const lin = new nn.Linear(inF, outF, { generator: new Generator(42) });
    const bound = 1 / Math.sqrt(inF);
    const g = new Generator(42);
    const expectW = Array.from({ length: inF * outF }, () => -bound + 2 * bound * g.uniform());
    const expectB = Array.from({ length: outF }, () => -bound + 2 * bound * g.uniform());
    expectAllclose(vals(lin.weight), Float32Array.from(expectW));
    expectAllclose(vals(lin.bias!), Float32Array.from(expectB));
    const w = vals(lin.weight);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w)).toBeGreaterThan(0.95 * bound); // spread over the whole interval
    expect(Math.min(...w)).toBeLessThan(-0.95 * bound);
    expect(lin.weight.shape).toEqual([outF, inF]);
    // the same seed gives the same layer; the default generator is used otherwise
    expect(vals(new nn.Linear(inF, outF, { generator: new Generator(42) }).weight)).toEqual(w);
  });

  it('computes x·Wᵀ + b for 1-D, 2-D and 3-D inputs', () => {
    const lin = new nn.Linear(3, 2, { generator: new Generator(1) });
    const w = vals(lin.weight);
    const b = vals(lin.bias!);
    const x2 = randn([4, 3], { generator: new Generator(2) });
    expectAllclose(lin.forward(x2), tensor(affine(vals(x2), 4, w, b, 3, 2), { shape: [4, 2] }), { rtol: 1e-6, atol: 1e-6 });
    const x3 = randn([2, 5, 3], { generator: new Generator(3) });
    const y3 = lin.call(x3);
    expect(y3.shape).toEqual([2, 5, 2]);
    expectAllclose(y3, tensor(affine(vals(x3), 10, w, b, 3, 2), { shape: [2, 5, 2] }), { rtol: 1e-6, atol: 1e-6 });
    const y1 = lin.forward(tensor([1, 2, 3]));
    expect(y1.shape).toEqual([2]);
    expectAllclose(y1, affine([1, 2, 3], 1, w, b, 3, 2), { rtol: 1e-6, atol: 1e-6 });
    const nb = new nn.Linear(3, 2, { bias: false, generator: new Generator(1) });
    expect(nb.bias).toBeNull();
    expect(nb.numParameters()).toBe(6);
    expectAllclose(nb.forward(x2), tensor(affine(vals(x2), 4, w, null, 3, 2), { shape: [4, 2] }), { rtol: 1e-6, atol: 1e-6 });
  });

  it('backpropagates to weight, bias and input', () => {
    const lin = new nn.Linear(3, 2, { generator: new Generator(1) });
    const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    sum(lin.forward(x)).backward();
    expect(lin.weight.grad!.toArray()).toEqual([[5, 7, 9], [5, 7, 9]]);
    expect(lin.bias!.grad!.toArray()).toEqual([2, 2]);
    expectAllclose(x.grad!, [[0, 1, 2].map((i) => vals(lin.weight)[i]! + vals(lin.weight)[3 + i]!), [0, 1, 2].map((i) => vals(lin.weight)[i]! + vals(lin.weight)[3 + i]!)]);
  });

  it('validates its arguments and inputs', () => {
    err(() => new nn.Linear(2.5, 3), 'Linear: inFeatures must be an integer ≥ 0, got 2.5');
    err(() => new nn.Linear(2, -1), 'Linear: outFeatures must be an integer ≥ 0, got -1');
    err(() => new nn.Linear(2, 3, { dtype: 'int32' as never }), "Linear: dtype must be 'float32' or 'float64', got int32");
    const lin = new nn.Linear(4, 2);
    err(() => lin.forward(zeros([2, 5])), 'linear: input has 5 features (last dimension of [2,5]) but the weight [2,4] expects 4');
    err(() => lin.forward(zeros([4], { dtype: 'int32' })), 'linear: input must be a float tensor, got int32');
    expect(new nn.Linear(4, 2, { dtype: 'float64' }).forward(zeros([1, 4], { dtype: 'float64' })).dtype).toBe('float64');
  });
});

describe('init', () => {
  const stats = (t: Tensor) => {
    const v = vals(t);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    return { mean, std, maxAbs: Math.max(...v.map(Math.abs)) };
  };
  it('gains and fans follow PyTorch', () => {
    expect(nn.init.calculateGain('linear')).toBe(1);
    expect(nn.init.calculateGain('sigmoid')).toBe(1);
    expect(nn.init.calculateGain('tanh')).toBeCloseTo(5 / 3, 15);
    expect(nn.init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 15);
    expect(nn.init.calculateGain('leakyRelu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.0001)), 15);
    expect(nn.init.calculateGain('leakyRelu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15);
    expect(nn.init.calculateGain('selu')).toBe(0.75);
    err(() => nn.init.calculateGain('leaky_relu' as never), "calculateGain: unknown nonlinearity 'leaky_relu' (use 'leakyRelu')");
    expect(nn.init.calculateFans([8, 3, 5, 5])).toEqual({ fanIn: 75, fanOut: 200 });
    err(() => nn.init.kaimingUniform_(zeros([5])), 'kaimingUniform_: fan in and fan out need a tensor with at least 2 dimensions, got shape [5]');
  });

  it('bounds and spreads of the random initializers', () => {
    const g = new Generator(7);
    const t = zeros([200, 300]);
    nn.init.xavierUniform_(t, { generator: g, gain: 2 });
    const a = 2 * Math.sqrt(6 / 500);
    expect(stats(t).maxAbs).toBeLessThanOrEqual(a);
    expect(stats(t).std).toBeCloseTo(a / Math.sqrt(3), 2);
    nn.init.xavierNormal_(t, { generator: g });
    expect(stats(t).std).toBeCloseTo(Math.sqrt(2 / 500), 3);
    nn.init.kaimingNormal_(t, { generator: g, nonlinearity: 'relu' });
    expect(stats(t).std).toBeCloseTo(Math.SQRT2 / Math.sqrt(300), 3);
    nn.init.kaimingNormal_(t, { generator: g, nonlinearity: 'relu', mode: 'fanOut' });
    expect(stats(t).std).toBeCloseTo(Math.SQRT2 / Math.sqrt(200), 3);
    nn.init.kaimingUniform_(t, { generator: g, nonlinearity: 'relu' });
    expect(stats(t).maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / 300));
    expect(stats(t).maxAbs).toBeGreaterThan(0.99 * Math.sqrt(6 / 300));
    nn.init.normal_(t, 3, 0.5, { generator: g });
    expect(stats(t).mean).toBeCloseTo(3, 2);
    expect(stats(t).std).toBeCloseTo(0.5, 2);
    nn.init.uniform_(t, -1, 3, { generator: g });
    expect(stats(t).mean).toBeCloseTo(1, 1);
    expect(Math.min(...vals(t))).toBeGreaterThanOrEqual(-1);
  });

  it('is reproducible per generator and fills constants', () => {
    const a = nn.init.kaimingUniform_(zeros([3, 4], { dtype: 'float64' }), { generator: new Generator(5), a: Math.sqrt(5) });
    const b = nn.init.kaimingUniform_(zeros([3, 4], { dtype: 'float64' }), { generator: new Generator(5), a: Math.sqrt(5) });
    expect(vals(a)).toEqual(vals(b));
    expect(vals(nn.init.ones_(zeros([3])))).toEqual([1, 1, 1]);
    expect(vals(nn.init.zeros_(ones([2])))).toEqual([0, 0]);
    expect(vals(nn.init.constant_(zeros([2]), 2.5))).toEqual([2.5, 2.5]);
    err(() => nn.init.uniform_(zeros([2]), 1, 0), 'uniform_: low 1 must not exceed high 0');
    err(() => nn.init.normal_(zeros([2]), 0, -1), 'normal_: std must be non-negative, got -1');
    err(() => nn.init.ones_(zeros([2, 2]).transpose()), 'ones_: tensor must be contiguous');
    err(() => nn.init.zeros_(zeros([2], { dtype: 'int32' })), 'zeros_: tensor must have a float dtype');
    err(() => nn.init.kaimingNormal_(zeros([2, 2]), { mode: 'fan_in' as never }), "kaimingNormal_: mode must be 'fanIn' or 'fanOut', got 'fan_in'");
  });
});

describe('LayerNorm', () => {
  it('normalizes the trailing dims and applies the affine', () => {
    const ln = new nn.LayerNorm(4);
    expect(ln.namedParameters().map(([n, t]) => [n, vals(t)])).toEqual([['weight', [1, 1, 1, 1]], ['bias', [0, 0, 0, 0]]]);
    const x = tensor([[1, 2, 3, 4], [2, 2, 2, 6]], { dtype: 'float64' });
    ln.to('float64');
    const expected = [[1, 2, 3, 4], [2, 2, 2, 6]].map((r) => {
      const m = r.reduce((a, b) => a + b) / 4;
      const v = r.reduce((a, b) => a + (b - m) ** 2, 0) / 4;
      return r.map((z) => (z - m) / Math.sqrt(v + 1e-5));
    });
    expectAllclose(ln.forward(x), expected, { rtol: 1e-12 });
    ln.weight!._storage.set([1, 2, 3, 4]);
    ln.bias!._storage.set([0, 0, 0, 1]);
    expectAllclose(ln.forward(x), expected.map((r) => r.map((z, i) => z * (i + 1) + (i === 3 ? 1 : 0))), { rtol: 1e-12 });
    const ln2 = new nn.LayerNorm([2, 2], { elementwiseAffine: false, eps: 1e-3 });
    expect(ln2.numParameters()).toBe(0);
    expect(ln2.forward(randn([3, 2, 2])).shape).toEqual([3, 2, 2]);
    expect(new nn.LayerNorm(3, { bias: false }).namedParameters().map(([n]) => n)).toEqual(['weight']);
  });

  it('validates', () => {
    err(() => new nn.LayerNorm(0), 'LayerNorm: normalizedShape must be a positive integer or a non-empty list of them, got 0');
    err(() => new nn.LayerNorm(3, { eps: 0 }), 'LayerNorm: eps must be a positive finite number, got 0');
    err(() => new nn.LayerNorm([2, 3]).forward(zeros([2, 3, 2])), 'LayerNorm: input shape [2,3,2] does not end with the normalized shape [2,3]');
  });
});

describe('Dropout', () => {
  it('zeroes about p of the entries and scales the rest by 1/(1 − p) in training', () => {
    const p = 0.3;
    const d = new nn.Dropout(p, { generator: new Generator(11) });
    const x = ones([100, 200]);
    const y = vals(d.forward(x));
    const zerosFrac = y.filter((v) => v === 0).length / y.length;
    expect(Math.abs(zerosFrac - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / y.length)); // 4σ of a binomial
    expect(y.every((v) => v === 0 || Math.abs(v - 1 / (1 - p)) < 1e-6)).toBe(true);
    expect(Math.abs(y.reduce((a, b) => a + b, 0) / y.length - 1)).toBeLessThan(0.02);
  });

  it('is the identity in eval mode and for p = 0; p = 1 gives zeros with zero gradient', () => {
    const d = new nn.Dropout(0.5);
    const x = randn([10, 10]);
    d.eval();
    expect(d.forward(x)).toBe(x);
    expect(new nn.Dropout(0).forward(x)).toBe(x);
    const xs = randn([4, 4]).requiresGrad_();
    const y = new nn.Dropout(1).forward(xs);
    expect(vals(y).every((v) => v === 0)).toBe(true);
    sum(y).backward();
    expect(vals(xs.grad!).every((v) => v === 0)).toBe(true);
  });

  it('reproduces the mask from a seeded generator; the gradient uses the same mask', () => {
    const x = ones([50]).requiresGrad_();
    const a = vals(new nn.Dropout(0.5, { generator: new Generator(3) }).forward(x));
    const d = new nn.Dropout(0.5, { generator: new Generator(3) });
    const y = d.forward(x);
    expect(vals(y)).toEqual(a);
    expect(vals(d.forward(x))).not.toEqual(a); // the generator moved on
    sum(y).backward();
    expect(vals(x.grad!)).toEqual(a);
  });

  it('validates p', () => {
    err(() => new nn.Dropout(-0.1), 'Dropout: p must be a probability in [0, 1], got -0.1');
    err(() => new nn.Dropout(1.5), 'Dropout: p must be a probability in [0, 1], got 1.5');
    err(() => new nn.Dropout(NaN), 'Dropout: p must be a probability in [0, 1], got NaN');
    err(() => nn.functional.dropout(zeros([2], { dtype: 'int32' }), 0.5), 'dropout: input must be a float tensor, got int32');
  });
});

describe('containers, Embedding, Flatten, activations', () => {
  it('Sequential chains, indexes and iterates; ModuleList holds modules', () => {
    const g = new Generator(1);
    const s = new nn.Sequential(new nn.Linear(2, 3, { generator: g }), new nn.Tanh());
    s.append(new nn.Linear(3, 1, { generator: g }));
    expect(s.length).toBe(3);
    const x = randn([4, 2]);
    expectAllclose(s.forward(x), s.at(2).forward(tanh(s.at(0).forward(x))));
    expect(s.at(-1)).toBe(s.at(2));
    expect([...s].map((m) => m.constructor.name)).toEqual(['Linear', 'Tanh', 'Linear']);
    err(() => s.at(3), 'Sequential.at: index 3 is out of range for 3 modules');
    const list = new nn.ModuleList([new nn.Linear(1, 1), new nn.Linear(1, 2)]);
    expect(list.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(list.at(1).outFeatures).toBe(2);
    err(() => list.forward(), 'ModuleList: has no forward');
    err(() => new nn.Sequential(3 as never), 'Sequential: module 0 must be a Module, got number');
  });

  it('Embedding looks up rows, accumulates gradients per row and honours paddingIdx', () => {
    const e = new nn.Embedding(5, 3, { generator: new Generator(2) });
    const w = vals(e.weight);
    const ids = tensor([[1, 4], [1, 0]], { dtype: 'int32' });
    const y = e.forward(ids);
    expect(y.shape).toEqual([2, 2, 3]);
    expect(vals(y)).toEqual([1, 4, 1, 0].flatMap((i) => w.slice(3 * i, 3 * i + 3)));
    sum(y).backward();
    expect(e.weight.grad!.toArray()).toEqual([[1, 1, 1], [2, 2, 2], [0, 0, 0], [0, 0, 0], [1, 1, 1]]);
    const p = new nn.Embedding(4, 2, { paddingIdx: -1 });
    expect(p.paddingIdx).toBe(3);
    expect(vals(p.weight).slice(6)).toEqual([0, 0]);
    const py = p.forward(tensor([3, 0, 3], { dtype: 'int32' }));
    sum(py).backward();
    expect(vals(p.weight.grad!)).toEqual([1, 1, 0, 0, 0, 0, 0, 0]);
    err(() => e.forward(tensor([5], { dtype: 'int32' })), 'embedding: index 5 (at flat position 0 of the indices [1]) is out of range for 5 embeddings');
    err(() => e.forward(tensor([1])), 'embedding: indices must be an int32 tensor, got float32');
  });

  it('Flatten and Identity', () => {
    expect(new nn.Flatten().forward(zeros([2, 3, 4])).shape).toEqual([2, 12]);
    expect(new nn.Flatten(0).forward(zeros([2, 3, 4])).shape).toEqual([24]);
    const x = zeros([2]);
    expect(new nn.Identity().forward(x)).toBe(x);
  });

  it('activation modules match their ops', () => {
    const x = randn([3, 4], { generator: new Generator(4) });
    const pairs: [nn.Module, Tensor][] = [
      [new nn.ReLU(), relu(x)], [new nn.GELU(), gelu(x)], [new nn.Tanh(), tanh(x)], [new nn.Sigmoid(), sigmoid(x)],
      [new nn.ELU(0.5), elu(x, 0.5)], [new nn.LeakyReLU(0.2), leakyRelu(x, 0.2)], [new nn.Softmax(0), softmax(x, 0)],
      [new nn.LogSoftmax(), logSoftmax(x, -1)], [new nn.Softplus(), softplus(x)],
    ];
    for (const [m, want] of pairs) expect(vals(m.forward(x))).toEqual(vals(want));
    expectAllclose(vals(new nn.SiLU().forward(x)), vals(x).map((v) => v / (1 + Math.exp(-v))), { rtol: 1e-5, atol: 1e-6 });
    err(() => new nn.Softmax(2).forward(x), 'Softmax: axis 2 is out of range for a tensor of rank 2');
    err(() => new nn.Softmax(0.5), 'Softmax: axis must be an integer, got 0.5');
  });
});
