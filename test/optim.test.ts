// Unit tests of SGD, Adam and AdamW: hyperparameter validation, hand-computed steps, weight decay, groups, zeroGrad.
import { describe, expect, it } from 'vitest';
import { Tensor } from '../src/tensor/tensor.js';
import { HopgradError } from '../src/tensor/errors.js';
import { SGD, Adam, AdamW, ADAMW_DEFAULTS } from '../src/optim/index.js';

const f64 = (xs: number[], shape = [xs.length]): Tensor => new Tensor(Float64Array.from(xs), shape);
const withGrad = (p: Tensor, g: number[]): Tensor => {
  p.grad = f64(g, [...p.shape]);
  return p;
};
const vals = (t: Tensor): number[] => Array.from(t.contiguousData());
const err = (f: () => unknown, msg: string | RegExp): void => {
  expect(f).toThrow(HopgradError);
  expect(f).toThrow(msg);
};

describe('optimizer validation', () => {
  const p = () => f64([1, 2]);
  it('rejects bad hyperparameters, naming class, parameter and value', () => {
    err(() => new AdamW([p()], { lr: -1 }), 'AdamW: lr must be a non-negative number, got -1');
    err(() => new SGD([p()], { lr: NaN }), 'SGD: lr must be a non-negative number, got NaN');
    err(() => new Adam([p()], { betas: [1, 0.999] }), 'Adam: betas[0] must be a number in [0, 1), got 1');
    err(() => new Adam([p()], { betas: [0.9, -0.1] }), 'Adam: betas[1] must be a number in [0, 1), got -0.1');
    err(() => new Adam([p()], { eps: -1e-8 }), 'Adam: eps must be a non-negative number, got -1e-8');
    err(() => new AdamW([p()], { weightDecay: -0.5 }), 'AdamW: weightDecay must be a non-negative number, got -0.5');
    err(() => new SGD([p()], { momentum: -0.9 }), 'SGD: momentum must be a non-negative number, got -0.9');
    err(() => new SGD([p()], { nesterov: true }), 'SGD: nesterov requires momentum > 0 and dampening 0, got momentum 0');
    err(() => new SGD([p()], { nesterov: true, momentum: 0.9, dampening: 0.1 }), 'dampening 0.1');
    err(() => new Adam([p()], { amsgrad: 1 as unknown as boolean }), 'Adam: amsgrad must be a boolean, got 1');
  });
  it('rejects unknown options and group keys (e.g. snake_case from PyTorch code)', () => {
    err(() => new SGD([p()], { weight_decay: 0.1 } as never), "SGD: unknown option 'weight_decay'");
    err(() => new SGD([p()], { toString: 1 } as never), "SGD: unknown option 'toString'");
    err(() => new SGD([{ params: [p()], weight_decay: 0.1 } as never]), "SGD: unknown hyperparameter 'weight_decay' (param group 0)");
  });
  it('names the group whose override is bad', () => {
    err(() => new SGD([{ params: [p()] }, { params: [p()], lr: -2 }]), 'SGD: lr must be a non-negative number, got -2 (param group 1)');
  });
  it('rejects bad parameter lists', () => {
    const a = p();
    err(() => new SGD([]), 'SGD: params must not be empty');
    err(() => new SGD([a, a]), 'SGD: params[1] (param group 0) appears twice in the same param group');
    err(() => new SGD([{ params: [a] }, { params: [p(), a] }]), 'SGD: params[1] (param group 1) already belongs to another param group');
    err(() => new SGD([{ params: [a] }, a] as never), 'SGD: params mixes tensors and param groups (params[1] is a Tensor)');
    err(() => new SGD([{ params: [a, 3] }] as never), 'SGD: params[1] (param group 0) must be a Tensor, got 3');
    err(() => new SGD([new Tensor(Int32Array.from([1]), [1])]), 'SGD: params[0] (param group 0) must have a float dtype, got int32');
    err(() => new SGD([new Tensor(new Float64Array(4), [2, 2], [1, 2])]), 'must be contiguous');
    err(() => new SGD(5 as never), 'SGD: params must be an array of tensors or of param groups, got 5');
    const opt = new SGD([a]);
    err(() => opt.addParamGroup({ params: [a] }), 'SGD: params[0] (param group 1) already belongs to another param group');
    expect(opt.paramGroups).toHaveLength(1);
  });
  it('checks hyperparameters and grad shapes at step time, before changing any parameter', () => {
    const a = withGrad(f64([1, 2]), [1, 1]);
    const b = withGrad(f64([3]), [1]);
    const opt = new SGD([{ params: [a] }, { params: [b] }], { lr: 0.1 });
    opt.paramGroups[1]!.lr = -1;
    err(() => opt.step(), 'SGD: lr must be a non-negative number, got -1 (param group 1)');
    expect(vals(a)).toEqual([1, 2]);
    opt.paramGroups[1]!.lr = 0.1;
    b.grad = f64([1, 1]);
    err(() => opt.step(), 'SGD.step: grad of params[0] (param group 1) has shape [2], expected [1]');
    expect(vals(a)).toEqual([1, 2]);
    expect(opt.state.size).toBe(0);
  });
});

