// Joining and splitting: concat/cat and stack (copies), split and chunk (views), constant pad, repeat/tile
// (expand + reshape) and flip (a negative-stride view). concat's and pad's backward are slices of dy (views).
import { Tensor } from '../../tensor/tensor.js';
import { allocate } from '../../tensor/dtype.js';
import { HopgradError, check } from '../../tensor/errors.js';
import { fmt, normAxes, normAxis, shapeEq, sizeOf, stridesOf } from '../../tensor/shape.js';
import { type OpTable, binder } from '../engine.js';
import { needTensor } from './util.js';
import { expand, reshape, unsqueeze } from './movement.js';
import { type SliceRange, fullRange, narrow, scatterStrided, sliceRanges } from './slicing.js';

interface JoinAttrs {
  concat: { axis: number };
  pad: { pads: readonly (readonly [number, number])[]; value: number };
}

const joinOps: OpTable<JoinAttrs> = {
  concat: {
    forward: (xs, { axis }) => {
      const first = xs[0]!;
      const shape = [...first.shape];
      shape[axis] = xs.reduce((s, t) => s + t.shape[axis]!, 0);
      const out = allocate(first.dtype, sizeOf(shape));
      const outer = sizeOf(shape.slice(0, axis));
      const inner = sizeOf(shape.slice(axis + 1));
      const row = shape[axis]! * inner;
      let at = 0;
      for (const t of xs) {
        const d = t.contiguousData();
        const chunk = t.shape[axis]! * inner;
        if (chunk > 0) for (let o = 0; o < outer; o++) out.set(d.subarray(o * chunk, (o + 1) * chunk), o * row + at);
        at += chunk;
      }
      return new Tensor(out, shape);
    },
    // each input's gradient is its block of dy (a view)
    backward: (dy, { inputs, attrs: { axis }, needs }) => {
      let at = 0;
      return inputs.map((t, i) => {
        const len = t.shape[axis]!;
        const ranges = dy.shape.map((d, j): SliceRange => (j === axis ? { start: len === 0 ? 0 : at, step: 1, len, drop: false } : fullRange(d)));
        at += len;
        return needs[i] ? sliceRanges(dy, ranges) : null;
      });
    },
  },
  pad: {
    forward: ([x], { pads, value }) => {
      const shape = x!.shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
      const out = allocate(x!.dtype, sizeOf(shape));
      if (value !== 0) out.fill(value);
      const st = stridesOf(shape);
      const offset = pads.reduce((s, [before], i) => s + before * st[i]!, 0);
      scatterStrided(out, x!.shape, st, offset, x!.contiguousData());
      return new Tensor(out, shape);
    },
    // the padding is constant: dx is the interior block of dy
    backward: (dy, { inputs: [x], attrs: { pads } }) => [
      sliceRanges(dy, x!.shape.map((d, i): SliceRange => ({ start: d === 0 ? 0 : pads[i]![0], step: 1, len: d, drop: false }))),
    ],
  },
};

const apply = binder(joinOps);

/**
 * Join tensors along an existing axis (a copy). All must share dtype, rank and every dimension except `axis`.
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  check(Array.isArray(tensors as unknown) && tensors.length > 0, 'concat', 'tensors must be a non-empty array of Tensors');
  tensors.forEach((t, i) => needTensor(t, 'concat', `tensor ${i}`));
  const first = tensors[0]!;
  check(first.ndim > 0, 'concat', 'cannot concatenate 0-d tensors (use stack)');
  const a = normAxis(axis, first.ndim, 'concat');
  tensors.forEach((t, i) => {
    check(t.dtype === first.dtype, 'concat', () => `tensor ${i} has dtype ${t.dtype} but tensor 0 has ${first.dtype}`);
    const same = t.ndim === first.ndim && t.shape.every((d, j) => j === a || d === first.shape[j]);
    check(same, 'concat', () => `tensor ${i} has shape ${fmt(t.shape)} but tensor 0 has ${fmt(first.shape)} (all dimensions except axis ${a} must match)`);
  });
  return apply('concat', tensors, { axis: a });
}

/** Alias of concat (PyTorch's name). */
export const cat = concat;

