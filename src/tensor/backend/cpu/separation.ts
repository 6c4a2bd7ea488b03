// CPU kernels for the sparse separation functions of modern Hopfield models: sparsemax and α-entmax.
import { type TypedArray, allocate, dtypeOf } from '../../dtype.js';

/** Sort-based sparsemax (Martins & Astudillo 2016) of each row. */
export function sparsemax(x: TypedArray, rows: number, cols: number): TypedArray {
  const out = allocate(dtypeOf(x), rows * cols);
  const z = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) z[j] = x[o + j]!;
    z.sort().reverse(); // descending; −∞ last
    // support size k: the largest k with 1 + k·z_(k) > Σ_{j≤k} z_(j)
    let cum = 0;
    let k = 0;
    let kCum = 0;
    for (let j = 0; j < cols; j++) {
      const zj = z[j]!;
      if (zj === -Infinity) break;
      cum += zj;
      if (1 + (j + 1) * zj > cum) { k = j + 1; kCum = cum; } else break;
    }
    if (k === 0) continue; // an all −∞ row: zeros
    const tau = (kCum - 1) / k;
    for (let j = 0; j < cols; j++) { const v = x[o + j]! - tau; out[o + j] = v > 0 ? v : 0; }
  }
  return out;
}

/** Bisection for τ in α-entmax (as in Peters, Niculae & Martins 2019), then exact renormalization. */
export function entmax(x: TypedArray, rows: number, cols: number, alpha: Float64Array): TypedArray {
  const out = allocate(dtypeOf(x), rows * cols);
  const z = new Float64Array(cols);
  const p = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const a = alpha[r]!;
    const am1 = a - 1;
    const inv = 1 / am1;
    let mx = -Infinity;
    for (let j = 0; j < cols; j++) { z[j] = x[o + j]! * am1; if (z[j]! > mx) mx = z[j]!; }
    if (mx === -Infinity) continue;
    // Σ [z − τ]₊^{1/(α−1)} is decreasing in τ; at τ = max − 1 it is ≥ 1, at τ = max − (1/n)^{α−1} it is ≤ 1
    let lo = mx - 1;
    let hi = mx - Math.pow(1 / cols, am1);
    let tau = lo;
    for (let it = 0; it < 80; it++) {
      tau = 0.5 * (lo + hi);
      let s = 0;
      for (let j = 0; j < cols; j++) { const v = z[j]! - tau; if (v > 0) s += Math.pow(v, inv); }
      if (s >= 1) lo = tau; else hi = tau;
      if (hi - lo <= 1e-16 * Math.max(1, Math.abs(tau))) break;
    }
    let s = 0;
    for (let j = 0; j < cols; j++) { const v = z[j]! - lo; p[j] = v > 0 ? Math.pow(v, inv) : 0; s += p[j]!; }
    for (let j = 0; j < cols; j++) out[o + j] = p[j]! / s;
  }
  return out;
}
