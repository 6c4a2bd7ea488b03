// Reductions beyond sum/mean, over axes with keepDims: max/min (ties share the gradient), argmax/argmin,
// prod, logsumexp (fused row kernel), var/std, the vector p-norm and cumsum.
import { Tensor } from '../../tensor/tensor.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { check } from '../../tensor/errors.js';
import { fmt, normAxes, normAxis, sizeOf } from '../../tensor/shape.js';
import { kernels } from '../../tensor/backend/index.js';
import { type OpDef, type OpTable, binder } from '../engine.js';
import { constant, needTensor } from './util.js';
import { type ReduceAttrs, type ReduceOptions, rawReduce, reducedShape, sum, unreduce } from './reduce.js';
import { abs, div, eq, exp, mul, powScalar, rawBinary, rawUnary, sign, sub, where } from './elementwise.js';

/** Options of var and std: `correction` is subtracted from the element count (1 = unbiased, torch's default). */
export interface VarOptions extends ReduceOptions {
  correction?: number;
}

/** Options of cumsum. */
export interface CumsumOptions {
  /** Accumulate from the end of the axis towards its start (default false). */
  reverse?: boolean;
}

interface VarAttrs extends ReduceAttrs { correction: number }
interface NormAttrs extends ReduceAttrs { p: number }

/** Attributes of the reduction ops, by op name (the registry's typed table). */
interface ReductionsAttrs {
  max: ReduceAttrs;
  min: ReduceAttrs;
  prod: ReduceAttrs;
  logsumexp: ReduceAttrs;
  var: VarAttrs;
  std: VarAttrs;
  norm: NormAttrs;
  cumsum: { axis: number; reverse: boolean };
}

// ---- shared helpers ------------------------------------------------------------------------------------

/** Normalize `axis` for a reduction: sorted distinct axes; a 0-d tensor accepts 0 / −1 and reduces nothing. */
export function reduceAxes(x: Tensor, axis: number | readonly number[] | undefined, where: string): number[] {
  if (x.ndim > 0) return normAxes(axis, x.ndim, where);
  normAxes(axis, 1, where); // validate against a 1-element axis, like torch
  return [];
}

/** The `keepDims` option, validated. */
export function keepDimsOf(opts: ReduceOptions | undefined, where: string): boolean {
  check(opts === undefined || (typeof opts === 'object' && opts !== null), where, () => `options must be an object, got ${String(opts)}`);
  const k = opts?.keepDims ?? false;
  check(typeof k === 'boolean', where, () => `keepDims must be a boolean, got ${String(k)}`);
  return k;
}

/** Number of elements each output of a reduction over `axes` combines. */
function countOf(shape: readonly number[], axes: readonly number[]): number {
  return sizeOf(axes.map((a) => shape[a]!));
}

/** Contiguous data of `x` with `axes` moved to the end, seen as [rows, cols] (cols = the reduced elements). */
export function rawRows(x: Tensor, axes: readonly number[]): { data: TypedArray; rows: number; cols: number } {
  const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...rest, ...axes];
  const view = new Tensor(x._storage, perm.map((p) => x.shape[p]!), perm.map((p) => x._strides[p]!), x._offset);
  return { data: view.contiguousData(), rows: countOf(x.shape, rest), cols: countOf(x.shape, axes) };
}

function needFloat(x: Tensor, where: string): void {
  check(x.dtype !== 'int32', where, 'needs a float tensor, got int32 (cast it first)');
}

// ---- op definitions ------------------------------------------------------------------------------------

function extremumDef(op: 'max' | 'min'): OpDef<ReduceAttrs> {
  return {
    forward: ([x], { axes, keepDims }) => rawReduce(op, x!, axes, keepDims),
    // the gradient goes to the entries equal to the result, split evenly among ties (like torch.amax)
    backward: (dy, { inputs: [x], out, attrs: { axes } }) => {
      const hit = eq(x!, unreduce(out, x!.shape, axes));
      return [mul(div(hit, sum(hit, axes, { keepDims: true })), unreduce(dy, x!.shape, axes))];
    },
  };
}

/** Mean (keepDims) and var or std of x over axes, with raw kernels. */
function rawMoments(x: Tensor, { axes, keepDims, correction }: VarAttrs, root: boolean): { m: Tensor; out: Tensor } {
  const n = countOf(x.shape, axes);
  const m = rawBinary('div', rawReduce('sum', x, axes, true), constant(n, x.dtype), 'var');
  const d = rawBinary('sub', x, m, 'var');
  const v = rawBinary('div', rawReduce('sum', rawBinary('mul', d, d, 'var'), axes, keepDims), constant(n - correction, x.dtype), 'var');
  return { m, out: root ? rawUnary('sqrt', v) : v };
}