/** Join same-shaped tensors along a new axis `axis` (in [−rank−1, rank]). */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  check(Array.isArray(tensors as unknown) && tensors.length > 0, 'stack', 'tensors must be a non-empty array of Tensors');
  tensors.forEach((t, i) => needTensor(t, 'stack', `tensor ${i}`));
  const first = tensors[0]!;
  const r = first.ndim;
  check(Number.isInteger(axis) && axis >= -r - 1 && axis <= r, 'stack', () => `axis ${axis} is out of range for stacking tensors of rank ${r} (valid: ${-r - 1}..${r})`);
  const a = axis < 0 ? axis + r + 1 : axis;
  tensors.forEach((t, i) => {
    check(shapeEq(t.shape, first.shape), 'stack', () => `tensor ${i} has shape ${fmt(t.shape)} but tensor 0 has ${fmt(first.shape)} (all must match)`);
    check(t.dtype === first.dtype, 'stack', () => `tensor ${i} has dtype ${t.dtype} but tensor 0 has ${first.dtype}`);
  });
  return concat(tensors.map((t) => unsqueeze(t, a)), a);
}

/**
 * Split into views along `axis` (torch.split): a number is the size of each piece (the last may be smaller),
 * a list gives every piece's size and must sum to the axis size.
 */
export function split(x: Tensor, sizeOrSections: number | readonly number[], axis = 0): Tensor[] {
  needTensor(x, 'split');
  check(x.ndim > 0, 'split', 'cannot split a 0-d tensor');
  const a = normAxis(axis, x.ndim, 'split');
  const d = x.shape[a]!;
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    const s = sizeOrSections;
    check(Number.isInteger(s) && s > 0, 'split', () => `split size must be a positive integer, got ${s}`);
    sizes = [];
    for (let at = 0; at < d; at += s) sizes.push(Math.min(s, d - at));
    if (d === 0) sizes.push(0);
  } else {
    check(Array.isArray(sizeOrSections), 'split', () => `sizeOrSections must be a number or a list of sizes, got ${String(sizeOrSections)}`);
    sizes = [...sizeOrSections];
    check(sizes.every((s) => Number.isInteger(s) && s >= 0), 'split', () => `sizes [${sizes.join(',')}] must be non-negative integers`);
    const total = sizes.reduce((p, s) => p + s, 0);
    check(total === d, 'split', () => `sizes [${sizes.join(',')}] sum to ${total}, but axis ${axis} of shape ${fmt(x.shape)} has size ${d}`);
  }
  let at = 0;
  return sizes.map((s) => { const v = narrow(x, a, at, s); at += s; return v; });
}

/** Split into `chunks` nearly equal views along `axis` (torch.chunk: pieces of ceil(size/chunks); may give fewer). */
export function chunk(x: Tensor, chunks: number, axis = 0): Tensor[] {
  needTensor(x, 'chunk');
  check(Number.isInteger(chunks) && chunks > 0, 'chunk', () => `chunks must be a positive integer, got ${chunks}`);
  check(x.ndim > 0, 'chunk', 'cannot chunk a 0-d tensor');
  const d = x.shape[normAxis(axis, x.ndim, 'chunk')]!;
  return split(x, Math.max(1, Math.ceil(d / chunks)), axis);
}

/**
 * Constant padding (numpy.pad style): `pads` holds one `[before, after]` pair of non-negative integers per
 * axis, first axis first; every axis must have a pair. `pad(x, [[0, 0], [1, 2]])` adds a column before and two
 * after each row.
 */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], value = 0): Tensor {
  needTensor(x, 'pad');
  check(Array.isArray(pads as unknown) && pads.length === x.ndim, 'pad', () => `pads must hold one [before, after] pair per axis (${x.ndim} for shape ${fmt(x.shape)}), got ${JSON.stringify(pads)}`);
  pads.forEach((p, i) => {
    check(Array.isArray(p as unknown) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0), 'pad', () => `pads[${i}] must be [before, after] with non-negative integers, got ${JSON.stringify(p)}`);
  });
  check(typeof value === 'number', 'pad', () => `value must be a number, got ${typeof value}`);
  check(x.dtype !== 'int32' || Number.isInteger(value), 'pad', () => `value ${value} is not an integer, but the input is int32`);
  return apply('pad', [x], { pads: pads.map(([b, e]) => [b, e] as const), value });
}

