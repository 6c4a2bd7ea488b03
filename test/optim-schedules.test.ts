// Unit tests of the learning-rate schedules, LRScheduler, and gradient clipping.
import { describe, expect, it } from 'vitest';
import { Tensor } from '../src/tensor/tensor.js';
import { HopgradError } from '../src/tensor/errors.js';
import {
  SGD, AdamW, LRScheduler, constantLr, linearWarmup, cosineAnnealing, stepLr, exponentialLr, clipGradNorm, clipGradValue,
} from '../src/optim/index.js';

const f64 = (xs: number[]): Tensor => new Tensor(Float64Array.from(xs), [xs.length]);
const err = (f: () => unknown, msg: string): void => {
  expect(f).toThrow(HopgradError);
  expect(f).toThrow(msg);
};

describe('schedules', () => {
  it('constant, step and exponential decay', () => {
    expect([0, 5, 1e6].map(constantLr({ lr: 0.3 }))).toEqual([0.3, 0.3, 0.3]);
    expect([0, 2, 3, 5, 6].map(stepLr({ baseLr: 1, stepSize: 3, gamma: 0.5 }))).toEqual([1, 1, 0.5, 0.5, 0.25]);
    expect([0, 1, 2].map(exponentialLr({ baseLr: 2, gamma: 0.5 }))).toEqual([2, 1, 0.5]);
  });
  it('linear warmup from startLr to baseLr, then flat', () => {
    expect([0, 1, 2, 4, 9].map(linearWarmup({ baseLr: 1, warmupSteps: 4 }))).toEqual([0, 0.25, 0.5, 1, 1]);
    expect([0, 2, 4].map(linearWarmup({ baseLr: 1, warmupSteps: 4, startLr: 0.5 }))).toEqual([0.5, 0.75, 1]);
  });
  it('cosine annealing: closed form, warmup counted separately, flat at etaMin after tMax', () => {
    const s = cosineAnnealing({ baseLr: 1, tMax: 10, etaMin: 0.1 });
    expect(s(0)).toBe(1);
    expect(s(5)).toBeCloseTo(0.55, 15);
    expect(s(3)).toBeCloseTo(0.1 + 0.9 * (1 + Math.cos((Math.PI * 3) / 10)) / 2, 15);
    expect([10, 11, 25].map(s)).toEqual([0.1, 0.1, 0.1]);
    const w = cosineAnnealing({ baseLr: 2, tMax: 4, warmupSteps: 2 });
    expect([0, 1, 2, 6, 7].map(w)).toEqual([0, 1, 2, 0, 0]);
    expect(w(4)).toBeCloseTo(1, 15);
  });
  it('rejects bad options and steps, naming function, parameter and value', () => {
    err(() => cosineAnnealing({ baseLr: 1, tMax: 0 }), 'cosineAnnealing: tMax must be a positive integer, got 0');
    err(() => cosineAnnealing({ baseLr: 1, tMax: 5, etaMin: 2 }), 'cosineAnnealing: etaMin must not exceed baseLr 1, got 2');
    err(() => cosineAnnealing({ baseLr: -1, tMax: 5 }), 'cosineAnnealing: baseLr must be a non-negative number, got -1');
    err(() => linearWarmup({ baseLr: 1, warmupSteps: 1.5 }), 'linearWarmup: warmupSteps must be a non-negative integer, got 1.5');
    err(() => stepLr({ baseLr: 1, stepSize: 0 }), 'stepLr: stepSize must be a positive integer, got 0');
    err(() => exponentialLr({ baseLr: 1, gamma: -0.5 }), 'exponentialLr: gamma must be a non-negative number, got -0.5');
    err(() => constantLr({ lr: 1 })(-1), 'constantLr: step must be a non-negative number, got -1');
  });
});

