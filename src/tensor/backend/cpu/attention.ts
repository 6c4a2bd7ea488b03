// CPU reference of the fused scaled-dot-product attention kernels (Backend.attention / attentionBackward):
// one query row at a time, scores recomputed into an m-long float64 scratch row (never an l×m matrix), two
// passes per row (max, then Σexp and the weighted sum), everything accumulated in float64. The backward
// recomputes P from the saved per-row logsumexp (FlashAttention-2): δ_i = dout_i·out_i, dS_ij = P_ij (dout_i·v_j − δ_i).
import { type TypedArray, allocate, dtypeOf } from '../../dtype.js';
import type { AttentionSpec } from '../backend.js';

/** The scale of query row `row` (flat over batch·l). */
function rowScale(spec: AttentionSpec, row: number): number {
  return typeof spec.scale === 'number' ? spec.scale : spec.scale[row]!;
}

/** Fill `s` (length m) with the raw scores q_row · k_j against the keys of batch element b. */
function scores(q: TypedArray, k: TypedArray, b: number, row: number, spec: AttentionSpec, s: Float64Array): void {
  const { m, d } = spec;
  const qo = row * d;
  for (let j = 0; j < m; j++) {
    const ko = (b * m + j) * d;
    let acc = 0;
    for (let c = 0; c < d; c++) acc += q[qo + c]! * k[ko + c]!;
    s[j] = acc;
  }
}

/** Whether key j of batch element b is padded. */
function padded(spec: AttentionSpec, b: number, j: number): boolean {
  return spec.mask !== null && spec.mask[b * spec.m + j] !== 0;
}

/** Fused attention forward (the Backend.attention contract). */
export function attention(q: TypedArray, k: TypedArray, v: TypedArray, spec: AttentionSpec): { out: TypedArray; lse: TypedArray } {
  const { batch, l, m, dv } = spec;
  const dt = dtypeOf(q);
  const out = allocate(dt, batch * l * dv);
  const lse = allocate(dt, batch * l);
  const s = new Float64Array(m);
  const acc = new Float64Array(dv);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < l; i++) {
      const row = b * l + i;
      const sc = rowScale(spec, row);
      scores(q, k, b, row, spec, s);
      let mx = -Infinity;
      for (let j = 0; j < m; j++) {
        if (padded(spec, b, j)) continue;
        const t = sc * s[j]!;
        s[j] = t;
        if (t > mx) mx = t; // a NaN score makes the row NaN through exp below, as the unfused softmax does
      }
      if (mx === -Infinity) { lse[row] = -Infinity; continue; } // every memory padded: out stays 0
      acc.fill(0);
      let sum = 0;
      for (let j = 0; j < m; j++) {
        if (padded(spec, b, j)) continue;
        const p = Math.exp(s[j]! - mx);
        sum += p;
        const vo = (b * m + j) * dv;
        for (let c = 0; c < dv; c++) acc[c]! += p * v[vo + c]!;
      }
      const oo = row * dv;
      for (let c = 0; c < dv; c++) out[oo + c] = acc[c]! / sum;
      lse[row] = mx + Math.log(sum);
    }
  }
  return { out, lse };
}

/** Fused attention backward (the Backend.attentionBackward contract). */
export function attentionBackward(
  q: TypedArray, k: TypedArray, v: TypedArray, out: TypedArray, dout: TypedArray, lse: TypedArray, spec: AttentionSpec,
): { dq: TypedArray | null; dk: TypedArray | null; dv: TypedArray | null; dscale: TypedArray | null } {
  const { batch, l, m, d, dv } = spec;
  const needs = spec.needs ?? { dq: true, dk: true, dv: true, dscale: false };
  const dt = dtypeOf(q);
  const dq = needs.dq ? allocate(dt, batch * l * d) : null;
  const dscale = needs.dscale ? allocate(dt, batch * l) : null;
  const dk = needs.dk ? new Float64Array(batch * m * d) : null;
  const dV = needs.dv ? new Float64Array(batch * m * dv) : null;
  const s = new Float64Array(m);
  const dqRow = new Float64Array(d);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < l; i++) {
      const row = b * l + i;
      const li = lse[row]!;
      if (li === -Infinity) continue; // all padded: P = 0, no gradient
      const sc = rowScale(spec, row);
      scores(q, k, b, row, spec, s);
      const oo = row * dv;
      let delta = 0;
      for (let c = 0; c < dv; c++) delta += dout[oo + c]! * out[oo + c]!;
      dqRow.fill(0);
      let ds = 0;
      for (let j = 0; j < m; j++) {
        if (padded(spec, b, j)) continue;
        const p = Math.exp(sc * s[j]! - li);
        const vo = (b * m + j) * dv;
        let dp = 0;
        for (let c = 0; c < dv; c++) dp += dout[oo + c]! * v[vo + c]!;
        const dS = p * (dp - delta); // ∂loss/∂(scale·s_ij)
        if (dV) for (let c = 0; c < dv; c++) dV[vo + c]! += p * dout[oo + c]!; // dv_j += P_ij dout_i
        if (dscale) ds += dS * s[j]!; // ∂(scale·s)/∂scale = s
        const ko = (b * m + j) * d;
        if (dq) for (let c = 0; c < d; c++) dqRow[c]! += dS * k[ko + c]!; // dq_i = scale Σ_j dS k_j
        if (dk) for (let c = 0; c < d; c++) dk[ko + c]! += sc * dS * q[row * d + c]!; // dk_j = Σ_i scale dS q_i
      }
      if (dq) for (let c = 0; c < d; c++) dq[row * d + c] = sc * dqRow[c]!;
      if (dscale) dscale[row] = ds;
    }
  }
  const cast = (a: Float64Array | null): TypedArray | null => {
    if (!a || dt === 'float64') return a;
    const o = allocate(dt, a.length);
    o.set(a);
    return o;
  };
  return { dq, dk: cast(dk), dv: cast(dV), dscale };
}
