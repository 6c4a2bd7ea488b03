// tidy / keep / dispose: released tensors throw, results and their autograd graphs survive, views, nesting,
// parameters / grads / optimizer state survive, in-place gradient accumulation, and a training loop inside tidy
// gives bit-identical losses to one without while reusing its memory.
import { describe, expect, it, beforeEach } from 'vitest';
import fc from 'fast-check';
import {
  Tensor, HopgradError, Generator, tensor, zeros, randn, tidy, keep, dispose, isTidying, poolStats, resetPoolStats,
  clearPool, layerNorm, softmax, variance, nn, optim, hopfield,
} from '../src/index.js';

const seed = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {};
const RELEASED = 'tensor was released at the end of tidy(); return it from the tidy function or keep() it';

beforeEach(() => {
  clearPool();
  resetPoolStats();
});

describe('released tensors', () => {
  it('a tensor created in tidy and not returned throws on any later use, with the message', () => {
    let inner: Tensor | undefined;
    tidy(() => {
      inner = tensor([1, 2, 3]).mul(2);
    });
    expect(inner!.isDisposed).toBe(true);
    expect(() => inner!.toArray()).toThrow(HopgradError);
    expect(() => inner!.toArray()).toThrow(RELEASED);
    expect(() => inner!.add(1)).toThrow(RELEASED);
    expect(() => inner!.dataSync()).toThrow(/tensor \[3\] float32: tensor was released/);
    expect(inner!.shape).toEqual([3]);
  });

  it('dispose() throws a different message; dispose takes containers', () => {
    const a = tensor([1]);
    const b = tensor([2]);
    dispose({ list: [a], map: new Map([['b', b]]) });
    expect(() => a.item()).toThrow(/tensor \[1\] float32: tensor was disposed \(dispose\(\) was called on it\)/);
    expect(() => b.item()).toThrow(HopgradError);
    expect(() => dispose(3)).toThrow(/dispose: expected a Tensor or a container of tensors, got number/);
    expect(() => keep(null)).toThrow(/keep: expected a Tensor or a container of tensors, got null/);
  });

  it('tidy validates fn and rejects async functions', () => {
    expect(() => tidy(42 as unknown as () => void)).toThrow(/tidy: fn must be a function, got number/);
    expect(() => tidy(async () => tensor([1]))).toThrow(/tidy: fn returned a Promise/);
    expect(isTidying()).toBe(false);
  });

  it('when fn throws nothing is released and the scope closes', () => {
    let t: Tensor | undefined;
    expect(() => tidy(() => {
      t = tensor([4, 5]).add(1);
      throw new Error('boom');
    })).toThrow('boom');
    expect(isTidying()).toBe(false);
    expect(t!.toArray()).toEqual([5, 6]);
  });
});

