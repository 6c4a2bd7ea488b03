// Unit tests of the reductions in src/autograd/ops/reductions.ts: values against hand-computed results,
// keepDims / negative axes, tie-splitting gradients, exact gradients at zeros, extreme inputs and errors.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  HopgradError, Tensor, argmax, argmin, cumsum, gradcheck, logsumexp, max, min, norm, prod, scalar, softmax, std,
  sum, tensor, variance, zeros,
} from '../src/index.js';
import * as hg from '../src/index.js';
import { reductionsCases } from '../property-tests/gradcheck/reductions.samples.js';

const f64 = (data: hg.NestedArray): Tensor => tensor(data, { dtype: 'float64' });
const flat = (t: Tensor): number[] => Array.from(t.dataSync());

function expectClose(t: Tensor, expected: number[], tol = 1e-12): void {
  const got = flat(t);
  expect(got.length).toBe(expected.length);
  got.forEach((v, i) => {
    if (!Number.isFinite(expected[i]!)) expect(v).toBe(expected[i]);
    else expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i]!)));
  });
}

/** The gradient of sum(f(x) · w) with respect to x (w = ones by default). */
function gradOf(f: (x: Tensor) => Tensor, x: Tensor, w?: Tensor): Tensor {
  const leaf = x.detach().requiresGrad_();
  const y = f(leaf);
  y.backward(w ?? hg.onesLike(y));
  return leaf.grad!;
}

const fcOpts = (numRuns: number) => ({ numRuns, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) });

const x23 = f64([[1, 5, 3], [4, 2, 6]]);

describe('max / min', () => {
  it('reduce all, one axis, negative axes, axis lists and keepDims', () => {
    expect(max(x23).item()).toBe(6);
    expect(min(x23).item()).toBe(1);
    expectClose(max(x23, 0), [4, 5, 6]);
    expectClose(min(x23, -1), [1, 2]);
    expect(max(x23, -1, { keepDims: true }).shape).toEqual([2, 1]);
    expect(min(x23, [0, -1], { keepDims: true }).shape).toEqual([1, 1]);
    expect(max(x23, [-1, 0]).shape).toEqual([]);
    const x3 = f64([[[1, 8], [3, 4]], [[5, 2], [7, 0]]]);
    expectClose(max(x3, [0, 2]), [8, 7]);
    expectClose(min(x3, [1]), [1, 4, 5, 0]);
    expectClose(x3.max(1, { keepDims: true }), [3, 8, 7, 2]);
    expect(x3.max(1, { keepDims: true }).shape).toEqual([2, 1, 2]);
  });

  it('work on int32 and 0-d tensors', () => {
    const xi = tensor([[3, -1], [2, 9]], { dtype: 'int32' });
    expect(max(xi, 1).dtype).toBe('int32');
    expect(flat(max(xi, 1))).toEqual([3, 9]);
    expect(min(scalar(4, 'float64')).item()).toBe(4);
    expect(max(scalar(4, 'float64'), -1).item()).toBe(4);
  });

  it('route the gradient to the arg-max, split evenly among ties (like torch.amax)', () => {
    expectClose(gradOf((t) => max(t), f64([1, 3, 3, 2])), [0, 0.5, 0.5, 0]);
    expectClose(gradOf((t) => min(t), f64([2, 2, 2, 2])), [0.25, 0.25, 0.25, 0.25]);
    const w = f64([10, 20]);
    expectClose(gradOf((t) => max(t, 1), f64([[1, 7, 7], [4, 2, 0]]), w), [0, 5, 5, 20, 0, 0]);
    expectClose(gradOf((t) => min(t, 0, { keepDims: true }), f64([[1, 0], [1, 3]]), f64([[2, 3]])), [1, 3, 1, 0]);
    // ties across two reduced axes share one gradient
    expectClose(gradOf((t) => max(t, [0, 1]), f64([[5, 1], [5, 5]])), [1 / 3, 0, 1 / 3, 1 / 3]);
  });

  it('reject empty reductions and bad axes', () => {
    expect(() => max(zeros([2, 0]), 1)).toThrow(/max: cannot reduce over an empty axis/);
    expect(() => min(zeros([0]))).toThrow(HopgradError);
    expect(max(zeros([0, 3]), 1).shape).toEqual([0]);
    expect(() => max(x23, 2)).toThrow(/max: axis 2 is out of range for a tensor of rank 2/);
    expect(() => min(x23, [0, -2])).toThrow(/min: axis list \[0,-2\] repeats an axis/);
    expect(() => max(x23, 0.5)).toThrow(/max: axis must be an integer/);
    expect(() => max(x23, 0, { keepDims: 1 as unknown as boolean })).toThrow(/max: keepDims must be a boolean/);
    expect(() => max(null as unknown as Tensor)).toThrow(/max: input must be a Tensor/);
  });
});

