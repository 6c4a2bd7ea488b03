// The fused score + select kernel (Backend.topkScores: cpu in src/tensor/backend/cpu/topk-scores.ts, wasm in
// src/tensor/backend/wasm/topk-scores.ts + gen-topk-scores.ts) against the path it replaces in the top-K Hopfield
// step: matmul(mul(x, β), keysᵀ), padded memories at −∞ by where, then the unsorted top-k kernel.
//
// What is asserted exactly, and why:
// - cpu kernel = the old path on the cpu backend, as sets per row, for ANY data (float32 and float64, random floats,
//   integer data full of ties, NaN-free): the kernel forms the same scores with the same float operations in the
//   same order (β rounded to the dtype, x·β rounded once, four float64 partial sums over d, one rounding) and runs
//   the same selection routine, so even ties at the k-th value resolve identically (to the lower index).
// - wasm kernel = the old path on the wasm backend, as sets, for any float32 data: the scores come from the same
//   GEMM job on the same packed keys (same kc, same micro-kernel), i.e. bit-identical, and the radix select keeps
//   the cpu selection's set.
// - wasm = cpu, as sets, when every score is exactly representable: small-integer data (|x|, |ξ| ≤ 4), β a power of
//   two and d ≤ 64 make every partial sum an integer below 2^24, exact in float32 and float64 in any order, so both
//   see the same scores and the same ties.
// - wasm vs cpu for general float data: the float32 GEMM rounds differently from the cpu's float64 sums, so sets may
//   differ only near the k-th value. Asserted instead for both kernels: k distinct indices per row, and the set is a
//   correct top-k of scores within δ_j = (d + 2)·2^-23·Σ_t|x'_t ξ_jt| + 2^-126 of the exact (float64) ones:
//   min over kept j of (e_j + δ_j) ≥ max over dropped i of (e_i − δ_i), padded memories at −∞.
// - padding: a padded memory is kept only when fewer than k are unpadded, and then the lowest-index padded ones.
// Runs on 1 and 2 wasm threads (every call split: minWork 0, minParallelWork 0).
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HopgradError, Tensor, withBackend } from '../src/index.js';
import { expand, matmul, mul, reshape, transpose, unsqueeze, where } from '../src/autograd/ops/index.js';
import { backendKernels } from '../src/tensor/backend/index.js';
import type { TopkScoresSpec } from '../src/tensor/backend/backend.js';
import { cpuBackend } from '../src/tensor/backend/cpu/index.js';
import { WASM_DEFAULTS, configureWasm, resetWasmStats, wasmStats } from '../src/tensor/backend/wasm/index.js';
import { mulberry32 as rng } from './helpers/rng.js';

const params = (numRuns: number): { numRuns: number; seed?: number } =>
  (process.env.FC_SEED ? { numRuns, seed: Number(process.env.FC_SEED) } : { numRuns });

interface Case { q: Float32Array | Float64Array; keys: Float32Array | Float64Array; spec: TopkScoresSpec }

type Data = 'ints' | 'floats';

/** A random problem: sizes, integer or float data, shared or per-batch keys, a mask (sometimes nearly all padded), β. */
function caseArb(opts: { dtypes: readonly ('float32' | 'float64')[]; data: readonly Data[]; big?: boolean }): fc.Arbitrary<Case> {
  return fc.record({
    batch: fc.integer({ min: 1, max: 3 }),
    l: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 60, max: 90 })),
    m: opts.big ? fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1024, max: 1100 })) : fc.integer({ min: 1, max: 40 }),
    d: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constant(64)),
    kPick: fc.constantFrom('one', 'all', 'frac', 'frac'),
    kFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    dtype: fc.constantFrom(...opts.dtypes),
    data: fc.constantFrom(...opts.data),
    sharedKeys: fc.boolean(),
    maskRate: fc.constantFrom(0, 0, 0.3, 0.9),
    scale: fc.constantFrom('number', 'perRow'),
    seed: fc.nat(),
  }).map((p): Case => {
    const r = rng(p.seed);
    const ints = p.data === 'ints';
    const val = (): number => (ints ? Math.floor(r() * 9) - 4 : 2 * r() - 1);
    const arr = (n: number, f: () => number): Float32Array | Float64Array =>
      (p.dtype === 'float32' ? Float32Array.from({ length: n }, f) : Float64Array.from({ length: n }, f));
    const q = arr(p.batch * p.l * p.d, val);
    const keys = arr((p.sharedKeys ? 1 : p.batch) * p.m * p.d, val);
    const k = p.kPick === 'one' ? 1 : p.kPick === 'all' ? p.m : Math.max(1, Math.round(p.kFrac * p.m));
    const mask = p.maskRate > 0 ? Uint8Array.from({ length: p.batch * p.m }, () => (r() < p.maskRate ? 1 : 0)) : null;
    // integer data: powers of two keep every score exact; floats: any positive β
    const beta = (): number => (ints ? 2 ** (Math.floor(r() * 3) - 1) : 0.05 + 2 * r());
    const scale = p.scale === 'number' ? beta() : arr(p.batch * p.l, beta);
    return { q, keys, spec: { batch: p.batch, l: p.l, m: p.m, d: p.d, k, scale, mask, sharedKeys: p.sharedKeys } };
  });
}

