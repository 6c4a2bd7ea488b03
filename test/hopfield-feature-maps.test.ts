// Unit tests of src/hopfield/feature-maps.ts: the linear association against a plain O(L·M) evaluation of
// (C.2), the positive-random-feature association against dense softmax attention as m_f grows (stated,
// measured bounds), Ω (orthogonal blocks, seeding, redraw), the variance reduction of orthogonal blocks,
// overflow-free stabilization, gradients, cost (no L×M kernel output) and bad input.
import { describe, expect, it } from 'vitest';
import {
  Generator, HopgradError, Tensor, gradcheck, matmul, mean, mul, registerBackend, softmax, transpose, withBackend,
  backendKernels,
} from '../src/index.js';
import type { Backend } from '../src/index.js';
import {
  RandomFeatures, defaultFeatures, drawOmega, kernelFeatures, linearAssociation, positiveRandomFeatures, prfAssociation,
} from '../src/hopfield/feature-maps.js';

/** A float64 tensor of N(0, scale²) entries from a seeded stream. */
function gauss(g: Generator, shape: number[], scale = 1): Tensor {
  const a = new Float64Array(shape.reduce((p, x) => p * x, 1));
  g.fillNormal(a, scale);
  return new Tensor(a, shape);
}

/** Entries of N(0, scale²) pushed at least 0.05 away from 0 (elu's second derivative jumps there). */
function gaussAway(g: Generator, shape: number[], scale = 1): Tensor {
  const t = gauss(g, shape, scale);
  const d = t._storage as Float64Array;
  for (let i = 0; i < d.length; i++) if (Math.abs(d[i]!) < 0.05) d[i] = d[i]! >= 0 ? 0.05 : -0.05;
  return t;
}

const rows = (t: Tensor): number[][] => t.toArray() as number[][];
const phi = (x: number): number => (x > 0 ? x + 1 : Math.exp(x)); // elu(x) + 1

/** (C.2) written plainly: T(x) = Σ_μ ⟨φ(x), φ(ξ_μ)⟩ v_μ / Σ_ν ⟨φ(x), φ(ξ_ν)⟩, φ applied to √β·x. */
function linearDirect(q: number[][], k: number[][], v: number[][], beta: number): number[][] {
  const s = Math.sqrt(beta);
  return q.map((x) => {
    const fx = x.map((e) => phi(s * e));
    const w = k.map((xi) => xi.reduce((acc, e, i) => acc + fx[i]! * phi(s * e), 0));
    const tot = w.reduce((a, b) => a + b, 0);
    return v[0]!.map((_, j) => w.reduce((acc, wm, m) => acc + wm * v[m]![j]!, 0) / tot);
  });
}

/** Dense softmax attention softmax(β q kᵀ) v. */
const dense = (q: Tensor, k: Tensor, v: Tensor, beta: number): Tensor => matmul(softmax(mul(matmul(q, transpose(k)), beta), -1), v);

function maxAbsDiff(a: number[] | ArrayLike<number>, b: number[] | ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
const meanAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
};

