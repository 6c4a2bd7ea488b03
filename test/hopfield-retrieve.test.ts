// Unit tests of the functional Hopfield retrieval core (src/hopfield/retrieve.ts, association.ts, masks.ts):
// weights on the simplex and their sparsity per kind, agreement with direct O(L·M) evaluations, the K = M /
// k = M / w ≥ max(L, M) reductions to dense, float64 gradient checks of every kind, permutation invariance,
// multi-step iteration, fixed points, seeded random masks, the sub-quadratic graphs of window / random,
// key padding masks and the errors on bad input.
import { describe, it, expect } from 'vitest';
import { Generator, HopgradError, Tensor, gradcheck, manualSeed, randn, tensor } from '../src/index.js';
import { KINDS, type RetrieveKind, type RetrieveOptions, retrieve, retrieveDetailed } from '../src/hopfield/retrieve.js';
import { defaultWindow, randomIndex, resolveK, windowIndex } from '../src/hopfield/masks.js';
import { expectAllclose } from './helpers/allclose.js';
import { graphTensors } from './helpers/graph.js';

const gen = (s: number) => new Generator(s);
const rn = (shape: number[], seed: number, scale = 1): Tensor => {
  const t = randn(shape, { dtype: 'float64', generator: gen(seed) });
  const d = t._storage as Float64Array;
  for (let i = 0; i < d.length; i++) d[i]! *= scale;
  return t;
};
const rows2 = (t: Tensor): number[][] => t.toArray() as number[][];

/** Direct evaluation for one batch element: supports per query, full or renormalized softmax weights. */
function naive(q: number[][], k: number[][], v: number[][], beta: number, support: (i: number) => number[], paper = false): number[][] {
  return q.map((x, i) => {
    const s = k.map((kj) => beta * kj.reduce((a, kv, c) => a + kv * x[c]!, 0));
    const sup = support(i);
    const over = paper ? s.map((_, j) => j) : sup;
    if (sup.length === 0) return v[0]!.map(() => 0);
    const mx = Math.max(...over.map((j) => s[j]!));
    const z = over.reduce((a, j) => a + Math.exp(s[j]! - mx), 0);
    return v[0]!.map((_, c) => sup.reduce((a, j) => a + (Math.exp(s[j]! - mx) / z) * v[j]![c]!, 0));
  });
}
const all = (m: number) => (): number[] => Array.from({ length: m }, (_, j) => j);

/** Rows of the weights matrix [R, M] as arrays. */
const weightRows = (w: Tensor): number[][] => {
  const m = w.shape[w.ndim - 1]!;
  const d = Array.from(w.contiguousData());
  return Array.from({ length: d.length / m }, (_, r) => d.slice(r * m, (r + 1) * m));
};