describe('argmax / argmin', () => {
  it('give int32 indices along an axis or of the flattened tensor, first on ties', () => {
    const a = argmax(x23);
    expect(a.dtype).toBe('int32');
    expect(a.shape).toEqual([]);
    expect(a.item()).toBe(5);
    expect(flat(argmax(x23, 1))).toEqual([1, 2]);
    expect(flat(argmin(x23, -2))).toEqual([0, 1, 0]);
    expect(flat(argmax(f64([2, 7, 7, 1])))).toEqual([1]);
    expect(flat(argmin(f64([[3, 1, 1], [0, 0, 5]]), 1))).toEqual([1, 0]);
    expect(argmax(x23, 0, { keepDims: true }).shape).toEqual([1, 3]);
    expect(argmin(x23, undefined, { keepDims: true }).shape).toEqual([1, 1]);
    expect(x23.argmin().item()).toBe(0);
    expect(argmax(scalar(3)).item()).toBe(0);
  });

  it('are not differentiable and validate their input', () => {
    expect(argmax(x23.detach().requiresGrad_(), 1).requiresGrad).toBe(false);
    expect(() => argmax(x23, [0, 1] as unknown as number)).toThrow(/argmax: axis must be a single integer/);
    expect(() => argmin(x23, -3)).toThrow(/argmin: axis -3 is out of range for a tensor of rank 2/);
    expect(() => argmax(zeros([0]))).toThrow(/argmax: cannot take the argmax of an empty tensor/);
  });
});

describe('prod', () => {
  it('multiplies over axes', () => {
    expectClose(prod(x23, 1), [15, 48]);
    expect(prod(x23, [0, 1]).item()).toBe(720);
    expect(prod(x23, 0, { keepDims: true }).shape).toEqual([1, 3]);
    expect(flat(prod(tensor([2, -3, 4], { dtype: 'int32' })))).toEqual([-24]);
  });

  it('has the exact gradient with zero, one and several zeros', () => {
    expectClose(gradOf((t) => prod(t), f64([2, 3, 4])), [12, 8, 6]);
    expectClose(gradOf((t) => prod(t), f64([2, 0, 4])), [0, 8, 0]);
    expectClose(gradOf((t) => prod(t), f64([0, 3, 0])), [0, 0, 0]);
    expectClose(gradOf((t) => prod(t, 1), f64([[0, 5], [2, 3]])), [5, 0, 3, 2]);
  });
});

describe('logsumexp', () => {
  it('matches log Σ exp and is stable at ±1000', () => {
    expectClose(logsumexp(x23, 1), [5 + Math.log(1 + Math.exp(-4) + Math.exp(-2)), 6 + Math.log(1 + Math.exp(-2) + Math.exp(-4))]);
    expectClose(logsumexp(f64([1000, 1000])), [1000 + Math.LN2]);
    expectClose(logsumexp(f64([-1000, -1000])), [-1000 + Math.LN2]);
    expect(logsumexp(x23, [0, 1], { keepDims: true }).shape).toEqual([1, 1]);
    expectClose(logsumexp(x23, 0), [4 + Math.log(1 + Math.exp(-3)), 5 + Math.log(1 + Math.exp(-3)), 6 + Math.log(1 + Math.exp(-3))]);
  });

  it('has softmax as gradient, over any axis', () => {
    const x3 = f64([[[1, 2], [3, 4]], [[0, -1], [2, 2]]]);
    const g = gradOf((t) => logsumexp(t, 1), x3);
    const s = softmax(x3, 1);
    expectClose(g, flat(s));
  });

  it('gives −∞ for an all −∞ row and a zero (not NaN) gradient', () => {
    const x = f64([[-Infinity, -Infinity], [0, -Infinity]]);
    expectClose(logsumexp(x, 1), [-Infinity, 0]);
    expectClose(gradOf((t) => logsumexp(t, 1), x), [0, 0, 1, 0]);
  });

  it('rejects int32', () => {
    expect(() => logsumexp(tensor([1, 2], { dtype: 'int32' }))).toThrow(/logsumexp: needs a float tensor/);
  });
});