describe('linearAssociation', () => {
  it('a hand-checked value: φ(0) = 1, φ(1) = 2 give (1·1 + 2·3)/(1 + 2) = 7/3', () => {
    const out = linearAssociation(
      new Tensor(Float64Array.of(0), [1, 1]), new Tensor(Float64Array.of(0, 1), [2, 1]), new Tensor(Float64Array.of(1, 3), [2, 1]), { beta: 1 },
    );
    expect(out.shape).toEqual([1, 1]);
    expect(Math.abs(out.item() - 7 / 3)).toBeLessThan(1e-15);
  });

  it('equals a direct O(L·M) evaluation of (C.2) to 1e-12, for several β', () => {
    const g = new Generator(3);
    const q = gauss(g, [7, 5]);
    const k = gauss(g, [11, 5]);
    const v = gauss(g, [11, 3]);
    for (const beta of [1, 0.3, 2.5]) {
      const out = linearAssociation(q, k, v, { beta });
      expect(out.shape).toEqual([7, 3]);
      expect(maxAbsDiff(out.dataSync(), linearDirect(rows(q), rows(k), rows(v), beta).flat())).toBeLessThan(1e-12);
    }
  });

  it('β enters as φ(√β·x): linear(q, k, v; β) = linear(√β q, √β k, v; 1)', () => {
    const g = new Generator(4);
    const [q, k, v] = [gauss(g, [4, 3]), gauss(g, [6, 3]), gauss(g, [6, 2])];
    const a = linearAssociation(q, k, v, { beta: 0.49 }).dataSync();
    const b = linearAssociation(mul(q, 0.7), mul(k, 0.7), v, { beta: 1 }).dataSync();
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-14);
  });

  it('broadcasts batch dimensions: query [2, L, d] against shared keys [M, d] and batched ones [2, M, d]', () => {
    const g = new Generator(5);
    const q = gauss(g, [2, 3, 4]);
    const k = gauss(g, [5, 4]);
    const v = gauss(g, [5, 2]);
    const out = linearAssociation(q, k, v, { beta: 0.8 });
    expect(out.shape).toEqual([2, 3, 2]);
    const qa = q.toArray() as number[][][];
    const want = qa.flatMap((qb) => linearDirect(qb, rows(k), rows(v), 0.8).flat());
    expect(maxAbsDiff(out.dataSync(), want)).toBeLessThan(1e-12);
    const kb = gauss(g, [2, 5, 4]);
    const vb = gauss(g, [2, 5, 2]);
    const outB = linearAssociation(q, kb, vb, { beta: 0.8 });
    const ka = kb.toArray() as number[][][];
    const va = vb.toArray() as number[][][];
    const wantB = qa.flatMap((qb, i) => linearDirect(qb, ka[i]!, va[i]!, 0.8).flat());
    expect(maxAbsDiff(outB.dataSync(), wantB)).toBeLessThan(1e-12);
  });

  it('float32 inputs give float32 output close to float64 (linear and prf)', () => {
    const g = new Generator(6);
    const [q, k, v] = [gauss(g, [4, 3]), gauss(g, [6, 3]), gauss(g, [6, 2])];
    const f32 = (t: Tensor) => new Tensor(Float32Array.from(t.dataSync()), t.shape);
    const out = linearAssociation(f32(q), f32(k), f32(v), { beta: 1 });
    expect(out.dtype).toBe('float32');
    expect(maxAbsDiff(out.dataSync(), linearAssociation(q, k, v, { beta: 1 }).dataSync())).toBeLessThan(1e-5);
    const p32 = prfAssociation(f32(q), f32(k), f32(v), { beta: 1, features: 16 });
    expect(p32.dtype).toBe('float32');
    expect(maxAbsDiff(p32.dataSync(), prfAssociation(q, k, v, { beta: 1, features: 16 }).dataSync())).toBeLessThan(1e-5);
  });

  it('float64 gradients w.r.t. query, keys and values', () => {
    const g = new Generator(7);
    const inputs = [gaussAway(g, [3, 4]), gaussAway(g, [5, 4]), gauss(g, [5, 2])];
    expect(gradcheck((q, k, v) => linearAssociation(q!, k!, v!, { beta: 0.7 }), inputs).ok).toBe(true);
    const batched = [gaussAway(g, [2, 3, 4]), gaussAway(g, [5, 4]), gauss(g, [2, 5, 2])];
    expect(gradcheck((q, k, v) => linearAssociation(q!, k!, v!, { beta: 1.3 }), batched).ok).toBe(true);
  });
});