describe('retrieve: weights and reference values per kind', () => {
  const q = rn([2, 6, 4], 1);
  const s = rn([2, 9, 4], 2);
  const opts: Record<string, RetrieveOptions> = {
    dense: {}, sparsemax: { beta: 3 }, entmax: { beta: 3 }, topk: { k: 4 }, random: { k: 4, seed: 3 }, window: { window: 2 },
    linear: {}, prf: { features: 16, seed: 4 },
  };
  for (const kind of ['dense', 'sparsemax', 'entmax', 'topk', 'random', 'window', 'linear', 'prf'] as const) {
    it(`${kind}: rows of the weights lie on the simplex and output = weights · values`, () => {
      const r = retrieveDetailed(q, s, { kind, ...opts[kind], returnWeights: true });
      expect(r.weights!.shape).toEqual([2, 6, 9]);
      for (const row of weightRows(r.weights!)) {
        expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
        for (const p of row) expect(p).toBeGreaterThanOrEqual(0);
      }
      expectAllclose(r.output, r.weights!.matmul(s), { rtol: 1e-12, atol: 1e-13 });
    });
  }

  it('sparsemax gives exact zeros; topk keeps exactly K; random exactly k; window exactly |i − j| ≤ w', () => {
    const sp = weightRows(retrieveDetailed(q, s, { kind: 'sparsemax', beta: 3, returnWeights: true }).weights!);
    expect(sp.some((row) => row.some((p) => p === 0))).toBe(true);
    const top = weightRows(retrieveDetailed(q, s, { kind: 'topk', k: 4, returnWeights: true }).weights!);
    for (const row of top) expect(row.filter((p) => p > 0).length).toBe(4);
    const rnd = weightRows(retrieveDetailed(q, s, { kind: 'random', k: 4, seed: 5, returnWeights: true }).weights!);
    for (const row of rnd) expect(row.filter((p) => p > 0).length).toBe(4);
    const win = weightRows(retrieveDetailed(q, s, { kind: 'window', window: 2, returnWeights: true }).weights!);
    win.forEach((row, r) => row.forEach((p, j) => expect(p > 0).toBe(Math.abs((r % 6) - j) <= 2)));
  });

  it('dense, topk (both readings) and window match a direct evaluation', () => {
    const [q0, k0] = [rows2(q.select(0, 1)), rows2(s.select(0, 1))];
    const beta = 0.7;
    expectAllclose(retrieve(q, s, { beta }).select(0, 1), naive(q0, k0, k0, beta, all(9)), { rtol: 1e-12, atol: 1e-14 });
    const topSet = (i: number): number[] => {
      const sc = k0.map((kj) => kj.reduce((a, kv, c) => a + kv * q0[i]![c]!, 0));
      return sc.map((v, j) => [v, j] as const).sort((a, b) => b[0] - a[0]).slice(0, 3).map(([, j]) => j);
    };
    for (const reading of ['renormalized', 'paper'] as const) {
      const out = retrieve(q, s, { kind: 'topk', k: 3, beta, reading }).select(0, 1);
      expectAllclose(out, naive(q0, k0, k0, beta, topSet, reading === 'paper'), { rtol: 1e-12, atol: 1e-14 });
    }
    for (const [l, m, w] of [[6, 9, 2], [9, 4, 1], [12, 3, 2], [5, 5, 0], [7, 20, 3]] as const) {
      const ql = rn([l, 4], 10 + l);
      const km = rn([m, 4], 20 + m);
      const vm = rn([m, 3], 30 + m);
      const win = (i: number): number[] => Array.from({ length: m }, (_, j) => j).filter((j) => Math.abs(i - j) <= w);
      const out = retrieve(ql, km, { kind: 'window', window: w, values: vm, beta });
      expectAllclose(out, naive(rows2(ql), rows2(km), rows2(vm), beta, win), { rtol: 1e-12, atol: 1e-14 });
    }
  });

  it('paper-reading top-K weights are the full softmax restricted to the mask (rows sum to ≤ 1)', () => {
    const dense = weightRows(retrieveDetailed(q, s, { returnWeights: true }).weights!);
    const paper = weightRows(retrieveDetailed(q, s, { kind: 'topk', k: 3, reading: 'paper', returnWeights: true }).weights!);
    paper.forEach((row, r) => {
      expect(row.reduce((a, b) => a + b, 0)).toBeLessThan(1);
      row.forEach((p, j) => expect(p === 0 || Math.abs(p - dense[r]![j]!) < 1e-15).toBe(true));
      expect(row.filter((p) => p > 0).length).toBe(3);
    });
  });

  it('random masks are reproducible from the seed, fixed within a call, and differ per query and batch element', () => {
    const a = retrieveDetailed(q, s, { kind: 'random', k: 3, seed: 42, returnWeights: true, steps: 3 });
    const b = retrieveDetailed(q, s, { kind: 'random', k: 3, seed: 42, returnWeights: true, steps: 3 });
    expectAllclose(a.output, b.output, { rtol: 0, atol: 0 });
    const one = Array.from(retrieve(q, s, { kind: 'random', k: 3, seed: 42 }).dataSync());
    expect(Array.from(retrieve(q, s, { kind: 'random', k: 3, seed: 43 }).dataSync())).not.toEqual(one);
    const supports = weightRows(a.weights!).map((row) => row.map((p) => (p > 0 ? 1 : 0)).join(''));
    expect(new Set(supports).size).toBeGreaterThan(6); // 12 rows (2 batch × 6 queries), C(9,3) = 84 masks
    // the support of the last step is the one drawn once: every step reads the same mask
    const first = retrieveDetailed(q, s, { kind: 'random', k: 3, seed: 42, returnWeights: true });
    expect(weightRows(first.weights!).map((row) => row.map((p) => (p > 0 ? 1 : 0)).join(''))).toEqual(supports);
    // a generator option advances; manualSeed makes the default reproducible
    const g = gen(7);
    const g1 = retrieve(q, s, { kind: 'random', k: 3, generator: g });
    expectAllclose(g1, retrieve(q, s, { kind: 'random', k: 3, seed: 7 }), { rtol: 0, atol: 0 });
    manualSeed(11);
    const d1 = retrieve(q, s, { kind: 'random', k: 3 });
    manualSeed(11);
    expectAllclose(retrieve(q, s, { kind: 'random', k: 3 }), d1, { rtol: 0, atol: 0 });
  });

  it('mask helpers: fractions round up, the default window is ⌈√L/2⌉, random rows hold distinct indices', () => {
    expect(resolveK(0.3, 10, 'w', 'topk')).toBe(3);
    expect(resolveK(0.25, 7, 'w', 'topk')).toBe(2);
    expect(resolveK(0.01, 7, 'w', 'topk')).toBe(1);
    expect(resolveK(7, 7, 'w', 'topk')).toBe(7);
    expect([1, 4, 16, 17, 100].map(defaultWindow)).toEqual([1, 1, 2, 3, 5]);
    const set = randomIndex(50, 12, 5, gen(1));
    for (let r = 0; r < 50; r++) expect(new Set(set.index.slice(r * 5, r * 5 + 5)).size).toBe(5);
    expect(Math.max(...set.index)).toBeLessThan(12);
    const w = windowIndex(4, 2, 1); // query 3 is past the memories: no valid slot
    expect(w.width).toBe(2);
    expect(Array.from(w.invalid!.slice(6, 8))).toEqual([1, 1]);
  });

  it('the default window is ⌈√L/2⌉ and a query with an empty window retrieves zeros', () => {
    const ql = rn([16, 3], 5);
    const km = rn([16, 3], 6);
    const w = weightRows(retrieveDetailed(ql, km, { kind: 'window', returnWeights: true }).weights!);
    w.forEach((row, i) => row.forEach((p, j) => expect(p > 0).toBe(Math.abs(i - j) <= 2)));
    const out = rows2(retrieve(rn([6, 3], 7), rn([2, 3], 8), { kind: 'window', window: 1 }));
    expect(out[3]).toEqual([0, 0, 0]);
    expect(out[5]).toEqual([0, 0, 0]);
    expect(out[2]!.some((v) => v !== 0)).toBe(true);
  });
});