/** The differentiable reductions, for the registry. */
const reductionOps: OpTable<ReductionsAttrs> = {
  max: extremumDef('max'),
  min: extremumDef('min'),
  prod: {
    forward: ([x], { axes, keepDims }) => rawReduce('prod', x!, axes, keepDims),
    // ∂Π/∂x_i = Π_{j≠i} x_j: Π/x_i without zeros; with one zero only that entry gets the product of the
    // others; with two or more every entry gets 0 (computed without dividing by zero)
    backward: (dy, { inputs: [x], attrs: { axes } }) => {
      const zero = eq(x!, 0);
      const nz = where(zero, 1, x!);
      const pnz = prod(nz, axes, { keepDims: true });
      const zeros = sum(zero, axes, { keepDims: true });
      const g = where(zero, mul(pnz, eq(zeros, 1)), mul(div(pnz, nz), eq(zeros, 0)));
      return [mul(g, unreduce(dy, x!.shape, axes))];
    },
  },
  logsumexp: {
    forward: ([x], { axes, keepDims }) => {
      const { data, rows, cols } = rawRows(x!, axes);
      return new Tensor(kernels().logsumexp(data, rows, cols), reducedShape(x!.shape, axes, keepDims));
    },
    // d lse = softmax(x) = exp(x − lse); a row that is all −∞ (lse = −∞) gets 0, not NaN
    backward: (dy, { inputs: [x], out, attrs: { axes } }) => {
      const safe = where(eq(out, -Infinity), 0, out);
      return [mul(exp(sub(x!, unreduce(safe, x!.shape, axes))), unreduce(dy, x!.shape, axes))];
    },
  },
  var: {
    forward: ([x], attrs, ctx) => {
      const { m, out } = rawMoments(x!, attrs, false);
      ctx.saved = m;
      return out;
    },
    // d var = 2 (x − mean) / (N − correction)
    backward: (dy, { inputs: [x], attrs: { axes, correction }, saved }) => {
      const scale = 2 / (countOf(x!.shape, axes) - correction);
      return [mul(mul(sub(x!, saved as Tensor), scale), unreduce(dy, x!.shape, axes))];
    },
  },
  std: {
    forward: ([x], attrs, ctx) => {
      const { m, out } = rawMoments(x!, attrs, true);
      ctx.saved = m;
      return out;
    },
    // d std = (x − mean) / ((N − correction) std); 0 where std = 0 (all entries equal)
    backward: (dy, { inputs: [x], out, attrs: { axes, correction }, saved }) => {
      const s = unreduce(out, x!.shape, axes);
      const g = div(sub(x!, saved as Tensor), mul(s, countOf(x!.shape, axes) - correction));
      return [mul(where(eq(s, 0), 0, g), unreduce(dy, x!.shape, axes))];
    },
  },
  norm: {
    forward: ([x], { axes, keepDims, p }) => {
      const a = rawUnary('abs', x!);
      const s = rawReduce('sum', p === 1 ? a : rawUnary('powScalar', a, p), axes, keepDims);
      return p === 1 ? s : rawUnary('powScalar', s, 1 / p);
    },
    // d‖x‖_p = sign(x) |x|^(p−1) / ‖x‖^(p−1); 0 where the norm is 0
    backward: (dy, { inputs: [x], out, attrs: { axes, p } }) => {
      const n = unreduce(out, x!.shape, axes);
      const g = p === 1 ? sign(x!) : div(mul(sign(x!), powScalar(abs(x!), p - 1)), powScalar(n, p - 1));
      return [mul(where(eq(n, 0), 0, g), unreduce(dy, x!.shape, axes))];
    },
  },
  cumsum: {
    forward: ([x], { axis, reverse }) => {
      const k = kernels();
      const shape = x!.ndim === 0 ? [1] : x!.shape;
      const outer = sizeOf(shape.slice(0, axis));
      const n = shape[axis]!;
      const inner = sizeOf(shape.slice(axis + 1));
      const data = x!.contiguousData();
      if (!reverse) return new Tensor(k.cumsum(data, outer, n, inner), x!.shape);
      // reverse = flip, cumsum, flip (the flip is a gather with reversed indices)
      const idx = new Int32Array(outer * n * inner);
      for (let o = 0; o < outer; o++) for (let j = 0; j < n; j++) idx.fill(n - 1 - j, (o * n + j) * inner, (o * n + j + 1) * inner);
      const flipped = k.gather(data, outer, n, inner, idx, n);
      return new Tensor(k.gather(k.cumsum(flipped, outer, n, inner), outer, n, inner, idx, n), x!.shape);
    },
    // the adjoint of a running sum is the running sum from the other end
    backward: (dy, { attrs: { axis, reverse } }) => [cumsum(dy, axis, { reverse: !reverse })],
  },
};

