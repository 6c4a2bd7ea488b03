// CPU kernels for the fused row ops: softmax, log-softmax, logsumexp, layer normalization.
import { type TypedArray, allocate, dtypeOf } from '../../dtype.js';

export function softmax(x: TypedArray, rows: number, cols: number): TypedArray {
  const out = allocate(dtypeOf(x), rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mx = -Infinity;
    for (let j = 0; j < cols; j++) if (x[o + j]! > mx) mx = x[o + j]!;
    if (mx === -Infinity) { // every entry masked: all zeros rather than NaN
      continue;
    }
    let s = 0;
    for (let j = 0; j < cols; j++) { const e = Math.exp(x[o + j]! - mx); out[o + j] = e; s += e; }
    const inv = 1 / s;
    for (let j = 0; j < cols; j++) out[o + j]! *= inv;
  }
  return out;
}

export function logsumexp(x: TypedArray, rows: number, cols: number): TypedArray {
  const out = allocate(dtypeOf(x), rows);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mx = -Infinity;
    for (let j = 0; j < cols; j++) if (x[o + j]! > mx) mx = x[o + j]!;
    if (mx === -Infinity || mx === Infinity) { out[r] = mx; continue; }
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(x[o + j]! - mx);
    out[r] = mx + Math.log(s);
  }
  return out;
}

export function logSoftmax(x: TypedArray, rows: number, cols: number): TypedArray {
  const lse = logsumexp(x, rows, cols);
  const out = allocate(dtypeOf(x), rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const l = lse[r]!;
    if (l === -Infinity) { for (let j = 0; j < cols; j++) out[o + j] = -Infinity; continue; } // all masked
    for (let j = 0; j < cols; j++) out[o + j] = x[o + j]! - l;
  }
  return out;
}

export function layerNorm(x: TypedArray, rows: number, cols: number, eps: number): { out: TypedArray; mean: TypedArray; rstd: TypedArray } {
  const dt = dtypeOf(x);
  const out = allocate(dt, rows * cols);
  const mean = allocate(dt, rows);
  const rstd = allocate(dt, rows);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[o + j]!;
    const mu = s / cols;
    let v = 0;
    for (let j = 0; j < cols; j++) { const d = x[o + j]! - mu; v += d * d; }
    const rs = 1 / Math.sqrt(v / cols + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let j = 0; j < cols; j++) out[o + j] = (x[o + j]! - mu) * rs;
  }
  return { out, mean, rstd };
}
