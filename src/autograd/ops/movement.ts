// Shape ops that move no data where they can: reshape (a view of contiguous data), permute/transpose and
// expand (strided views), squeeze/unsqueeze/flatten, and contiguous (the copy when a kernel needs one).
import { Tensor } from '../../tensor/tensor.js';
import { check } from '../../tensor/errors.js';
import { broadcastShapes, checkShape, fmt, normAxis, shapeEq, sizeOf } from '../../tensor/shape.js';
import { kernels } from '../../tensor/backend/index.js';
import { type OpTable, binder } from '../engine.js';
import { needTensor } from './util.js';

interface MovementAttrs {
  reshape: readonly number[];
  permute: readonly number[];
  expand: readonly number[];
  contiguous: undefined;
}

/** The contiguous copy of a view (untracked). */
export function rawContiguous(x: Tensor): Tensor {
  if (x.isContiguous()) return x;
  return new Tensor(kernels().strided(x._storage, x.shape, x._strides, x._offset), x.shape);
}

const movementOps: OpTable<MovementAttrs> = {
  reshape: {
    forward: ([x], shape) => {
      const c = rawContiguous(x!);
      return new Tensor(c._storage, shape);
    },
    backward: (dy, { inputs: [x] }) => [reshape(dy, x!.shape)],
  },
  permute: {
    forward: ([x], perm) => new Tensor(x!._storage, perm.map((p) => x!.shape[p]!), perm.map((p) => x!._strides[p]!), x!._offset),
    backward: (dy, { attrs: perm }) => {
      const inv = new Array<number>(perm.length);
      perm.forEach((p, i) => { inv[p] = i; });
      return [permute(dy, inv)];
    },
  },
  expand: {
    forward: ([x], shape) => {
      const lead = shape.length - x!.shape.length;
      const strides = shape.map((d, i) => {
        const j = i - lead;
        return j < 0 || (x!.shape[j] === 1 && d !== 1) ? 0 : x!._strides[j]!;
      });
      return new Tensor(x!._storage, shape, strides, x!._offset);
    },
    backward: (dy) => [dy], // the tape sums the broadcast axes back
  },
  contiguous: {
    forward: ([x]) => rawContiguous(x!),
    backward: (dy) => [dy],
  },
};

const apply = binder(movementOps);