describe('SGD', () => {
  it('plain: p − lr·g', () => {
    const p = withGrad(f64([1, -2]), [0.5, 0.25]);
    new SGD([p], { lr: 0.1 }).step();
    expect(vals(p)).toEqual([1 - 0.1 * 0.5, -2 - 0.1 * 0.25]);
  });
  it('first two steps with momentum, dampening and weight decay (buffer starts as the first grad)', () => {
    const [lr, mu, damp, wd] = [0.1, 0.9, 0.25, 0.01];
    const p = withGrad(f64([1, -2]), [0.5, 0.25]);
    const opt = new SGD([p], { lr, momentum: mu, dampening: damp, weightDecay: wd });
    opt.step();
    const g1 = [0.5 + wd * 1, 0.25 + wd * -2];
    const p1 = [1 - lr * g1[0]!, -2 - lr * g1[1]!];
    expect(vals(p)).toEqual(p1);
    withGrad(p, [-1, 2]);
    opt.step();
    const g2 = [-1 + wd * p1[0]!, 2 + wd * p1[1]!];
    const buf = [mu * g1[0]! + (1 - damp) * g2[0]!, mu * g1[1]! + (1 - damp) * g2[1]!];
    expect(vals(p)).toEqual([p1[0]! - lr * buf[0]!, p1[1]! - lr * buf[1]!]);
  });
  it('nesterov and maximize', () => {
    const [lr, mu] = [0.5, 0.5];
    const p = withGrad(f64([2]), [1]);
    const opt = new SGD([p], { lr, momentum: mu, nesterov: true, maximize: true });
    opt.step(); // g = −1, buf = −1, step direction g + mu·buf = −1.5
    expect(vals(p)).toEqual([2 + lr * 1.5]);
    withGrad(p, [2]);
    opt.step(); // g = −2, buf = 0.5·(−1) + (−2) = −2.5, direction −2 + 0.5·(−2.5) = −3.25
    expect(vals(p)).toEqual([2.75 + lr * 3.25]);
  });
  it('skips parameters without a grad and gives them no state', () => {
    const a = withGrad(f64([1]), [1]);
    const b = f64([5]);
    const opt = new SGD([a, b], { lr: 1, momentum: 0.5 });
    opt.step();
    expect(vals(b)).toEqual([5]);
    expect(opt.state.has(b)).toBe(false);
    expect(opt.state.get(a)!.buffers.momentum_buffer).toBeDefined();
  });
  it('updates float32 parameters in place (same storage)', () => {
    const p = new Tensor(Float32Array.from([1, 2]), [2]);
    const storage = p._storage;
    p.grad = new Tensor(Float32Array.from([1, -1]), [2]);
    new SGD([p], { lr: 0.5 }).step();
    expect(p._storage).toBe(storage);
    expect(Array.from(p._storage)).toEqual([0.5, 2.5]);
  });
});

/** Adam's update written from the formula, one element, returning [p, m, v] after step t. */
function adamRef(p: number, g: number, m: number, v: number, t: number, lr: number, b1: number, b2: number, eps: number): number[] {
  const m2 = b1 * m + (1 - b1) * g;
  const v2 = b2 * v + (1 - b2) * g * g;
  const mhat = m2 / (1 - b1 ** t);
  const vhat = v2 / (1 - b2 ** t);
  return [p - (lr * mhat) / (Math.sqrt(vhat) + eps), m2, v2];
}

