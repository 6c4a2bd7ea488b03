// Unit tests of the fused row ops in src/autograd/ops/fused.ts: softmax / logSoftmax (normalization, shift
// invariance, extreme and masked inputs, gradients), layerNorm against a naive composite, logSigmoid, errors.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  HopgradError, Tensor, add, div, exp, gradcheck, layerNorm, log, logSigmoid, logSoftmax, mean, mul, sigmoid,
  softmax, sqrt, sub, sum, tensor, transpose,
} from '../src/index.js';
import * as hg from '../src/index.js';
import { reductionsCases } from '../property-tests/gradcheck/reductions.samples.js';

const f64 = (data: hg.NestedArray): Tensor => tensor(data, { dtype: 'float64' });
const flat = (t: Tensor): number[] => Array.from(t.dataSync());
const fcOpts = (numRuns: number) => ({ numRuns, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) });

function expectClose(t: Tensor | number[], expected: number[], tol = 1e-12): void {
  const got = Array.isArray(t) ? t : flat(t);
  expect(got.length).toBe(expected.length);
  got.forEach((v, i) => {
    if (!Number.isFinite(expected[i]!)) expect(v).toBe(expected[i]);
    else expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i]!)));
  });
}

/** Gradients of sum(f(...xs) · w) with respect to every input. */
function gradsOf(f: (...xs: Tensor[]) => Tensor, xs: Tensor[], w?: Tensor): Tensor[] {
  const leaves = xs.map((x) => x.detach().requiresGrad_());
  const y = f(...leaves);
  y.backward(w ?? hg.onesLike(y));
  return leaves.map((l) => l.grad!);
}

/** A float64 matrix arbitrary of shape [rows, cols]. */
const matrix = (rows: number, cols: number, lo = -10, hi = 10) =>
  fc.array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: rows * cols, maxLength: rows * cols })
    .map((v) => new Tensor(Float64Array.from(v), [rows, cols]));

describe('softmax', () => {
  it('matches exp(x)/Σexp(x) along the last axis by default and along any axis', () => {
    const x = f64([[1, 2, 3], [0, 0, 0]]);
    const e = [1, 2, 3].map(Math.exp);
    const s = e.reduce((a, b) => a + b);
    expectClose(softmax(x), [...e.map((v) => v / s), 1 / 3, 1 / 3, 1 / 3]);
    expectClose(softmax(x, 0), flat(transpose(softmax(transpose(x)))));
    expectClose(x.softmax(-2), [...e.map((v) => v / (1 + v)), ...e.map((v) => 1 / (1 + v))]);
    expect(softmax(hg.scalar(5, 'float64')).item()).toBe(1);
  });

  it('rows sum to 1 and adding a constant to a row changes nothing', () => {
    const sizes = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }));
    fc.assert(
      fc.property(sizes.chain(([r, c]) => matrix(r, c)), fc.double({ min: -500, max: 500, noNaN: true }), (x, k) => {
        const y = softmax(x);
        flat(sum(y, 1)).forEach((v) => expect(Math.abs(v - 1)).toBeLessThanOrEqual(1e-12));
        expectClose(softmax(add(x, k)), flat(y), 1e-9);
      }),
      fcOpts(100),
    );
  });

  it('is stable at ±1000 (no NaN)', () => {
    const y = softmax(f64([[1000, 1000, -1000], [-1000, -1001, -1002]]));
    expectClose(y, [0.5, 0.5, 0, ...[1, Math.exp(-1), Math.exp(-2)].map((v) => v / (1 + Math.exp(-1) + Math.exp(-2)))]);
    expect(flat(softmax(tensor([1000, -1000]))).every(Number.isFinite)).toBe(true);
  });

  it('gives zero probabilities and zero gradient on fully masked (all −∞) rows', () => {
    const x = f64([[-Infinity, -Infinity, -Infinity], [0, -Infinity, Math.log(3)]]);
    expectClose(softmax(x), [0, 0, 0, 0.25, 0, 0.75]);
    const [g] = gradsOf((t) => softmax(t), [x], f64([[1, 2, 3], [1, 2, 3]]));
    // row 2: y ⊙ (w − Σ w ⊙ y) with Σ = 0.25 + 2.25 = 2.5
    expectClose(g!, [0, 0, 0, 0.25 * (1 - 2.5), 0, 0.75 * (3 - 2.5)]);
  });

  it('has dx = y ⊙ (dy − Σ dy ⊙ y)', () => {
    const x = f64([0.5, -1, 2]);
    const w = f64([1, -2, 0.5]);
    const [g] = gradsOf((t) => softmax(t), [x], w);
    const y = flat(softmax(x));
    const dot = y[0]! * 1 + y[1]! * -2 + y[2]! * 0.5;
    expectClose(g!, [y[0]! * (1 - dot), y[1]! * (-2 - dot), y[2]! * (0.5 - dot)]);
  });

  it('validates its arguments', () => {
    expect(() => softmax(f64([1, 2]), 1)).toThrow(/softmax: axis 1 is out of range for a tensor of rank 1/);
    expect(() => softmax(tensor([1, 2], { dtype: 'int32' }))).toThrow(/softmax: needs a float tensor, got int32/);
    expect(() => softmax(f64([1, 2]), 'x' as unknown as number)).toThrow(/softmax: axis must be an integer/);
  });
});