describe('var / std', () => {
  it('default to the unbiased estimate; correction 0 gives the population variance', () => {
    const x = f64([1, 2, 3, 4]);
    expectClose(variance(x), [5 / 3]);
    expectClose(variance(x, 0, { correction: 0 }), [1.25]);
    expectClose(std(x), [Math.sqrt(5 / 3)]);
    expectClose(hg.var(x23, 1), [4, 4]);
    expectClose(x23.std(0, { keepDims: true, correction: 0 }), [1.5, 1.5, 1.5]);
    expect(x23.var([0, 1], { keepDims: true }).shape).toEqual([1, 1]);
  });

  it('have the closed-form gradients, 0 for std of a constant slice', () => {
    const x = f64([1, 2, 3, 6]);
    // d var / dx = 2 (x − mean) / (N − 1), mean 3
    expectClose(gradOf((t) => variance(t), x), [-4 / 3, -2 / 3, 0, 2]);
    expectClose(gradOf((t) => std(t, 0, { correction: 0 }), x), [-2, -1, 0, 3].map((d) => d / (4 * Math.sqrt(3.5))));
    const g = gradOf((t) => std(t, 1), f64([[2, 2, 2], [1, 2, 3]]));
    expectClose(g, [0, 0, 0, -0.5, 0, 0.5]);
  });

  it('reject corrections that leave no degrees of freedom', () => {
    expect(() => variance(f64([[1], [2]]), 1)).toThrow(/var: correction 1 leaves no degrees of freedom for 1 element\(s\) per reduction \(shape \[2,1\], axes \[1\]\)/);
    expect(() => std(f64([1, 2]), 0, { correction: 2 })).toThrow(/std: correction 2 leaves no degrees of freedom/);
    expect(() => variance(f64([1, 2]), 0, { correction: NaN })).toThrow(/var: correction must be a finite number/);
    expect(() => std(tensor([1, 2], { dtype: 'int32' }))).toThrow(/std: needs a float tensor/);
  });
});

describe('norm', () => {
  it('computes p-norms, including ±Infinity', () => {
    const x = f64([[3, -4], [0, 1]]);
    expectClose(norm(x, 2, 1), [5, 1]);
    expectClose(norm(x), [Math.sqrt(26)]);
    expectClose(norm(x, 1, 0), [3, 5]);
    expectClose(norm(x, 3, -1, { keepDims: true }), [Math.cbrt(91), 1]);
    expectClose(norm(x, Infinity), [4]);
    expectClose(norm(x, -Infinity, 1), [3, 0]);
    expectClose(x.norm(2, 0), [3, Math.sqrt(17)]);
  });

  it('has gradient x/‖x‖ and 0 (not NaN) at the zero vector', () => {
    expectClose(gradOf((t) => norm(t, 2, 1), f64([[3, -4], [0, 0]])), [0.6, -0.8, 0, 0]);
    expectClose(gradOf((t) => norm(t, 1), f64([2, -1, 0])), [1, -1, 0]);
  });

  it('rejects p < 1', () => {
    expect(() => norm(x23, 0.5)).toThrow(/norm: p must be a number ≥ 1, Infinity or -Infinity, got 0.5/);
    expect(() => norm(x23, NaN)).toThrow(HopgradError);
  });
});

describe('cumsum', () => {
  it('accumulates along an axis, forwards or reversed', () => {
    expectClose(cumsum(x23, 1), [1, 6, 9, 4, 6, 12]);
    expectClose(cumsum(x23, -2), [1, 5, 3, 5, 7, 9]);
    expectClose(cumsum(x23, 1, { reverse: true }), [9, 8, 3, 12, 8, 6]);
    expectClose(x23.cumsum(0, { reverse: true }), [5, 7, 9, 4, 2, 6]);
    expect(flat(cumsum(tensor([1, 2, 3], { dtype: 'int32' }), 0))).toEqual([1, 3, 6]);
    expect(cumsum(scalar(2), 0).item()).toBe(2);
  });

  it('has the reversed running sum as gradient', () => {
    const w = f64([[1, 2, 3], [4, 5, 6]]);
    expectClose(gradOf((t) => cumsum(t, 1), x23, w), [6, 5, 3, 15, 11, 6]);
    expectClose(gradOf((t) => cumsum(t, 1, { reverse: true }), x23, w), [1, 3, 6, 4, 9, 15]);
  });

  it('validates axis and options', () => {
    expect(() => cumsum(x23, 2)).toThrow(/cumsum: axis 2 is out of range/);
    expect(() => cumsum(x23, undefined as unknown as number)).toThrow(/cumsum: axis must be an integer/);
    expect(() => cumsum(x23, 0, { reverse: 'yes' as unknown as boolean })).toThrow(/cumsum: reverse must be a boolean/);
  });
});

describe('reductions agree with sum on random inputs', () => {
  it('max ≥ every entry, min ≤, and argmax picks the max', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 30 }), (vals) => {
        const x = f64(vals);
        const m = max(x).item();
        expect(m).toBe(Math.max(...vals));
        expect(min(x).item()).toBe(Math.min(...vals));
        expect(vals[argmax(x).item()]).toBe(m);
        expect(argmax(x).item()).toBe(vals.indexOf(m));
        // cumsum's last entry is the sum
        expect(Math.abs(flat(cumsum(x, 0))[vals.length - 1]! - sum(x).item())).toBeLessThanOrEqual(1e-9 * vals.length * 1e6);
      }),
      fcOpts(100),
    );
  });
});

describe('gradcheck cases of the reductions group', () => {
  for (const name of ['max', 'min', 'prod', 'logsumexp', 'var', 'std', 'norm', 'cumsum'] as const) {
    it(`${name}: analytic gradients match finite differences`, () => {
      fc.assert(fc.property(reductionsCases[name], (c) => gradcheck(c.run, c.inputs).ok), fcOpts(40));
    });
  }
});
