// The JS fast paths of the W4 training step against plain reference loops, bit for bit: the strided copy
// (gatherStrided: merged axes, nested loops, block copies, broadcast rows, rank > 4 odometer), the cpu sum over
// rows / columns (float64 running sums in the same order), the cpu comparisons against a scalar, the fused
// Adam / AdamW float32 and float64 loops (same values as the general loop's store-then-read), and retrieve's
// storage-order finiteness check of permuted views (same error, same flat index as the element-order scan).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gatherStrided } from '../src/tensor/tensor.js';
import { cpuBackend } from '../src/tensor/backend/cpu/index.js';
import { hopfield, optim, tensor } from '../src/index.js';

const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

/** Reference: element i of the view in row-major order, by explicit index arithmetic. */
function naiveGather(src: Float32Array, shape: number[], strides: number[], offset: number): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let flat = 0; flat < n; flat++) {
    let rem = flat, pos = offset;
    for (let ax = shape.length - 1; ax >= 0; ax--) {
      pos += (rem % shape[ax]!) * strides[ax]!;
      rem = Math.floor(rem / shape[ax]!);
    }
    out.push(src[pos]!);
  }
  return out;
}

const view = fc.array(fc.record({
  d: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constantFrom(1, 16, 20, 33, 70)),
  s: fc.oneof(fc.integer({ min: -40, max: 80 }), fc.constant(0), fc.constant(1)),
}), { minLength: 0, maxLength: 6 }).filter((axes) => axes.reduce((a, x) => a * x.d, 1) <= 20000);