/** The path topkScores replaced, with public ops on backend `name`: matmul(mul(x, β), keysᵀ), where(mask), topk unsorted. */
function oldPath(name: string, c: Case): Int32Array {
  const { batch, l, m, d, k, scale, mask, sharedKeys } = c.spec;
  return withBackend(name, () => {
    const x = new Tensor(c.q, [batch, l, d]);
    const keys = new Tensor(c.keys, sharedKeys ? [m, d] : [batch, m, d]);
    const beta = typeof scale === 'number' ? scale : new Tensor(scale, [batch, l, 1]);
    let s = matmul(mul(x, beta), transpose(keys, -2, -1));
    if (mask) s = where(unsqueeze(new Tensor(Int32Array.from(mask), [batch, m]), -2), -Infinity, s);
    const flat = reshape(expand(s, [batch, l, m]), [batch * l, m]);
    return backendKernels(name).topk(flat.contiguousData(), batch * l, m, k, true, false).indices;
  });
}

/** Each row's indices, sorted ascending (the kernels return them in no particular order). */
function sets(idx: Int32Array, rows: number, k: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from(idx.subarray(r * k, r * k + k)).sort((a, b) => a - b));
}

/** The exact (float64) scores of row r from the dtype-rounded scaled query, −∞ where padded, and their error bounds δ. */
function exactScores(c: Case, r: number): { e: Float64Array; delta: Float64Array } {
  const { l, m, d, scale, mask, sharedKeys } = c.spec;
  const b = Math.floor(r / l);
  const f32 = c.q instanceof Float32Array;
  const s0 = typeof scale === 'number' ? scale : scale[r]!;
  const s = f32 ? Math.fround(s0) : s0;
  const qs = Array.from({ length: d }, (_, t) => (f32 ? Math.fround(c.q[r * d + t]! * s) : c.q[r * d + t]! * s));
  const e = new Float64Array(m), delta = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    if (mask && mask[b * m + j] !== 0) { e[j] = -Infinity; continue; }
    const kj = (sharedKeys ? 0 : b * m * d) + j * d;
    let v = 0, a = 0;
    for (let t = 0; t < d; t++) { v += qs[t]! * c.keys[kj + t]!; a += Math.abs(qs[t]! * c.keys[kj + t]!); }
    e[j] = v;
    delta[j] = (d + 2) * 2 ** -23 * a + 2 ** -126;
  }
  return { e, delta };
}

/** The set of every row is k distinct indices forming a correct top-k of scores within δ of the exact ones. */
function expectNearTopk(c: Case, idx: Int32Array, who: string): void {
  const { batch, l, m, k, mask } = c.spec;
  for (let r = 0; r < batch * l; r++) {
    const kept = new Set(idx.subarray(r * k, r * k + k));
    expect(kept.size, `${who} row ${r}: k distinct indices`).toBe(k);
    const { e, delta } = exactScores(c, r);
    let lo = Infinity, hi = -Infinity;
    for (let j = 0; j < m; j++) {
      if (kept.has(j)) lo = Math.min(lo, e[j]! + delta[j]!);
      else hi = Math.max(hi, e[j]! - delta[j]!);
    }
    if (!(lo >= hi)) throw new Error(`${who} row ${r}: a kept score (≤ ${lo}) ranks below a dropped one (≥ ${hi})`);
    if (mask) expectPadding(c, r, kept, who);
  }
}

