// Unit and property tests of the buffer pool behind `allocate`: reuse after tidy()/dispose(), the zero-fill
// contract (allocate zeroed, allocateUninit not), only arrays allocate made are pooled, LRU byte cap, stats.
import { describe, expect, it, beforeEach } from 'vitest';
import fc from 'fast-check';
import { Tensor, HopgradError, tensor, zeros, tidy, dispose, poolStats, resetPoolStats, clearPool, configurePool } from '../src/index.js';
import { allocate, allocateUninit, allocateCopy } from '../src/tensor/dtype.js';

const seed = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {};
const DEFAULT_CAP = configurePool().maxBytes;

beforeEach(() => {
  configurePool({ maxBytes: DEFAULT_CAP });
  clearPool();
  resetPoolStats();
});

describe('pool reuse', () => {
  it('an array released by dispose() is handed out again by allocate, and the stats count hit and miss', () => {
    const t = zeros([64]);
    const storage = t._storage;
    expect(poolStats().misses).toBe(1);
    t.dispose();
    expect(poolStats()).toMatchObject({ releases: 1, arraysPooled: 1, bytesPooled: 256, highWaterBytes: 256 });
    const again = allocate('float32', 64);
    expect(again).toBe(storage);
    expect(poolStats()).toMatchObject({ hits: 1, misses: 1, arraysPooled: 0, bytesPooled: 0 });
  });

  it('reuses only an array of the same dtype and length', () => {
    const t = zeros([8]);
    const s = t._storage;
    t.dispose();
    expect(allocate('float64', 8)).not.toBe(s);
    expect(allocate('float32', 9)).not.toBe(s);
    expect(allocate('int32', 8)).not.toBe(s);
    expect(allocate('float32', 8)).toBe(s);
  });

  it('tidy() gives its temporaries back, so the second identical step allocates nothing fresh', () => {
    const a = tensor([[1, 2], [3, 4]]);
    const step = (): number => tidy(() => a.matmul(a).add(1).exp().sum().item());
    const first = step();
    resetPoolStats();
    const second = step();
    expect(second).toBe(first);
    const s = poolStats();
    expect(s.misses).toBe(0);
    expect(s.hits).toBeGreaterThanOrEqual(4);
  });

  it('a user typed array wrapped by a tensor is never pooled', () => {
    const mine = new Float32Array([1, 2, 3]);
    const t = new Tensor(mine, [3]);
    t.dispose();
    expect(poolStats().releases).toBe(0);
    expect(allocate('float32', 3)).not.toBe(mine);
    expect(Array.from(mine)).toEqual([1, 2, 3]);
  });

  it('a storage goes back only when its last live view is disposed', () => {
    const t = zeros([2, 3]);
    const v = t.transpose(0, 1);
    t.dispose();
    expect(poolStats().releases).toBe(0);
    expect(v.toArray()).toEqual([[0, 0], [0, 0], [0, 0]]);
    v.dispose();
    expect(poolStats().releases).toBe(1);
  });

  it('disposing twice releases once (an array is never handed to two owners)', () => {
    const t = zeros([5]);
    t.dispose();
    t.dispose();
    dispose([t, { t }]);
    expect(poolStats().releases).toBe(1);
    const a = allocate('float32', 5);
    const b = allocate('float32', 5);
    expect(a).not.toBe(b);
  });
});

describe('zero-fill contract', () => {
  it('allocate returns zeros even when it reuses a dirty array; allocateUninit keeps old contents', () => {
    const t = tensor([1, 2, 3, 4]);
    const s = t._storage;
    t.dispose();
    const z = allocate('float32', 4);
    expect(z).toBe(s);
    expect(Array.from(z)).toEqual([0, 0, 0, 0]);
    z.set([5, 6, 7, 8]);
    new Tensor(z, [4]).dispose();
    const u = allocateUninit('float32', 4);
    expect(u).toBe(s);
    expect(Array.from(u)).toEqual([5, 6, 7, 8]);
  });

  it('allocateCopy copies every element into a pooled array', () => {
    tensor([9, 9, 9]).dispose();
    const c = allocateCopy(new Float32Array([1, 2, 3]));
    expect(Array.from(c)).toEqual([1, 2, 3]);
    expect(poolStats().hits).toBe(1);
  });

  it('property: ops on reused dirty memory give the same values as on fresh memory', () => {
    fc.assert(fc.property(
      fc.array(fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 24 }),
      (xs) => {
        clearPool();
        const x = tensor(xs, { dtype: 'float64' });
        const run = (): number[] => Array.from(zeros([xs.length], { dtype: 'float64' }).add(x).mul(x).relu().cumsum(0).dataSync());
        const fresh = run();
        // dirty the pool with arrays of every length the ops use, then run again on reused memory
        tidy(() => { for (let i = 0; i < 6; i++) tensor(xs.map(() => 1e30), { dtype: 'float64' }).exp(); });
        const reused = tidy(() => run());
        expect(reused).toEqual(fresh);
      },
    ), { numRuns: 40, ...seed });
  });
});

describe('byte cap and stats', () => {
  it('evicts the least recently released arrays beyond maxBytes', () => {
    configurePool({ maxBytes: 3 * 400 });
    const ts = [0, 1, 2, 3].map(() => zeros([100]));
    const first = ts[0]!._storage;
    const last = ts[3]!._storage;
    ts.forEach((t) => t.dispose());
    const s = poolStats();
    expect(s.bytesPooled).toBe(1200);
    expect(s.evictions).toBe(1);
    expect(s.highWaterBytes).toBe(1200);
    const got = [allocate('float32', 100), allocate('float32', 100), allocate('float32', 100)];
    expect(got).toContain(last);
    expect(got).not.toContain(first);
  });

  it('maxBytes 0 turns reuse off; shrinking the cap evicts at once', () => {
    zeros([10]).dispose();
    expect(poolStats().arraysPooled).toBe(1);
    configurePool({ maxBytes: 0 });
    expect(poolStats().arraysPooled).toBe(0);
    zeros([10]).dispose();
    expect(poolStats().arraysPooled).toBe(0);
  });

  it('configurePool rejects bad options with a message naming them', () => {
    expect(() => configurePool({ maxBytes: -1 })).toThrow(HopgradError);
    expect(() => configurePool({ maxBytes: -1 })).toThrow(/configurePool: maxBytes must be a finite number >= 0, got -1/);
    expect(() => configurePool({ maxBytes: Number.NaN })).toThrow(/maxBytes/);
    expect(() => configurePool(null as unknown as { maxBytes: number })).toThrow(/configurePool: options must be an object/);
  });

  it('clearPool empties the free lists', () => {
    zeros([3]).dispose();
    clearPool();
    expect(poolStats()).toMatchObject({ arraysPooled: 0, bytesPooled: 0 });
    expect(allocate('float32', 3).length).toBe(3);
    expect(poolStats().hits).toBe(0);
  });
});

describe('reservation for tidy scopes', () => {
  it('arrays released by tidy are reused only inside tidy; dispose() outside tidy feeds everyone', () => {
    // an allocation outside tidy usually lives until GC: handing it a tidy-released array would only move the
    // fresh allocation into the next tidy step (measured: a plain step between tidied ones drained the pool)
    let s: unknown;
    tidy(() => { s = zeros([77])._storage; return 0; });
    expect(allocate('float32', 77)).not.toBe(s);
    tidy(() => { s = zeros([78])._storage; return 0; });
    expect(tidy(() => allocate('float32', 78) === s)).toBe(true);
    const t = zeros([79]);
    s = t._storage;
    t.dispose();
    expect(allocate('float32', 79)).toBe(s);
  });
});