describe('retrieve: reductions to dense', () => {
  const q = rn([2, 5, 3], 11);
  const s = rn([7, 3], 12);
  const v = rn([2, 7, 4], 13);
  const dense = retrieve(q, s, { values: v, beta: 0.9 });
  const cases: [string, RetrieveOptions][] = [
    ['window w = max(L, M)', { kind: 'window', window: 7 }], ['window w ≫ max(L, M)', { kind: 'window', window: 1000 }],
    ['topk K = M renormalized', { kind: 'topk', k: 7 }], ['topk K = M paper', { kind: 'topk', k: 7, reading: 'paper' }],
    ['random k = M', { kind: 'random', k: 7, seed: 1 }], ['topk fraction 0.999 (⌈0.999·7⌉ = 7)', { kind: 'topk', k: 0.999 }],
  ];
  for (const [name, o] of cases) {
    it(`${name} equals dense to 1e-12`, () => {
      expectAllclose(retrieve(q, s, { values: v, beta: 0.9, ...o }), dense, { rtol: 1e-12, atol: 1e-12 });
    });
  }
});

/** Smallest distance of the top-K boundary (K-th vs K+1-th score) over all rows, for kink-free gradchecks. */
function topkGap(q: Tensor, k: Tensor, kk: number): number {
  const sc = weightRows(q.matmul(k.transpose(-2, -1)));
  return Math.min(...sc.map((r) => { const s = [...r].sort((a, b) => b - a); return s[kk - 1]! - s[kk]!; }));
}
/** Smallest |z_j − τ| of sparsemax over all rows (distance to a support change). */
function sparsemaxGap(q: Tensor, k: Tensor, beta: number): number {
  const w = weightRows(retrieveDetailed(q, k, { kind: 'sparsemax', beta, returnWeights: true }).weights!);
  const z = weightRows(q.matmul(k.transpose(-2, -1))).map((r) => r.map((x) => beta * x));
  return Math.min(...w.map((row, r) => {
    const j = row.findIndex((p) => p > 0);
    const tau = z[r]![j]! - row[j]!;
    return Math.min(...z[r]!.map((x) => Math.abs(x - tau)));
  }));
}

