// CPU kernels for indexing: gather / scatterAdd along an axis, top-k and stable argsort of rows.
import { type TypedArray, allocate, dtypeOf } from '../../dtype.js';

export function gather(x: TypedArray, outer: number, n: number, inner: number, idx: Int32Array, k: number): TypedArray {
  const out = allocate(dtypeOf(x), outer * k * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const row = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) out[row + i] = x[(o * n + idx[row + i]!) * inner + i]!;
    }
  }
  return out;
}

export function scatterAdd(src: TypedArray, outer: number, n: number, inner: number, idx: Int32Array, k: number): TypedArray {
  const out = allocate(dtypeOf(src), outer * n * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const row = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) out[(o * n + idx[row + i]!) * inner + i]! += src[row + i]!;
    }
  }
  return out;
}

/** Order for sorting: NaN counts as the largest value (like torch.sort), ties by index. */
function cmpDesc(vals: TypedArray, base: number): (i: number, j: number) => number {
  return (i, j) => {
    const a = vals[base + i]!;
    const b = vals[base + j]!;
    if (a === b) return i - j;
    if (a !== a) return b !== b ? i - j : -1;
    if (b !== b) return 1;
    return a > b ? -1 : 1;
  };
}
function cmpAsc(vals: TypedArray, base: number): (i: number, j: number) => number {
  return (i, j) => {
    const a = vals[base + i]!;
    const b = vals[base + j]!;
    if (a === b) return i - j;
    if (a !== a) return b !== b ? i - j : 1;
    if (b !== b) return -1;
    return a < b ? -1 : 1;
  };
}

export function argsort(x: TypedArray, rows: number, cols: number, descending: boolean): Int32Array {
  const out = new Int32Array(rows * cols);
  const order = new Array<number>(cols);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) order[j] = j;
    order.sort(descending ? cmpDesc(x, r * cols) : cmpAsc(x, r * cols));
    for (let j = 0; j < cols; j++) out[r * cols + j] = order[j]!;
  }
  return out;
}

export function topk(x: TypedArray, rows: number, cols: number, k: number, largest: boolean): { values: TypedArray; indices: Int32Array } {
  const values = allocate(dtypeOf(x), rows * k);
  const indices = new Int32Array(rows * k);
  const order = new Array<number>(cols);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) order[j] = j;
    order.sort(largest ? cmpDesc(x, r * cols) : cmpAsc(x, r * cols));
    for (let j = 0; j < k; j++) {
      const c = order[j]!;
      indices[r * k + j] = c;
      values[r * k + j] = x[r * cols + c]!;
    }
  }
  return { values, indices };
}
