// Basic slicing as strided views (no copy): slice with numpy/Python semantics, narrow, select, and the
// adjoint op sliceBackward (scatter into zeros) whose own backward is slice again. Part of the indexing group
// (src/autograd/ops/indexing.ts merges these ops into its table).
import { Tensor } from '../../tensor/tensor.js';
import { type TypedArray, allocate } from '../../tensor/dtype.js';
import { HopgradError, check } from '../../tensor/errors.js';
import { checkShape, fmt, forEachRow, normAxis, shapeEq, sizeOf, stridesOf } from '../../tensor/shape.js';
import { type OpTable, binder } from '../engine.js';
import { needTensor } from './util.js';

/**
 * One entry of a slice spec, for one leading axis: an integer index (selects that position and drops the
 * axis; negative counts from the end), `null` (the whole axis), or `[start?, end?, step?]` like Python's
 * `start:end:step` (negative start/end count from the end, out-of-range bounds are clamped, step ≠ 0;
 * a negative step walks backwards).
 */
export type SliceEntry = number | null | readonly [start?: number | null, end?: number | null, step?: number | null];

/** A normalized range of one input axis: `len` positions start, start+step, …; `drop` removes the axis. */
export interface SliceRange {
  readonly start: number;
  readonly step: number;
  readonly len: number;
  readonly drop: boolean;
}

interface SlicingAttrs {
  /** One range per input axis. */
  slice: readonly SliceRange[];
  /** The ranges of the slice this op is the adjoint of, and the sliced input's shape. */
  sliceBackward: { ranges: readonly SliceRange[]; shape: readonly number[] };
}

/** The view of storage (shape, strides, offset) that `ranges` select from a view (strides, offset). */
function viewOf(ranges: readonly SliceRange[], strides: readonly number[], offset: number) {
  const shape: number[] = [];
  const st: number[] = [];
  let off = offset;
  let empty = false;
  ranges.forEach((r, i) => {
    const s = strides[i]!;
    if (r.len === 0) empty = true;
    else off += r.start * s;
    if (!r.drop) { shape.push(r.len); st.push(s * r.step); }
  });
  return { shape, strides: st, offset: empty ? offset : off };
}

/** Output shape of slicing with `ranges`. */
export function slicedShape(ranges: readonly SliceRange[]): number[] {
  return ranges.filter((r) => !r.drop).map((r) => r.len);
}

/** @internal write contiguous `src` into the strided view (shape, strides, offset) of `dst` (no overlap). */
export function scatterStrided(dst: TypedArray, shape: readonly number[], strides: readonly number[], offset: number, src: TypedArray): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  const rank = shape.length;
  if (rank === 0) { dst[offset] = src[0]!; return; }
  const lastDim = shape[rank - 1]!;
  const lastStride = strides[rank - 1]!;
  let o = 0;
  forEachRow(shape, strides, offset, (base) => {
    for (let j = 0; j < lastDim; j++) dst[base + j * lastStride] = src[o++]!;
  });
}

const slicingOps: OpTable<SlicingAttrs> = {
  slice: {
    forward: ([x], ranges) => {
      const v = viewOf(ranges, x!._strides, x!._offset);
      return new Tensor(x!._storage, v.shape, v.strides, v.offset);
    },
    // the adjoint of selecting positions: put dy back at those positions, zeros elsewhere
    backward: (dy, { inputs: [x], attrs: ranges }) => [applySlicing('sliceBackward', [dy], { ranges, shape: x!.shape })],
  },
  sliceBackward: {
    forward: ([dy], { ranges, shape }) => {
      const out = allocate(dy!.dtype, sizeOf(shape));
      const v = viewOf(ranges, stridesOf(shape), 0);
      scatterStrided(out, v.shape, v.strides, v.offset, dy!.contiguousData());
      return new Tensor(out, shape);
    },
    // linear, and its adjoint is reading the positions back: slice
    backward: (ddx, { attrs: { ranges } }) => [sliceRanges(ddx, ranges)],
  },
};

const applySlicing = binder(slicingOps);

/** @internal slice `x` by already-normalized ranges (one per axis), recording the op. */
export function sliceRanges(x: Tensor, ranges: readonly SliceRange[]): Tensor {
  return applySlicing('slice', [x], ranges);
}

/** @internal the whole-axis range of a dimension. */
export function fullRange(d: number): SliceRange {
  return { start: 0, step: 1, len: d, drop: false };
}

