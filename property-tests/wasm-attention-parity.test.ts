// Parity of the wasm fused attention kernels (attention, attentionBackward) with the cpu reference: random
// problems with odd sizes (d, dv, l, m not multiples of 4 or 8, L = 1, M = 1, several batch elements, sizes past
// one TR×TC score tile), key masks (some keys, and batch elements whose keys are all padded), one scale or one
// per row (float32 or float64 arrays, negative ones too), random subsets of the wanted gradients — on 1 thread and
// on 2 threads (every call split: minWork and minParallelWork 0). float64 inputs must return the cpu result exactly.
//
// Tolerances (EPS = 2^-23, u = EPS/2; the cpu accumulates in float64 and rounds once, so the bounds are the wasm
// float32 error with a factor 2 of headroom). Per query row i and key j, with Sabs_ij = Σ_c |q_ic||k_jc|:
// - logits t_ij = scale_i·q_i·k_j: the float32 dot product errs by γ_d·Sabs_ij ≤ d·u·Sabs_ij (Higham §3.1), the
//   product with scale and the bias add by 2u|t|; exp(t − m) adds its < 1 ulp and the rounding of t − m (u·|t − m|),
//   and the backward recomputes exp(t − lse) with lse read as float32 (u·|lse|). So every recomputed probability has
//   relative error ≤ E_i = EPS·(2 + |scale_i|·(d + 4)·max_j Sabs_ij + 2·|lse_i|) (|t|, |m| ≤ |scale|·max Sabs).
// - out_ic = Σ_j P_ij v_jc / Σ_j P_ij: E_i on each weight, float32 sums over m terms (numerator by the micro-kernel,
//   denominator by 4 lanes, one rescale per key block of TC): ≤ (m + 8)·EPS relative of Σ_j P_ij |v_jc|. So
//   |Δout_ic| ≤ 2·(2E_i + (m + 8)·EPS)·Σ_j P_ij|v_jc| + TINY. lse: |Δ| ≤ 2·(2E_i + (m + 8)·EPS) + 2·EPS·|lse|.
// - backward: dP_ij = dout_i·v_j errs by (dv + 1)·u·DVabs_ij (DVabs = Σ|dout||v|), δ_i is rounded once, so
//   dS_ij = P_ij (dP_ij − δ_i) errs by W_ij = P_ij·(E_i·(|dP_ij| + |δ_i|) + (dv + 2)·EPS·DVabs_ij + EPS·|δ_i|)
//   + (n + 4)·EPS·|dS_ij|, the last term covering the float32 accumulation over n = max(l, m) terms of the products
//   below and the rounding of scale·dS. Then |Δdq_ic| ≤ 2|scale_i|·Σ_j W_ij|k_jc|, |Δdk_jc| ≤ 2·Σ_i |scale_i| W_ij|q_ic|,
//   |Δdv_jc| ≤ 2·Σ_i P_ij (E_i + (n + 4)·EPS)·|dout_ic|, |Δdscale_i| ≤ 2·Σ_j (W_ij|s_ij| + |dS_ij|·(d + 2)·EPS·Sabs_ij),
//   each + 2·EPS·|ref| + TINY.
// FC_SEED=<seed> replays a run; FC_RUNS=<n> sets runs per thread count.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cpuBackend } from '../src/tensor/backend/cpu/index.js';
import type { AttentionSpec } from '../src/tensor/backend/backend.js';
import type { TypedArray } from '../src/tensor/dtype.js';
import { WASM_DEFAULTS, configureWasm, resetWasmStats, wasmKernels, wasmStats } from '../src/tensor/backend/wasm/index.js';
import { mulberry32 as rng } from '../test/helpers/rng.js';

const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
const numRuns = Number(process.env.FC_RUNS ?? 30);
const EPS = 2 ** -23;
const TINY = 2 ** -125;


interface Case { q: Float32Array; k: Float32Array; v: Float32Array; dout: Float32Array; spec: AttentionSpec }

const dim = (max: number): fc.Arbitrary<number> =>
  fc.oneof(fc.constantFrom(...[1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 33, 64, 65].filter((d) => d <= max)), fc.integer({ min: 1, max }));

