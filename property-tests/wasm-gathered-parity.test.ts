// Parity of the wasm gathered-attention kernels (src/tensor/backend/wasm/gathered.ts) with the cpu reference
// (float64 accumulation, rounded once): random problems — feature sizes below, at and past the 16- and 4-lane
// vector steps, per-row / shared / batch-shared index layouts, excluded slots and fully excluded rows, duplicate
// memory rows in a row, a number or one scale per row — on 1 thread and on 2 threads (every call split).
//
// Tolerances (u = 2^-24, one float32 rounding; every bound is computed per entry from float64 reference values
// and doubled for headroom):
// - a score s·q·k summed in float32 over d products errs by Δ ≤ s·(d + 2)·u·Σ|q||k| + u·|s·q·k| (Higham §3.1);
// - each weight e = exp(score − max) then errs relatively by ≤ 2Δ_row + u·|score − max| + 2u (two perturbed
//   scores, the rounded difference, exp ≤ 1 ulp), and the 4-lane float32 Σ over the width by (width/4 + 5)·u;
// - out_t = Σ e·v_t / Σ: Σ_c p_c·|v_ct|·(relative weight error + Σ error + (width + 4)·u);
// - lse = max + log Σ: 2Δ_row + (width/4 + 6)·u + u·|lse| + Σ_c p_c·u·|score_c − max|;
// - backward, with p recomputed from the same lse: relP = s(d + 2)u·Σ|q||k| + u|s q·k| + u|s q·k − lse| + 2u,
//   dp and δ = dout·out errs by (dv + 2)u·Σ|dout||v| and (dv + 2)u·Σ|dout||out|, so ds = p(dp − δ) by
//   p·(|dp − δ|·relP + err dp + err δ) + 2u|ds|; dq, dscale, dkeys, dvalues add those errors times |k|, |q·k|,
//   s|q|, and relP·p|dout|, plus (terms + 2)·u times the sum of absolute terms for their float32 accumulation.
// The unsorted top-k selection (wasm radix select) must keep exactly the cpu kernel's entries: same columns, same
// values, for rows full of ties, NaN, ±0, ±∞ and subnormals.
// FC_SEED=<seed> replays a run; FC_RUNS=<n> sets runs per thread count.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backendKernels } from '../src/tensor/backend/index.js';
import { cpuBackend } from '../src/tensor/backend/cpu/index.js';
import { gatheredRows } from '../src/tensor/backend/cpu/gathered.js';
import type { GatheredSpec } from '../src/tensor/backend/backend.js';
import { WASM_DEFAULTS, configureWasm, resetWasmStats, wasmStats } from '../src/tensor/backend/wasm/index.js';
import { mulberry32 as rng } from '../test/helpers/rng.js';

const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
const numRuns = Number(process.env.FC_RUNS ?? 60);
const U = 2 ** -24;

interface Case { q: Float32Array; k: Float32Array; v: Float32Array; dout: Float32Array; spec: GatheredSpec; n: number }

const caseArb: fc.Arbitrary<Case> = fc.record({
  nb: fc.integer({ min: 1, max: 3 }),
  l: fc.integer({ min: 1, max: 12 }),
  m: fc.integer({ min: 1, max: 12 }),
  width: fc.integer({ min: 1, max: 11 }),
  d: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 14, max: 40 }), fc.constant(64)),
  dv: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 14, max: 40 }), fc.constant(64)),
  layout: fc.constantFrom('perRow', 'shared', 'sharedMemory'),
  excl: fc.constantFrom('none', 'some', 'rows'),
  perRowScale: fc.boolean(),
  spread: fc.constantFrom(1, 3),
  seed: fc.nat(),
}).map((p) => {
  const r = rng(p.seed);
  const rows = p.nb * p.l;
  const period = p.layout === 'perRow' ? rows : p.l;
  const n = p.layout === 'sharedMemory' ? p.m : p.nb * p.m;
  const data = (len: number): Float32Array => Float32Array.from({ length: len }, () => (2 * r() - 1) * p.spread);
  const index = Int32Array.from({ length: period * p.width }, () => Math.floor(r() * p.m));
  let excluded: Uint8Array | null = null;
  if (p.excl !== 'none') {
    excluded = Uint8Array.from({ length: rows * p.width }, (_, i) => (p.excl === 'rows' && Math.floor(i / p.width) % 3 === 1 ? 1 : r() < 0.25 ? 1 : 0));
  }
  const scale = p.perRowScale ? Float32Array.from({ length: rows }, () => 0.05 + 2 * r()) : 0.05 + 2 * r();
  const spec: GatheredSpec = {
    rows, width: p.width, d: p.d, dv: p.dv, index, excluded, period, groupRows: p.l, groupStride: p.layout === 'sharedMemory' ? 0 : p.m, scale,
    needs: { dq: true, dkeys: true, dvalues: true, dscale: true },
  };
  return { q: data(rows * p.d), k: data(n * p.d), v: data(n * p.dv), dout: data(rows * p.dv), spec, n };
});