describe('what survives', () => {
  it('returned tensors in arrays, objects, Maps and Sets survive; others are released', () => {
    let dropped: Tensor | undefined;
    const out = tidy(() => {
      const x = tensor([1, 2]);
      dropped = x.add(10);
      return { a: [x.mul(2)], m: new Map([['k', x.mul(3)]]), s: new Set([x.mul(4)]), n: 7 };
    });
    expect(out.a[0]!.toArray()).toEqual([2, 4]);
    expect(out.m.get('k')!.toArray()).toEqual([3, 6]);
    expect([...out.s][0]!.toArray()).toEqual([4, 8]);
    expect(out.n).toBe(7);
    expect(dropped!.isDisposed).toBe(true);
  });

  it('backward after tidy works: the graph keeps inputs and saved values (layerNorm, variance, softmax)', () => {
    const w = randn([4, 6], { dtype: 'float64', generator: new Generator(3) }).requiresGrad_();
    const run = (): Tensor => {
      const h = layerNorm(w.mul(2), 6);
      return softmax(h.add(variance(w, 1, { keepDims: true })), -1).square().sum();
    };
    run().backward();
    const expected = w.grad!.toArray();
    w.grad = null;
    const loss = tidy(() => run());
    loss.backward();
    expect(w.grad!.toArray()).toEqual(expected);
  });

  it('views share storage: a returned view keeps the storage of a released base alive and intact', () => {
    const v = tidy(() => {
      const base = tensor([[1, 2, 3], [4, 5, 6]]).add(0);
      return base.transpose(0, 1);
    });
    tidy(() => { for (let i = 0; i < 5; i++) tensor([[9, 9, 9], [9, 9, 9]]).add(1); });
    expect(v.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
  });

  it('a view of a tensor created outside tidy never releases the outer storage', () => {
    const x = tensor([1, 2, 3, 4]).add(0);
    tidy(() => {
      x.reshape([2, 2]).sum();
      x.detach();
    });
    tidy(() => { tensor([7, 7, 7, 7]).add(1); });
    expect(x.toArray()).toEqual([1, 2, 3, 4]);
  });

  it('kept tensors survive every scope until disposed', () => {
    let k: Tensor | undefined;
    tidy(() => tidy(() => {
      k = keep(tensor([3]).mul(3));
    }));
    expect(k!.item()).toBe(9);
    k!.dispose();
    expect(() => k!.item()).toThrow(/disposed/);
  });

  it('nested tidy: the inner result belongs to the outer scope and is released there unless returned', () => {
    let innerResult: Tensor | undefined;
    const outer = tidy(() => {
      innerResult = tidy(() => tensor([1, 2]).add(1));
      expect(innerResult.toArray()).toEqual([2, 3]);
      return innerResult.mul(2);
    });
    expect(outer.toArray()).toEqual([4, 6]);
    expect(innerResult!.isDisposed).toBe(true);
    const both = tidy(() => tidy(() => tensor([5]).neg()));
    expect(both.item()).toBe(-5);
  });

  it('raw typed arrays returned from tidy and dataSync copies are never reused', () => {
    const { raw, copy } = tidy(() => {
      const t = tensor([[1, 2], [3, 4]]).add(0);
      return { raw: t.contiguousData(), copy: t.transpose(0, 1).dataSync() };
    });
    tidy(() => { for (let i = 0; i < 4; i++) tensor([8, 8, 8, 8]).add(1); });
    expect(Array.from(raw)).toEqual([1, 2, 3, 4]);
    expect(Array.from(copy)).toEqual([1, 3, 2, 4]);
  });
});

describe('training state', () => {
  it('parameters, their grads and optimizer state created or assigned inside tidy survive', () => {
    const { model, opt } = tidy(() => {
      const m = new nn.Linear(3, 2, { generator: new Generator(1) });
      return { model: m, opt: new optim.AdamW(m.parameters()) };
    });
    const x = tensor([[1, 2, 3]]);
    tidy(() => {
      model.forward(x).square().sum().backward();
      opt.step();
    });
    for (const p of model.parameters()) {
      expect(p.isDisposed).toBe(false);
      expect(p.grad!.isDisposed).toBe(false);
      expect(opt.state.get(p)!.buffers.exp_avg!.length).toBe(p.size);
    }
    expect(model.forward(x).shape).toEqual([1, 2]);
  });

  it('a leaf that requires grad made inside tidy is never released', () => {
    const p = tidy(() => {
      const q = zeros([2]).requiresGrad_();
      q.add(1);
      return 0;
    });
    expect(p).toBe(0);
  });

  it('backward accumulates into an existing tape-made grad in place; a user-set grad is not written', () => {
    const w = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    w.mul(3).sum().backward();
    const g = w.grad!;
    w.mul(w).sum().backward();
    expect(w.grad).toBe(g);
    expect(g.toArray()).toEqual([5, 7]);
    const mine = tensor([1, 1], { dtype: 'float64' });
    w.grad = mine;
    w.sum().backward();
    expect(mine.toArray()).toEqual([1, 1]);
    expect(w.grad!.toArray()).toEqual([2, 2]);
  });

  it('zeroGrad({ setToNone: false }) zero-fills in place; the default still sets to null; bad options throw', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 0.1 });
    w.mul(2).sum().backward();
    const g = w.grad!;
    opt.zeroGrad({ setToNone: false });
    expect(w.grad).toBe(g);
    expect(g.toArray()).toEqual([0, 0]);
    opt.zeroGrad();
    expect(w.grad).toBeNull();
    expect(() => opt.zeroGrad({ setToNone: 1 as unknown as boolean })).toThrow(/SGD\.zeroGrad: setToNone must be a boolean, got 1/);
  });
});

