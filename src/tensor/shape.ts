// Shape arithmetic: sizes, row-major strides, numpy broadcasting, axis normalization.
import { HopgradError, check } from './errors.js';

export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C order) strides of a contiguous tensor of this shape. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function shapeEq(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `[3,4]` as a string for error messages. */
export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** Validate a user-given shape: non-negative integers. */
export function checkShape(shape: Shape, where: string): void {
  check(Array.isArray(shape), where, () => `shape must be an array of integers, got ${String(shape)}`);
  for (const d of shape) {
    check(Number.isInteger(d) && d >= 0, where, () => `shape ${fmt(shape)} must hold non-negative integers`);
  }
}

/** numpy broadcasting of two shapes; throws naming the op and both shapes when they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape, where: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else {
      throw new HopgradError(
        `${where}: shapes ${fmt(a)} and ${fmt(b)} do not broadcast (dimension ${i - n} is ${da} vs ${db})`,
      );
    }
  }
  return out;
}

/** Whether `from` broadcasts to `to` (numpy rules, `to` fixed). */
export function broadcastsTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  for (let i = 1; i <= from.length; i++) {
    const f = from[from.length - i]!;
    const t = to[to.length - i]!;
    if (f !== t && f !== 1) return false;
  }
  return true;
}

/** Normalize a possibly negative axis against `rank`; throws naming the op when out of range. */
export function normAxis(axis: number, rank: number, where: string): number {
  check(Number.isInteger(axis), where, () => `axis must be an integer, got ${axis}`);
  // a 0-d tensor accepts axis 0 / −1 like a 1-element axis (numpy and torch do the same for reductions)
  const r = Math.max(rank, 1);
  const a = axis < 0 ? axis + r : axis;
  check(a >= 0 && a < r, where, () => `axis ${axis} is out of range for a tensor of rank ${rank}`);
  return a;
}

/** Normalize `axis` (undefined = all, number, or list) to a sorted list of distinct axes. */
export function normAxes(axis: number | readonly number[] | undefined, rank: number, where: string): number[] {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => normAxis(a, rank, where));
  if (rank === 0) return [];
  const set = new Set(out);
  check(set.size === out.length, where, () => `axis list [${list.join(',')}] repeats an axis`);
  return [...set].sort((x, y) => x - y);
}

/**
 * Call `row(base)` for every innermost row of a strided view (rank ≥ 1), in row-major order; `base` is the
 * storage index of the row's first element. The one odometer every strided copy uses.
 */
export function forEachRow(shape: Shape, strides: readonly number[], offset: number, row: (base: number) => void): void {
  const rank = shape.length;
  if (sizeOf(shape) === 0) return;
  const idx = new Array<number>(rank).fill(0);
  let base = offset;
  for (;;) {
    row(base);
    let ax = rank - 2;
    while (ax >= 0) {
      idx[ax]!++;
      base += strides[ax]!;
      if (idx[ax]! < shape[ax]!) break;
      base -= strides[ax]! * shape[ax]!;
      idx[ax] = 0;
      ax--;
    }
    if (ax < 0) return;
  }
}