/** Padded memories are kept only when fewer than k are unpadded, and then the lowest-index padded ones. */
function expectPadding(c: Case, r: number, kept: Set<number>, who: string): void {
  const { l, m, k, mask } = c.spec;
  const b = Math.floor(r / l);
  const padded: number[] = [];
  for (let j = 0; j < m; j++) if (mask![b * m + j] !== 0) padded.push(j);
  const free = m - padded.length;
  const keptPadded = padded.filter((j) => kept.has(j));
  expect(keptPadded, `${who} row ${r}: padded memories kept`).toEqual(padded.slice(0, Math.max(0, k - free)));
}

afterAll(() => configureWasm({ ...WASM_DEFAULTS }));

describe('topkScores (cpu) keeps exactly the matmul + topk path\'s set', () => {
  it('float32 / float64, integer data with ties and random floats, masks, per-row β, k = 1 / m, batch > 1', () => {
    fc.assert(fc.property(caseArb({ dtypes: ['float32', 'float64'], data: ['ints', 'floats'], big: true }), (c) => {
      const rows = c.spec.batch * c.spec.l;
      const got = cpuBackend.topkScores(c.q, c.keys, c.spec);
      expect(got.length).toBe(rows * c.spec.k);
      expect(sets(got, rows, c.spec.k)).toEqual(sets(oldPath('cpu', c), rows, c.spec.k));
      if (c.spec.mask) for (let r = 0; r < rows; r++) expectPadding(c, r, new Set(got.subarray(r * c.spec.k, (r + 1) * c.spec.k)), 'cpu');
    }), params(60));
  });

  it('k = 1 picks the lowest-index maximum; k = m keeps everything; fewer than k unpadded keeps the lowest padded', () => {
    // scores of row 0: [2, 5, 5, 1] (ties at 5), row 1: [−1, 0, 0, 3]
    const q = new Float32Array([1, 1]);
    const keys = new Float32Array([2, 5, 5, 1, -1, 0, 0, 3]);
    const base: TopkScoresSpec = { batch: 2, l: 1, m: 4, d: 1, k: 1, scale: 1, mask: null, sharedKeys: false };
    expect(Array.from(cpuBackend.topkScores(q, keys, base))).toEqual([1, 3]);
    expect(sets(cpuBackend.topkScores(q, keys, { ...base, k: 4 }), 2, 4)).toEqual([[0, 1, 2, 3], [0, 1, 2, 3]]);
    // row 0: only memory 3 unpadded; k = 3 keeps it and the padded 0 and 1. Row 1: memory 3 padded, β = −1 flips
    const mask = new Uint8Array([1, 1, 1, 0, 0, 0, 0, 1]);
    const got = cpuBackend.topkScores(q, keys, { ...base, k: 3, mask, scale: new Float32Array([1, -1]) });
    expect(sets(got, 2, 3)).toEqual([[0, 1, 3], [0, 1, 2]]);
  });

  it('throws HopgradError naming a bad argument', () => {
    const q = new Float32Array(6), keys = new Float32Array(8);
    const spec: TopkScoresSpec = { batch: 1, l: 3, m: 4, d: 2, k: 2, scale: 1, mask: null, sharedKeys: true };
    expect(() => cpuBackend.topkScores(q, keys, { ...spec, k: 5 })).toThrow(/topkScores: k = 5 exceeds the 4 memories/);
    expect(() => cpuBackend.topkScores(q, keys, { ...spec, l: 2 })).toThrow(/topkScores: q holds 6 values, expected batch·l·d/);
    expect(() => cpuBackend.topkScores(q, keys, { ...spec, sharedKeys: false, batch: 1, m: 3 })).toThrow(/topkScores: keys hold 8 values/);
    expect(() => cpuBackend.topkScores(q, keys, { ...spec, scale: new Float32Array(2) })).toThrow(/topkScores: scale holds 2 values/);
    expect(() => cpuBackend.topkScores(q, keys, { ...spec, mask: new Uint8Array(3) })).toThrow(/topkScores: mask holds 3 flags/);
    expect(() => cpuBackend.topkScores(q, keys, { ...spec, k: 1.5 })).toThrow(HopgradError);
    expect(() => backendKernels('wasm').topkScores(q, keys, { ...spec, k: -1 })).toThrow(/topkScores: k must be a non-negative integer/);
  });
});