const caseArb: fc.Arbitrary<Case> = fc.record({
  batch: fc.integer({ min: 1, max: 3 }), l: dim(70), m: fc.oneof(dim(70), fc.constantFrom(129, 150)), d: dim(66), dv: dim(40),
  mask: fc.constantFrom('none', 'none', 'some', 'batch'), scale: fc.constantFrom('number', 'rows32', 'rows64'),
  amp: fc.constantFrom(0.5, 1, 3), needs: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), seed: fc.integer({ min: 0, max: 0x7fffffff }),
}).map(({ batch, l, m, d, dv, mask, scale, amp, needs, seed: s }) => {
  const r = rng(s);
  const fill = (n: number, a: number): Float32Array => Float32Array.from({ length: n }, () => (2 * r() - 1) * a);
  const q = fill(batch * l * d, amp), k = fill(batch * m * d, amp), v = fill(batch * m * dv, 1), dout = fill(batch * l * dv, 1);
  let maskData: Uint8Array | null = null;
  if (mask !== 'none') {
    maskData = Uint8Array.from({ length: batch * m }, () => (r() < 0.3 ? 1 : 0));
    if (mask === 'batch') maskData.fill(1, 0, m); // every key of batch element 0 padded
  }
  const perRow = (n: number): number[] => Array.from({ length: n }, () => (r() < 0.15 ? -1 : 1) * (0.05 + r()));
  const sc = scale === 'number' ? 1 / Math.sqrt(d) : scale === 'rows32' ? Float32Array.from(perRow(batch * l)) : Float64Array.from(perRow(batch * l));
  const [dq, dk, dvN, dscale] = needs as [boolean, boolean, boolean, boolean];
  return { q, k, v, dout, spec: { batch, l, m, d, dv, scale: sc, mask: maskData, needs: { dq, dk, dv: dvN, dscale: dscale || !(dq || dk || dvN) } } };
});

/** Per-entry tolerances of every output, from the float64 reference quantities (see the header). */
function tolerances(c: Case, lse: TypedArray): { out: Float64Array; lse: Float64Array; dq: Float64Array; dk: Float64Array; dv: Float64Array; dscale: Float64Array } {
  const { q, k, v, dout, spec } = c;
  const { batch, l, m, d, dv, mask } = spec;
  const n = Math.max(l, m);
  const out = new Float64Array(batch * l * dv), tl = new Float64Array(batch * l), dq = new Float64Array(batch * l * d);
  const dk = new Float64Array(batch * m * d), tdv = new Float64Array(batch * m * dv), ds = new Float64Array(batch * l);
  const s = new Float64Array(m), sabs = new Float64Array(m), p = new Float64Array(m);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < l; i++) {
      const row = b * l + i;
      const sc = typeof spec.scale === 'number' ? spec.scale : spec.scale[row]!;
      let maxSabs = 0, mx = -Infinity;
      for (let j = 0; j < m; j++) {
        let a = 0, aa = 0;
        for (let x = 0; x < d; x++) { const t = q[row * d + x]! * k[(b * m + j) * d + x]!; a += t; aa += Math.abs(t); }
        s[j] = a; sabs[j] = aa;
        if (mask && mask[b * m + j]) continue;
        maxSabs = Math.max(maxSabs, aa);
        mx = Math.max(mx, sc * a);
      }
      if (mx === -Infinity) continue; // all padded: both give exact zeros and −∞
      let tot = 0;
      for (let j = 0; j < m; j++) { p[j] = mask && mask[b * m + j] ? 0 : Math.exp(sc * s[j]! - mx); tot += p[j]!; }
      for (let j = 0; j < m; j++) p[j]! /= tot;
      const L = lse[row]!;
      const E = EPS * (2 + Math.abs(sc) * (d + 4) * maxSabs + 2 * Math.abs(L));
      const rel = 2 * E + (m + 8) * EPS;
      tl[row] = 2 * rel + 2 * EPS * Math.abs(L);
      let delta = 0;
      for (let x = 0; x < dv; x++) {
        let o = 0, oa = 0;
        for (let j = 0; j < m; j++) { o += p[j]! * v[(b * m + j) * dv + x]!; oa += p[j]! * Math.abs(v[(b * m + j) * dv + x]!); }
        out[row * dv + x] = 2 * rel * oa;
        delta += dout[row * dv + x]! * o;
      }
      for (let j = 0; j < m; j++) {
        if (p[j] === 0) continue;
        let dp = 0, dpa = 0;
        for (let x = 0; x < dv; x++) { const t = dout[row * dv + x]! * v[(b * m + j) * dv + x]!; dp += t; dpa += Math.abs(t); }
        const dS = p[j]! * (dp - delta);
        const W = p[j]! * (E * (Math.abs(dp) + Math.abs(delta)) + (dv + 2) * EPS * dpa + EPS * Math.abs(delta)) + (n + 4) * EPS * Math.abs(dS);
        for (let x = 0; x < d; x++) {
          dq[row * d + x]! += 2 * Math.abs(sc) * W * Math.abs(k[(b * m + j) * d + x]!);
          dk[(b * m + j) * d + x]! += 2 * Math.abs(sc) * W * Math.abs(q[row * d + x]!);
        }
        for (let x = 0; x < dv; x++) tdv[(b * m + j) * dv + x]! += 2 * p[j]! * (E + (n + 4) * EPS) * Math.abs(dout[row * dv + x]!);
        ds[row]! += 2 * (W * Math.abs(s[j]!) + Math.abs(dS) * (d + 2) * EPS * sabs[j]!);
      }
    }
  }
  return { out, lse: tl, dq, dk, dv: tdv, dscale: ds };
}

