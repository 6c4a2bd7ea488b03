// Unit tests of nn.Module: registration, tree walks and their order, train/eval, zeroGrad, to(dtype),
// state dicts (round trip, all-or-nothing loading), functionalCall and printing.
import { describe, expect, it } from 'vitest';
import { Tensor } from '../src/tensor/tensor.js';
import { HopgradError } from '../src/tensor/errors.js';
import { Generator } from '../src/tensor/random.js';
import { randn, tensor, zeros } from '../src/tensor/creation.js';
import { add, mul, sum } from '../src/autograd/ops/index.js';
import '../src/autograd/index.js';
import * as nn from '../src/nn/index.js';
import { SGD } from '../src/optim/index.js';
import { expectAllclose } from './helpers/allclose.js';

const err = (f: () => unknown, msg: string | RegExp): void => {
  expect(f).toThrow(HopgradError);
  expect(f).toThrow(msg);
};

/** A module with its own parameter, a buffer, and two children (one nested). */
class Block extends nn.Module {
  declare scale: Tensor;
  declare count: Tensor;
  declare inner: nn.Linear;
  declare head: nn.Sequential;
  constructor(g: Generator) {
    super();
    this.registerParameter('scale', tensor([2]));
    this.registerBuffer('count', tensor([0], { dtype: 'int32' }));
    this.registerModule('inner', new nn.Linear(3, 4, { generator: g }));
    this.registerModule('head', new nn.Sequential(new nn.ReLU(), new nn.Linear(4, 2, { generator: g }), new nn.Dropout(0.5)));
  }
  forward(x: Tensor): Tensor {
    return this.head.forward(mul(this.inner.forward(x), this.scale));
  }
}