describe('drawOmega / RandomFeatures', () => {
  it('default m_f = ⌈d·ln d⌉, at least 1', () => {
    expect([1, 2, 3, 16, 64].map(defaultFeatures)).toEqual([1, 2, 4, 45, 267]);
  });

  it('orthogonal blocks: rows of one d-block are mutually orthogonal, also in a partial last block', () => {
    const d = 5;
    const om = drawOmega(d, 13, { seed: 9 });
    expect(om.shape).toEqual([13, 5]);
    expect(om.dtype).toBe('float64');
    const r = rows(om);
    const dot = (a: number[], b: number[]) => a.reduce((s, e, i) => s + e * b[i]!, 0);
    for (const [start, n] of [[0, 5], [5, 5], [10, 3]] as const) {
      for (let i = start; i < start + n; i++) {
        for (let j = start; j < i; j++) expect(Math.abs(dot(r[i]!, r[j]!)) / Math.sqrt(dot(r[i]!, r[i]!) * dot(r[j]!, r[j]!))).toBeLessThan(1e-13);
      }
    }
    // rows of different blocks are not orthogonal in general
    expect(Math.abs(dot(r[0]!, r[5]!))).toBeGreaterThan(1e-6);
  });

  it('row norms are chi(d) distributed like Gaussian rows: E‖ω‖² = d (4096 rows, within 5%)', () => {
    for (const orthogonal of [true, false]) {
      const om = drawOmega(6, 4096, { seed: 1, orthogonal });
      const sq = rows(om).map((r) => r.reduce((s, e) => s + e * e, 0));
      const m = sq.reduce((a, b) => a + b, 0) / sq.length;
      expect(Math.abs(m - 6) / 6).toBeLessThan(0.05);
      // not all equal (the rows are rescaled by random norms, not normalized)
      expect(Math.max(...sq) - Math.min(...sq)).toBeGreaterThan(1);
    }
  });

  it('is reproducible from a seed, differs across seeds, and RandomFeatures redraws from its stream', () => {
    const a = drawOmega(4, 10, { seed: 5 }).dataSync();
    expect(Array.from(drawOmega(4, 10, { seed: 5 }).dataSync())).toEqual(Array.from(a));
    expect(maxAbsDiff(drawOmega(4, 10, { seed: 6 }).dataSync(), a)).toBeGreaterThan(0.1);
    const rf = new RandomFeatures(4, { features: 10, seed: 5 });
    expect(Array.from(rf.omega.dataSync())).toEqual(Array.from(a));
    const first = rf.omega;
    const next = rf.redraw();
    expect(rf.omega).toBe(next);
    expect(maxAbsDiff(next.dataSync(), first.dataSync())).toBeGreaterThan(0.1);
    // the redraw is the generator's next draw
    const g = new Generator(5);
    drawOmega(4, 10, { generator: g });
    expect(Array.from(drawOmega(4, 10, { generator: g }).dataSync())).toEqual(Array.from(next.dataSync()));
    expect(new RandomFeatures(16).features).toBe(45);
  });

  it('prfAssociation uses the seeded Ω (default seed 0, default m_f) or the given one', () => {
    const g = new Generator(8);
    const [q, k, v] = [gauss(g, [3, 4], 0.5), gauss(g, [6, 4], 0.5), gauss(g, [6, 2])];
    const viaSeed = prfAssociation(q, k, v, { beta: 1 }).dataSync();
    const viaOmega = prfAssociation(q, k, v, { beta: 1, omega: drawOmega(4, defaultFeatures(4), { seed: 0 }) }).dataSync();
    expect(Array.from(viaSeed)).toEqual(Array.from(viaOmega));
    const rf = new RandomFeatures(4, { features: 32, seed: 2 });
    expect(Array.from(rf.associate(q, k, v, { beta: 1 }).dataSync())).toEqual(Array.from(prfAssociation(q, k, v, { beta: 1, features: 32, seed: 2 }).dataSync()));
    expect(maxAbsDiff(prfAssociation(q, k, v, { beta: 1, features: 32, seed: 3 }).dataSync(), prfAssociation(q, k, v, { beta: 1, features: 32, seed: 2 }).dataSync())).toBeGreaterThan(1e-6);
  });
});