describe('topkScores (wasm) against the old wasm path and the cpu kernel', () => {
  for (const threads of [1, 2]) {
    it(`on ${threads} thread(s): = old wasm path always, = cpu on exact scores, a near-top-k of the exact scores otherwise`, () => {
      configureWasm({ threads, minWork: 0, minParallelWork: 0 });
      resetWasmStats();
      let runs = 0;
      fc.assert(fc.property(caseArb({ dtypes: ['float32'], data: ['ints', 'floats'], big: true }), (c) => {
        const { batch, l, k } = c.spec;
        const rows = batch * l;
        const wasm = backendKernels('wasm').topkScores(c.q, c.keys, c.spec);
        const cpu = cpuBackend.topkScores(c.q, c.keys, c.spec);
        expect(sets(wasm, rows, k)).toEqual(sets(oldPath('wasm', c), rows, k));
        const exact = c.q.every((v) => Number.isInteger(v));
        if (exact) expect(sets(wasm, rows, k)).toEqual(sets(cpu, rows, k));
        expectNearTopk(c, wasm, 'wasm');
        expectNearTopk(c, cpu, 'cpu');
        if (k > 0 && k < c.spec.m) runs++;
      }), params(60));
      const st = wasmStats();
      expect(st.wasm['topkScores'] ?? 0).toBe(runs);
      if (threads > 1) expect(st.parallel['topkScores'] ?? 0).toBeGreaterThan(0);
      configureWasm({ ...WASM_DEFAULTS });
    });
  }

  it('a large problem (many row blocks, L2-sized score blocks) keeps the cpu set on integer data, 2 threads', () => {
    configureWasm({ threads: 2 });
    const r = rng(7);
    const batch = 2, l = 300, m = 2500, d = 64, k = 500;
    const q = Float32Array.from({ length: batch * l * d }, () => Math.floor(r() * 9) - 4);
    const keys = Float32Array.from({ length: batch * m * d }, () => Math.floor(r() * 9) - 4);
    const mask = Uint8Array.from({ length: batch * m }, (_, i) => (i % 7 === 3 ? 1 : 0));
    const spec: TopkScoresSpec = { batch, l, m, d, k, scale: 0.25, mask, sharedKeys: false };
    resetWasmStats();
    const wasm = backendKernels('wasm').topkScores(q, keys, spec);
    expect(wasmStats().wasm['topkScores']).toBe(1);
    expect(sets(wasm, batch * l, k)).toEqual(sets(cpuBackend.topkScores(q, keys, spec), batch * l, k));
    configureWasm({ ...WASM_DEFAULTS });
  });

  it('falls back to the cpu kernel for float64 data, k = 0 and k = m', () => {
    configureWasm({ minWork: 0 });
    const wasm = backendKernels('wasm');
    const spec: TopkScoresSpec = { batch: 1, l: 2, m: 3, d: 1, k: 2, scale: 1, mask: null, sharedKeys: true };
    resetWasmStats();
    expect(sets(wasm.topkScores(new Float64Array([1, -1]), new Float64Array([1, 3, 2]), spec), 2, 2)).toEqual([[1, 2], [0, 2]]);
    expect(wasm.topkScores(new Float32Array([1, -1]), new Float32Array([1, 3, 2]), { ...spec, k: 0 }).length).toBe(0);
    expect(sets(wasm.topkScores(new Float32Array([1, -1]), new Float32Array([1, 3, 2]), { ...spec, k: 3 }), 2, 3)).toEqual([[0, 1, 2], [0, 1, 2]]);
    expect(wasmStats().fallback['topkScores']).toBe(3);
    expect(wasmStats().wasm['topkScores']).toBeUndefined();
    configureWasm({ ...WASM_DEFAULTS });
  });
});
