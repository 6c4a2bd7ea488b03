// CPU kernels for elementwise ops: unary functions, broadcasting binary ops, where, cast, strided copy.
import { type DType, type TypedArray, allocateUninit } from '../../dtype.js';
import type { BinaryOp, UnaryOp } from '../backend.js';
import { gatherStrided } from '../../tensor.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** The scalar function of each unary op (param: elu alpha, leakyRelu slope, powScalar exponent). */
export function unaryFn(op: UnaryOp, p: number): (x: number) => number {
  switch (op) {
    case 'neg': return (x) => -x;
    case 'exp': return Math.exp;
    case 'log': return Math.log;
    case 'sqrt': return Math.sqrt;
    case 'rsqrt': return (x) => 1 / Math.sqrt(x);
    case 'abs': return Math.abs;
    case 'sign': return (x) => (x > 0 ? 1 : x < 0 ? -1 : x);
    case 'square': return (x) => x * x;
    case 'reciprocal': return (x) => 1 / x;
    case 'tanh': return Math.tanh;
    case 'sigmoid': return (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
    case 'relu': return (x) => (x > 0 ? x : 0);
    case 'elu': return (x) => (x > 0 ? x : p * Math.expm1(x));
    // tanh approximation of GELU (as torch.nn.GELU(approximate='tanh'))
    case 'gelu': return (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
    case 'softplus': return (x) => (x > 20 ? x : x < -20 ? Math.exp(x) : Math.log1p(Math.exp(x)));
    case 'leakyRelu': return (x) => (x > 0 ? x : p * x);
    case 'sin': return Math.sin;
    case 'cos': return Math.cos;
    case 'log1p': return Math.log1p;
    case 'expm1': return Math.expm1;
    case 'floor': return Math.floor;
    case 'ceil': return Math.ceil;
    case 'round': return Math.round;
    case 'powScalar': return p === 2 ? (x) => x * x : p === 0.5 ? Math.sqrt : (x) => Math.pow(x, p);
    case 'isnan': return (x) => (Number.isNaN(x) ? 1 : 0);
    case 'isfinite': return (x) => (Number.isFinite(x) ? 1 : 0);
  }
}

export function unary(op: UnaryOp, x: TypedArray, outDtype: DType, param = 0): TypedArray {
  const f = unaryFn(op, param);
  const out = allocateUninit(outDtype, x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
  return out;
}

/** The scalar function of each binary op. */
export function binaryFn(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case 'add': return (a, b) => a + b;
    case 'sub': return (a, b) => a - b;
    case 'mul': return (a, b) => a * b;
    case 'div': return (a, b) => a / b;
    case 'pow': return Math.pow;
    // NaN propagates like torch.maximum / torch.minimum
    case 'maximum': return (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b);
    case 'minimum': return (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b);
    case 'eq': return (a, b) => (a === b ? 1 : 0);
    case 'ne': return (a, b) => (a !== b ? 1 : 0);
    case 'lt': return (a, b) => (a < b ? 1 : 0);
    case 'le': return (a, b) => (a <= b ? 1 : 0);
    case 'gt': return (a, b) => (a > b ? 1 : 0);
    case 'ge': return (a, b) => (a >= b ? 1 : 0);
  }
}

function isRowMajor(shape: readonly number[], strides: readonly number[]): boolean {
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== acc) return false;
    acc *= shape[i]!;
  }
  return true;
}

export function binary(
  op: BinaryOp, a: TypedArray, aStrides: readonly number[], b: TypedArray, bStrides: readonly number[],
  outShape: readonly number[], outDtype: DType,
): TypedArray {
  let n = 1;
  for (const d of outShape) n *= d;
  const out = allocateUninit(outDtype, n); // every path below writes all n elements
  if (n === 0) return out;
  const aFull = isRowMajor(outShape, aStrides) && a.length === n;
  const bFull = isRowMajor(outShape, bStrides) && b.length === n;
  const aScalar = a.length === 1 && aStrides.every((s) => s === 0);
  const bScalar = b.length === 1 && bStrides.every((s) => s === 0);
  // fast paths with the common ops inlined
  if (aFull && (bFull || bScalar)) {
    if (bScalar) {
      const s = b[0]!;
      switch (op) {
        case 'add': for (let i = 0; i < n; i++) out[i] = a[i]! + s; return out;
        case 'sub': for (let i = 0; i < n; i++) out[i] = a[i]! - s; return out;
        case 'mul': for (let i = 0; i < n; i++) out[i] = a[i]! * s; return out;
        case 'div': for (let i = 0; i < n; i++) out[i] = a[i]! / s; return out;
        // comparisons against a scalar (relu / elu / leakyRelu backward masks)
        case 'gt': for (let i = 0; i < n; i++) out[i] = a[i]! > s ? 1 : 0; return out;
        case 'lt': for (let i = 0; i < n; i++) out[i] = a[i]! < s ? 1 : 0; return out;
        case 'ge': for (let i = 0; i < n; i++) out[i] = a[i]! >= s ? 1 : 0; return out;
        case 'le': for (let i = 0; i < n; i++) out[i] = a[i]! <= s ? 1 : 0; return out;
        default: { const f = binaryFn(op); for (let i = 0; i < n; i++) out[i] = f(a[i]!, s); return out; }
      }
    }
    switch (op) {
      case 'add': for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!; return out;
      case 'sub': for (let i = 0; i < n; i++) out[i] = a[i]! - b[i]!; return out;
      case 'mul': for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!; return out;
      case 'div': for (let i = 0; i < n; i++) out[i] = a[i]! / b[i]!; return out;
      default: { const f = binaryFn(op); for (let i = 0; i < n; i++) out[i] = f(a[i]!, b[i]!); return out; }
    }
  }
  if (aScalar && bFull) {
    const s = a[0]!;
    const f = binaryFn(op);
    for (let i = 0; i < n; i++) out[i] = f(s, b[i]!);
    return out;
  }
  // general strided walk: the innermost axis in a tight loop, an odometer over the rest
  const f = binaryFn(op);
  const rank = outShape.length;
  const last = rank - 1;
  const len = outShape[last]!;
  const sa = aStrides[last]!;
  const sb = bStrides[last]!;
  const idx = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  let o = 0;
  for (;;) {
    for (let j = 0; j < len; j++) out[o++] = f(a[ia + j * sa]!, b[ib + j * sb]!);
    let ax = last - 1;
    while (ax >= 0) {
      idx[ax]!++;
      ia += aStrides[ax]!;
      ib += bStrides[ax]!;
      if (idx[ax]! < outShape[ax]!) break;
      ia -= aStrides[ax]! * outShape[ax]!;
      ib -= bStrides[ax]! * outShape[ax]!;
      idx[ax] = 0;
      ax--;
    }
    if (ax < 0) return out;
  }
}

export function where(cond: TypedArray, a: TypedArray, b: TypedArray, outDtype: DType): TypedArray {
  const out = allocateUninit(outDtype, cond.length);
  for (let i = 0; i < cond.length; i++) out[i] = cond[i] !== 0 ? a[i]! : b[i]!;
  return out;
}

export function cast(x: TypedArray, dtype: DType): TypedArray {
  const out = allocateUninit(dtype, x.length);
  if (dtype === 'int32') for (let i = 0; i < x.length; i++) out[i] = Math.trunc(x[i]!);
  else out.set(x);
  return out;
}

export function strided(src: TypedArray, shape: readonly number[], strides: readonly number[], offset: number): TypedArray {
  return gatherStrided(src, shape, strides, offset);
}