describe('retrieve: float64 gradients of every kind (query, stored, values)', () => {
  const q = rn([2, 4, 3], 21);
  const s = rn([6, 3], 22);
  const v = rn([6, 2], 23);
  const kinds: [string, RetrieveOptions][] = [
    ['dense', {}], ['sparsemax', { kind: 'sparsemax', beta: 1.5 }], ['entmax', { kind: 'entmax', beta: 1.5 }],
    ['entmax α = 1.3', { kind: 'entmax', alpha: 1.3 }],
    ['topk renormalized', { kind: 'topk', k: 3 }], ['topk paper', { kind: 'topk', k: 3, reading: 'paper' }],
    ['random', { kind: 'random', k: 3, seed: 4 }], ['window', { kind: 'window', window: 1 }],
    ['linear', { kind: 'linear', beta: 0.7 }], ['prf', { kind: 'prf', features: 8, seed: 2 }],
  ];
  it('inputs stay away from kinks (top-K boundary ties, sparsemax support edges)', () => {
    expect(topkGap(q, s, 3)).toBeGreaterThan(1e-3);
    expect(sparsemaxGap(q, s, 1.5)).toBeGreaterThan(1e-3);
  });
  for (const [name, o] of kinds) {
    it(`${name}: hetero-association and auto-association with two steps`, () => {
      expect(gradcheck((a, b, c) => retrieve(a, b, { ...o, values: c }), [q, s, v]).ok).toBe(true);
      expect(gradcheck((a, b) => retrieve(a, b, { ...o, steps: 2 }), [q, s]).ok).toBe(true);
    });
  }
  it('β and α as tensors (per batch element) are differentiable', () => {
    const beta = tensor([[[0.8]], [[1.3]]], { dtype: 'float64' });
    for (const kind of ['dense', 'window', 'random', 'topk', 'sparsemax'] as const) {
      expect(gradcheck((a, b, bt) => retrieve(a, b, { kind, beta: bt, k: 3, seed: 1, window: 1 }), [q, s, beta]).ok).toBe(true);
    }
    const alpha = tensor([[[1.4]], [[1.7]]], { dtype: 'float64' });
    expect(gradcheck((a, al) => retrieve(a, s, { kind: 'entmax', alpha: al }), [q, alpha]).ok).toBe(true);
  });
});

describe('retrieve: permutation invariance (memories permuted with their values)', () => {
  // window is excluded: it is defined by positions |i − j| ≤ w, so permuting memories changes what each query
  // sees; random is excluded: its mask names positions drawn from the seed, not memories (with k = M it is
  // invariant, checked here with different seeds). prf uses the same seed (same Ω) on both sides.
  const q = rn([5, 4], 31);
  const s = rn([8, 4], 32);
  const v = rn([8, 3], 33);
  const perm = gen(9).permutation(8);
  const sp = s.indexSelect(0, new Tensor(perm, [8]));
  const vp = v.indexSelect(0, new Tensor(perm, [8]));
  const kinds: RetrieveOptions[] = [{}, { kind: 'sparsemax', beta: 2 }, { kind: 'entmax' }, { kind: 'topk', k: 3 }, { kind: 'topk', k: 3, reading: 'paper' }, { kind: 'random', k: 8 },
    { kind: 'linear' }, { kind: 'prf', features: 12 }];
  for (const o of kinds) {
    it(`${o.kind ?? 'dense'} ${o.reading ?? ''}`, () => {
      expectAllclose(retrieve(q, sp, { ...o, values: vp, seed: 1 }), retrieve(q, s, { ...o, values: v, seed: o.kind === 'random' ? 2 : 1 }), { rtol: 1e-12, atol: 1e-13 });
    });
  }
});