describe('logSoftmax', () => {
  it('equals log(softmax(x)) and stays finite at ±1000', () => {
    const x = f64([[1, 2, 3], [-4, 0, 4]]);
    expectClose(logSoftmax(x), flat(log(softmax(x))), 1e-12);
    expectClose(logSoftmax(x, 0), flat(log(softmax(x, 0))), 1e-12);
    expectClose(logSoftmax(f64([1000, -1000])), [0, -2000]);
    expectClose(x.logSoftmax(), flat(sub(x, hg.logsumexp(x, 1, { keepDims: true }))));
  });

  it('is −∞ with a zero gradient on fully masked rows, and torch-like on partially masked rows', () => {
    const x = f64([[-Infinity, -Infinity], [0, -Infinity]]);
    const y = logSoftmax(x);
    expectClose(y, [-Infinity, -Infinity, 0, -Infinity]);
    const [g] = gradsOf((t) => logSoftmax(t), [x], f64([[1, 2], [3, 4]]));
    // row 2: dy − softmax · Σ dy = [3 − 7, 4 − 0]
    expectClose(g!, [0, 0, -4, 4]);
    // along axis 0 the masked slice is a column
    const [g0] = gradsOf((t) => logSoftmax(t, 0), [f64([[-Infinity, 1], [-Infinity, 1]])]);
    expectClose(g0!, [0, 0, 0, 0]);
  });

  it('has dx = dy − exp(y) Σ dy', () => {
    const x = f64([0.5, -1, 2]);
    const w = f64([1, -2, 0.5]);
    const [g] = gradsOf((t) => logSoftmax(t), [x], w);
    const p = flat(softmax(x));
    // Σ dy = −0.5
    expectClose(g!, [1 + 0.5 * p[0]!, -2 + 0.5 * p[1]!, 0.5 + 0.5 * p[2]!], 1e-12);
  });
});

describe('logSigmoid', () => {
  it('equals log σ(x) and stays finite for large |x|', () => {
    const x = f64([-3, 0, 2.5]);
    expectClose(logSigmoid(x), flat(log(sigmoid(x))), 1e-12);
    expectClose(logSigmoid(f64([1000, -1000])), [0, -1000]);
    expect(gradcheck((t) => logSigmoid(t), [f64([-30, -1, 0.2, 40])]).ok).toBe(true);
    expectClose(x.logSigmoid(), flat(logSigmoid(x)));
  });
});

