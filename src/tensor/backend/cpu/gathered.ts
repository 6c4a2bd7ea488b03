// CPU reference of fused gathered attention (the window / random / top-K Hopfield kinds): each query row attends
// over its own `width` memory rows only, picked by an index set, so neither the L×M scores nor [rows, width, d]
// gathered copies are ever built. Float32 or float64 data, float64 accumulation; the wasm kernels are
// parity-tested against these loops.
import { type TypedArray, allocate, dtypeOf } from '../../dtype.js';
import type { GatheredSpec } from '../backend.js';

/** All rows' global memory rows as one [rows·width] array (−1 = excluded), into `out` at `at` when given. */
export function gatheredRows(spec: GatheredSpec, out: Int32Array<ArrayBufferLike> = new Int32Array(spec.rows * spec.width), at = 0): Int32Array<ArrayBufferLike> {
  const { rows, width, index, excluded, period, groupRows, groupStride } = spec;
  const perSlot = excluded !== null && excluded.length !== index.length;
  for (let r = 0; r < rows; r++) {
    const base = Math.floor(r / groupRows) * groupStride;
    const src = (r % period) * width;
    const o = r * width;
    for (let c = 0; c < width; c++) {
      const ex = excluded ? excluded[perSlot ? o + c : src + c] !== 0 : false;
      out[at + o + c] = ex ? -1 : base + index[src + c]!;
    }
  }
  return out;
}

function scaleOf(spec: GatheredSpec, r: number): number {
  return typeof spec.scale === 'number' ? spec.scale : spec.scale[r]!;
}

function dot(a: TypedArray, ao: number, b: TypedArray, bo: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[ao + i]! * b[bo + i]!;
  return s;
}

/**
 * Gathered attention (Backend.gatheredAttention): out_r = Σ_c p_rc v_g(r,c) with p_r = softmax_c(scale_r·q_r·k_g(r,c)),
 * excluded slots at −∞; lse_r = log Σ_c exp(scale_r·q_r·k_g(r,c)). A row with every slot excluded gets out 0, lse −∞.
 */
export function gatheredAttention(q: TypedArray, keys: TypedArray, values: TypedArray, spec: GatheredSpec): { out: TypedArray; lse: TypedArray } {
  const { rows, width, d, dv } = spec;
  const dt = dtypeOf(q);
  const out = allocate(dt, rows * dv);
  const lse = allocate(dt, rows);
  const g = gatheredRows(spec);
  const s = new Float64Array(width);
  const acc = new Float64Array(dv);
  for (let r = 0; r < rows; r++) {
    const sc = scaleOf(spec, r);
    let mx = -Infinity;
    let nan = false;
    for (let c = 0; c < width; c++) {
      const j = g[r * width + c]!;
      const v = j < 0 ? -Infinity : sc * dot(q, r * d, keys, j * d, d);
      s[c] = v;
      if (v > mx) mx = v;
      else if (v !== v) nan = true;
    }
    if (mx === -Infinity && !nan) { lse[r] = -Infinity; continue; }
    acc.fill(0);
    let sum = 0;
    for (let c = 0; c < width; c++) {
      const j = g[r * width + c]!;
      if (j < 0) continue;
      const e = Math.exp(s[c]! - mx);
      sum += e;
      if (e === 0) continue;
      for (let t = 0; t < dv; t++) acc[t]! += e * values[j * dv + t]!;
    }
    for (let t = 0; t < dv; t++) out[r * dv + t] = acc[t]! / sum;
    lse[r] = mx + Math.log(sum);
  }
  return { out, lse };
}

/**
 * The backward of gatheredAttention from its out and lse: with p_rc = exp(scale_r·q_r·k_g − lse_r), δ_r = dout_r·out_r
 * and ds_rc = p_rc (dout_r·v_g − δ_r): dq_r = scale_r Σ_c ds_rc k_g, dkeys_g += scale_r ds_rc q_r, dvalues_g += p_rc dout_r,
 * dscale_r = Σ_c ds_rc (q_r·k_g). dkeys / dvalues are [n, d] / [n, dv] with n = keys.length / d.
 */
export function gatheredAttentionBackward(
  q: TypedArray, keys: TypedArray, values: TypedArray, out: TypedArray, dout: TypedArray, lse: TypedArray, spec: GatheredSpec,
): { dq: TypedArray | null; dkeys: TypedArray | null; dvalues: TypedArray | null; dscale: TypedArray | null } {
  const { rows, width, d, dv } = spec;
  const needs = spec.needs ?? { dq: true, dkeys: true, dvalues: true, dscale: false };
  const dt = dtypeOf(q);
  const n = d > 0 ? keys.length / d : values.length / Math.max(dv, 1);
  const dq = needs.dq ? allocate(dt, rows * d) : null;
  const dk = needs.dkeys ? new Float64Array(n * d) : null;
  const dval = needs.dvalues ? new Float64Array(n * dv) : null;
  const dscale = needs.dscale ? allocate(dt, rows) : null;
  const g = gatheredRows(spec);
  const dqr = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    const l = lse[r]!;
    if (l === -Infinity) continue;
    const sc = scaleOf(spec, r);
    const delta = dot(dout, r * dv, out, r * dv, dv);
    dqr.fill(0);
    let dsc = 0;
    for (let c = 0; c < width; c++) {
      const j = g[r * width + c]!;
      if (j < 0) continue;
      const raw = dot(q, r * d, keys, j * d, d);
      const p = Math.exp(sc * raw - l);
      const ds = p * (dot(dout, r * dv, values, j * dv, dv) - delta);
      dsc += ds * raw;
      if (dq) for (let t = 0; t < d; t++) dqr[t]! += ds * keys[j * d + t]!;
      if (dk) for (let t = 0; t < d; t++) dk[j * d + t]! += sc * ds * q[r * d + t]!;
      if (dval) for (let t = 0; t < dv; t++) dval[j * dv + t]! += p * dout[r * dv + t]!;
    }
    if (dq) for (let t = 0; t < d; t++) dq[r * d + t] = sc * dqr[t]!;
    if (dscale) dscale[r] = dsc;
  }
  const conv = (a: Float64Array | null): TypedArray | null => (a && dt === 'float64' ? a : a && Float32Array.from(a));
  return { dq, dkeys: conv(dk), dvalues: conv(dval), dscale };
}