describe('fast paths match the reference loops exactly', () => {
  it('gatherStrided equals element-by-element indexing for any strides (0, negative, contiguous runs)', () => {
    fc.assert(fc.property(view, fc.boolean(), (axes, contiguousTail) => {
      const shape = axes.map((a) => a.d);
      const strides = axes.map((a) => a.s);
      if (contiguousTail && strides.length > 0) strides[strides.length - 1] = 1;
      // storage big enough for every index the view visits
      let lo = 0, hi = 0;
      shape.forEach((d, i) => { const e = (d - 1) * strides[i]!; if (e < 0) lo += e; else hi += e; });
      const src = Float32Array.from({ length: hi - lo + 1 }, (_, i) => i * 0.5 - 3);
      const got = gatherStrided(src, shape, strides, -lo);
      expect(got).toBeInstanceOf(Float32Array);
      expect(Array.from(got)).toEqual(naiveGather(src, shape, strides, -lo));
    }), { numRuns: 300, ...seed });
  });

  it('cpu sum over rows and over columns equals float64 running sums in increasing order', () => {
    const dims = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 11 }));
    fc.assert(fc.property(dims, fc.integer({ min: 0, max: 1000 }), fc.boolean(), ([outer, n, inner], s, f64) => {
      const len = outer * n * inner;
      const x = f64 ? new Float64Array(len) : new Float32Array(len);
      for (let i = 0; i < len; i++) x[i] = Math.sin(i * 12.9898 + s) * 10 ** ((i * 7 + s) % 9 - 4);
      const want = new (f64 ? Float64Array : Float32Array)(outer * inner);
      for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += x[(o * n + j) * inner + i]!;
        want[o * inner + i] = acc;
      }
      expect(Array.from(cpuBackend.reduce('sum', x, outer, n, inner))).toEqual(Array.from(want));
      // the same data as [outer·inner rows, n]: the row-sum path
      const rows = outer * inner;
      const xt = new (f64 ? Float64Array : Float32Array)(len);
      for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) xt[r * n + j] = x[(Math.floor(r / inner) * n + j) * inner + (r % inner)]!;
      expect(Array.from(cpuBackend.reduce('sum', xt, rows, n, 1))).toEqual(Array.from(want));
    }), { numRuns: 200, ...seed });
  });

  it('cpu comparisons against a scalar give 1/0 like the general path (NaN compares false)', () => {
    const a = Float32Array.from([-1, 0, -0, 2, NaN, Infinity, -Infinity, 0.5]);
    const s = Float32Array.of(0);
    const cases = { gt: [0, 0, 0, 1, 0, 1, 0, 1], lt: [1, 0, 0, 0, 0, 0, 1, 0], ge: [0, 1, 1, 1, 0, 1, 0, 1], le: [1, 1, 1, 0, 0, 0, 1, 0] } as const;
    for (const [op, want] of Object.entries(cases) as [keyof typeof cases, readonly number[]][]) {
      expect(Array.from(cpuBackend.binary(op, a, [1], s, [0], [8], 'float32')), op).toEqual(want);
    }
  });

  it('the fused AdamW / Adam loops equal the general update with each value stored to the dtype', () => {
    const cfg = fc.record({
      n: fc.integer({ min: 1, max: 50 }), steps: fc.integer({ min: 1, max: 4 }), f64: fc.boolean(), adamw: fc.boolean(),
      lr: fc.constantFrom(1e-3, 0.1), wd: fc.constantFrom(0, 0.01, 0.5), beta1: fc.constantFrom(0.9, 0, 0.3), s: fc.integer({ min: 0, max: 999 }),
    });
    fc.assert(fc.property(cfg, ({ n, steps, f64, adamw, lr, wd, beta1, s }) => {
      const A = f64 ? Float64Array : Float32Array;
      const make = (f: (i: number) => number): Float32Array | Float64Array => {
        const a = new A(n);
        for (let i = 0; i < n; i++) a[i] = f(i);
        return a;
      };
      const init = make((i) => Math.cos(i + s));
      const p = tensor(init.slice(), { dtype: f64 ? 'float64' : 'float32', shape: [n], requiresGrad: true });
      const beta2 = 0.999, eps = 1e-8;
      const opts = { lr, betas: [beta1, beta2] as [number, number], eps, weightDecay: adamw ? wd : 0 };
      const opt = adamw ? new optim.AdamW([p], opts) : new optim.Adam([p], opts);
      const ref = init.slice(), m = new A(n), v = new A(n);
      for (let t = 1; t <= steps; t++) {
        const g = make((i) => Math.sin(i * 3 + t + s) * 10 ** ((i + t) % 5 - 3));
        p.grad = tensor(g, { dtype: f64 ? 'float64' : 'float32', shape: [n] });
        opt.step();
        const step = -(lr / (1 - beta1 ** t)), bc2 = Math.sqrt(1 - beta2 ** t), w = 1 - beta1, decay = 1 - lr * opts.weightDecay;
        for (let i = 0; i < n; i++) {
          if (adamw && opts.weightDecay !== 0) ref[i] = ref[i]! * decay;
          const mi = m[i]!;
          m[i] = w < 0.5 ? mi + w * (g[i]! - mi) : g[i]! - (g[i]! - mi) * (1 - w);
          v[i] = v[i]! * beta2 + (1 - beta2) * g[i]! * g[i]!;
          ref[i] = ref[i]! + (step * m[i]!) / (Math.sqrt(v[i]!) / bc2 + eps);
        }
      }
      expect(Array.from(p.dataSync())).toEqual(Array.from(ref));
    }), { numRuns: 200, ...seed });
  });

  it('retrieve finds a non-finite value of a permuted view and names its flat index in the view', () => {
    // stored [B=2, heads=2, M=3, d=4] as the heads-as-batch transpose of a [2, 3, 2, 4] storage
    const raw = Float32Array.from({ length: 48 }, (_, i) => (i % 7) * 0.1);
    const base = tensor(raw, { dtype: 'float32', shape: [2, 3, 2, 4] });
    const q = tensor(new Float32Array(2 * 2 * 1 * 4).fill(0.1), { dtype: 'float32', shape: [2, 2, 1, 4] });
    expect(() => hopfield.retrieve(q, base.transpose(1, 2))).not.toThrow();
    for (const [pos, value, word] of [[47, Infinity, 'Infinity'], [13, NaN, 'NaN'], [2, -Infinity, '-Infinity']] as const) {
      const bad = raw.slice();
      bad[pos] = value;
      const k = tensor(bad, { dtype: 'float32', shape: [2, 3, 2, 4] }).transpose(1, 2);
      const flat = Array.from(k.dataSync()).findIndex((x) => !Number.isFinite(x));
      expect(flat).toBeGreaterThanOrEqual(0);
      expect(() => hopfield.retrieve(q, k)).toThrow(`retrieve: stored contains ${word} at flat index ${flat} (shape [2,2,3,4])`);
    }
    // the largest finite float32 and subnormals are finite
    const edge = tensor(Float32Array.from({ length: 48 }, (_, i) => [3.4028234663852886e38, -1.401298464324817e-45, 0, -0][i % 4]!),
      { dtype: 'float32', shape: [2, 3, 2, 4] }).transpose(1, 2);
    expect(() => hopfield.retrieve(q, edge, { beta: 1e-40 })).not.toThrow();
  });
});
