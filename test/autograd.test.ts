// Unit tests of the tape and the functional API: accumulation across backward calls, zeroGrad, retainGrad,
// noGrad/enableGrad, implicit-gradient errors, fan-out and diamond graphs, a 10000-op chain (iterative
// tape), grad/valueAndGrad with argnums lists, setDebugNaN, int32 inputs, and gradcheck itself.
import { describe, expect, it } from 'vitest';
import {
  HopgradError, Tensor, add, div, enableGrad, exp, grad, gradcheck, isDebugNaN, isGradEnabled, log, matmul, mul,
  noGrad, setDebugNaN, sin, sum, tensor, transpose, valueAndGrad,
} from '../src/index.js';
import { expectAllclose } from './helpers/allclose.js';

const f64 = (xs: number[], shape = [xs.length]): Tensor => new Tensor(Float64Array.from(xs), shape);
const leaf = (xs: number[], shape = [xs.length]): Tensor => f64(xs, shape).requiresGrad_();
const err = (f: () => unknown, msg: string | RegExp): void => {
  expect(f).toThrow(HopgradError);
  expect(f).toThrow(msg);
};

describe('backward and leaf gradients', () => {
  it('accumulates into .grad across backward calls, like PyTorch, until zeroGrad', () => {
    const x = leaf([1, 2, 3]);
    sum(mul(x, x)).backward();
    expectAllclose(x.grad!, [2, 4, 6]);
    sum(mul(x, x)).backward();
    expectAllclose(x.grad!, [4, 8, 12]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
    sum(mul(x, 3)).backward();
    expectAllclose(x.grad!, [3, 3, 3]);
  });

  it('keeps the gradient of a non-leaf only when retainGrad was called', () => {
    const x = leaf([1, 2]);
    const h = mul(x, 2).retainGrad();
    const k = mul(x, 3);
    sum(add(mul(h, h), k)).backward();
    expectAllclose(h.grad!, [4, 8]); // d(h²)/dh = 2h
    expect(k.grad).toBeNull();
    expectAllclose(x.grad!, [11, 19]); // 2h·2 + 3
  });

  it('records nothing inside noGrad, and enableGrad turns recording back on', () => {
    const x = leaf([1, 2]);
    const y = noGrad(() => mul(x, 2));
    expect([y.requiresGrad, y._node]).toEqual([false, null]);
    expect(isGradEnabled()).toBe(true);
    const z = noGrad(() => enableGrad(() => mul(x, 2)));
    expect(z.requiresGrad).toBe(true);
    expect(z._node?.op).toBe('mul');
    expect(() => noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
    err(() => y.backward(), 'backward: this tensor does not require a gradient');
  });

  it('ops on tensors that need no gradient record no node', () => {
    const y = mul(f64([1, 2]), f64([3, 4]));
    expect([y.requiresGrad, y._node]).toEqual([false, null]);
  });

  it('needs an explicit gradient for a non-scalar output, of the output shape', () => {
    const x = leaf([1, 2, 3]);
    const y = mul(x, x);
    err(() => y.backward(), 'backward: a gradient can be created implicitly only for a one-element output, got shape [3]; pass backward(gradient)');
    err(() => y.backward(f64([1, 1])), "backward: gradient must be a Tensor of the output's shape [3], got [2]");
    y.backward(f64([1, 0, 2]));
    expectAllclose(x.grad!, [2, 0, 12]);
  });

  it('sums gradients of a tensor used several times (fan-out): d(x·x + x) = 2x + 1', () => {
    const x = leaf([3, -1]);
    sum(add(mul(x, x), x)).backward();
    expectAllclose(x.grad!, [7, -1]);
  });

  it('handles a diamond: w → (3w, eʷ) → product', () => {
    const w = leaf([2]);
    const top = mul(mul(w, 3), exp(w));
    top.backward();
    expectAllclose(w.grad!, [3 * Math.exp(2) + 6 * Math.exp(2)], { rtol: 1e-12 });
  });

  it('backpropagates through a chain of 10000 ops without overflowing the stack', () => {
    const a = leaf([0.5]);
    let c: Tensor = a;
    for (let i = 0; i < 10000; i++) c = mul(c, 1.0001);
    sum(c).backward();
    expectAllclose(a.grad!, [Math.pow(1.0001, 10000)], { rtol: 1e-9 });
  });

  it('flows through views (transpose into matmul) and keeps the leaf dtype', () => {
    const a = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const y = sum(matmul(transpose(a), f64([1, 1], [2, 1])));
    y.backward();
    expect(a.grad!.dtype).toBe('float32');
    expectAllclose(a.grad!, [[1, 1], [1, 1]]);
  });

  it('refuses gradients on int32 tensors', () => {
    err(() => tensor([1, 2], { dtype: 'int32', requiresGrad: true }), 'tensor: requiresGrad needs a float dtype, got int32');
    err(() => tensor([1, 2], { dtype: 'int32' }).requiresGrad_(), 'requiresGrad_: only float tensors can require gradients, got int32');
    err(() => grad((p: Tensor) => sum(p))(tensor([1, 2], { dtype: 'int32' })), 'argument 0 is int32 and cannot be differentiated');
    // an int32 operand next to a float leaf is fine and receives no gradient
    const x = leaf([1, 2]);
    const i = tensor([3, 4], { dtype: 'int32' });
    sum(mul(x, i)).backward();
    expectAllclose(x.grad!, [3, 4]);
    expect(i.grad).toBeNull();
  });
});

describe('grad and valueAndGrad', () => {
  const f = (p: Tensor, q: Tensor): Tensor => sum(mul(p, exp(q)));

  it('differentiate with respect to one argument or a list', () => {
    const p = f64([1, 2]);
    const q = f64([0, 1]);
    expectAllclose(grad(f)(p, q) as Tensor, [1, Math.E]);
    const [gp, gq] = grad(f, [0, 1])(p, q) as Tensor[];
    expectAllclose(gp!, [1, Math.E]);
    expectAllclose(gq!, [1, 2 * Math.E]);
    const [value, g] = valueAndGrad(f, [1])(p, q);
    expectAllclose(value, 1 + 2 * Math.E);
    expect(Array.isArray(g)).toBe(true);
    expectAllclose((g as Tensor[])[0]!, [1, 2 * Math.E]);
    expect([p.requiresGrad, p.grad, q.grad]).toEqual([false, null, null]);
  });

  it('gives zeros for an argument the function ignores, and works inside noGrad', () => {
    const g = grad((_p: Tensor, q: Tensor) => sum(q), 0)(f64([1, 2]), f64([3])) as Tensor;
    expect(g.dtype).toBe('float64');
    expectAllclose(g, [0, 0]);
    const inner = noGrad(() => grad((p: Tensor) => sum(mul(p, p)))(f64([3])) as Tensor);
    expectAllclose(inner, [6]);
  });

  it('validates argnums and the output', () => {
    err(() => grad(f, 2)(f64([1]), f64([1])), 'argnums 2 is out of range for 2 arguments');
    err(() => grad(f, [])(f64([1]), f64([1])), 'argnums must name at least one argument');
    err(() => grad((p: Tensor) => mul(p, 2))(f64([1, 2])), 'the function must return a one-element tensor, got shape [2]');
  });
});

describe('setDebugNaN', () => {
  it('is off by default: NaN passes silently', () => {
    expect(isDebugNaN()).toBe(false);
    expect(Number.isNaN(log(f64([-1])).item())).toBe(true);
  });

  it('names the op that produced NaN or Infinity and its input shapes', () => {
    setDebugNaN(true);
    try {
      const x = f64([1, -1]);
      x.name = 'x';
      err(() => log(x), "debugNaN: op 'log' produced NaN at flat index 1 of its output [2] (inputs [2] 'x')");
      err(() => div(f64([1, 2]), f64([1, 0])), "debugNaN: op 'div' produced Infinity at flat index 1");
      expect(sin(f64([1])).item()).toBeCloseTo(Math.sin(1), 12);
    } finally {
      setDebugNaN(false);
    }
  });
});

describe('gradcheck', () => {
  it('accepts correct gradients and reports a wrong one', () => {
    expect(gradcheck((x: Tensor) => mul(x, exp(x)), [f64([0.5, -1, 2])]).ok).toBe(true);
    // x · detach(x) has analytic gradient x but numeric 2x (both times the projection weight 0.5 of entry 0)
    const wrong = (x: Tensor): Tensor => mul(x, x.detach());
    expect(() => gradcheck(wrong, [f64([1.5])])).toThrow(/gradcheck: input 0, flat index 0: analytic gradient 0.75 vs numeric 1.49999/);
    const r = gradcheck(wrong, [f64([1.5, 2])], { raiseException: false });
    expect(r.ok).toBe(false);
    expect(r.mismatch).toMatchObject({ input: 0, index: 0, analytic: 0.75 });
    expect(r.mismatch!.numeric).toBeCloseTo(1.5, 6);
  });
});
