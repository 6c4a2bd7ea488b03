// Element types: float32 (default), float64 (gradient and theorem checks), int32 (indices).

/** The element types hopgrad tensors hold. */
export type DType = 'float32' | 'float64' | 'int32';
/** The typed arrays that back tensors. */
export type TypedArray = Float32Array | Float64Array | Int32Array;
/** Constructor of the typed array for a dtype. */
export type TypedArrayFor<D extends DType> = D extends 'float32' ? Float32Array : D extends 'float64' ? Float64Array : Int32Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

/** A fresh zero-filled typed array of `n` elements of `dtype`. */
export function allocate(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'int32': return new Int32Array(n);
  }
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