/** A small MLP trained with AdamW for `steps` steps; losses read back each step. */
function train(steps: number, useTidy: boolean, setToNone: boolean): { losses: number[]; missesAfterWarmup: number } {
  const g = new Generator(7);
  const model = new nn.Sequential(new nn.Linear(8, 16, { generator: g }), new nn.LayerNorm(16), new nn.ReLU(), new nn.Linear(16, 1, { generator: g }));
  const opt = new optim.AdamW(model.parameters(), { lr: 1e-2 });
  const x = randn([12, 8], { generator: g });
  const y = randn([12, 1], { generator: g });
  const losses: number[] = [];
  let missesAfterWarmup = 0;
  const step = (): number => {
    opt.zeroGrad({ setToNone });
    const loss = nn.mseLoss(model.forward(x) as Tensor, y);
    loss.backward();
    opt.step();
    return loss.item();
  };
  for (let i = 0; i < steps; i++) {
    if (i === 2) resetPoolStats();
    losses.push(useTidy ? tidy(step) : step());
  }
  missesAfterWarmup = poolStats().misses;
  return { losses, missesAfterWarmup };
}

describe('training loop inside tidy', () => {
  it('gives bit-identical losses to the loop without tidy, and allocates nothing fresh once warm', () => {
    const plain = train(12, false, true);
    const tidied = train(12, true, false);
    expect(tidied.losses).toEqual(plain.losses);
    expect(tidied.losses[11]).toBeLessThan(tidied.losses[0]!);
    expect(tidied.missesAfterWarmup).toBe(0);
    expect(poolStats().hits).toBeGreaterThan(0);
  });

  it('a small W4-like model (hopfield.retrieve over bags, layerNorm, BCE) trains identically inside tidy with no fresh allocations', () => {
    const run = (useTidy: boolean): { losses: number[]; misses: number } => {
      const g = new Generator(11);
      const p = [randn([6, 8], { generator: g }), randn([1, 8], { generator: g }), randn([8, 8], { generator: g }), randn([8, 1], { generator: g })]
        .map((t) => t.mul(0.3).detach().requiresGrad_());
      const [wEmb, query, wk, wCls] = p as [Tensor, Tensor, Tensor, Tensor];
      const x = randn([3, 5, 6], { generator: g });
      const y = tensor([[0], [1], [0]]);
      const opt = new optim.AdamW(p, { lr: 1e-2 });
      const step = (): number => {
        opt.zeroGrad({ setToNone: !useTidy });
        const h = layerNorm(x.reshape([15, 6]).matmul(wEmb).relu(), 8).reshape([3, 5, 8]);
        const z = hopfield.retrieve(query.reshape([1, 1, 8]), h.matmul(wk), { values: h, beta: 0.5 }).reshape([3, 8]);
        const loss = nn.bceWithLogits(z.matmul(wCls), y);
        loss.backward();
        opt.step();
        return loss.item();
      };
      const losses: number[] = [];
      for (let i = 0; i < 8; i++) {
        if (i === 2) resetPoolStats();
        losses.push(useTidy ? tidy(step) : step());
      }
      return { losses, misses: poolStats().misses };
    };
    const plain = run(false);
    const tidied = run(true);
    expect(tidied.losses).toEqual(plain.losses);
    expect(tidied.misses).toBe(0);
  });

  it('property: random elementwise / matmul chains give the same values inside tidy (on reused memory) as outside', () => {
    const ops = ['exp', 'tanh', 'relu', 'square', 'sigmoid', 'matmulT', 'sumRows', 'transpose', 'scaleAdd'] as const;
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.constantFrom(...ops), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 0, max: 1000 }),
      (r, c, chain, s) => {
        const x = randn([r, c], { dtype: 'float64', generator: new Generator(s) }).mul(0.5);
        const run = (): number[] => {
          let t = x;
          for (const op of chain) {
            if (op === 'matmulT') t = t.matmul(t.transpose(0, 1)).matmul(t).mul(0.1);
            else if (op === 'sumRows') t = t.sub(t.sum(1, { keepDims: true }));
            else if (op === 'scaleAdd') t = t.add(t.mul(0.5));
            else if (op === 'transpose') t = t.transpose(0, 1).abs();
            else t = t[op]();
          }
          return Array.from(t.dataSync());
        };
        const outside = run();
        tidy(run);
        const inside1 = tidy(run);
        const inside2 = tidy(run);
        expect(inside1).toEqual(outside);
        expect(inside2).toEqual(outside);
      },
    ), { numRuns: 60, ...seed });
  });
});