/** View `x` with a new shape of the same size; one entry may be −1 (inferred). Copies only a non-contiguous view. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  needTensor(x, 'reshape');
  check(Array.isArray(shape), 'reshape', () => `shape must be an array, got ${String(shape)}`);
  const free = shape.filter((d) => d === -1).length;
  check(free <= 1, 'reshape', () => `only one dimension can be -1, got ${fmt(shape)}`);
  let out = [...shape];
  if (free === 1) {
    const known = sizeOf(shape.filter((d) => d !== -1));
    check(known > 0 && x.size % known === 0, 'reshape', () => `cannot reshape ${fmt(x.shape)} (${x.size} elements) into ${fmt(shape)}`);
    out = shape.map((d) => (d === -1 ? x.size / known : d));
  }
  checkShape(out, 'reshape');
  check(sizeOf(out) === x.size, 'reshape', () => `cannot reshape ${fmt(x.shape)} (${x.size} elements) into ${fmt(shape)} (${sizeOf(out)} elements)`);
  if (shapeEq(out, x.shape)) return x;
  return apply('reshape', [x], out);
}

/** Reorder the axes (a view): output axis i is input axis perm[i]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  needTensor(x, 'permute');
  check(Array.isArray(perm) && perm.length === x.ndim, 'permute', () => `perm must list each of the ${x.ndim} axes once, got [${String(perm)}]`);
  const p = perm.map((a) => normAxis(a, x.ndim, 'permute'));
  check(new Set(p).size === p.length, 'permute', () => `perm [${perm.join(',')}] repeats an axis`);
  if (p.every((a, i) => a === i)) return x;
  return apply('permute', [x], p);
}

/** Swap two axes (a view); defaults to the last two, the matrix transpose. */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  needTensor(x, 'transpose');
  check(x.ndim >= 2 || (x.ndim === 1 && arguments.length < 2), 'transpose', () => `needs at least 2 axes, got shape ${fmt(x.shape)}`);
  if (x.ndim < 2) return x;
  const a = normAxis(axis0, x.ndim, 'transpose');
  const b = normAxis(axis1, x.ndim, 'transpose');
  const perm = Array.from({ length: x.ndim }, (_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/** Broadcast `x` to `shape` without copying (numpy rules; −1 keeps a dimension). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  needTensor(x, 'expand');
  const lead = shape.length - x.ndim;
  check(lead >= 0, 'expand', () => `cannot expand ${fmt(x.shape)} to fewer dimensions ${fmt(shape)}`);
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead]! : d));
  checkShape(target, 'expand');
  const b = broadcastShapes(x.shape, target, 'expand');
  check(shapeEq(b, target), 'expand', () => `cannot expand ${fmt(x.shape)} to ${fmt(shape)}`);
  if (shapeEq(target, x.shape)) return x;
  return apply('expand', [x], target);
}

/** numpy's name for expand. */
export const broadcastTo = expand;

/** A contiguous tensor with the same values (returns `x` itself when already contiguous). */
export function contiguous(x: Tensor): Tensor {
  needTensor(x, 'contiguous');
  if (x.isContiguous()) return x;
  return apply('contiguous', [x], undefined);
}

/** Insert an axis of size 1 at `axis`. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  needTensor(x, 'unsqueeze');
  const a = normAxis(axis, x.ndim + 1, 'unsqueeze');
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/** Remove axes of size 1 (all of them, or the ones given). */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  needTensor(x, 'squeeze');
  if (axis === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const axes = (typeof axis === 'number' ? [axis] : axis).map((a) => normAxis(a, x.ndim, 'squeeze'));
  for (const a of axes) check(x.shape[a] === 1, 'squeeze', () => `axis ${a} has size ${x.shape[a]}, not 1, in shape ${fmt(x.shape)}`);
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

/** Merge axes startAxis..endAxis into one. */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  needTensor(x, 'flatten');
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normAxis(startAxis, x.ndim, 'flatten');
  const e = normAxis(endAxis, x.ndim, 'flatten');
  check(s <= e, 'flatten', () => `startAxis ${startAxis} comes after endAxis ${endAxis}`);
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

export { movementOps };
export type { MovementAttrs };

declare module '../../tensor/tensor.js' {
  interface Tensor {
    reshape(shape: readonly number[]): Tensor; view(shape: readonly number[]): Tensor;
    permute(perm: readonly number[]): Tensor; transpose(axis0?: number, axis1?: number): Tensor;
    /** The matrix transpose of the last two axes. */
    readonly T: Tensor;
    expand(shape: readonly number[]): Tensor; broadcastTo(shape: readonly number[]): Tensor;
    unsqueeze(axis: number): Tensor; squeeze(axis?: number | readonly number[]): Tensor;
    flatten(startAxis?: number, endAxis?: number): Tensor;
  }
}

Object.assign(Tensor.prototype, {
  reshape(this: Tensor, s: readonly number[]) { return reshape(this, s); },
  view(this: Tensor, s: readonly number[]) { return reshape(this, s); },
  permute(this: Tensor, p: readonly number[]) { return permute(this, p); },
  transpose(this: Tensor, a?: number, b?: number) { return transpose(this, a, b); },
  expand(this: Tensor, s: readonly number[]) { return expand(this, s); },
  broadcastTo(this: Tensor, s: readonly number[]) { return expand(this, s); },
  unsqueeze(this: Tensor, a: number) { return unsqueeze(this, a); },
  squeeze(this: Tensor, a?: number | readonly number[]) { return squeeze(this, a); },
  flatten(this: Tensor, s?: number, e?: number) { return flatten(this, s, e); },
  contiguous(this: Tensor) { return contiguous(this); },
});
Object.defineProperty(Tensor.prototype, 'T', { get(this: Tensor) { return transpose(this); } });