/** The first entry where got and want differ by more than tol + 2·EPS·|want| + TINY (NaN / ±∞ must match exactly). */
function mismatch(name: string, got: TypedArray | null, want: TypedArray | null, tol: Float64Array): string | null {
  if (got === null || want === null) return got === want ? null : `${name}: ${got === null ? 'missing' : 'unexpected'} result`;
  if (got.length !== want.length) return `${name}: length ${got.length} vs ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (!Number.isFinite(w) || !Number.isFinite(g)) { if (!Object.is(g, w)) return `${name}[${i}]: ${g} vs ${w}`; continue; }
    const t = tol[i]! + 2 * EPS * Math.abs(w) + TINY;
    if (!(Math.abs(g - w) <= t)) return `${name}[${i}]: wasm ${g} vs cpu ${w} (|Δ| ${Math.abs(g - w)} > tol ${t})`;
  }
  return null;
}

function check(c: Case): void {
  const ref = cpuBackend.attention(c.q, c.k, c.v, c.spec);
  const got = wasmKernels.attention(c.q, c.k, c.v, c.spec);
  const tol = tolerances(c, ref.lse);
  const label = `batch ${c.spec.batch} l ${c.spec.l} m ${c.spec.m} d ${c.spec.d} dv ${c.spec.dv}`;
  const f = mismatch('out', got.out, ref.out, tol.out) ?? mismatch('lse', got.lse, ref.lse, tol.lse);
  if (f) throw new Error(`${label}: ${f}`);
  // the backward from the same (reference) out and lse
  const gb = cpuBackend.attentionBackward(c.q, c.k, c.v, ref.out, c.dout, ref.lse, c.spec);
  const wb = wasmKernels.attentionBackward(c.q, c.k, c.v, ref.out, c.dout, ref.lse, c.spec);
  const g = mismatch('dq', wb.dq, gb.dq, tol.dq) ?? mismatch('dk', wb.dk, gb.dk, tol.dk) ?? mismatch('dv', wb.dv, gb.dv, tol.dv)
    ?? mismatch('dscale', wb.dscale, gb.dscale, tol.dscale);
  if (g) throw new Error(`${label} needs ${JSON.stringify(c.spec.needs)}: ${g}`);
}

afterAll(() => configureWasm({ ...WASM_DEFAULTS }));

for (const threads of [1, 2]) {
  describe(`wasm attention on ${threads} thread(s) matches cpu`, () => {
    it('forward and backward, within the derived float32 tolerances', () => {
      configureWasm({ threads, minWork: 0, minParallelWork: 0 });
      resetWasmStats();
      fc.assert(fc.property(caseArb, (c) => check(c)), { numRuns, ...seed });
      const st = wasmStats();
      expect(st.wasm.attention ?? 0).toBe(numRuns);
      expect(st.wasm.attentionBackward ?? 0).toBe(numRuns);
      if (threads > 1) expect(st.parallel.attention ?? 0).toBeGreaterThan(0);
    });
  });
}

describe('wasm attention fallbacks', () => {
  it('returns the cpu result exactly for float64 inputs', () => {
    configureWasm({ threads: 1, minWork: 0 });
    const r = rng(7);
    const f64 = (n: number): Float64Array => Float64Array.from({ length: n }, () => 2 * r() - 1);
    const spec: AttentionSpec = { batch: 2, l: 5, m: 9, d: 3, dv: 4, scale: 0.5, mask: null };
    const [q, k, v, dout] = [f64(30), f64(54), f64(72), f64(40)];
    const a = wasmKernels.attention(q, k, v, spec), b = cpuBackend.attention(q, k, v, spec);
    expect(Array.from(a.out)).toEqual(Array.from(b.out));
    expect(Array.from(a.lse)).toEqual(Array.from(b.lse));
    const ga = wasmKernels.attentionBackward(q, k, v, b.out, dout, b.lse, spec), gb = cpuBackend.attentionBackward(q, k, v, b.out, dout, b.lse, spec);
    expect(Array.from(ga.dq!)).toEqual(Array.from(gb.dq!));
    expect(Array.from(ga.dk!)).toEqual(Array.from(gb.dk!));
    expect(Array.from(ga.dv!)).toEqual(Array.from(gb.dv!));
  });
});