describe('LRScheduler', () => {
  it('writes lr for step 0 on creation and for each step; one schedule keeps the groups\' lr ratios', () => {
    const opt = new SGD([{ params: [f64([1])] }, { params: [f64([1])], lr: 0.2 }], { lr: 0.1 });
    const sched = new LRScheduler(opt, stepLr({ baseLr: 1, stepSize: 2, gamma: 0.5 }));
    expect(sched.lastEpoch).toBe(0);
    expect(sched.getLastLr()).toEqual([1, 2]);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([1, 2]);
    sched.step();
    sched.step();
    expect(sched.lastEpoch).toBe(2);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.5, 1]);
    expect(sched.getLastLr()).toEqual([0.5, 1]);
  });
  it('one schedule per group sets each exactly', () => {
    const opt = new AdamW([{ params: [f64([1])] }, { params: [f64([1])] }]);
    const sched = new LRScheduler(opt, [constantLr({ lr: 0.3 }), linearWarmup({ baseLr: 1, warmupSteps: 2 })]);
    expect(sched.getLastLr()).toEqual([0.3, 0]);
    sched.step();
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.3, 0.5]);
  });
  it('drives an optimizer: each step uses the lr the scheduler wrote', () => {
    const p = f64([0]);
    const opt = new SGD([p], { lr: 1 });
    const sched = new LRScheduler(opt, exponentialLr({ baseLr: 1, gamma: 0.5 }));
    for (let k = 0; k < 3; k++) {
      p.grad = f64([-1]);
      opt.step();
      sched.step();
    }
    expect(Array.from(p.contiguousData())).toEqual([1 + 0.5 + 0.25]);
  });
  it('stateDict / loadStateDict restore the step and the lrs', () => {
    const mk = () => new SGD([{ params: [f64([1])] }, { params: [f64([1])], lr: 0.5 }], { lr: 1 });
    const a = new LRScheduler(mk(), cosineAnnealing({ baseLr: 1, tMax: 10 }));
    for (let k = 0; k < 4; k++) a.step();
    const saved = JSON.parse(JSON.stringify(a.stateDict()));
    const opt = mk();
    const b = new LRScheduler(opt, cosineAnnealing({ baseLr: 1, tMax: 10 }));
    b.loadStateDict(saved);
    expect(b.lastEpoch).toBe(4);
    expect(b.getLastLr()).toEqual(a.getLastLr());
    a.step();
    b.step();
    expect(opt.paramGroups.map((g) => g.lr)).toEqual(a.getLastLr());
    err(() => b.loadStateDict({ lastEpoch: -1, initialLrs: [1, 0.5] }), 'LRScheduler.loadStateDict: lastEpoch must be a non-negative integer, got -1');
    err(() => b.loadStateDict({ lastEpoch: 1, initialLrs: [1] }), 'LRScheduler.loadStateDict: initialLrs must list 2 lr(s), got [1]');
    expect(b.lastEpoch).toBe(5);
  });
  it('rejects mismatched schedules and groups', () => {
    const opt = new SGD([{ params: [f64([1])] }, { params: [f64([1])] }], { lr: 0.1 });
    err(() => new LRScheduler(opt, [constantLr({ lr: 1 })]), 'LRScheduler: schedule must have one function per param group (2), got 1');
    err(() => new LRScheduler(opt, 3 as never), 'LRScheduler: schedule must be a function step → lr, got 3');
    err(() => new LRScheduler(new SGD([{ params: [f64([1])], lr: 0 }, { params: [f64([1])] }]), constantLr({ lr: 1 })),
      "LRScheduler: group 0's lr must be positive to scale a single schedule across 2 groups, got 0");
    const sched = new LRScheduler(opt, constantLr({ lr: 1 }));
    opt.addParamGroup({ params: [f64([2])] });
    err(() => sched.step(), 'LRScheduler: the optimizer has 3 param groups but had 2 when the scheduler was created');
    err(() => new LRScheduler(new SGD([f64([1])]), () => -1), 'LRScheduler: schedule(0) for param group 0 must be a non-negative number, got -1');
  });
});

describe('clipGradNorm / clipGradValue', () => {
  it('returns the total 2-norm and scales grads by maxNorm/(total + 1e-6) into new tensors', () => {
    const a = f64([0]);
    const b = f64([0, 0]);
    const c = f64([7]); // no grad: ignored
    const ga = f64([3]);
    a.grad = ga;
    b.grad = f64([0, 4]);
    expect(clipGradNorm([a, b, c, a], 1)).toBe(5);
    const k = 1 / (5 + 1e-6);
    expect(Array.from(a.grad.contiguousData())).toEqual([3 * k]);
    expect(Array.from(b.grad.contiguousData())).toEqual([0, 4 * k]);
    expect(Array.from(ga.contiguousData())).toEqual([3]); // the old grad tensor is untouched
    expect(c.grad).toBeNull();
  });
  it('leaves grads alone below maxNorm; supports the 1-norm, the ∞-norm and other orders', () => {
    const a = f64([0, 0]);
    const g = f64([-3, 4]);
    a.grad = g;
    expect(clipGradNorm(a, 10)).toBe(5);
    expect(a.grad).toBe(g);
    expect(clipGradNorm(a, 10, 1)).toBe(7);
    expect(clipGradNorm(a, 10, Infinity)).toBe(4);
    expect(clipGradNorm(a, 10, 3)).toBeCloseTo((27 + 64) ** (1 / 3), 14);
    expect(clipGradNorm(a, 2, Infinity)).toBe(4);
    expect(Array.from(a.grad.contiguousData())).toEqual([-3 * (2 / (4 + 1e-6)), 4 * (2 / (4 + 1e-6))]);
    expect(clipGradNorm([f64([1])], 1)).toBe(0);
  });
  it('non-finite norms: NaN grads propagate like torch, or throw with errorIfNonfinite', () => {
    const a = f64([0, 0]);
    a.grad = f64([NaN, 1]);
    err(() => clipGradNorm(a, 1, 2, { errorIfNonfinite: true }), 'clipGradNorm: the total norm of order 2 of the gradients is NaN');
    expect(clipGradNorm(a, 1)).toBeNaN();
    expect(Array.from(a.grad.contiguousData())).toEqual([NaN, NaN]);
  });
  it('validates its arguments', () => {
    err(() => clipGradNorm([], -1), 'clipGradNorm: maxNorm must be a non-negative number, got -1');
    err(() => clipGradNorm([], 1, 0), 'clipGradNorm: normType must be a positive number or Infinity, got 0');
    err(() => clipGradNorm([3 as never], 1), 'clipGradNorm: params[0] must be a Tensor, got 3');
    err(() => clipGradValue([], NaN), 'clipGradValue: clipValue must be a non-negative number, got NaN');
  });
  it('clipGradValue clamps elements into [−v, v] in a new grad tensor', () => {
    const a = f64([0, 0, 0]);
    const g = new Tensor(Float32Array.from([-5, 0.5, 9]), [3]);
    a.grad = g;
    clipGradValue([a], 1);
    expect(a.grad).not.toBe(g);
    expect(a.grad.dtype).toBe('float32');
    expect(Array.from(a.grad.contiguousData())).toEqual([-1, 0.5, 1]);
    expect(Array.from(g.contiguousData())).toEqual([-5, 0.5, 9]);
  });
});