describe('layerNorm', () => {
  /** F.layer_norm written with elementary ops (biased variance). */
  function naive(x: Tensor, axes: number[], w?: Tensor, b?: Tensor, eps = 1e-5): Tensor {
    const m = mean(x, axes, { keepDims: true });
    const d = sub(x, m);
    const v = mean(mul(d, d), axes, { keepDims: true });
    let y = div(d, sqrt(add(v, eps)));
    if (w) y = mul(y, w);
    if (b) y = add(y, b);
    return y;
  }

  const x = f64([[[1, 2, 4], [0, -1, 3]], [[5, 5, 6], [2, 8, -4]]]);
  const w2 = f64([[1, 2, 0.5], [-1, 3, 1]]);
  const b2 = f64([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]);
  const w1 = f64([2, -1, 0.5]);
  const b1 = f64([1, 0, -1]);

  it('matches the naive composite formula in value and gradient', () => {
    const cases: [number[], Tensor | undefined, Tensor | undefined, number, number[]][] = [
      [[3], w1, b1, 1e-5, [2]],
      [[3], undefined, undefined, 0.1, [2]],
      [[2, 3], w2, b2, 1e-5, [1, 2]],
      [[2, 3], undefined, b2, 1e-3, [1, 2]],
      [[2, 3], w2, undefined, 1e-5, [1, 2]],
    ];
    const wy = hg.randn([2, 2, 3], { dtype: 'float64' });
    for (const [ns, w, b, eps, axes] of cases) {
      const params = [w, b].filter((p): p is Tensor => p !== undefined);
      const fused = (t: Tensor, ...p: Tensor[]) => layerNorm(t, ns, w ? p[0] : undefined, b ? p[w ? 1 : 0] : undefined, eps);
      const ref = (t: Tensor, ...p: Tensor[]) => naive(t, axes, w ? p[0] : undefined, b ? p[w ? 1 : 0] : undefined, eps);
      expectClose(fused(x, ...params), flat(ref(x, ...params)), 1e-12);
      const gf = gradsOf(fused, [x, ...params], wy);
      const gr = gradsOf(ref, [x, ...params], wy);
      gf.forEach((g, i) => expectClose(g, flat(gr[i]!), 1e-10));
    }
  });

  it('normalizes each slice to mean 0 and (biased) variance ≈ 1, and accepts a number as normalizedShape', () => {
    const y = layerNorm(f64([[1, 2, 3, 4], [10, 10, 10, 14]]), 4, null, null, 1e-12);
    for (const row of [flat(y).slice(0, 4), flat(y).slice(4)]) {
      const m = row.reduce((a, c) => a + c) / 4;
      expect(Math.abs(m)).toBeLessThan(1e-12);
      expect(Math.abs(row.reduce((a, c) => a + c * c, 0) / 4 - 1)).toBeLessThan(1e-9);
    }
    // a constant slice gives 0 (and bias), never NaN
    expectClose(layerNorm(f64([[7, 7, 7]]), [3], undefined, b1), [1, 0, -1]);
    expect(layerNorm(tensor([[1, 2]]), [2]).dtype).toBe('float32');
  });

  it('validates normalizedShape, weight, bias and eps with messages naming them', () => {
    expect(() => layerNorm(x, [3, 2])).toThrow(/layerNorm: normalizedShape \[3,2\] does not match the trailing dimensions of the input's shape \[2,2,3\]/);
    expect(() => layerNorm(x, [1, 2, 2, 3])).toThrow(/layerNorm: normalizedShape \[1,2,2,3\] does not match/);
    expect(() => layerNorm(x, [])).toThrow(/layerNorm: normalizedShape must be a positive integer or a non-empty list/);
    expect(() => layerNorm(x, [3], w2)).toThrow(/layerNorm: weight has shape \[2,3\], expected normalizedShape \[3\]/);
    expect(() => layerNorm(x, [3], w1, f64([1, 2]))).toThrow(/layerNorm: bias has shape \[2\], expected normalizedShape \[3\]/);
    expect(() => layerNorm(x, [3], w1, b1, 0)).toThrow(/layerNorm: eps must be a positive finite number, got 0/);
    expect(() => layerNorm(x, [3], w1, b1, NaN)).toThrow(/layerNorm: eps must be a positive finite number, got NaN/);
    expect(() => layerNorm(x, [3], [1, 2, 3] as unknown as Tensor)).toThrow(/layerNorm: weight must be a Tensor/);
    expect(() => layerNorm(tensor([[1, 2]], { dtype: 'int32' }), [2])).toThrow(HopgradError);
  });
});

describe('gradcheck cases of the fused group', () => {
  for (const name of ['softmax', 'logSoftmax', 'layerNorm'] as const) {
    it(`${name}: analytic gradients match finite differences`, () => {
      fc.assert(fc.property(reductionsCases[name], (c) => gradcheck(c.run, c.inputs).ok), fcOpts(40));
    });
  }

  it('exp(logSoftmax) is softmax', () => {
    fc.assert(fc.property(matrix(3, 4, -50, 50), (x) => {
      expectClose(exp(logSoftmax(x)), flat(softmax(x)), 1e-12);
    }), fcOpts(50));
  });
});