describe('prfAssociation', () => {
  it('equals its formula Σ φ(q)ᵀφ(ξ)v / Σ φ(q)ᵀφ(ξ) evaluated plainly without stabilization (1e-12)', () => {
    const g = new Generator(9);
    const [q, k, v] = [gauss(g, [5, 3], 0.6), gauss(g, [7, 3], 0.6), gauss(g, [7, 2])];
    const om = drawOmega(3, 20, { seed: 4 });
    const beta = 0.8;
    const fq = rows(positiveRandomFeatures(q, om, { beta }));
    const fk = rows(positiveRandomFeatures(k, om, { beta }));
    const va = rows(v);
    const want = fq.flatMap((fx) => {
      const w = fk.map((fxi) => fxi.reduce((s, e, i) => s + e * fx[i]!, 0));
      const tot = w.reduce((a, b) => a + b, 0);
      return va[0]!.map((_, j) => w.reduce((s, wm, m) => s + wm * va[m]![j]!, 0) / tot);
    });
    expect(maxAbsDiff(prfAssociation(q, k, v, { beta, omega: om }).dataSync(), want)).toBeLessThan(1e-12);
  });

  it('positiveRandomFeatures is an unbiased estimate of exp(β xᵀy): z-test over 1000 seeded Ω draws', () => {
    // ‖x‖², ‖y‖² ≈ 0.26 with β = 1.5, m_f = 16: one draw's relative standard deviation was measured at
    // 0.22–0.46 over 6 (x, y) draws, the 1000-draw mean's z-score at −1.1…0.9. Stated: |mean − exact| ≤ 4
    // standard errors, and the standard error under 3% of the exact value (so the test has power).
    const g = new Generator(10);
    const x = gauss(g, [1, 8], 0.18);
    const y = gauss(g, [1, 8], 0.18);
    const beta = 1.5;
    const [xa, ya] = [Array.from(x.dataSync()), Array.from(y.dataSync())];
    const exact = Math.exp(beta * xa.reduce((s, e, i) => s + e * ya[i]!, 0));
    const N = 1000;
    const ests: number[] = [];
    for (let s = 0; s < N; s++) {
      const om = drawOmega(8, 16, { seed: s });
      const fx = Array.from(positiveRandomFeatures(x, om, { beta }).dataSync());
      const fy = positiveRandomFeatures(y, om, { beta }).dataSync();
      ests.push(fx.reduce((t, e, i) => t + e * fy[i]!, 0));
    }
    const m = ests.reduce((a, b) => a + b, 0) / N;
    const se = Math.sqrt(ests.reduce((a, b) => a + (b - m) ** 2, 0) / (N - 1) / N);
    expect(se / exact).toBeLessThan(0.03);
    expect(Math.abs(m - exact)).toBeLessThanOrEqual(4 * se);
  });

  it('approaches dense softmax(β q·k) attention as m_f grows (stated bounds)', () => {
    // d = 8, L = 16, M = 32, entries N(0, 0.3²) so β q·k varies by ~±0.3–0.5 (dense differs from the uniform
    // average by a mean 0.03). Measured over 6 data draws × 5 Ω seeds: mean |prf − dense| was 0.032–0.053
    // (m_f = 16), 0.010–0.017 (256), 0.0028–0.0045 (4096), each seed ≤ 0.0073 at 4096 — the error falls
    // like m_f^{-1/2}. Stated: mean at 4096 < 0.008, every seed < 0.012, each step at least a factor 0.6
    // down, and at 4096 under a quarter of the dense-vs-uniform gap.
    const g = new Generator(1);
    const [q, k, v] = [gauss(g, [16, 8], 0.3), gauss(g, [32, 8], 0.3), gauss(g, [32, 4])];
    const ref = dense(q, k, v, 1).dataSync();
    const uniformGap = meanAbsDiff(mean(v, 0, { keepDims: true }).expand([16, 4]).dataSync(), ref);
    const meanErr: number[] = [];
    for (const features of [16, 256, 4096]) {
      const errs = [0, 1, 2, 3, 4].map((seed) => meanAbsDiff(prfAssociation(q, k, v, { beta: 1, features, seed }).dataSync(), ref));
      if (features === 4096) for (const e of errs) expect(e).toBeLessThan(0.012);
      meanErr.push(errs.reduce((a, b) => a + b, 0) / errs.length);
    }
    expect(meanErr[1]!).toBeLessThan(0.6 * meanErr[0]!);
    expect(meanErr[2]!).toBeLessThan(0.6 * meanErr[1]!);
    expect(meanErr[2]!).toBeLessThan(0.008);
    expect(meanErr[2]!).toBeLessThan(0.25 * uniformGap);
  });

  it('orthogonal blocks reduce the kernel estimator\'s mean squared error vs i.i.d. rows', () => {
    // m_f = d = 16 (one block), 30 pairs with entries N(0, 0.12²), 300 Ω draws each. Measured MSE ratios
    // orthogonal / iid over 6 data draws: 0.79–0.89 (and 0.84–0.92 at scale 0.1). Stated: < 0.95.
    const d = 16;
    const g = new Generator(2);
    const x = gauss(g, [30, d], 0.12);
    const y = gauss(g, [30, d], 0.12);
    const xa = rows(x);
    const ya = rows(y);
    const exact = xa.map((r, p) => Math.exp(r.reduce((s, e, i) => s + e * ya[p]![i]!, 0)));
    const mse = (orthogonal: boolean): number => {
      let acc = 0;
      for (let s = 0; s < 300; s++) {
        const om = drawOmega(d, d, { seed: 2000 + s, orthogonal });
        const fx = positiveRandomFeatures(x, om, { beta: 1 }).dataSync();
        const fy = positiveRandomFeatures(y, om, { beta: 1 }).dataSync();
        for (let p = 0; p < 30; p++) {
          let e = 0;
          for (let i = 0; i < d; i++) e += fx[p * d + i]! * fy[p * d + i]!;
          acc += (e - exact[p]!) ** 2;
        }
      }
      return acc / (300 * 30);
    };
    expect(mse(true) / mse(false)).toBeLessThan(0.95);
  });

  it('does not overflow for large β‖x‖² (the shifts cancel): finite, a convex combination of the values', () => {
    const g = new Generator(11);
    const [q, k, v] = [gauss(g, [4, 6], 30), gauss(g, [9, 6], 30), gauss(g, [9, 2])];
    // the unstabilized features overflow here
    const raw = positiveRandomFeatures(q, drawOmega(6, 12, { seed: 0 }), { beta: 1 }).dataSync();
    expect(raw.some((e) => !Number.isFinite(e) || e === 0)).toBe(true);
    const out = rows(prfAssociation(q, k, v, { beta: 1, features: 12 }));
    const va = rows(v);
    for (const r of out) {
      r.forEach((e, j) => {
        expect(Number.isFinite(e)).toBe(true);
        expect(e).toBeGreaterThanOrEqual(Math.min(...va.map((x) => x[j]!)) - 1e-12);
        expect(e).toBeLessThanOrEqual(Math.max(...va.map((x) => x[j]!)) + 1e-12);
      });
    }
  });

  it('float64 gradients w.r.t. query, keys and values (Ω fixed), also batched', () => {
    const g = new Generator(12);
    const om = drawOmega(4, 9, { seed: 1 });
    const inputs = [gauss(g, [3, 4], 0.7), gauss(g, [5, 4], 0.7), gauss(g, [5, 2])];
    expect(gradcheck((q, k, v) => prfAssociation(q!, k!, v!, { beta: 0.9, omega: om }), inputs).ok).toBe(true);
    const batched = [gauss(g, [2, 3, 4], 0.7), gauss(g, [2, 5, 4], 0.7), gauss(g, [5, 2])];
    expect(gradcheck((q, k, v) => prfAssociation(q!, k!, v!, { beta: 1.2, features: 6, seed: 3 }), batched).ok).toBe(true);
  });
});

