// Creating tensors: from nested arrays or typed arrays, constant fills, ranges, identity, and seeded random draws.
import { type DType, type TypedArray, allocate, dtypeOf, isDType } from './dtype.js';
import { HopgradError, check } from './errors.js';
import { type Shape, checkShape, fmt, sizeOf } from './shape.js';
import { type NestedArray, Tensor } from './tensor.js';
import { Generator, defaultGenerator } from './random.js';

/** Options for tensor creation. */
export interface TensorOptions {
  dtype?: DType;
  /** With a typed array or flat array: the shape to view it as (default: 1-D). */
  shape?: Shape;
  requiresGrad?: boolean;
}

function checkDtype(d: unknown, where: string): DType {
  if (d === undefined) return 'float32';
  check(isDType(d), where, () => `dtype must be 'float32', 'float64' or 'int32', got ${String(d)}`);
  return d;
}

function inferShape(data: NestedArray, where: string): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0]!;
  }
  return shape;
}

function flatten(data: NestedArray, shape: readonly number[], out: TypedArray, where: string): void {
  let pos = 0;
  const walk = (v: NestedArray, axis: number, path: string): void => {
    if (axis === shape.length) {
      if (typeof v !== 'number') throw new HopgradError(`${where}: element at ${path || '[]'} is ${Array.isArray(v) ? 'an array' : typeof v}, expected a number (ragged nesting?)`);
      out[pos++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[axis]) {
      throw new HopgradError(`${where}: ragged nested array: ${path || 'the top level'} has ${Array.isArray(v) ? `length ${v.length}` : 'a number'} where shape ${fmt(shape)} expects length ${shape[axis]}`);
    }
    for (let i = 0; i < v.length; i++) walk(v[i]!, axis + 1, `${path}[${i}]`);
  };
  walk(data, 0, '');
}

/**
 * A tensor from a number, nested arrays, or a typed array (copied). `shape` reshapes flat data;
 * `dtype` defaults to float32 (or the typed array's own type).
 */
export function tensor(data: NestedArray | TypedArray | readonly number[], opts: TensorOptions = {}): Tensor {
  const where = 'tensor';
  let t: Tensor;
  if (ArrayBuffer.isView(data)) {
    const src = data as TypedArray;
    const dtype = opts.dtype === undefined ? dtypeOf(src) : checkDtype(opts.dtype, where);
    const shape = opts.shape ?? [src.length];
    checkShape(shape, where);
    check(sizeOf(shape) === src.length, where, () => `shape ${fmt(shape)} holds ${sizeOf(shape)} elements but the data has ${src.length}`);
    const store = allocate(dtype, src.length);
    store.set(src);
    t = new Tensor(store, shape);
  } else {
    const dtype = checkDtype(opts.dtype, where);
    check(typeof data === 'number' || Array.isArray(data), where, () => `data must be a number, nested arrays or a typed array, got ${typeof data}`);
    const natural = inferShape(data as NestedArray, where);
    const store = allocate(dtype, sizeOf(natural));
    flatten(data as NestedArray, natural, store, where);
    let shape: Shape = natural;
    if (opts.shape) {
      checkShape(opts.shape, where);
      check(sizeOf(opts.shape) === store.length, where, () => `shape ${fmt(opts.shape!)} holds ${sizeOf(opts.shape!)} elements but the data has ${store.length}`);
      shape = opts.shape;
    }
    t = new Tensor(store, shape);
  }
  if (opts.requiresGrad) {
    check(t.dtype !== 'int32', where, 'requiresGrad needs a float dtype, got int32');
    t.requiresGrad = true;
  }
  return t;
}

/** A 0-d tensor. */
export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  const s = allocate(dtype, 1);
  s[0] = value;
  return new Tensor(s, []);
}

function fillTensor(shape: Shape, value: number, opts: Omit<TensorOptions, 'shape'>, where: string): Tensor {
  checkShape(shape, where);
  const dtype = checkDtype(opts.dtype, where);
  const s = allocate(dtype, sizeOf(shape));
  if (value !== 0) s.fill(value);
  const t = new Tensor(s, shape);
  if (opts.requiresGrad) {
    check(dtype !== 'int32', where, 'requiresGrad needs a float dtype, got int32');
    t.requiresGrad = true;
  }
  return t;
}

/** A tensor of zeros. */
export function zeros(shape: Shape, opts: Omit<TensorOptions, 'shape'> = {}): Tensor {
  return fillTensor(shape, 0, opts, 'zeros');
}
/** A tensor of ones. */
export function ones(shape: Shape, opts: Omit<TensorOptions, 'shape'> = {}): Tensor {
  return fillTensor(shape, 1, opts, 'ones');
}
/** A tensor filled with `value`. */
export function full(shape: Shape, value: number, opts: Omit<TensorOptions, 'shape'> = {}): Tensor {
  check(typeof value === 'number', 'full', () => `value must be a number, got ${typeof value}`);
  return fillTensor(shape, value, opts, 'full');
}
/** Zeros of another tensor's shape and dtype. */
export function zerosLike(t: Tensor): Tensor {
  return zeros(t.shape, { dtype: t.dtype });
}
/** Ones of another tensor's shape and dtype. */
export function onesLike(t: Tensor): Tensor {
  return ones(t.shape, { dtype: t.dtype });
}