const apply = binder(reductionOps);

// ---- public functions ----------------------------------------------------------------------------------

function extremum(op: 'max' | 'min', x: Tensor, axis: number | readonly number[] | undefined, opts: ReduceOptions | undefined): Tensor {
  needTensor(x, op);
  const axes = reduceAxes(x, axis, op);
  const keepDims = keepDimsOf(opts, op);
  check(countOf(x.shape, axes) > 0, op, () => `cannot reduce over an empty axis (shape ${fmt(x.shape)}, axes [${axes.join(',')}])`);
  return apply(op, [x], { axes, keepDims });
}

/** Largest value over `axis` (all axes when omitted), like torch.amax; the gradient is split among ties. */
export function max(x: Tensor, axis?: number | readonly number[], opts?: ReduceOptions): Tensor {
  return extremum('max', x, axis, opts);
}

/** Smallest value over `axis` (all axes when omitted), like torch.amin; the gradient is split among ties. */
export function min(x: Tensor, axis?: number | readonly number[], opts?: ReduceOptions): Tensor {
  return extremum('min', x, axis, opts);
}

function argExtremum(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, opts: ReduceOptions | undefined): Tensor {
  needTensor(x, op);
  check(axis === undefined || typeof axis === 'number', op, () => `axis must be a single integer or undefined, got ${String(axis)}`);
  const keepDims = keepDimsOf(opts, op);
  check(x.size > 0, op, () => `cannot take the ${op} of an empty tensor (shape ${fmt(x.shape)})`);
  if (axis === undefined || x.ndim === 0) {
    if (axis !== undefined) normAxis(axis, 1, op);
    const idx = kernels().argReduce(op, x.contiguousData(), 1, x.size, 1);
    return new Tensor(idx, keepDims ? x.shape.map(() => 1) : []);
  }
  const a = normAxis(axis, x.ndim, op);
  check(x.shape[a]! > 0, op, () => `cannot reduce over the empty axis ${axis} of shape ${fmt(x.shape)}`);
  const idx = kernels().argReduce(op, x.contiguousData(), sizeOf(x.shape.slice(0, a)), x.shape[a]!, sizeOf(x.shape.slice(a + 1)));
  return new Tensor(idx, reducedShape(x.shape, [a], keepDims));
}

/** Index (int32) of the largest value along `axis`, or in the flattened tensor when omitted; first on ties. Not differentiable. */
export function argmax(x: Tensor, axis?: number, opts?: ReduceOptions): Tensor {
  return argExtremum('argmax', x, axis, opts);
}

/** Index (int32) of the smallest value along `axis`, or in the flattened tensor when omitted; first on ties. Not differentiable. */
export function argmin(x: Tensor, axis?: number, opts?: ReduceOptions): Tensor {
  return argExtremum('argmin', x, axis, opts);
}

/** Product over `axis` (all axes when omitted); the gradient is exact at zeros. */
export function prod(x: Tensor, axis?: number | readonly number[], opts?: ReduceOptions): Tensor {
  needTensor(x, 'prod');
  return apply('prod', [x], { axes: reduceAxes(x, axis, 'prod'), keepDims: keepDimsOf(opts, 'prod') });
}

/** log Σ exp over `axis` (all axes when omitted), computed stably; −∞ where every entry is −∞. */
export function logsumexp(x: Tensor, axis?: number | readonly number[], opts?: ReduceOptions): Tensor {
  needTensor(x, 'logsumexp');
  needFloat(x, 'logsumexp');
  return apply('logsumexp', [x], { axes: reduceAxes(x, axis, 'logsumexp'), keepDims: keepDimsOf(opts, 'logsumexp') });
}

function varAttrs(x: Tensor, axis: number | readonly number[] | undefined, opts: VarOptions | undefined, where: string): VarAttrs {
  needTensor(x, where);
  needFloat(x, where);
  const axes = reduceAxes(x, axis, where);
  const keepDims = keepDimsOf(opts, where);
  const correction = opts?.correction ?? 1;
  check(typeof correction === 'number' && Number.isFinite(correction), where, () => `correction must be a finite number, got ${String(correction)}`);
  const n = countOf(x.shape, axes);
  check(n - correction > 0, where, () => `correction ${correction} leaves no degrees of freedom for ${n} element(s) per reduction (shape ${fmt(x.shape)}, axes [${axes.join(',')}])`);
  return { axes, keepDims, correction };
}

