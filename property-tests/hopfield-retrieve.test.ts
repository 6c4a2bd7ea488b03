// Property tests of the Hopfield retrieval core and energies: the dense and sparsemax energies never increase
// along the iterates x ← T(x) (CCCP), association weights lie on the simplex for every kind, the window /
// top-K / random kinds reduce to dense when their support is everything, outputs are invariant under
// permuting memories with their values, and stored patterns are (near) fixed points with the stated bound.
// Honours FC_SEED (replay) and FC_RUNS (run count).
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Generator, Tensor, randn } from '../src/index.js';
import { type RetrieveOptions, retrieve, retrieveDetailed } from '../src/hopfield/retrieve.js';
import { energy } from '../src/hopfield/energy.js';
import { allcloseReport } from '../test/helpers/allclose.js';

const runs = (n: number) => ({
  numRuns: process.env.FC_RUNS ? Number(process.env.FC_RUNS) : n,
  ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}),
});
const rn = (shape: number[], seed: number, scale = 1): Tensor => {
  const t = randn(shape, { dtype: 'float64', generator: new Generator(seed) });
  const d = t._storage as Float64Array;
  for (let i = 0; i < d.length; i++) d[i]! *= scale;
  return t;
};
const rows = (t: Tensor): number[][] => {
  const c = t.shape[t.ndim - 1]!;
  const d = Array.from(t.contiguousData());
  return Array.from({ length: d.length / c }, (_, r) => d.slice(r * c, (r + 1) * c));
};

/** A random retrieval problem: L queries and M memories of dimension d, with β and a data seed. */
const problem = fc.record({
  l: fc.integer({ min: 1, max: 5 }),
  m: fc.integer({ min: 1, max: 9 }),
  d: fc.integer({ min: 1, max: 5 }),
  beta: fc.double({ min: 0.05, max: 6, noNaN: true }),
  scale: fc.double({ min: 0.2, max: 3, noNaN: true }),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
});

describe('energy descent along the iterates (CCCP)', () => {
  for (const kind of ['dense', 'sparsemax'] as const) {
    it(`${kind}: E(x_{t+1}) ≤ E(x_t) for random memories, queries and β`, () => {
      fc.assert(fc.property(problem, ({ l, m, d, beta, scale, seed }) => {
        const s = rn([m, d], seed, scale);
        const q = rn([l, d], seed + 1, scale);
        const traj = retrieveDetailed(q, s, { kind, beta, steps: 8, returnTrajectory: true }).trajectory!;
        const es = traj.map((x) => Array.from(energy(x, s, { kind, beta }).contiguousData()));
        for (let t = 1; t < es.length; t++) {
          es[t]!.forEach((e, i) => {
            const prev = es[t - 1]![i]!;
            if (!(e <= prev + 1e-12 * (1 + Math.abs(prev)))) throw new Error(`step ${t}, query ${i}: energy rose from ${prev} to ${e}`);
          });
        }
      }), runs(60));
    });
  }
});