describe('retrieve: multi-step iteration and fixed points', () => {
  it('runs `steps` steps with tol 0, stops early once the change is ≤ tol, and records the trajectory', () => {
    const s = rn([5, 4], 41, 2);
    const q = rn([3, 4], 42);
    const r = retrieveDetailed(q, s, { steps: 4, beta: 2, returnTrajectory: true });
    expect(r.steps).toBe(4);
    expect(r.trajectory!.length).toBe(5);
    expect(r.trajectory![0]).toBe(q);
    expectAllclose(r.trajectory![2]!, retrieve(r.trajectory![1]!, s, { beta: 2 }), { rtol: 1e-13, atol: 1e-14 });
    expectAllclose(r.output, r.trajectory![4]!, { rtol: 0, atol: 0 });
    const long = retrieveDetailed(q, s, { steps: 200, tol: 1e-10, beta: 2 });
    expect(long.converged).toBe(true);
    expect(long.steps).toBeLessThan(200);
    expect(long.delta).toBeLessThanOrEqual(1e-10);
    const capped = retrieveDetailed(q, s, { steps: 1, tol: 1e-300, beta: 2 });
    expect(capped.converged).toBe(false);
    expect(capped.steps).toBe(1);
    // hetero-association with dv ≠ d: one step, no change defined
    const h = retrieveDetailed(q, s, { values: rn([5, 2], 43) });
    expect(h.converged).toBe(false);
    expect(Number.isNaN(h.delta)).toBe(true);
  });

  it('a stored, well-separated pattern is a fixed point (sparsemax, top-K exactly; dense within the bound)', () => {
    // orthogonal patterns of norm 3: Δ_μ = 9, m = 3
    const s = tensor([[3, 0, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0], [0, 0, 0, 3], [0, 0, -3, 0]], { dtype: 'float64' });
    const beta = 1;
    for (const kind of ['sparsemax', 'entmax'] as const) expectAllclose(retrieve(s, s, { kind, beta }), s, { rtol: 0, atol: 1e-12 });
    expectAllclose(retrieve(s, s, { kind: 'topk', k: 1, beta }), s, { rtol: 0, atol: 0 });
    const out = rows2(retrieve(s, s, { beta }));
    const bound = 2 * 3 * 4 * Math.exp(-beta * 9); // 2m(M − 1)exp(−βΔ)
    rows2(s).forEach((xi, mu) => expect(Math.hypot(...xi.map((x, c) => out[mu]![c]! - x))).toBeLessThanOrEqual(bound));
    const fp = retrieveDetailed(s, s, { kind: 'sparsemax', beta, steps: 10, tol: 1e-12 });
    expect(fp.steps).toBe(1);
    expect(fp.converged).toBe(true);
  });

  it('accepts a 1-D query, broadcasts batches and per-head β tensors', () => {
    const s = rn([3, 6, 4], 44);
    const x = rn([4], 45);
    const out = retrieve(x, s, { kind: 'window', window: 1 });
    expect(out.shape).toEqual([3, 4]);
    expectAllclose(out.select(0, 2), retrieve(x.reshape([1, 4]), s.select(0, 2), { kind: 'window', window: 1 }).reshape([4]), { rtol: 1e-13 });
    const beta = tensor([[[0.5]], [[1]], [[2]]], { dtype: 'float64' });
    const q = rn([3, 2, 4], 46);
    const b = retrieve(q, s, { beta, kind: 'random', k: 2, seed: 3 });
    const r1 = retrieve(q.select(0, 1), s.select(0, 1), { beta: 1, kind: 'random', k: 2, seed: 3 });
    expect(b.shape).toEqual([3, 2, 4]);
    expect(r1.shape).toEqual([2, 4]);
    expectAllclose(retrieve(q, s, { beta }).select(0, 2), retrieve(q.select(0, 2), s.select(0, 2), { beta: 2 }), { rtol: 1e-13 });
  });
});