/**
 * Variance over `axis` (all axes when omitted): Σ(x − mean)² / (N − correction). `correction` defaults to 1
 * (unbiased, like torch ≥ 2.0); pass `{ correction: 0 }` for the population variance.
 */
export function variance(x: Tensor, axis?: number | readonly number[], opts?: VarOptions): Tensor {
  return apply('var', [x], varAttrs(x, axis, opts, 'var'));
}

/** Standard deviation, √var (same options as `variance`); the gradient is 0 where it is 0. */
export function std(x: Tensor, axis?: number | readonly number[], opts?: VarOptions): Tensor {
  return apply('std', [x], varAttrs(x, axis, opts, 'std'));
}

/**
 * Vector p-norm (Σ|x|^p)^(1/p) over `axis` (all axes when omitted), for p ≥ 1 or ±Infinity (max / min of |x|).
 * The gradient is 0 where the norm is 0.
 */
export function norm(x: Tensor, p = 2, axis?: number | readonly number[], opts?: ReduceOptions): Tensor {
  needTensor(x, 'norm');
  needFloat(x, 'norm');
  check(typeof p === 'number' && (p >= 1 || p === -Infinity), 'norm', () => `p must be a number ≥ 1, Infinity or -Infinity, got ${String(p)}`);
  if (p === Infinity) return max(abs(x), axis, opts);
  if (p === -Infinity) return min(abs(x), axis, opts);
  return apply('norm', [x], { axes: reduceAxes(x, axis, 'norm'), keepDims: keepDimsOf(opts, 'norm'), p });
}

/** Running sum along `axis` (same shape as x); `{ reverse: true }` accumulates from the end. */
export function cumsum(x: Tensor, axis: number, opts: CumsumOptions = {}): Tensor {
  needTensor(x, 'cumsum');
  check(typeof axis === 'number', 'cumsum', () => `axis must be an integer, got ${String(axis)}`);
  const a = normAxis(axis, Math.max(x.ndim, 1), 'cumsum');
  const reverse = opts.reverse ?? false;
  check(typeof reverse === 'boolean', 'cumsum', () => `reverse must be a boolean, got ${String(reverse)}`);
  return apply('cumsum', [x], { axis: a, reverse });
}

export { reductionOps, variance as var };
export type { ReductionsAttrs };

// ---- fluent methods ------------------------------------------------------------------------------------

type Axis = number | readonly number[];

declare module '../../tensor/tensor.js' {
  interface Tensor {
    max(axis?: Axis, opts?: ReduceOptions): Tensor; min(axis?: Axis, opts?: ReduceOptions): Tensor;
    argmax(axis?: number, opts?: ReduceOptions): Tensor; argmin(axis?: number, opts?: ReduceOptions): Tensor;
    prod(axis?: Axis, opts?: ReduceOptions): Tensor; logsumexp(axis?: Axis, opts?: ReduceOptions): Tensor;
    var(axis?: Axis, opts?: VarOptions): Tensor; std(axis?: Axis, opts?: VarOptions): Tensor;
    norm(p?: number, axis?: Axis, opts?: ReduceOptions): Tensor; cumsum(axis: number, opts?: CumsumOptions): Tensor;
  }
}

Object.assign(Tensor.prototype, {
  max(this: Tensor, axis?: Axis, opts?: ReduceOptions) { return max(this, axis, opts); },
  min(this: Tensor, axis?: Axis, opts?: ReduceOptions) { return min(this, axis, opts); },
  argmax(this: Tensor, axis?: number, opts?: ReduceOptions) { return argmax(this, axis, opts); },
  argmin(this: Tensor, axis?: number, opts?: ReduceOptions) { return argmin(this, axis, opts); },
  prod(this: Tensor, axis?: Axis, opts?: ReduceOptions) { return prod(this, axis, opts); },
  logsumexp(this: Tensor, axis?: Axis, opts?: ReduceOptions) { return logsumexp(this, axis, opts); },
  var(this: Tensor, axis?: Axis, opts?: VarOptions) { return variance(this, axis, opts); },
  std(this: Tensor, axis?: Axis, opts?: VarOptions) { return std(this, axis, opts); },
  norm(this: Tensor, p?: number, axis?: Axis, opts?: ReduceOptions) { return norm(this, p, axis, opts); },
  cumsum(this: Tensor, axis: number, opts?: CumsumOptions) { return cumsum(this, axis, opts); },
});