function checkReps(reps: readonly number[], where: string): void {
  check(Array.isArray(reps as unknown), where, () => `reps must be an array of integers, got ${String(reps)}`);
  check(reps.every((r) => Number.isInteger(r) && r >= 0), where, () => `reps [${reps.join(',')}] must be non-negative integers`);
}

/** Tile by interleaving: [r0, d0, r1, d1, …] broadcast from [1, d0, 1, d1, …], then merged. */
function tileFull(x: Tensor, reps: readonly number[]): Tensor {
  const inter = x.shape.flatMap((d) => [1, d]);
  const big = x.shape.flatMap((d, i) => [reps[i]!, d]);
  return reshape(expand(reshape(x, inter), big), x.shape.map((d, i) => d * reps[i]!));
}

/**
 * torch.Tensor.repeat: tile x `reps[i]` times along axis i; `reps` may be longer than x's rank (new leading
 * axes), not shorter. Differentiable (the gradient sums the copies).
 */
export function repeat(x: Tensor, reps: readonly number[]): Tensor {
  needTensor(x, 'repeat');
  checkReps(reps, 'repeat');
  check(reps.length >= x.ndim, 'repeat', () => `reps [${reps.join(',')}] has fewer entries than the input's rank ${x.ndim} (shape ${fmt(x.shape)})`);
  return tileFull(reshape(x, [...new Array<number>(reps.length - x.ndim).fill(1), ...x.shape]), reps);
}

/** numpy.tile: like repeat, but a `reps` shorter than x's rank is padded with leading 1s. */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  needTensor(x, 'tile');
  checkReps(reps, 'tile');
  const full = [...new Array<number>(Math.max(0, x.ndim - reps.length)).fill(1), ...reps];
  return repeat(x, full);
}

/** Reverse the order along `axes` (all axes when omitted) as a view with negative strides (numpy.flip). */
export function flip(x: Tensor, axes?: number | readonly number[]): Tensor {
  needTensor(x, 'flip');
  if (x.ndim === 0) {
    if (axes !== undefined && !(Array.isArray(axes) && axes.length === 0)) throw new HopgradError('flip: a 0-d tensor has no axes to flip');
    return x;
  }
  const list = normAxes(axes, x.ndim, 'flip');
  return sliceRanges(x, x.shape.map((d, i) => (list.includes(i) && d > 0 ? { start: d - 1, step: -1, len: d, drop: false } : fullRange(d))));
}

export { joinOps };
export type { JoinAttrs };

declare module '../../tensor/tensor.js' {
  interface Tensor {
    split(sizeOrSections: number | readonly number[], axis?: number): Tensor[];
    chunk(chunks: number, axis?: number): Tensor[];
    pad(pads: readonly (readonly [number, number])[], value?: number): Tensor;
    repeat(reps: readonly number[]): Tensor;
    tile(reps: readonly number[]): Tensor;
    flip(axes?: number | readonly number[]): Tensor;
  }
}

Object.assign(Tensor.prototype, {
  split(this: Tensor, s: number | readonly number[], axis?: number) { return split(this, s, axis); },
  chunk(this: Tensor, n: number, axis?: number) { return chunk(this, n, axis); },
  pad(this: Tensor, pads: readonly (readonly [number, number])[], value?: number) { return pad(this, pads, value); },
  repeat(this: Tensor, reps: readonly number[]) { return repeat(this, reps); },
  tile(this: Tensor, reps: readonly number[]) { return tile(this, reps); },
  flip(this: Tensor, axes?: number | readonly number[]) { return flip(this, axes); },
});