/** Python's slice.indices(): clamp start/end to the axis and count the positions. */
function pyRange(entry: readonly (number | null | undefined)[], d: number, where: string, axis: number): SliceRange {
  const [s0, e0, st0] = entry;
  const step = st0 ?? 1;
  for (const [name, v] of [['start', s0], ['end', e0], ['step', st0]] as const) {
    check(v == null || Number.isInteger(v), where, () => `${name} of the range for axis ${axis} must be an integer or null, got ${String(v)}`);
  }
  check(step !== 0, where, () => `step of the range for axis ${axis} must not be 0`);
  const lower = step > 0 ? 0 : -1;
  const upper = step > 0 ? d : d - 1;
  const clamp = (v: number | null | undefined, dflt: number): number => {
    if (v == null) return dflt;
    if (v < 0) return Math.max(v + d, lower);
    return Math.min(v, upper);
  };
  const start = clamp(s0, step > 0 ? lower : upper);
  const end = clamp(e0, step > 0 ? upper : lower);
  const len = step > 0 ? Math.max(0, Math.ceil((end - start) / step)) : Math.max(0, Math.ceil((start - end) / -step));
  return { start: len === 0 ? 0 : start, step, len, drop: false };
}

/** Normalize a slice spec against `shape` (Python semantics), naming `where` in errors. */
export function normalizeSpec(shape: readonly number[], spec: readonly SliceEntry[], where: string): SliceRange[] {
  check(Array.isArray(spec), where, () => `spec must be an array with one entry per leading axis, got ${String(spec)}`);
  check(spec.length <= shape.length, where, () => `spec has ${spec.length} entries but the input of shape ${fmt(shape)} has only ${shape.length} axes`);
  return shape.map((d, i) => {
    const e = spec[i];
    if (e === undefined || e === null) return fullRange(d);
    if (typeof e === 'number') {
      check(Number.isInteger(e), where, () => `index for axis ${i} must be an integer, got ${e}`);
      check(e >= -d && e < d, where, () => `index ${e} is out of range for axis ${i} of size ${d} (shape ${fmt(shape)})`);
      return { start: e < 0 ? e + d : e, step: 1, len: 1, drop: true };
    }
    check(Array.isArray(e) && e.length <= 3, where, () => `entry ${i} must be an integer, null or [start?, end?, step?], got ${JSON.stringify(e)}`);
    return pyRange(e, d, where, i);
  });
}

/**
 * Basic slicing as a view (no copy), like numpy's `x[1, :, 2:8:2, ::-1]`: one spec entry per leading axis
 * (an index, `null`, or `[start?, end?, step?]`); missing trailing entries take the whole axis.
 * `slice(x, [1, null, [2, 8, 2], [null, null, -1]])`.
 */
export function slice(x: Tensor, spec: readonly SliceEntry[]): Tensor {
  needTensor(x, 'slice');
  return sliceRanges(x, normalizeSpec(x.shape, spec, 'slice'));
}

/**
 * The adjoint of `slice`: a tensor of `shape` holding zeros except at the positions `slice(·, spec)` selects,
 * where it holds `dy` (which must have the shape that slice produces). This is slice's backward as a public op.
 */
export function sliceBackward(dy: Tensor, shape: readonly number[], spec: readonly SliceEntry[]): Tensor {
  needTensor(dy, 'sliceBackward', 'dy');
  checkShape(shape, 'sliceBackward');
  const ranges = normalizeSpec(shape, spec, 'sliceBackward');
  const want = slicedShape(ranges);
  if (!shapeEq(want, dy.shape)) {
    throw new HopgradError(`sliceBackward: dy has shape ${fmt(dy.shape)} but slicing ${fmt(shape)} with this spec gives ${fmt(want)}`);
  }
  return applySlicing('sliceBackward', [dy], { ranges, shape: [...shape] });
}

/** The view of `length` positions of `axis` starting at `start` (negative start counts from the end). */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  needTensor(x, 'narrow');
  check(x.ndim > 0, 'narrow', 'cannot narrow a 0-d tensor');
  const a = normAxis(axis, x.ndim, 'narrow');
  const d = x.shape[a]!;
  check(Number.isInteger(start) && start >= -d && start <= d, 'narrow', () => `start ${start} is out of range for axis ${axis} of size ${d} (shape ${fmt(x.shape)})`);
  const s = start < 0 ? start + d : start;
  check(Number.isInteger(length) && length >= 0, 'narrow', () => `length must be a non-negative integer, got ${length}`);
  check(s + length <= d, 'narrow', () => `start ${start} + length ${length} exceeds the size ${d} of axis ${axis} (shape ${fmt(x.shape)})`);
  return sliceRanges(x, x.shape.map((n, i) => (i === a ? { start: length === 0 ? 0 : s, step: 1, len: length, drop: false } : fullRange(n))));
}

/** The view at position `index` of `axis`, with that axis removed (negative index counts from the end). */
export function select(x: Tensor, axis: number, index: number): Tensor {
  needTensor(x, 'select');
  check(x.ndim > 0, 'select', 'cannot select from a 0-d tensor');
  const a = normAxis(axis, x.ndim, 'select');
  const d = x.shape[a]!;
  check(Number.isInteger(index) && index >= -d && index < d, 'select', () => `index ${index} is out of range for axis ${axis} of size ${d} (shape ${fmt(x.shape)})`);
  const i0 = index < 0 ? index + d : index;
  return sliceRanges(x, x.shape.map((n, i) => (i === a ? { start: i0, step: 1, len: 1, drop: true } : fullRange(n))));
}

export { slicingOps };
export type { SlicingAttrs };
