// CPU kernels for reductions over the middle axis of [outer, n, inner]: sum/max/min/prod, argmax/argmin, cumsum.
import { type TypedArray, allocate, dtypeOf } from '../../dtype.js';
import type { ReduceOp } from '../backend.js';

export function reduce(op: ReduceOp, x: TypedArray, outer: number, n: number, inner: number): TypedArray {
  const out = allocate(dtypeOf(x), outer * inner);
  const init = op === 'sum' ? 0 : op === 'prod' ? 1 : op === 'max' ? -Infinity : Infinity;
  // accumulate in float64 (a JS number) for every dtype
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(init);
    const base = o * n * inner;
    for (let j = 0; j < n; j++) {
      const row = base + j * inner;
      switch (op) {
        case 'sum': for (let i = 0; i < inner; i++) acc[i]! += x[row + i]!; break;
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

export function argReduce(op: 'argmax' | 'argmin', x: TypedArray, outer: number, n: number, inner: number): Int32Array {
  const out = allocate('int32', outer * inner) as Int32Array;
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
  const out = allocate(dtypeOf(x), x.length);
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
