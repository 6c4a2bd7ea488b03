// Indexing ops: gather / scatterAdd along an axis, indexSelect (embedding lookups), maskedFill, topk, sort,
// argsort and oneHot, plus the slicing views of ./slicing.ts. Values of topk/sort are a gather of the input
// by the computed indices, so their gradient is gather's. Installs the fluent methods of the group.
import { Tensor } from '../../tensor/tensor.js';
import { type TypedArray, allocate } from '../../tensor/dtype.js';
import { HopgradError, check } from '../../tensor/errors.js';
import { broadcastsTo, fmt, normAxis, sizeOf, stridesOf } from '../../tensor/shape.js';
import { kernels } from '../../tensor/backend/index.js';
import { type OpTable, binder } from '../engine.js';
import { broadcastStrides, needTensor } from './util.js';
import { reshape } from './movement.js';
import { type SliceEntry, type SlicingAttrs, narrow, select, slice, slicingOps } from './slicing.js';

interface GatherAttrs {
  /** inputs [x, index] */
  gather: { axis: number };
  /** inputs [x, index, src] */
  scatterAdd: { axis: number };
  /** inputs [x, mask] */
  maskedFill: { value: number };
}

/** x viewed as [outer, n, inner] around `axis`. */
function around(shape: readonly number[], axis: number): { outer: number; n: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), n: shape[axis]!, inner: sizeOf(shape.slice(axis + 1)) };
}

function int32Data(t: Tensor): Int32Array {
  return t.contiguousData() as Int32Array;
}

const gatherOps: OpTable<GatherAttrs> = {
  gather: {
    forward: ([x, index], { axis }) => {
      const { outer, n, inner } = around(x!.shape, axis);
      return new Tensor(kernels().gather(x!.contiguousData(), outer, n, inner, int32Data(index!), index!.shape[axis]!), index!.shape);
    },
    // the adjoint of reading x at the indices is adding dy back at them
    backward: (dy, { inputs: [x, index], attrs }) => [applyGather('scatterAdd', [zeroLike(x!, dy), index!, dy], attrs), null],
  },
  scatterAdd: {
    forward: ([x, index, src], { axis }) => {
      const k = kernels();
      const { outer, n, inner } = around(x!.shape, axis);
      const scat = k.scatterAdd(src!.contiguousData(), outer, n, inner, int32Data(index!), index!.shape[axis]!);
      const st = stridesOf(x!.shape);
      return new Tensor(k.binary('add', x!.contiguousData(), st, scat, st, x!.shape, x!.dtype), x!.shape);
    },
    // out = x + S(src) with S linear: dx = dy, dsrc = Sᵀ dy = gather(dy)
    backward: (dy, { inputs: [, index], attrs, needs }) => [
      needs[0] ? dy : null, null, needs[2] ? applyGather('gather', [dy, index!], attrs) : null,
    ],
  },
  maskedFill: {
    forward: ([x, mask], { value }) => {
      const k = kernels();
      const cond = k.strided(mask!._storage, x!.shape, broadcastStrides(mask!, x!.shape), mask!._offset);
      const fill = allocate(x!.dtype, x!.size).fill(value);
      return new Tensor(k.where(cond, fill, x!.contiguousData(), x!.dtype), x!.shape);
    },
    // filled entries do not depend on x
    backward: (dy, { inputs: [, mask] }) => [applyGather('maskedFill', [dy, mask!], { value: 0 }), null],
  },
};

const applyGather = binder(gatherOps);

function zeroLike(x: Tensor, dy: Tensor): Tensor {
  return new Tensor(allocate(dy.dtype, x.size), x.shape);
}

