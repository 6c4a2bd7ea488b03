// CPU kernels for reductions over the middle axis of [outer, n, inner]: sum/max/min/prod, argmax/argmin, cumsum.
import { type TypedArray, allocateUninit, dtypeOf } from '../../dtype.js';
import type { ReduceOp } from '../backend.js';

/** Reduce x viewed as [outer, n, inner] over the middle axis (float64 accumulation, j in increasing order). */
export function reduce(op: ReduceOp, x: TypedArray, outer: number, n: number, inner: number): TypedArray {
  const out = allocateUninit(dtypeOf(x), outer * inner);
  if (op === 'sum') {
    // the hot case (bias gradients, row sums): one monomorphic loop per layout, same order as the general loop
    if (inner === 1) sumRows(x, out, outer, n);
    else sumColumns(x, out, outer, n, inner);
    return out;
  }
  const init = op === 'prod' ? 1 : op === 'max' ? -Infinity : Infinity;
  // accumulate in float64 (a JS number) for every dtype
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(init);
    const base = o * n * inner;
    for (let j = 0; j < n; j++) {
      const row = base + j * inner;
      switch (op) {
        case 'prod': for (let i = 0; i < inner; i++) acc[i]! *= x[row + i]!; break;
        case 'max': for (let i = 0; i < inner; i++) { const v = x[row + i]!; if (v > acc[i]! || v !== v) acc[i] = v; } break;
        case 'min': for (let i = 0; i < inner; i++) { const v = x[row + i]!; if (v < acc[i]! || v !== v) acc[i] = v; } break;
      }
    }
    // once NaN, stays NaN for max/min (comparisons with NaN are false)
    out.set(acc, o * inner);
  }
  return out;
}

/** out[o] = Σ_j x[o·n + j] (a float64 running sum, j increasing). */
function sumRows(x: TypedArray, out: TypedArray, outer: number, n: number): void {
  for (let o = 0, base = 0; o < outer; o++, base += n) {
    let s = 0;
    for (let j = 0; j < n; j++) s += x[base + j]!;
    out[o] = s;
  }
}

/** out[o, i] = Σ_j x[o, j, i] (float64 running sums, j increasing), four columns at a time in registers. */
function sumColumns(x: TypedArray, out: TypedArray, outer: number, n: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0, r = base + i; j < n; j++, r += inner) { s0 += x[r]!; s1 += x[r + 1]!; s2 += x[r + 2]!; s3 += x[r + 3]!; }
      const q = o * inner + i;
      out[q] = s0; out[q + 1] = s1; out[q + 2] = s2; out[q + 3] = s3;
    }
    for (; i < inner; i++) {
      let s = 0;
      for (let j = 0, r = base + i; j < n; j++, r += inner) s += x[r]!;
      out[o * inner + i] = s;
    }
  }
}

export function argReduce(op: 'argmax' | 'argmin', x: TypedArray, outer: number, n: number, inner: number): Int32Array {
  const out = allocateUninit('int32', outer * inner) as Int32Array; // every (o, i) is written once
  const sign = op === 'argmax' ? 1 : -1;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let best = 0;
      let bv = x[base]! * sign;
      if (bv !== bv) { out[o * inner + i] = 0; continue; }
      for (let j = 1; j < n; j++) {
        const v = x[base + j * inner]! * sign;
        if (v !== v) { best = j; break; } // NaN wins, like numpy
        if (v > bv) { bv = v; best = j; }
      }
      out[o * inner + i] = best;
    }
  }
  return out;
}

export function cumsum(x: TypedArray, outer: number, n: number, inner: number): TypedArray {
  const out = allocateUninit(dtypeOf(x), x.length); // every (o, j, i) is written once
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    for (let j = 0; j < n; j++) {
      const row = (o * n + j) * inner;
      for (let i = 0; i < inner; i++) { acc[i]! += x[row + i]!; out[row + i] = acc[i]!; }
    }
  }
  return out;
}