describe('retrieve: window, random, linear and prf never build the L×M score matrix', () => {
  const [l, m, d] = [96, 80, 2];
  const q = rn([l, d], 51).requiresGrad_();
  const s = rn([m, d], 52).requiresGrad_();
  for (const [kind, o, width] of [['window', { window: 2 }, 5], ['random', { k: 3, seed: 1 }, 3], ['linear', {}, 2], ['prf', { features: 4 }, 4]] as const) {
    it(`${kind}: every tensor in the graph is O(L·${kind === 'window' ? 'w' : kind === 'random' ? 'k' : 'max(d, m_f)'}·d)`, () => {
      const out = retrieve(q, s, { kind, ...o });
      const sizes = graphTensors(out).map((t) => t.size);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(l * width * d);
      expect(Math.max(...sizes)).toBeLessThan(l * m);
      out.sum().backward();
      expect(q.grad!.shape).toEqual([l, d]);
      q.zeroGrad();
      s.zeroGrad();
    });
  }
  it('topk scores quadratically but aggregates only the K kept value rows', () => {
    const v = rn([m, 3], 53).requiresGrad_();
    const out = retrieve(q, s, { kind: 'topk', k: 4, values: v });
    const users = graphTensors(out).filter((t) => t._node?.inputs.includes(v));
    // the values are read only by the fused gathered kernel, over K = 4 index slots per query
    expect(users.map((t) => t._node!.op)).toEqual(['gatheredAttention']);
    expect(users[0]!.shape).toEqual([l, 3]);
    // and it equals the aggregation over the K kept weights (the unfused path, taken when weights are requested)
    const r = retrieveDetailed(q, s, { kind: 'topk', k: 4, values: v, returnWeights: true });
    weightRows(r.weights!).forEach((row) => expect(row.filter((w) => w !== 0).length).toBe(4));
    expectAllclose(out, r.output, { rtol: 1e-12, atol: 1e-14 });
    // the L×M scores exist only for the selection, outside the graph
    expect(Math.max(...graphTensors(out).map((t) => t.size))).toBeLessThan(l * m);
  });
});

describe('retrieve: key padding mask (true = pad)', () => {
  const q = rn([2, 5, 3], 61);
  const s = rn([2, 6, 3], 62);
  const mask = tensor([[0, 0, 1, 0, 1, 0], [1, 0, 0, 0, 0, 0]], { dtype: 'int32' });
  const kinds: RetrieveOptions[] = [{}, { kind: 'sparsemax' }, { kind: 'entmax' }, { kind: 'topk', k: 3 }, { kind: 'topk', k: 3, reading: 'paper' }, { kind: 'random', k: 4, seed: 2 }, { kind: 'window', window: 2 }];
  for (const o of kinds) {
    it(`${o.kind ?? 'dense'} ${o.reading ?? ''}: padded memories get weight 0, the rest behave as without them`, () => {
      const r = retrieveDetailed(q, s, { ...o, mask, returnWeights: true });
      const pads = mask.toArray() as number[][];
      weightRows(r.weights!).forEach((row, i) => {
        row.forEach((p, j) => { if (pads[Math.floor(i / 5)]![j]) expect(p).toBe(0); else expect(p).toBeGreaterThanOrEqual(0); });
        expect(row.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-12);
      });
      if (o.kind === undefined || o.kind === 'sparsemax') {
        const keep = [0, 1, 3, 5];
        const s0 = s.select(0, 0).indexSelect(0, new Tensor(Int32Array.from(keep), [4]));
        expectAllclose(r.output.select(0, 0), retrieve(q.select(0, 0), s0, o), { rtol: 1e-12, atol: 1e-14 });
      }
      expect(gradcheck((a, b) => retrieve(a, b, { ...o, mask }), [q, s]).ok).toBe(true);
    });
  }
  it('a query whose memories are all padded retrieves zeros with zero (not NaN) gradients, for every maskable kind', () => {
    const full = tensor([1, 1, 1, 1, 1, 1]);
    for (const o of kinds) {
      const [qq, ss] = [q.detach().requiresGrad_(), s.detach().requiresGrad_()];
      const out = retrieve(qq, ss, { ...o, mask: full });
      expect(Array.from(out.dataSync()).every((x) => x === 0)).toBe(true);
      out.sum().backward();
      expect(Array.from(qq.grad!.dataSync()).every((x) => x === 0)).toBe(true);
      expect(Array.from(ss.grad!.dataSync()).every((x) => x === 0)).toBe(true);
    }
  });
});