/** Check an index tensor: int32, values in [0, n). */
function checkIndex(index: unknown, n: number, where: string, axisDesc: string): Tensor {
  const t = needTensor(index, where, 'index');
  check(t.dtype === 'int32', where, () => `index must be an int32 tensor, got ${t.dtype}`);
  const d = int32Data(t);
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v < 0 || v >= n) {
      throw new HopgradError(`${where}: index value ${v} at flat position ${i} is out of range for ${axisDesc} of size ${n} (valid: 0..${n - 1})`);
    }
  }
  return t;
}

/** Check that `index` has x's rank and x's sizes on every axis but `axis`. */
function checkIndexShape(x: Tensor, index: Tensor, axis: number, where: string): void {
  const ok = index.ndim === x.ndim && x.shape.every((d, i) => i === axis || index.shape[i] === d);
  check(ok, where, () => {
    const bad = x.shape.findIndex((d, i) => i !== axis && index.shape[i] !== d);
    const why = index.ndim !== x.ndim ? `it has rank ${index.ndim}` : `dimension ${bad} is ${index.shape[bad]} vs ${x.shape[bad]}`;
    return `index of shape ${fmt(index.shape)} must have the input's rank ${x.ndim} and match the input's shape ${fmt(x.shape)} on every axis except axis ${axis} (${why})`;
  });
}

function prepAxis(x: Tensor, axis: number, where: string): number {
  needTensor(x, where);
  check(x.ndim > 0, where, 'needs a tensor with at least 1 dimension, got a 0-d tensor');
  return normAxis(axis, x.ndim, where);
}

/**
 * torch.gather: out has index's shape and out[i][j][k] = x[i][index[i][j][k]][k] for axis 1. `index` is int32
 * with x's rank and x's sizes on every other axis. Differentiable in x.
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const a = prepAxis(x, axis, 'gather');
  checkIndexShape(x, needTensor(index, 'gather', 'index'), a, 'gather');
  checkIndex(index, x.shape[a]!, 'gather', `axis ${axis}`);
  return applyGather('gather', [x, index], { axis: a });
}

/**
 * x plus `src` added at the positions `index` names along `axis` (torch.Tensor.scatter_add, out of place):
 * out[i][index[i][j][k]][k] += src[i][j][k] for axis 1. `index` and `src` share a shape that matches x on
 * every other axis; repeated indices add up. Differentiable in x and src.
 */
export function scatterAdd(x: Tensor, axis: number, index: Tensor, src: Tensor): Tensor {
  const a = prepAxis(x, axis, 'scatterAdd');
  needTensor(src, 'scatterAdd', 'src');
  checkIndexShape(x, needTensor(index, 'scatterAdd', 'index'), a, 'scatterAdd');
  check(index.ndim === src.ndim && index.shape.every((d, i) => src.shape[i] === d), 'scatterAdd', () => `src of shape ${fmt(src.shape)} must have the index's shape ${fmt(index.shape)}`);
  check(src.dtype === x.dtype, 'scatterAdd', () => `src has dtype ${src.dtype} but the input has ${x.dtype}`);
  checkIndex(index, x.shape[a]!, 'scatterAdd', `axis ${axis}`);
  return applyGather('scatterAdd', [x, index, src], { axis: a });
}

/**
 * The entries of x at positions `index` along `axis` (numpy.take / torch.index_select): the output's shape is
 * x's with `axis` replaced by index's shape, so `indexSelect(weight, 0, ids)` is an embedding lookup.
 */
export function indexSelect(x: Tensor, axis: number, index: Tensor): Tensor {
  const a = prepAxis(x, axis, 'indexSelect');
  checkIndex(index, x.shape[a]!, 'indexSelect', `axis ${axis}`);
  const ids = int32Data(index);
  const m = ids.length;
  const { outer, inner } = around(x.shape, a);
  const idx = new Int32Array(outer * m * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) idx.fill(ids[j]!, (o * m + j) * inner, (o * m + j + 1) * inner);
  }
  const full = new Tensor(idx, x.shape.map((d, i) => (i === a ? m : d)));
  const out = applyGather('gather', [x, full], { axis: a });
  return reshape(out, [...x.shape.slice(0, a), ...index.shape, ...x.shape.slice(a + 1)]);
}