describe('Module tree', () => {
  it('names parameters with dots, own before children, in registration order', () => {
    const m = new Block(new Generator(1));
    expect(m.namedParameters().map(([n]) => n)).toEqual(['scale', 'inner.weight', 'inner.bias', 'head.1.weight', 'head.1.bias']);
    expect(m.parameters()).toEqual(m.namedParameters().map(([, t]) => t));
    expect(m.namedParameters('', { recurse: false }).map(([n]) => n)).toEqual(['scale']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['count']);
    expect(m.children()).toEqual([m.inner, m.head]);
    expect(m.namedModules().map(([n]) => n)).toEqual(['', 'inner', 'head', 'head.0', 'head.1', 'head.2']);
    expect(m.modules()[0]).toBe(m);
    expect(m.numParameters()).toBe(1 + 12 + 4 + 8 + 2);
    expect(Object.keys(m.stateDict())).toEqual(['scale', 'count', 'inner.weight', 'inner.bias', 'head.1.weight', 'head.1.bias']);
  });

  it('marks parameters as leaves that require grad; accessors follow the registry', () => {
    const lin = new nn.Linear(2, 3);
    expect(lin.weight.requiresGrad && lin.weight.isLeaf).toBe(true);
    expect(lin.getParameter('weight')).toBe(lin.weight);
    const w = zeros([3, 2]);
    lin.weight = w;
    expect(lin.getParameter('weight')).toBe(w);
    expect(w.requiresGrad).toBe(true);
    err(() => { (lin as unknown as { weight: unknown }).weight = 5; }, "Linear.weight: parameter 'weight' must be a Tensor or null, got number 5");
  });

  it('counts a shared parameter once but keeps it under every name in the state dict', () => {
    const a = new nn.Linear(2, 2);
    const seq = new nn.Sequential(a, new nn.Tanh(), a);
    expect(seq.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias']);
    expect(seq.numParameters()).toBe(6);
    expect(Object.keys(seq.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const x = randn([1, 2]);
    expectAllclose(seq.forward(x), a.forward(a.forward(x).tanh()));
  });

  it('apply visits children before parents; train/eval recurse', () => {
    const m = new Block(new Generator(0));
    const order: string[] = [];
    m.apply((mod) => order.push(mod.constructor.name));
    expect(order).toEqual(['Linear', 'ReLU', 'Linear', 'Dropout', 'Sequential', 'Block']);
    expect(m.modules().every((x) => x.training)).toBe(true);
    expect(m.eval()).toBe(m);
    expect(m.modules().every((x) => !x.training)).toBe(true);
    m.train();
    expect(m.head.at(2).training).toBe(true);
    err(() => m.train('no' as never), 'Block.train: mode must be a boolean');
  });

  it('zeroGrad drops gradients; requiresGrad_ freezes', () => {
    const m = new Block(new Generator(0));
    sum(m.forward(randn([2, 3]))).backward();
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
    m.inner.requiresGrad_(false);
    expect(m.numParameters({ trainableOnly: true })).toBe(1 + 8 + 2);
  });

  it('rejects bad registrations with the class and name', () => {
    class Bad extends nn.Module {
      forward(x: Tensor): Tensor { return x; }
    }
    const b = new Bad();
    err(() => b.registerParameter('a.b', zeros([1])), "Bad.registerParameter: name 'a.b' must not contain '.'");
    err(() => b.registerParameter('', zeros([1])), 'Bad.registerParameter: name must be a non-empty string');
    err(() => b.registerParameter('forward', zeros([1])), "'forward' is already an attribute of Bad");
    err(() => b.registerParameter('training', zeros([1])), "'training' is already an attribute of Bad");
    err(() => b.registerParameter('i', tensor([1], { dtype: 'int32' })), "parameter 'i' must have a float dtype, got int32");
    const leaf = zeros([2]).requiresGrad_();
    err(() => b.registerParameter('y', add(leaf, 1)), "parameter 'y' must be a leaf tensor");
    err(() => b.registerParameter('t', zeros([2, 3]).transpose()), "parameter 't' must be contiguous");
    b.registerBuffer('buf', zeros([1]));
    err(() => b.registerParameter('buf', zeros([1])), "Bad.registerParameter: 'buf' is already registered as a buffer");
    err(() => b.registerModule('m', 3 as never), "submodule 'm' must be a Module or null, got number 3");
    err(() => b.registerModule('self', b), "Bad.registerModule: cannot register 'self': it would make a cycle (the module contains Bad itself)");
    const outer = new nn.Sequential(new nn.Sequential(b as never));
    err(() => b.registerModule('up', outer), 'it would make a cycle');
    const p = zeros([1]);
    b.registerParameter('p', p, { requiresGrad: false });
    expect(p.requiresGrad).toBe(false);
    expect(b.numParameters({ trainableOnly: true })).toBe(0);
    b.registerParameter('p', null);
    expect(b.parameters()).toEqual([]);
  });

  it('to(dtype) converts parameters, gradients and float buffers, keeping ties and requiresGrad', () => {
    const a = new nn.Linear(2, 2, { generator: new Generator(3) });
    const seq = new nn.Sequential(a, a);
    const before = Array.from(a.weight.dataSync());
    a.weight.grad = tensor([[1, 2], [3, 4]]);
    seq.to('float64');
    expect(a.weight.dtype).toBe('float64');
    expect(a.weight.requiresGrad).toBe(true);
    expect(a.weight.grad?.dtype).toBe('float64');
    expect(Array.from(a.weight.dataSync())).toEqual(before);
    expect(seq.parameters()).toHaveLength(2);
    const x = randn([3, 2], { dtype: 'float64' });
    expect(seq.forward(x).dtype).toBe('float64');
    err(() => a.forward(randn([3, 2])), "linear: input dtype float32 does not match the weight's float64");
    err(() => seq.to('int32' as never), "Sequential.to: dtype must be 'float32' or 'float64', got int32");
  });
});

describe('state dicts', () => {
  it('round-trips into a differently initialized model (same outputs); loading is in place', () => {
    const src = new Block(new Generator(1));
    const dst = new Block(new Generator(2));
    const x = randn([4, 3], { generator: new Generator(9) });
    src.eval();
    dst.eval();
    expect(Array.from(src.forward(x).dataSync())).not.toEqual(Array.from(dst.forward(x).dataSync()));
    const w = dst.inner.weight;
    const res = dst.loadStateDict(src.stateDict());
    expect(res).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(dst.inner.weight).toBe(w); // same tensor: optimizers keep working
    expect(Array.from(dst.forward(x).dataSync())).toEqual(Array.from(src.forward(x).dataSync()));
  });

  it('returns views by default and snapshots with copy: true', () => {
    const lin = new nn.Linear(2, 1);
    const view = lin.stateDict();
    const snap = lin.stateDict({ copy: true });
    const old = lin.weight.dataSync()[0]!;
    lin.weight._storage[0] = 123;
    expect(view.weight!.dataSync()[0]).toBe(123);
    expect(snap.weight!.dataSync()[0]).toBe(old);
    expect(view.weight!.requiresGrad).toBe(false);
  });

  it('loads nothing when anything mismatches, and lists every problem', () => {
    const m = new Block(new Generator(1));
    const snapshot = m.stateDict({ copy: true });
    const before = m.parameters().map((p) => Array.from(p.dataSync()));
    const dict: Record<string, Tensor> = { ...new Block(new Generator(5)).stateDict({ copy: true }) };
    dict['inner.weight'] = zeros([3, 4]);
    delete dict['head.1.bias'];
    dict['extra'] = zeros([1]);
    dict['scale'] = zeros([1], { dtype: 'float64' });
    const f = () => m.loadStateDict(dict);
    err(f, "Block.loadStateDict: nothing was loaded: missing keys: 'head.1.bias'; unexpected keys: 'extra'; dtype mismatch for 'scale': the dict has float64, the module has float32");
    err(f, "shape mismatch for 'inner.weight': the dict has [3,4], the module has [4,3]");
    expect(m.parameters().map((p) => Array.from(p.dataSync()))).toEqual(before);
    // a single bad entry among good ones still blocks the good ones
    const one = { ...snapshot, 'head.1.weight': zeros([1]) };
    const good = new Block(new Generator(7));
    const goodBefore = Array.from(good.inner.weight.dataSync());
    err(() => good.loadStateDict(one), "shape mismatch for 'head.1.weight'");
    expect(Array.from(good.inner.weight.dataSync())).toEqual(goodBefore);
    err(() => good.loadStateDict({ ...snapshot, scale: 3 } as never), "'scale' is number, not a Tensor");
    err(() => good.loadStateDict(null as never), 'the state dict must be an object mapping names to tensors, got null');
  });

  it('with strict: false reports missing/unexpected keys and loads the rest', () => {
    const m = new nn.Linear(2, 2, { generator: new Generator(1) });
    const w = tensor([[1, 2], [3, 4]]);
    const res = m.loadStateDict({ weight: w, other: zeros([1]) }, { strict: false });
    expect(res).toEqual({ missingKeys: ['bias'], unexpectedKeys: ['other'] });
    expect(m.weight.toArray()).toEqual([[1, 2], [3, 4]]);
    err(() => m.loadStateDict({ weight: zeros([2, 3]) }, { strict: false }), "shape mismatch for 'weight'");
  });

  it('an optimizer keeps updating the parameters after a load', () => {
    const m = new nn.Linear(2, 1, { generator: new Generator(1) });
    const opt = new SGD(m.parameters(), { lr: 0.5 });
    m.loadStateDict({ weight: tensor([[1, 1]]), bias: tensor([0]) });
    sum(m.forward(tensor([[1, 2]]))).backward();
    opt.step();
    expect(m.weight.toArray()).toEqual([[0.5, 0]]);
    expect(m.bias!.toArray()).toEqual([-0.5]);
  });

  it('leaves non-persistent buffers out', () => {
    class WithCache extends nn.Module {
      constructor() {
        super();
        this.registerBuffer('kept', zeros([2]));
        this.registerBuffer('cache', zeros([2]), { persistent: false });
      }
      forward(x: Tensor): Tensor { return x; }
    }
    const m = new WithCache();
    expect(Object.keys(m.stateDict())).toEqual(['kept']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['kept', 'cache']);
  });
});

describe('functionalCall and printing', () => {
  it('runs with substituted parameters and restores them, also after an error', () => {
    const lin = new nn.Linear(2, 1, { generator: new Generator(1) });
    const w = lin.weight;
    const y = nn.functionalCall(lin, { weight: tensor([[1, 2]]), bias: tensor([10]) }, tensor([[3, 4]]));
    expect(y.toArray()).toEqual([[21]]);
    expect(lin.weight).toBe(w);
    err(() => nn.functionalCall(lin, { weight: tensor([[1, 2, 3]]) }, tensor([[3, 4]])), 'linear: input has 2 features');
    expect(lin.weight).toBe(w);
    err(() => nn.functionalCall(lin, { nope: tensor([1]) }, tensor([[3, 4]])), "functionalCall: 'nope' names no parameter or buffer");
    const seq = new nn.Sequential(lin);
    expect(nn.functionalCall(seq, { '0.bias': tensor([0]) }, tensor([[0, 0]])).toArray()).toEqual([[0]]);
    err(() => nn.functionalCall(seq, { '1.bias': tensor([0]) }, tensor([[0, 0]])), "'1.bias' names no parameter or buffer (no submodule '1')");
  });

  it('prints a PyTorch-style tree', () => {
    const m = new nn.Sequential(new nn.Linear(2, 3), new nn.Sequential(new nn.GELU(), new nn.Dropout(0.25)), new nn.LayerNorm(3));
    expect(String(m)).toBe([
      'Sequential(',
      '  (0): Linear(inFeatures=2, outFeatures=3, bias=true)',
      '  (1): Sequential(',
      "    (0): GELU(approximate='tanh')",
      '    (1): Dropout(p=0.25)',
      '  )',
      '  (2): LayerNorm([3], eps=0.00001, elementwiseAffine=true)',
      ')',
    ].join('\n'));
  });
});