const dot = (a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, len: number, abs = false): number => {
  let s = 0;
  for (let t = 0; t < len; t++) s += abs ? Math.abs(a[ao + t]! * b[bo + t]!) : a[ao + t]! * b[bo + t]!;
  return s;
};

function within(name: string, got: ArrayLike<number>, ref: ArrayLike<number>, tol: Float64Array): void {
  expect(got.length, `${name} length`).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    const a = got[i]!, b = ref[i]!;
    if (a === b) continue;
    const err = Math.abs(a - b);
    if (!(err <= 2 * tol[i]! + 1e-30)) throw new Error(`${name}[${i}]: wasm ${a} vs cpu ${b}, |diff| ${err} > tolerance ${2 * tol[i]!}`);
  }
}

/** Forward and backward of one case on the wasm backend against cpu, within the bounds of the file header. */
function check(c: Case): void {
  const wasm = backendKernels('wasm');
  const { q, k, v, dout, spec, n } = c;
  const { rows, width, d, dv } = spec;
  const sc = (r: number): number => (typeof spec.scale === 'number' ? spec.scale : spec.scale[r]!);
  const ref = cpuBackend.gatheredAttention(q, k, v, spec);
  const got = wasm.gatheredAttention(q, k, v, spec);
  const g = gatheredRows(spec);
  const tolOut = new Float64Array(rows * dv), tolLse = new Float64Array(rows);
  const relP = new Float64Array(rows * width), p = new Float64Array(rows * width), raw = new Float64Array(rows * width), rawAbs = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const s = sc(r), l = ref.lse[r]!;
    if (l === -Infinity) { tolLse[r] = 0; continue; }
    let delta = 0, mx = -Infinity;
    for (let cc = 0; cc < width; cc++) {
      const j = g[r * width + cc]!;
      if (j < 0) continue;
      raw[r * width + cc] = dot(q, r * d, k, j * d, d);
      rawAbs[r * width + cc] = dot(q, r * d, k, j * d, d, true);
      delta = Math.max(delta, s * (d + 2) * U * rawAbs[r * width + cc]! + U * Math.abs(s * raw[r * width + cc]!));
      mx = Math.max(mx, s * raw[r * width + cc]!);
    }
    let gapTerm = 0;
    for (let cc = 0; cc < width; cc++) {
      const j = g[r * width + cc]!;
      if (j < 0) continue;
      const sv = s * raw[r * width + cc]!;
      const pc = Math.exp(sv - l);
      p[r * width + cc] = pc;
      relP[r * width + cc] = s * (d + 2) * U * rawAbs[r * width + cc]! + U * Math.abs(sv) + U * Math.abs(sv - l) + 2 * U;
      gapTerm += pc * U * Math.abs(sv - mx);
      const rel = 2 * delta + U * Math.abs(sv - mx) + 2 * U + (width / 4 + 5) * U + (width + 4) * U;
      for (let t = 0; t < dv; t++) tolOut[r * dv + t]! += pc * Math.abs(v[j * dv + t]!) * rel;
    }
    tolLse[r] = 2 * delta + (width / 4 + 6) * U + U * Math.abs(l) + gapTerm;
  }
  within('out', got.out, ref.out, tolOut);
  within('lse', got.lse, ref.lse, tolLse);

  // backward from the cpu's out and lse (both kernels get the same inputs)
  const gb = wasm.gatheredAttentionBackward(q, k, v, ref.out, dout, ref.lse, spec);
  const rb = cpuBackend.gatheredAttentionBackward(q, k, v, ref.out, dout, ref.lse, spec);
  const tq = new Float64Array(rows * d), tk = new Float64Array(n * d), tv = new Float64Array(n * dv), ts = new Float64Array(rows);
  const absQ = new Float64Array(rows * d), absK = new Float64Array(n * d), absV = new Float64Array(n * dv), absS = new Float64Array(rows);
  const cntQ = new Float64Array(rows), cntN = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const s = sc(r);
    if (ref.lse[r] === -Infinity) continue;
    const dl = dot(dout, r * dv, ref.out, r * dv, dv);
    const errDelta = (dv + 2) * U * dot(dout, r * dv, ref.out, r * dv, dv, true);
    for (let cc = 0; cc < width; cc++) {
      const j = g[r * width + cc]!;
      if (j < 0) continue;
      const i = r * width + cc, pc = p[i]!;
      const dp = dot(dout, r * dv, v, j * dv, dv);
      const errDp = (dv + 2) * U * dot(dout, r * dv, v, j * dv, dv, true);
      const ds = pc * (dp - dl);
      const errDs = pc * (Math.abs(dp - dl) * relP[i]! + errDp + errDelta) + 2 * U * Math.abs(ds);
      cntQ[r]!++; cntN[j]!++;
      ts[r]! += errDs * Math.abs(raw[i]!) + Math.abs(ds) * (d + 2) * U * rawAbs[i]!;
      absS[r]! += Math.abs(ds * raw[i]!);
      for (let t = 0; t < d; t++) {
        tq[r * d + t]! += s * errDs * Math.abs(k[j * d + t]!);
        absQ[r * d + t]! += s * Math.abs(ds * k[j * d + t]!);
        tk[j * d + t]! += s * errDs * Math.abs(q[r * d + t]!);
        absK[j * d + t]! += s * Math.abs(ds * q[r * d + t]!);
      }
      for (let t = 0; t < dv; t++) {
        tv[j * dv + t]! += relP[i]! * pc * Math.abs(dout[r * dv + t]!);
        absV[j * dv + t]! += pc * Math.abs(dout[r * dv + t]!);
      }
    }
  }
  const acc = (tol: Float64Array, abs: Float64Array, cnt: Float64Array, per: number): Float64Array =>
    tol.map((e, i) => e + (cnt[Math.floor(i / per)]! + 3) * U * abs[i]!);
  within('dq', gb.dq!, rb.dq!, acc(tq, absQ, cntQ, d));
  within('dkeys', gb.dkeys!, rb.dkeys!, acc(tk, absK, cntN, d));
  within('dvalues', gb.dvalues!, rb.dvalues!, acc(tv, absV, cntN, dv));
  within('dscale', gb.dscale!, rb.dscale!, acc(ts, absS, cntQ, 1));
}