describe('kernelFeatures', () => {
  it('normalized feature products are the association weights of both kinds (batched)', () => {
    const g = new Generator(15);
    const [q, k, v] = [gauss(g, [2, 3, 4], 0.8), gauss(g, [5, 4], 0.8), gauss(g, [5, 2])];
    for (const [kind, f] of [['linear', linearAssociation], ['prf', prfAssociation]] as const) {
      const opts = { beta: 0.9, features: 11, seed: 4 };
      const { query: fq, keys: fk } = kernelFeatures(kind, q, k, kind === 'linear' ? { beta: 0.9 } : opts);
      expect(fq.shape).toEqual([2, 3, kind === 'linear' ? 4 : 11]);
      const kappa = rows(matmul(fq.reshape([6, fq.shape[2]!]), transpose(fk)));
      const w = kappa.map((r) => r.map((e) => e / r.reduce((a, b) => a + b, 0)));
      const want = rows(matmul(new Tensor(Float64Array.from(w.flat()), [6, 5]), v)).flat();
      expect(maxAbsDiff(f(q, k, v, opts).dataSync(), want)).toBeLessThan(1e-12);
    }
    expect(() => kernelFeatures('dense' as 'linear', q, k, { beta: 1 })).toThrow(/kernelFeatures: kind must be 'linear' or 'prf', got dense/);
  });
});

describe('cost: the L × M matrix is never built', () => {
  it('no kernel (forward or backward) of linear or prf returns L·M or more elements', () => {
    const cpu = backendKernels('cpu');
    let largest = 0;
    const spy = new Proxy(cpu, {
      get(target, prop, recv) {
        const val = Reflect.get(target, prop, recv) as unknown;
        if (typeof val !== 'function') return val;
        return (...args: unknown[]) => {
          const res = (val as (...a: unknown[]) => unknown).apply(target, args);
          const sizes = ArrayBuffer.isView(res) ? [(res as Float64Array).length]
            : res && typeof res === 'object' ? Object.values(res).filter((x) => ArrayBuffer.isView(x)).map((x) => (x as Float64Array).length) : [];
          for (const s of sizes) largest = Math.max(largest, s);
          return res;
        };
      },
    }) as Backend;
    registerBackend('spy-feature-maps', () => spy);
    const L = 60;
    const M = 70;
    const g = new Generator(13);
    const q = gauss(g, [L, 3]).requiresGrad_();
    const k = gauss(g, [M, 3]).requiresGrad_();
    const v = gauss(g, [M, 2]).requiresGrad_();
    withBackend('spy-feature-maps', () => {
      linearAssociation(q, k, v, { beta: 1 }).sum().backward();
      prfAssociation(q, k, v, { beta: 1, features: 5 }).sum().backward();
    });
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThan(L * M / 4);
  });
});

