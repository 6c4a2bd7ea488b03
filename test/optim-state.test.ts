// Optimizer state dicts: layout, round trip (save, load, continue == never saved), and all-or-nothing rejection.
import { describe, expect, it } from 'vitest';
import { Tensor } from '../src/tensor/tensor.js';
import { HopgradError } from '../src/tensor/errors.js';
import { SGD, Adam, AdamW, type Optimizer, type Hyperparams, type OptimizerStateDict } from '../src/optim/index.js';

type Make = (ps: Tensor[]) => Optimizer<Hyperparams>;
const makers: Record<string, Make> = {
  'SGD momentum nesterov': (ps) => new SGD([{ params: [ps[0]!] }, { params: [ps[1]!], lr: 0.05 }], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
  'Adam amsgrad': (ps) => new Adam([{ params: [ps[0]!] }, { params: [ps[1]!], betas: [0.5, 0.9] }], { lr: 0.01, amsgrad: true, weightDecay: 0.1 }),
  'AdamW float32': (ps) => new AdamW([{ params: [ps[0]!] }, { params: [ps[1]!], lr: 0.02 }], { lr: 0.01 }),
};

function params(float32: boolean): Tensor[] {
  const mk = (xs: number[], shape: number[]) => new Tensor(float32 ? Float32Array.from(xs) : Float64Array.from(xs), shape);
  return [mk([0.5, -1, 2, 0.25, 3, -0.75], [2, 3]), mk([1.5, -2.5], [2])];
}

/** Deterministic gradient of step k for parameter j. */
function setGrads(ps: Tensor[], k: number): void {
  ps.forEach((p, j) => {
    const d = p.dtype === 'float32' ? new Float32Array(p.size) : new Float64Array(p.size);
    for (let i = 0; i < d.length; i++) d[i] = Math.sin(1 + k * 7 + j * 3 + i * 1.3) * (1 + i);
    p.grad = new Tensor(d, [...p.shape]);
  });
}

const snapshot = (ps: Tensor[]): number[][] => ps.map((p) => Array.from(p.contiguousData()));
const jsonRoundTrip = (sd: OptimizerStateDict): OptimizerStateDict => ({ tensors: sd.tensors, meta: JSON.parse(JSON.stringify(sd.meta)) });

describe('stateDict', () => {
  it('lays out buffers as state.<index>.<name> with JSON meta', () => {
    const ps = params(false);
    const opt = new Adam([{ params: [ps[0]!] }, { params: [ps[1]!], lr: 0.5 }]);
    expect(opt.stateDict().tensors).toEqual({});
    setGrads(ps, 0);
    ps[0]!.grad = null;
    opt.step();
    const sd = opt.stateDict();
    expect(Object.keys(sd.tensors).sort()).toEqual(['state.1.exp_avg', 'state.1.exp_avg_sq']);
    expect(sd.tensors['state.1.exp_avg']!.shape).toEqual([2]);
    expect(sd.meta).toEqual({
      format: 'hopgrad.optim.v1',
      optimizer: 'Adam',
      paramGroups: [
        { params: [0], hyperparams: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false } },
        { params: [1], hyperparams: { lr: 0.5, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false } },
      ],
      state: { 1: { scalars: { step: 1 }, buffers: ['exp_avg', 'exp_avg_sq'] } },
    });
  });
  it('is a snapshot: later steps do not change it', () => {
    const ps = params(false);
    const opt = new SGD(ps, { momentum: 0.9 });
    setGrads(ps, 0);
    opt.step();
    const sd = opt.stateDict();
    const before = Array.from(sd.tensors['state.0.momentum_buffer']!.contiguousData());
    setGrads(ps, 1);
    opt.step();
    expect(Array.from(sd.tensors['state.0.momentum_buffer']!.contiguousData())).toEqual(before);
  });
});

describe('loadStateDict round trip', () => {
  for (const [label, make] of Object.entries(makers)) {
    it(`${label}: save after 3 steps, load into a fresh optimizer, 3 more steps == 6 steps never saved`, () => {
      const f32 = label.includes('float32');
      const a = params(f32);
      const optA = make(a);
      for (let k = 0; k < 3; k++) { setGrads(a, k); optA.step(); }
      const sd = jsonRoundTrip(optA.stateDict());
      const b = params(f32);
      b.forEach((p, j) => (p._storage as Float64Array).set(a[j]!.contiguousData()));
      const optB = make(b);
      optB.paramGroups[0]!.lr = 123; // overwritten by the saved hyperparameters
      optB.loadStateDict(sd);
      expect(optB.paramGroups.map((g) => g.lr)).toEqual(optA.paramGroups.map((g) => g.lr));
      for (let k = 3; k < 6; k++) {
        setGrads(a, k); optA.step();
        setGrads(b, k); optB.step();
      }
      expect(snapshot(b)).toEqual(snapshot(a));
      expect(jsonRoundTrip(optB.stateDict()).meta).toEqual(jsonRoundTrip(optA.stateDict()).meta);
    });
  }
});