describe('retrieve: errors name the option and the value', () => {
  const q = rn([3, 4], 71);
  const s = rn([5, 4], 72);
  const bad: [string, () => unknown, RegExp][] = [
    ['beta ≤ 0', () => retrieve(q, s, { beta: 0 }), /retrieve: beta must be a finite number > 0, got 0/],
    ['beta NaN', () => retrieve(q, s, { beta: NaN }), /beta must be a finite number > 0, got NaN/],
    ['beta tensor ≤ 0', () => retrieve(q, s, { beta: tensor([[-1]]) }), /beta must be finite and > 0, got -1/],
    ['k = 0', () => retrieve(q, s, { kind: 'topk', k: 0 }), /k must be a count in 1\.\.5 .* got 0/],
    ['k > M', () => retrieve(q, s, { kind: 'random', k: 6 }), /k must be a count in 1\.\.5 .*'random', got 6/],
    ['k fractional > 1', () => retrieve(q, s, { kind: 'topk', k: 2.5 }), /got 2\.5/],
    ['k missing', () => retrieve(q, s, { kind: 'topk' }), /kind 'topk' needs k/],
    ['negative w', () => retrieve(q, s, { kind: 'window', window: -1 }), /window must be an integer w >= 0 .* got -1/],
    ['fractional w', () => retrieve(q, s, { kind: 'window', window: 1.5 }), /got 1\.5/],
    ['mismatched d', () => retrieve(q, rn([5, 3], 1)), /differ in pattern dimension d \(4 vs 3\)/],
    ['values with other M', () => retrieve(q, s, { values: rn([4, 4], 1) }), /one row per stored pattern \(M = 5\), got 4/],
    ['empty memory set', () => retrieve(q, rn([0, 4], 1)), /memory set is empty.*M = 0/],
    ['NaN in query', () => retrieve(tensor([[1, NaN, 0, 0]]), s), /query contains NaN at flat index 1/],
    ['NaN in stored', () => retrieve(q, tensor([[0, 0, 0, Infinity]])), /stored contains Infinity at flat index 3/],
    ['NaN in values', () => retrieve(q, s, { values: tensor([[NaN], [0], [0], [0], [0]]) }), /values contains NaN/],
    ['unknown kind', () => retrieve(q, s, { kind: 'bogus' as RetrieveKind }), new RegExp(`unknown kind 'bogus' \\(kinds: ${KINDS.join(', ')}\\)`)],
    ['steps < 1', () => retrieve(q, s, { steps: 0 }), /steps must be an integer >= 1, got 0/],
    ['steps with dv ≠ d', () => retrieve(q, s, { steps: 2, values: rn([5, 2], 1) }), /needs values of the query's dimension d = 4/],
    ['tol < 0', () => retrieve(q, s, { tol: -1 }), /tol must be a number >= 0, got -1/],
    ['reading', () => retrieve(q, s, { kind: 'topk', k: 2, reading: 'x' as 'paper' }), /reading must be 'renormalized' or 'paper', got 'x'/],
    ['mask shape', () => retrieve(q, s, { mask: tensor([1, 0]) }), /mask of shape \[2\] must broadcast to \[\.\.\., M\] with M = 5/],
    ['batch mismatch', () => retrieve(rn([2, 3, 4], 1), rn([3, 5, 4], 2)), /batch dimensions/],
    ['beta tensor shape', () => retrieve(q, s, { beta: tensor([1, 2, 3]) }), /beta tensor of shape \[3\] must broadcast to \[\.\.\., L, 1\]/],
    ['int32 query', () => retrieve(tensor([[1, 2, 3, 4]], { dtype: 'int32' }), s), /query must be a float tensor/],
    ['β per query row with prf', () => retrieve(q, s, { kind: 'prf', beta: tensor([[1], [2], [3]]) }), /kind 'prf' takes beta per batch element or head .* got shape \[3,1\]/],
    ['weightDropout with linear', () => retrieve(q, s, { kind: 'linear', weightDropout: { p: 0.1 } }), /weightDropout is not defined for kind 'linear'/],
    ['weightDropout.p > 1', () => retrieve(q, s, { weightDropout: { p: 1.5 } }), /weightDropout\.p must be a probability in \[0, 1\], got 1\.5/],
    ['detailed options', () => retrieve(q, s, { returnWeights: true } as RetrieveOptions), /options of retrieveDetailed/],
  ];
  for (const [name, f, re] of bad) {
    it(name, () => {
      expect(f).toThrow(HopgradError);
      expect(f).toThrow(re);
    });
  }
});

describe('retrieve: float32', () => {
  it('every kind keeps float32 and agrees with float64 to float32 precision', () => {
    const q = rn([2, 4, 3], 91);
    const s = rn([6, 3], 92);
    const f32 = (t: Tensor): Tensor => tensor(Float32Array.from(t.contiguousData()), { shape: [...t.shape] });
    for (const kind of KINDS) {
      const o: RetrieveOptions = { kind, k: 3, seed: 1, window: 1, features: 8, steps: 2 };
      const r = retrieveDetailed(f32(q), f32(s), { ...o, returnWeights: true });
      expect([r.output.dtype, r.weights!.dtype]).toEqual(['float32', 'float32']);
      expectAllclose(r.output, retrieve(q, s, o), { rtol: 1e-4, atol: 1e-5 });
    }
  });
});

describe('retrieve: the kernel kinds (linear, prf) from feature-maps.ts', () => {
  it('linear equals a direct O(L·M) evaluation of (C.2) with φ = elu + 1 applied to √β·x', () => {
    const q = rn([4, 3], 81);
    const s = rn([6, 3], 82);
    const v = rn([6, 2], 83);
    const phi = (u: number[], b: number): number[] => u.map((x) => (x * Math.sqrt(b) > 0 ? x * Math.sqrt(b) + 1 : Math.exp(x * Math.sqrt(b))));
    for (const beta of [1, 0.4]) {
      const want = rows2(q).map((x) => {
        const kx = rows2(s).map((k) => phi(x, beta).reduce((a, f, c) => a + f * phi(k, beta)[c]!, 0));
        const z = kx.reduce((a, b) => a + b, 0);
        return rows2(v)[0]!.map((_, c) => kx.reduce((a, w, j) => a + (w / z) * rows2(v)[j]![c]!, 0));
      });
      expectAllclose(retrieve(q, s, { kind: 'linear', values: v, beta }), want, { rtol: 1e-12, atol: 1e-14 });
    }
  });
  it('prf approaches dense as m_f grows, reproducibly from the seed', () => {
    const q = rn([5, 4], 84, 0.5);
    const s = rn([7, 4], 85, 0.5);
    const dense = retrieve(q, s, { beta: 1 });
    const err = (features: number): number => {
      const d = Array.from(retrieve(q, s, { kind: 'prf', beta: 1, features, seed: 1 }).sub(dense).dataSync());
      return Math.max(...d.map(Math.abs));
    };
    expect(err(8192)).toBeLessThan(err(8));
    expect(err(8192)).toBeLessThan(0.05);
    expectAllclose(retrieve(q, s, { kind: 'prf', features: 8, seed: 3 }), retrieve(q, s, { kind: 'prf', features: 8, seed: 3 }), { rtol: 0, atol: 0 });
  });
});