describe('bad input', () => {
  const g = new Generator(14);
  const q = gauss(g, [3, 4]);
  const k = gauss(g, [5, 4]);
  const v = gauss(g, [5, 2]);
  const both = [
    ['linearAssociation', (a: Tensor, b: Tensor, c: Tensor, o: { beta: number }) => linearAssociation(a, b, c, o)],
    ['prfAssociation', (a: Tensor, b: Tensor, c: Tensor, o: { beta: number }) => prfAssociation(a, b, c, o)],
  ] as const;
  for (const [name, f] of both) {
    it(`${name}: mismatched d, M, dtypes, empty memories, NaN, β ≤ 0 name the problem`, () => {
      const bad = (fn: () => unknown, re: RegExp) => {
        expect(fn).toThrow(HopgradError);
        expect(fn).toThrow(re);
      };
      bad(() => f(q, gauss(g, [5, 3]), v, { beta: 1 }), new RegExp(`${name}: query has pattern dimension d = 4 but keys have d = 3`));
      bad(() => f(q, k, gauss(g, [6, 2]), { beta: 1 }), /keys hold M = 5 memories but values hold 6/);
      bad(() => f(q, new Tensor(new Float64Array(0), [0, 4]), new Tensor(new Float64Array(0), [0, 2]), { beta: 1 }), /memory set is empty/);
      for (const beta of [0, -1, Number.NaN, Infinity]) bad(() => f(q, k, v, { beta }), new RegExp(`beta must be a finite number > 0, got ${beta}`));
      const qn = gauss(g, [3, 4]);
      (qn._storage as Float64Array)[5] = Number.NaN;
      bad(() => f(qn, k, v, { beta: 1 }), /query contains NaN at flat index 5/);
      bad(() => f(new Tensor(Float32Array.from(q.dataSync()), [3, 4]), k, v, { beta: 1 }), /must share a dtype/);
      bad(() => f(gauss(g, [4]), k, v, { beta: 1 }), /query must have shape \[\.\.\., L, d\]/);
      bad(() => f(gauss(g, [2, 3, 4]), gauss(g, [3, 5, 4]), gauss(g, [3, 5, 2]), { beta: 1 }), /batch dimensions of query \[2,3,4\] and keys \[3,5,4\]/);
      bad(() => f(q, k, v, undefined as unknown as { beta: number }), /options \{ beta \} are required/);
    });
  }

  it('linearAssociation: a normalizer that underflows to 0 throws instead of returning NaN', () => {
    // elu(x) + 1 = eˣ underflows to 0 below x ≈ −745: every ⟨φ(x), φ(ξ)⟩ is 0
    const far = (n: number) => new Tensor(new Float64Array(n * 2).fill(-800), [n, 2]);
    expect(() => linearAssociation(far(2), far(3), v.narrow(0, 0, 3), { beta: 1 })).toThrow(/linearAssociation: the normalizer .* of query row 0 is 0 in float64/);
  });

  it('prfAssociation: features < 1, a mismatched omega, omega with seed', () => {
    for (const features of [0, -3, 1.5]) {
      expect(() => prfAssociation(q, k, v, { beta: 1, features })).toThrow(new RegExp(`features \\(m_f\\) must be an integer ≥ 1, got ${features}`));
    }
    expect(() => prfAssociation(q, k, v, { beta: 1, omega: drawOmega(3, 8) })).toThrow(/omega has shape \[8,3\] but the patterns have d = 4/);
    expect(() => prfAssociation(q, k, v, { beta: 1, omega: drawOmega(4, 8), features: 9 })).toThrow(/features = 9 but omega has 8 rows/);
    expect(() => prfAssociation(q, k, v, { beta: 1, omega: drawOmega(4, 8), seed: 1 })).toThrow(/give omega or seed, not both/);
    expect(() => drawOmega(0, 3)).toThrow(/drawOmega: d must be an integer ≥ 1, got 0/);
    expect(() => drawOmega(3, 0)).toThrow(/drawOmega: features must be an integer ≥ 1, got 0/);
    expect(() => drawOmega(3, 3, { seed: 1, generator: new Generator(1) })).toThrow(/seed or generator, not both/);
  });
});