describe('loadStateDict replaces the whole state', () => {
  it('a parameter with no saved state loses its current state', () => {
    const fresh = params(false);
    const saver = new Adam(fresh);
    setGrads(fresh, 0);
    fresh[0]!.grad = null;
    saver.step(); // state only for parameter 1
    const ps = params(false);
    const opt = new Adam(ps);
    setGrads(ps, 0);
    opt.step(); // state for both
    opt.loadStateDict(saver.stateDict());
    expect(opt.state.has(ps[0]!)).toBe(false);
    expect(opt.state.get(ps[1]!)!.scalars.step).toBe(1);
  });
});

describe('loadStateDict rejects mismatches and changes nothing', () => {
  function setup(): { opt: Optimizer<Hyperparams>; ps: Tensor[]; good: OptimizerStateDict } {
    const ps = params(false);
    const opt = makers['Adam amsgrad']!(ps);
    setGrads(ps, 0);
    opt.step();
    const good = jsonRoundTrip(opt.stateDict());
    setGrads(ps, 1);
    opt.step(); // the optimizer's state now differs from `good`
    return { opt, ps, good };
  }
  type Mutate = (sd: OptimizerStateDict, ps: Tensor[]) => void;
  const t64 = (n: number, shape: number[]) => new Tensor(new Float64Array(n), shape);
  const cases: [string, Mutate, string][] = [
    ['wrong buffer shape', (sd) => { sd.tensors['state.1.exp_avg'] = t64(3, [3]); }, "tensors['state.1.exp_avg'] has shape [3], expected [2]"],
    ['wrong buffer dtype', (sd) => { sd.tensors['state.1.exp_avg'] = new Tensor(new Float32Array(2), [2]); }, 'has dtype float32, expected float64'],
    ['missing buffer tensor', (sd) => { delete sd.tensors['state.1.exp_avg_sq']; }, "tensors['state.1.exp_avg_sq'] must be a Tensor, got undefined"],
    ['extra tensor', (sd) => { sd.tensors['state.9.exp_avg'] = t64(2, [2]); }, "unexpected entry 'state.9.exp_avg'"],
    ['missing required buffer in meta', (sd) => { sd.meta.state['1']!.buffers = ['exp_avg']; delete sd.tensors['state.1.exp_avg_sq']; }, "buffers lacks 'exp_avg_sq'"],
    ['unknown buffer', (sd) => { sd.meta.state['1']!.buffers.push('momentum_buffer'); sd.tensors['state.1.momentum_buffer'] = t64(2, [2]); }, 'unknown buffer "momentum_buffer"'],
    ['bad step count', (sd) => { sd.meta.state['1']!.scalars.step = 1.5; }, "meta.state['1'].scalars.step must be a non-negative integer, got 1.5"],
    ['state for a non-parameter', (sd) => { sd.meta.state['7'] = { scalars: { step: 1 }, buffers: [] }; }, "entry for '7'"],
    ['group count', (sd) => { sd.meta.paramGroups.pop(); }, 'meta.paramGroups must list 2 param group(s), got 1'],
    ['group size', (sd) => { sd.meta.paramGroups[1]!.params.push(5); }, 'meta.paramGroups[1].params has 2 parameter(s) but the optimizer\'s group has 1'],
    ['bad saved hyperparameter', (sd) => { sd.meta.paramGroups[1]!.hyperparams.lr = -1; }, 'Adam: lr must be a non-negative number, got -1 (param group 1)'],
    ['unknown saved hyperparameter', (sd) => { sd.meta.paramGroups[0]!.hyperparams.foo = 1; }, "unknown hyperparameter 'foo'"],
    ['other optimizer class', (sd) => { sd.meta.optimizer = 'SGD'; }, "meta.optimizer must be 'Adam'"],
    ['format', (sd) => { (sd.meta as { format: string }).format = 'x'; }, "meta.format must be 'hopgrad.optim.v1'"],
  ];
  for (const [label, mutate, msg] of cases) {
    it(label, () => {
      const { opt, ps, good } = setup();
      mutate(good, ps);
      const before = jsonRoundTrip(opt.stateDict());
      const lrs = opt.paramGroups.map((g) => g.lr);
      const f = () => opt.loadStateDict(good);
      expect(f).toThrow(HopgradError);
      expect(f).toThrow(msg);
      const after = opt.stateDict();
      expect(after.meta).toEqual(before.meta);
      for (const [k, t] of Object.entries(before.tensors)) expect(Array.from(after.tensors[k]!.contiguousData())).toEqual(Array.from(t.contiguousData()));
      expect(opt.paramGroups.map((g) => g.lr)).toEqual(lrs);
    });
  }
  it('the unmodified dict loads (the cases above fail only because of their mutation)', () => {
    const { opt, good } = setup();
    opt.loadStateDict(good);
    expect(opt.stateDict().meta).toEqual(good.meta);
  });
  it('rejects garbage', () => {
    const { opt } = setup();
    expect(() => opt.loadStateDict(null as never)).toThrow('Adam.loadStateDict: stateDict must be { tensors, meta }');
  });
});