/** Values start, start+step, … below end (like numpy.arange); `arange(n)` is 0..n-1. */
export function arange(start: number, end?: number, step = 1, opts: { dtype?: DType } = {}): Tensor {
  if (end === undefined) { end = start; start = 0; }
  check(Number.isFinite(start) && Number.isFinite(end) && Number.isFinite(step), 'arange', () => `start, end and step must be finite, got ${start}, ${end}, ${step}`);
  check(step !== 0, 'arange', 'step must not be 0');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = opts.dtype ?? (Number.isInteger(start) && Number.isInteger(step) ? 'int32' : 'float32');
  const s = allocate(checkDtype(dtype, 'arange'), n);
  for (let i = 0; i < n; i++) s[i] = start + i * step;
  return new Tensor(s, [n]);
}

/** `num` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, num: number, opts: { dtype?: DType } = {}): Tensor {
  check(Number.isInteger(num) && num >= 0, 'linspace', () => `num must be a non-negative integer, got ${num}`);
  const s = allocate(checkDtype(opts.dtype, 'linspace'), num);
  for (let i = 0; i < num; i++) s[i] = num === 1 ? start : start + ((end - start) * i) / (num - 1);
  return new Tensor(s, [num]);
}

/** The n×m identity (m defaults to n). */
export function eye(n: number, m = n, opts: { dtype?: DType } = {}): Tensor {
  check(Number.isInteger(n) && n >= 0 && Number.isInteger(m) && m >= 0, 'eye', () => `sizes must be non-negative integers, got ${n}, ${m}`);
  const s = allocate(checkDtype(opts.dtype, 'eye'), n * m);
  for (let i = 0; i < Math.min(n, m); i++) s[i * m + i] = 1;
  return new Tensor(s, [n, m]);
}

/** Options of the random constructors. */
export interface RandomOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  /** Draw from this generator instead of the default one (see `manualSeed`). */
  generator?: Generator;
}

function randomTensor(shape: Shape, opts: RandomOptions, where: string, fill: (g: Generator, out: TypedArray) => void): Tensor {
  checkShape(shape, where);
  const dtype = checkDtype(opts.dtype, where);
  check(dtype !== 'int32', where, 'random floats need a float dtype');
  const s = allocate(dtype, sizeOf(shape));
  fill(opts.generator ?? defaultGenerator, s);
  const t = new Tensor(s, shape);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Standard normal samples. */
export function randn(shape: Shape, opts: RandomOptions = {}): Tensor {
  return randomTensor(shape, opts, 'randn', (g, s) => g.fillNormal(s));
}
/** Uniform samples on [0, 1). */
export function rand(shape: Shape, opts: RandomOptions = {}): Tensor {
  return randomTensor(shape, opts, 'rand', (g, s) => g.fillUniform(s));
}
/** Normal samples with the given mean and standard deviation. */
export function normal(shape: Shape, mean = 0, std = 1, opts: RandomOptions = {}): Tensor {
  check(std >= 0 && Number.isFinite(std), 'normal', () => `std must be a finite non-negative number, got ${std}`);
  return randomTensor(shape, opts, 'normal', (g, s) => g.fillNormal(s, std, mean));
}
/** Uniform samples on [low, high). */
export function uniform(shape: Shape, low = 0, high = 1, opts: RandomOptions = {}): Tensor {
  check(Number.isFinite(low) && Number.isFinite(high) && high >= low, 'uniform', () => `need finite low ≤ high, got ${low}, ${high}`);
  return randomTensor(shape, opts, 'uniform', (g, s) => g.fillUniform(s, low, high));
}
/** 1 with probability p, else 0. */
export function bernoulli(shape: Shape, p: number, opts: RandomOptions = {}): Tensor {
  check(p >= 0 && p <= 1, 'bernoulli', () => `p must be in [0, 1], got ${p}`);
  return randomTensor(shape, opts, 'bernoulli', (g, s) => { for (let i = 0; i < s.length; i++) s[i] = g.uniform() < p ? 1 : 0; });
}
/** A random permutation of 0..n-1 (int32). */
export function permutation(n: number, opts: { generator?: Generator } = {}): Tensor {
  check(Number.isInteger(n) && n >= 0, 'permutation', () => `n must be a non-negative integer, got ${n}`);
  return new Tensor((opts.generator ?? defaultGenerator).permutation(n), [n]);
}