describe('weights and reductions', () => {
  it('every kind: rows of the weights are on the simplex (paper-read top-K: sums ≤ 1), output = weights · values', () => {
    fc.assert(fc.property(problem, fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 4 }), ({ l, m, d, beta, scale, seed }, k0, w) => {
      const s = rn([2, m, d], seed, scale);
      const q = rn([2, l, d], seed + 1, scale);
      const v = rn([m, 2], seed + 2);
      const k = 1 + (k0 % m);
      const kinds: RetrieveOptions[] = [{}, { kind: 'sparsemax' }, { kind: 'entmax' }, { kind: 'topk', k }, { kind: 'topk', k, reading: 'paper' },
        { kind: 'random', k, seed }, { kind: 'window', window: w }, { kind: 'linear' }, { kind: 'prf', features: 6, seed }];
      for (const o of kinds) {
        const r = retrieveDetailed(q, s, { ...o, values: v, beta: o.kind === 'prf' ? Math.min(beta, 1) : beta, returnWeights: true });
        rows(r.weights!).forEach((row, i) => {
          const sum = row.reduce((a, b) => a + b, 0);
          const emptyWindow = o.kind === 'window' && (i % l) - w >= m;
          const ok = row.every((p) => p >= 0) && (o.reading === 'paper' ? sum <= 1 + 1e-12 : Math.abs(sum - (emptyWindow ? 0 : 1)) < 1e-9);
          if (!ok) throw new Error(`${o.kind ?? 'dense'} ${o.reading ?? ''}: row ${i} sums to ${sum}`);
        });
        const rep = allcloseReport(r.output, r.weights!.matmul(v), { rtol: 1e-9, atol: 1e-12 });
        if (rep) throw new Error(`${o.kind ?? 'dense'}: ${rep}`);
      }
    }), runs(40));
  });

  it('window with w ≥ max(L, M), top-K with K = M (both readings) and random with k = M equal dense', () => {
    fc.assert(fc.property(problem, fc.integer({ min: 0, max: 20 }), ({ l, m, d, beta, scale, seed }, extra) => {
      const s = rn([m, d], seed, scale);
      const q = rn([2, l, d], seed + 1, scale);
      const dense = retrieve(q, s, { beta });
      for (const o of [{ kind: 'window', window: Math.max(l, m) + extra }, { kind: 'topk', k: m }, { kind: 'topk', k: m, reading: 'paper' },
        { kind: 'random', k: m, seed }] as RetrieveOptions[]) {
        const rep = allcloseReport(retrieve(q, s, { ...o, beta }), dense, { rtol: 1e-12, atol: 1e-12 });
        if (rep) throw new Error(`${o.kind}: ${rep}`);
      }
    }), runs(60));
  });

  it('permuting memories together with their values leaves outputs unchanged (not window: it is positional)', () => {
    fc.assert(fc.property(problem, fc.integer({ min: 0, max: 9 }), ({ l, m, d, beta, scale, seed }, k0) => {
      const s = rn([m, d], seed, scale);
      const v = rn([m, 3], seed + 2);
      const q = rn([l, d], seed + 1, scale);
      const perm = new Tensor(new Generator(seed).permutation(m), [m]);
      const k = 1 + (k0 % m);
      const kinds: RetrieveOptions[] = [{}, { kind: 'sparsemax' }, { kind: 'entmax' }, { kind: 'linear' }, { kind: 'prf', features: 8, seed: 5 }];
      // top-K only where the K-th and (K+1)-th scores do not tie (a tie makes the kept set order-dependent)
      const sc = rows(q.matmul(s.transpose(-2, -1)));
      if (k < m && sc.every((r) => { const o = [...r].sort((a, b) => b - a); return o[k - 1]! - o[k]! > 1e-9; })) {
        kinds.push({ kind: 'topk', k }, { kind: 'topk', k, reading: 'paper' });
      }
      for (const o of kinds) {
        const b = o.kind === 'prf' ? Math.min(beta, 1) : beta;
        const a1 = retrieve(q, s.indexSelect(0, perm), { ...o, beta: b, values: v.indexSelect(0, perm) });
        const rep = allcloseReport(a1, retrieve(q, s, { ...o, beta: b, values: v }), { rtol: 1e-10, atol: 1e-12 });
        if (rep) throw new Error(`${o.kind ?? 'dense'} ${o.reading ?? ''}: ${rep}`);
      }
    }), runs(60));
  });
});

describe('fixed points', () => {
  it('stored patterns: dense within 2m(M−1)e^{−βΔ_μ}; sparsemax and top-K exact once βΔ_μ ≥ 1', () => {
    fc.assert(fc.property(problem, ({ m, d, beta, scale, seed }) => {
      const s = rn([m, d], seed, scale);
      const xi = rows(s);
      const dot = (a: number[], b: number[]): number => a.reduce((t, x, i) => t + x * b[i]!, 0);
      const big = Math.max(...xi.map((x) => Math.sqrt(dot(x, x))));
      const dense = rows(retrieve(s, s, { beta }));
      const sparse = rows(retrieve(s, s, { beta, kind: 'sparsemax' }));
      const top = rows(retrieve(s, s, { beta, kind: 'topk', k: Math.min(2, m) }));
      xi.forEach((x, mu) => {
        const delta = Math.min(...xi.filter((_, nu) => nu !== mu).map((y) => dot(x, x) - dot(x, y)));
        const err = (out: number[][]): number => Math.hypot(...x.map((c, j) => out[mu]![j]! - c));
        const bound = m === 1 ? 0 : 2 * big * (m - 1) * Math.exp(-beta * delta);
        if (!(err(dense) <= bound + 1e-12 * big)) throw new Error(`dense: ‖T(ξ_${mu}) − ξ_${mu}‖ = ${err(dense)} > ${bound}`);
        if (m === 1 || beta * delta >= 1) {
          if (!(err(sparse) <= 1e-12 * (1 + big))) throw new Error(`sparsemax: βΔ = ${beta * delta} but error ${err(sparse)}`);
        }
        if (m === 1 || beta * delta >= 40) {
          if (!(err(top) <= 1e-12 * (1 + big))) throw new Error(`topk: βΔ = ${beta * delta} but error ${err(top)}`);
        }
      });
    }), runs(80));
  });

  it('random masks are reproducible from the seed and hold k distinct memories per query', () => {
    fc.assert(fc.property(problem, fc.integer({ min: 1, max: 9 }), ({ l, m, d, seed }, k0) => {
      const k = 1 + (k0 % m);
      const s = rn([m, d], seed);
      const q = rn([3, l, d], seed + 1);
      const a = retrieveDetailed(q, s, { kind: 'random', k, seed, returnWeights: true });
      const b = retrieveDetailed(q, s, { kind: 'random', k, seed, returnWeights: true });
      expect(Array.from(a.output.dataSync())).toEqual(Array.from(b.output.dataSync()));
      for (const row of rows(a.weights!)) expect(row.filter((p) => p > 0).length).toBe(k);
    }), runs(40));
  });
});
