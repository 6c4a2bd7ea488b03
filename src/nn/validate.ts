// Shared argument checks of the nn package: describing a bad value, and what a parameter or buffer may be.
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import { fmt } from '../tensor/shape.js';

/** A bad value described for an error message: `a float32 Tensor of shape [2,3]`, `number 5`, `null`. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Tensor) return `a ${v.dtype} Tensor of shape ${fmt(v.shape)}`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `a ${(v as object).constructor?.name ?? 'object'}`;
  return `${typeof v} ${String(v)}`;
}

/** A parameter: null, or a contiguous float leaf tensor (optimizers update it in place). */
export function checkParameter(t: unknown, where: string, name: string): asserts t is Tensor | null {
  if (t === null) return;
  check(t instanceof Tensor, where, () => `parameter '${name}' must be a Tensor or null, got ${describeValue(t)}`);
  check(t.dtype !== 'int32', where, () => `parameter '${name}' must have a float dtype, got int32`);
  check(t.isLeaf, where, () => `parameter '${name}' must be a leaf tensor (not the result of an op that tracks gradients); use detach()`);
  check(t.isContiguous(), where, () => `parameter '${name}' must be contiguous (optimizers update it in place); use contiguous() or a fresh tensor`);
}

/** A buffer: null, or a contiguous tensor of any dtype (state dicts load into it in place). */
export function checkBuffer(t: unknown, where: string, name: string): asserts t is Tensor | null {
  if (t === null) return;
  check(t instanceof Tensor, where, () => `buffer '${name}' must be a Tensor or null, got ${describeValue(t)}`);
  check(t.isContiguous(), where, () => `buffer '${name}' must be contiguous; use contiguous() or a fresh tensor`);
}
