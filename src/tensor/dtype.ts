// Element types: float32 (default), float64 (gradient and theorem checks), int32 (indices), and `allocate`,
// the one way kernels get output memory (through the buffer pool).
import { poolTake } from './pool.js';

/** The element types hopgrad tensors hold. */
export type DType = 'float32' | 'float64' | 'int32';
/** The typed arrays that back tensors. */
export type TypedArray = Float32Array | Float64Array | Int32Array;
/** Constructor of the typed array for a dtype. */
export type TypedArrayFor<D extends DType> = D extends 'float32' ? Float32Array : D extends 'float64' ? Float64Array : Int32Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

/**
 * A zero-filled typed array of `n` elements of `dtype` that no live tensor uses: a reused one from the buffer
 * pool (src/tensor/pool.ts; filled with zeros) when one of that dtype and length was released by tidy() or
 * dispose(), else a fresh one. Outside a tidy() scope only arrays dispose() released outside tidy are reused
 * (those tidy() released wait for the next scope). Kernels allocate every output through this (or `allocateUninit`).
 */
export function allocate(dtype: DType, n: number): TypedArray {
  return poolTake(dtype, n, true);
}

/**
 * Like `allocate`, but a reused array keeps its old contents: only for callers that overwrite every element
 * (copies, elementwise outputs, results copied out of wasm memory). Never rely on its contents.
 */
export function allocateUninit(dtype: DType, n: number): TypedArray {
  return poolTake(dtype, n, false);
}

/** A copy of `src` (e.g. a view into wasm memory) in an array from `allocateUninit` (pooled when possible). */
export function allocateCopy<A extends TypedArray>(src: A): A {
  const out = poolTake(dtypeOf(src), src.length, false) as A;
  out.set(src);
  return out;
}

/** The dtype a typed array holds. */
export function dtypeOf(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  return 'int32';
}

/** Type promotion for binary ops: float64 > float32 > int32. */
export function promote(a: DType, b: DType): DType {
  if (a === 'float64' || b === 'float64') return 'float64';
  if (a === 'float32' || b === 'float32') return 'float32';
  return 'int32';
}

export function isFloat(d: DType): boolean {
  return d !== 'int32';
}

export function isDType(x: unknown): x is DType {
  return x === 'float32' || x === 'float64' || x === 'int32';
}