/** x with `value` wherever `mask` (broadcast to x's shape) is nonzero; the gradient is 0 at filled entries. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  needTensor(x, 'maskedFill');
  needTensor(mask, 'maskedFill', 'mask');
  check(broadcastsTo(mask.shape, x.shape), 'maskedFill', () => `mask of shape ${fmt(mask.shape)} does not broadcast to the input's shape ${fmt(x.shape)}`);
  check(typeof value === 'number', 'maskedFill', () => `value must be a number, got ${typeof value}`);
  check(x.dtype !== 'int32' || Number.isInteger(value), 'maskedFill', () => `value ${value} is not an integer, but the input is int32`);
  return applyGather('maskedFill', [x, mask], { value });
}

// ---- sorting -------------------------------------------------------------------------------------------

/** Run a row kernel on x with `axis` moved last; `fn` returns [rows, outCols] indices; put the axis back. */
function alongAxis(x: Tensor, a: number, outCols: number, fn: (data: TypedArray, rows: number, cols: number) => Int32Array): Tensor {
  const k = kernels();
  const r = x.ndim;
  const perm = [...Array.from({ length: r }, (_, i) => i).filter((i) => i !== a), a];
  const pShape = perm.map((p) => x.shape[p]!);
  const data = k.strided(x._storage, pShape, perm.map((p) => x._strides[p]!), x._offset);
  const rows = sizeOf(pShape.slice(0, -1));
  const res = fn(data, rows, x.shape[a]!);
  const outShape = x.shape.map((d, i) => (i === a ? outCols : d));
  if (a === r - 1) return new Tensor(res, outShape);
  const st = stridesOf([...pShape.slice(0, -1), outCols]);
  const back = outShape.map((_, i) => (i === a ? st[r - 1]! : st[i < a ? i : i - 1]!));
  return new Tensor(k.strided(res, outShape, back, 0), outShape);
}

/** Values and their int32 positions along the axis, as topk and sort return them. */
export interface SortResult {
  values: Tensor;
  indices: Tensor;
}

/** Options of topk. */
export interface TopkOptions {
  /** The axis to search (default −1). */
  axis?: number;
  /** The k largest (default) or the k smallest. */
  largest?: boolean;
  /** Accepted for PyTorch compatibility; the result is always sorted (best first). */
  sorted?: boolean;
}

/**
 * The k largest (or smallest) entries along an axis, best first; ties keep the lower index first and NaN
 * counts as the largest value. `values` is differentiable (a gather of x), `indices` int32.
 */
export function topk(x: Tensor, k: number, opts: TopkOptions = {}): SortResult {
  const a = prepAxis(x, opts.axis ?? -1, 'topk');
  const n = x.shape[a]!;
  check(Number.isInteger(k) && k >= 0 && k <= n, 'topk', () => `k must be an integer in [0, ${n}] for axis ${opts.axis ?? -1} of shape ${fmt(x.shape)}, got ${k}`);
  const largest = opts.largest ?? true;
  const indices = alongAxis(x, a, k, (d, rows, cols) => kernels().topk(d, rows, cols, k, largest).indices);
  return { values: applyGather('gather', [x, indices], { axis: a }), indices };
}

/** Options of sort and argsort. */
export interface SortOptions {
  /** The axis to sort along (default −1). */
  axis?: number;
  /** Largest first (default false). */
  descending?: boolean;
}

/** Stable argsort along an axis (int32, not differentiable); NaN sorts as the largest value. */
export function argsort(x: Tensor, opts: SortOptions = {}): Tensor {
  const a = prepAxis(x, opts.axis ?? -1, 'argsort');
  const desc = opts.descending ?? false;
  return alongAxis(x, a, x.shape[a]!, (d, rows, cols) => kernels().argsort(d, rows, cols, desc));
}