describe('Adam / AdamW', () => {
  const close = (a: number[], b: number[]): void => a.forEach((x, i) => expect(x).toBeCloseTo(b[i]!, 14));
  it('first Adam step moves each element by lr·g/(|g| + eps) (the known PyTorch first step)', () => {
    const p = withGrad(f64([1, 1]), [1, -3]);
    new Adam([p], { lr: 0.1 }).step();
    close(vals(p), [1 - 0.1 / (1 + 1e-8), 1 + (0.1 * 3) / (3 + 1e-8)]);
  });
  it('first two Adam steps with L2 weight decay, against the written formula', () => {
    const [lr, b1, b2, eps, wd] = [0.01, 0.8, 0.95, 1e-6, 0.1];
    const p = withGrad(f64([0.5, -1.5]), [0.2, 0.7]);
    const opt = new Adam([p], { lr, betas: [b1, b2], eps, weightDecay: wd });
    const r1 = [0, 1].map((i) => adamRef([0.5, -1.5][i]!, [0.2, 0.7][i]! + wd * [0.5, -1.5][i]!, 0, 0, 1, lr, b1, b2, eps));
    opt.step();
    close(vals(p), r1.map((r) => r[0]!));
    withGrad(p, [-0.4, 0.1]);
    const r2 = [0, 1].map((i) => adamRef(r1[i]![0]!, [-0.4, 0.1][i]! + wd * r1[i]![0]!, r1[i]![1]!, r1[i]![2]!, 2, lr, b1, b2, eps));
    opt.step();
    close(vals(p), r2.map((r) => r[0]!));
    expect(opt.state.get(p)!.scalars.step).toBe(2);
    close(Array.from(opt.state.get(p)!.buffers.exp_avg!), r2.map((r) => r[1]!));
    close(Array.from(opt.state.get(p)!.buffers.exp_avg_sq!), r2.map((r) => r[2]!));
  });
  it('first two AdamW steps: decay p by (1 − lr·wd), then the Adam step on the raw gradient', () => {
    const [lr, wd] = [0.05, 0.2];
    const p = withGrad(f64([2]), [0.3]);
    const opt = new AdamW([p], { lr, weightDecay: wd });
    opt.step();
    const r1 = adamRef(2 * (1 - lr * wd), 0.3, 0, 0, 1, lr, 0.9, 0.999, 1e-8);
    close(vals(p), [r1[0]!]);
    withGrad(p, [-0.6]);
    opt.step();
    const r2 = adamRef(r1[0]! * (1 - lr * wd), -0.6, r1[1]!, r1[2]!, 2, lr, 0.9, 0.999, 1e-8);
    close(vals(p), [r2[0]!]);
  });
  it('AdamW defaults are torch\'s', () => {
    expect(ADAMW_DEFAULTS).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, amsgrad: false, maximize: false });
  });
  it('AdamW with zero gradient only shrinks p by (1 − lr·wd) per step; Adam with L2 moves it by ≈ lr', () => {
    const p = withGrad(f64([3, -4]), [0, 0]);
    const opt = new AdamW([p], { lr: 0.1, weightDecay: 0.5 });
    opt.step();
    opt.step();
    expect(vals(p)).toEqual([3 * 0.95 * 0.95, -4 * 0.95 * 0.95]);
    const q = withGrad(f64([3, -4]), [0, 0]);
    new Adam([q], { lr: 0.1, weightDecay: 0.5 }).step();
    close(vals(q), [3 - 0.1 * 1.5 / (1.5 + 1e-8), -4 + 0.1 * 2 / (2 + 1e-8)]);
  });
  it('amsgrad uses the running maximum of the second moment', () => {
    const [lr, b2] = [0.1, 0.5];
    const p = withGrad(f64([0]), [10]);
    const opt = new Adam([p], { lr, betas: [0, b2], eps: 0, amsgrad: true });
    opt.step(); // m = 10, v = vmax = 50; p = −lr·10/(sqrt(50)/sqrt(0.5)) = −0.1
    close(vals(p), [-0.1]);
    withGrad(p, [1]);
    opt.step(); // m = 1, v = 25.5 but vmax stays 50; denom = sqrt(50)/sqrt(0.75)
    close(vals(p), [-0.1 - (lr * 1) / (Math.sqrt(50) / Math.sqrt(0.75))]);
    expect(Array.from(opt.state.get(p)!.buffers.max_exp_avg_sq!)).toEqual([50]);
  });
  it('maximize ascends', () => {
    const p = withGrad(f64([0]), [2]);
    new Adam([p], { lr: 0.1, maximize: true }).step();
    close(vals(p), [0.1 * 2 / (2 + 1e-8)]);
  });
});

describe('groups and zeroGrad', () => {
  it('groups take their own lr and inherit the other defaults', () => {
    const a = withGrad(f64([1]), [1]);
    const b = withGrad(f64([1]), [1]);
    const opt = new SGD([{ params: [a] }, { params: b, lr: 0.01 }], { lr: 0.1, momentum: 0.5 });
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum])).toEqual([[0.1, 0.5], [0.01, 0.5]]);
    opt.step();
    expect([...vals(a), ...vals(b)]).toEqual([1 - 0.1, 1 - 0.01]);
    opt.paramGroups[1]!.lr = 1; // writable, as schedulers do
    opt.step();
    expect(vals(b)).toEqual([(1 - 0.01) - 1 * (0.5 * 1 + 1)]);
  });
  it('addParamGroup adds a group that steps with its own hyperparameters', () => {
    const a = withGrad(f64([1]), [1]);
    const c = withGrad(f64([1]), [1]);
    const opt = new AdamW([a]);
    opt.addParamGroup({ params: [c], lr: 0.5, weightDecay: 0 });
    opt.step();
    expect(vals(c)[0]).toBeCloseTo(1 - 0.5, 7);
    expect(vals(a)[0]).toBeCloseTo(1 * (1 - 1e-3 * 0.01) - 1e-3, 7);
  });
  it('zeroGrad sets every grad to null; a following step changes nothing', () => {
    const a = withGrad(f64([1]), [1]);
    const b = withGrad(f64([2]), [1]);
    const opt = new Adam([{ params: [a] }, { params: [b] }]);
    opt.zeroGrad();
    expect([a.grad, b.grad]).toEqual([null, null]);
    opt.step();
    expect([...vals(a), ...vals(b)]).toEqual([1, 2]);
  });
  it('step(closure) calls the closure first and returns its loss', () => {
    const a = f64([1]);
    const opt = new SGD([a], { lr: 0.5 });
    expect(opt.step(() => { a.grad = f64([2]); return 7; })).toBe(7);
    expect(vals(a)).toEqual([0]);
  });
});