afterAll(() => configureWasm({ ...WASM_DEFAULTS }));

describe('wasm gathered attention matches the cpu reference', () => {
  for (const threads of [1, 2]) {
    it(`forward and backward on ${threads} thread(s)`, () => {
      configureWasm({ threads, minWork: 0, minParallelWork: 0 });
      resetWasmStats();
      fc.assert(fc.property(caseArb, (c) => check(c)), { numRuns, ...seed });
      const st = wasmStats();
      expect(st.wasm['gatheredAttention']).toBeGreaterThanOrEqual(numRuns);
      expect(st.wasm['gatheredAttentionBackward']).toBeGreaterThanOrEqual(numRuns);
      if (threads > 1) expect(st.parallel['gatheredAttention'] ?? 0).toBeGreaterThan(0);
      configureWasm({ ...WASM_DEFAULTS });
    });
  }

  it('unsorted top-k selection keeps exactly the cpu kernel\'s entries (ties, NaN, ±0, ±∞), 1 and 2 threads', () => {
    const pool = [0, -0, 1, -1, 2.5, NaN, Infinity, -Infinity, 1e-40, -3e38];
    const arb = fc.record({
      rows: fc.integer({ min: 1, max: 6 }), cols: fc.integer({ min: 2, max: 90 }), kFrac: fc.double({ min: 0, max: 1, noNaN: true }),
      largest: fc.boolean(), ties: fc.boolean(), threads: fc.constantFrom(1, 2), seed: fc.nat(),
    });
    fc.assert(fc.property(arb, ({ rows, cols, kFrac, largest, ties, threads, seed: s }) => {
      configureWasm({ threads, minWork: 0, minParallelWork: 0 });
      const r = rng(s);
      const x = Float32Array.from({ length: rows * cols }, () => (ties ? pool[Math.floor(r() * pool.length)]! : (r() - 0.5) * 2 ** (40 * r() - 20)));
      const k = 1 + Math.floor(kFrac * (cols - 2));
      resetWasmStats();
      const got = backendKernels('wasm').topk(x, rows, cols, k, largest, false);
      expect(wasmStats().wasm['topk']).toBe(1);
      const ref = cpuBackend.topk(x, rows, cols, k, largest);
      for (let i = 0; i < rows; i++) {
        const pick = (t: { values: ArrayLike<number>; indices: ArrayLike<number> }): [number, number][] =>
          Array.from({ length: k }, (_, j) => [t.indices[i * k + j]!, t.values[i * k + j]!] as [number, number]).sort((a, b) => a[0] - b[0]);
        expect(pick(got)).toEqual(pick(ref));
      }
    }), { numRuns: numRuns * 2, ...seed });
    configureWasm({ ...WASM_DEFAULTS });
  });

  it('falls back to the cpu kernels for float64 data', () => {
    configureWasm({ minWork: 0 });
    resetWasmStats();
    const spec: GatheredSpec = { rows: 2, width: 1, d: 1, dv: 1, index: new Int32Array([0, 0]), excluded: null, period: 2, groupRows: 2, groupStride: 0, scale: 1 };
    const r = backendKernels('wasm').gatheredAttention(new Float64Array([1, 2]), new Float64Array([3]), new Float64Array([4]), spec);
    expect(Array.from(r.out)).toEqual([4, 4]);
    expect(r.out).toBeInstanceOf(Float64Array);
    expect(wasmStats().fallback['gatheredAttention']).toBe(1);
    configureWasm({ ...WASM_DEFAULTS });
  });
});