/** Stable sort along an axis: sorted `values` (differentiable, a gather of x) and their int32 `indices`. */
export function sort(x: Tensor, opts: SortOptions = {}): SortResult {
  const a = prepAxis(x, opts.axis ?? -1, 'sort');
  const indices = argsort(x, { axis: a, descending: opts.descending ?? false });
  return { values: applyGather('gather', [x, indices], { axis: a }), indices };
}

/**
 * One-hot encoding of int32 class indices: float32 of shape [...indices.shape, numClasses] (not
 * differentiable). `numClasses` defaults to the largest index + 1.
 */
export function oneHot(indices: Tensor, numClasses?: number): Tensor {
  needTensor(indices, 'oneHot', 'indices');
  check(indices.dtype === 'int32', 'oneHot', () => `indices must be an int32 tensor, got ${indices.dtype}`);
  const d = int32Data(indices);
  let c = numClasses;
  if (c === undefined) {
    check(d.length > 0, 'oneHot', 'cannot infer numClasses from an empty tensor; pass numClasses');
    c = d.reduce((m, v) => Math.max(m, v), -1) + 1;
  }
  check(Number.isInteger(c) && c >= 0, 'oneHot', () => `numClasses must be a non-negative integer, got ${c}`);
  const out = new Float32Array(d.length * c);
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v < 0 || v >= c) throw new HopgradError(`oneHot: class index ${v} at flat position ${i} is out of range for ${c} classes`);
    out[i * c + v] = 1;
  }
  return new Tensor(out, [...indices.shape, c]);
}

/** All differentiable indexing ops (slicing views included), for the registry. */
export const indexingOps: OpTable<IndexingAttrs> = { ...slicingOps, ...gatherOps };
/** Attributes of the indexing ops, by op name (inputs are listed in GatherAttrs and SlicingAttrs). */
export type IndexingAttrs = SlicingAttrs & GatherAttrs;
export { slice, sliceBackward, narrow, select } from './slicing.js';
export type { SliceEntry, SliceRange } from './slicing.js';

// ---- fluent methods ------------------------------------------------------------------------------------

declare module '../../tensor/tensor.js' {
  interface Tensor {
    slice(spec: readonly SliceEntry[]): Tensor;
    narrow(axis: number, start: number, length: number): Tensor;
    select(axis: number, index: number): Tensor;
    gather(axis: number, index: Tensor): Tensor;
    scatterAdd(axis: number, index: Tensor, src: Tensor): Tensor;
    indexSelect(axis: number, index: Tensor): Tensor;
    maskedFill(mask: Tensor, value: number): Tensor;
    topk(k: number, opts?: TopkOptions): SortResult;
    sort(opts?: SortOptions): SortResult;
    argsort(opts?: SortOptions): Tensor;
  }
}

Object.assign(Tensor.prototype, {
  slice(this: Tensor, spec: readonly SliceEntry[]) { return slice(this, spec); },
  narrow(this: Tensor, axis: number, start: number, length: number) { return narrow(this, axis, start, length); },
  select(this: Tensor, axis: number, index: number) { return select(this, axis, index); },
  gather(this: Tensor, axis: number, index: Tensor) { return gather(this, axis, index); },
  scatterAdd(this: Tensor, axis: number, index: Tensor, src: Tensor) { return scatterAdd(this, axis, index, src); },
  indexSelect(this: Tensor, axis: number, index: Tensor) { return indexSelect(this, axis, index); },
  maskedFill(this: Tensor, mask: Tensor, value: number) { return maskedFill(this, mask, value); },
  topk(this: Tensor, k: number, opts?: TopkOptions) { return topk(this, k, opts); },
  sort(this: Tensor, opts?: SortOptions) { return sort(this, opts); },
  argsort(this: Tensor, opts?: SortOptions) { return argsort(this, opts); },
});
