// Reductions over axes with keepDims: sum and mean here; max/min/argmax/var/logsumexp and the fused row
// ops (softmax, logSoftmax, layerNorm) extend this group in sibling files.
import { Tensor } from '../../tensor/tensor.js';
import { check } from '../../tensor/errors.js';
import { normAxes, sizeOf } from '../../tensor/shape.js';
import { kernels, type ReduceOp } from '../../tensor/backend/index.js';
import { type OpTable, binder } from '../engine.js';
import { needTensor } from './util.js';
import { expand, reshape } from './movement.js';
import { mul } from './elementwise.js';

/** Axes to reduce and whether to keep them as size-1 axes. */
export interface ReduceAttrs { axes: readonly number[]; keepDims: boolean }

/** Shape after reducing `axes` (kept as 1 or removed). */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  return keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

/** Raw reduction of contiguous data over sorted `axes`, one axis at a time from the last (untracked). */
export function rawReduce(op: ReduceOp, x: Tensor, axes: readonly number[], keepDims: boolean): Tensor {
  const k = kernels();
  let data = x.contiguousData();
  const cur = [...x.shape];
  for (let i = axes.length - 1; i >= 0; i--) {
    const ax = axes[i]!;
    data = k.reduce(op, data, sizeOf(cur.slice(0, ax)), cur[ax]!, sizeOf(cur.slice(ax + 1)));
    cur[ax] = 1;
  }
  if (data === x._storage) data = data.slice();
  return new Tensor(data, reducedShape(x.shape, axes, keepDims));
}

/** Broadcast a reduced gradient back over the reduced axes of `shape`. */
export function unreduce(g: Tensor, shape: readonly number[], axes: readonly number[]): Tensor {
  return expand(reshape(g, reducedShape(shape, axes, true)), shape);
}

interface SumAttrs { sum: ReduceAttrs }

const sumOps: OpTable<SumAttrs> = {
  sum: {
    forward: ([x], { axes, keepDims }) => rawReduce('sum', x!, axes, keepDims),
    backward: (dy, { inputs: [x], attrs: { axes } }) => [unreduce(dy, x!.shape, axes)],
  },
};

const apply = binder(sumOps);

/** Options of the reductions. */
export interface ReduceOptions {
  /** Keep reduced axes as size-1 axes (default false). */
  keepDims?: boolean;
}

/** Sum over `axis` (all axes when omitted). */
export function sum(x: Tensor, axis?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  needTensor(x, 'sum');
  const axes = normAxes(axis, x.ndim, 'sum');
  return apply('sum', [x], { axes, keepDims: opts.keepDims ?? false });
}

/** Mean over `axis` (all axes when omitted). */
export function mean(x: Tensor, axis?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  needTensor(x, 'mean');
  check(x.dtype !== 'int32', 'mean', 'needs a float tensor, got int32');
  const axes = normAxes(axis, x.ndim, 'mean');
  const count = sizeOf(axes.map((a) => x.shape[a]!));
  check(count > 0, 'mean', 'cannot average over an empty axis');
  return mul(sum(x, axes, opts), 1 / count);
}

export { sumOps };
export type { SumAttrs };

declare module '../../tensor/tensor.js' {
  interface Tensor {
    sum(axis?: number | readonly number[], opts?: ReduceOptions): Tensor;
    mean(axis?: number | readonly number[], opts?: ReduceOptions): Tensor;
  }
}

Object.assign(Tensor.prototype, {
  sum(this: Tensor, axis?: number | readonly number[], opts?: ReduceOptions) { return sum(this, axis, opts); },
  mean(this: Tensor, axis?: number | readonly number[], opts?: ReduceOptions) { return mean(this, axis, opts); },
});
