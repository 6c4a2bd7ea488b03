// The Tensor: a typed-array storage viewed through shape, strides and offset, plus autograd bookkeeping.
// Op methods (x.matmul, x.exp, ...) are installed onto the prototype by the op modules in src/autograd/ops.
import { type DType, type TypedArray, allocateUninit } from './dtype.js';
import { type Shape, fmt, sizeOf, stridesOf } from './shape.js';
import { HopgradError } from './errors.js';
import { disownArray, releaseStorage, retainStorage } from './pool.js';

/** A nested array of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

/** What the tape records for a tensor an op produced (see src/autograd/engine.ts). */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Gradients for each input given the gradient of the output (null where an input needs none). */
  readonly backward: (dy: Tensor) => readonly (Tensor | null)[];
  /** What the op's forward saved for backward (tidy() keeps the tensors in it alive with the output). */
  readonly saved?: unknown;
}

let nextId = 0;
/** @internal Called with every new Tensor while a tidy() scope is open (set by src/tensor/tidy.ts). */
let onCreate: ((t: Tensor) => void) | null = null;

/** @internal Install (or remove, with null) the hook tidy() uses to track the tensors created in its scope. */
export function setTensorCreateHook(hook: ((t: Tensor) => void) | null): void {
  onCreate = hook;
}

function throwReleased(t: Tensor): never {
  const what = `tensor ${fmt(t.shape)} ${t.dtype}${t.name ? ` '${t.name}'` : ''}`;
  throw new HopgradError(t._disposed === 1
    ? `${what}: tensor was released at the end of tidy(); return it from the tidy function or keep() it`
    : `${what}: tensor was disposed (dispose() was called on it); it cannot be used any more`);
}

/**
 * An n-dimensional array of float32, float64 or int32 values.
 *
 * Storage is a typed array; `shape`, `strides` and `offset` say how the tensor views it, so transpose,
 * permute, expand and slicing make no copy. Kernels read contiguous storage: `contiguousData()` returns
 * it directly when the view is already contiguous and copies otherwise.
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** @internal the storage (shared between views); throws once the tensor was released or disposed. */
  get _storage(): TypedArray {
    if (this._disposed !== 0) throwReleased(this);
    return this._data;
  }
  /** @internal the storage without the released check (tidy/pool bookkeeping only). */
  readonly _data: TypedArray;
  /** @internal 0 live, 1 released at the end of tidy(), 2 disposed with dispose(). */
  _disposed: 0 | 1 | 2 = 0;
  /** @internal kept with keep(): no tidy() scope releases it. */
  _kept = false;
  /** @internal element strides, one per axis (0 for broadcast axes). */
  readonly _strides: readonly number[];
  /** @internal first element's index in storage. */
  readonly _offset: number;
  /** @internal the tape node of the op that produced this tensor, when it needs a gradient. */
  _node: GradNode | null = null;
  /** Whether gradients flow to this tensor (set on leaves by the user, propagated by ops). */
  requiresGrad = false;
  /** Accumulated gradient of a leaf after `backward()`; like PyTorch, it adds up across calls until zeroed. */
  grad: Tensor | null = null;
  /** Whether to keep `.grad` on this non-leaf tensor during backward. */
  retainsGrad = false;
  /** Optional name, shown in error and debug messages. */
  name: string | undefined;
  /** @internal unique id (stable topological order). */
  readonly _id = nextId++;

  /** @internal use `tensor()`, `zeros()` and the ops to make tensors. */
  constructor(storage: TypedArray, shape: Shape, strides?: readonly number[], offset = 0) {
    this._data = storage;
    this.shape = Object.freeze([...shape]);
    this._strides = Object.freeze(strides ? [...strides] : stridesOf(shape));
    this._offset = offset;
    this.dtype = storage instanceof Float32Array ? 'float32' : storage instanceof Float64Array ? 'float64' : 'int32';
    retainStorage(storage);
    if (onCreate !== null) onCreate(this);
  }

  /** Whether this tensor was released (at the end of tidy()) or disposed; its data can no longer be read. */
  get isDisposed(): boolean {
    return this._disposed !== 0;
  }

  /**
   * Release this tensor now: its storage returns to the buffer pool once no other live tensor (view) uses it,
   * and any later use of this tensor throws. Disposing twice is a no-op.
   */
  dispose(): void {
    this._release(2);
  }

  /** @internal mark released (1: by tidy, 2: by dispose) and hand the storage back; `protect` storages are never pooled. */
  _release(kind: 1 | 2, protect?: ReadonlySet<unknown>): void {
    if (this._disposed !== 0) return;
    this._disposed = kind;
    releaseStorage(this._data, protect);
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Whether this tensor is a leaf of the graph (made by the user, not by an op that tracks gradients). */
  get isLeaf(): boolean {
    return this._node === null;
  }

  /** Whether the view is the storage itself in row-major order (no copy needed to hand it to a kernel). */
  isContiguous(): boolean {
    if (this._offset !== 0 || this._storage.length !== this.size) return false;
    let acc = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      const d = this.shape[i]!;
      if (d !== 1 && this._strides[i] !== acc) return false;
      acc *= d;
    }
    return true;
  }

  /** @internal the elements in row-major order: the storage itself when contiguous (do not write to it), else a copy. */
  contiguousData(): TypedArray {
    if (this.isContiguous()) return this._storage;
    return gatherStrided(this._storage, this.shape, this._strides, this._offset);
  }

  /** A copy of the elements in row-major order as a typed array of this tensor's dtype. */
  dataSync(): TypedArray {
    const d = this.contiguousData();
    if (d === this._storage) return d.slice();
    disownArray(d); // the caller owns the copy: it must never go back to the buffer pool
    return d;
  }

  /** Alias of `dataSync()` returning a promise, for code written against asynchronous backends. */
  data(): Promise<TypedArray> {
    return Promise.resolve(this.dataSync());
  }

  /** The elements as nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    const d = this.contiguousData();
    if (this.shape.length === 0) return d[0]!;
    let pos = 0;
    const build = (axis: number): NestedArray[] => {
      const n = this.shape[axis]!;
      const out: NestedArray[] = new Array(n);
      if (axis === this.shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = d[pos++]!;
      } else {
        for (let i = 0; i < n; i++) out[i] = build(axis + 1);
      }
      return out;
    };
    return build(0);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new HopgradError(`item: only a one-element tensor can be converted to a number, got shape ${fmt(this.shape)}`);
    }
    return this._storage[this._offset]!;
  }

  /** A tensor sharing this one's data but cut from the graph (no gradient flows through it). */
  detach(): Tensor {
    return new Tensor(this._storage, this.shape, this._strides, this._offset);
  }

  /** Mark this tensor as a leaf that receives gradients (in place; returns this). */
  requiresGrad_(flag = true): this {
    if (!this.isLeaf && !flag) throw new HopgradError('requiresGrad_: cannot turn off gradients of a non-leaf tensor; use detach()');
    if (flag && this.dtype === 'int32') throw new HopgradError('requiresGrad_: only float tensors can require gradients, got int32 (cast it first)');
    this.requiresGrad = flag;
    return this;
  }

  /** Keep `.grad` on this non-leaf tensor when backward runs. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  /** Drop the accumulated gradient. */
  zeroGrad(): void {
    this.grad = null;
  }

  /** A contiguous copy (or this tensor when already contiguous); keeps the graph. Installed by the movement ops. */
  declare contiguous: () => Tensor;
  /** Backpropagate from this tensor. Installed by src/autograd/tape.ts. */
  declare backward: (grad?: Tensor) => void;

  toString(): string {
    const body = this.size <= 64 ? JSON.stringify(this.toArray()) : `${this.size} elements`;
    return `Tensor(${fmt(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''}): ${body}`;
  }
}

/** Copy a strided view into a fresh contiguous typed array (the reference implementation of every view). */
export function gatherStrided(src: TypedArray, shape: Shape, strides: readonly number[], offset: number): TypedArray {
  const n = sizeOf(shape);
  const out = allocateUninit(src instanceof Float32Array ? 'float32' : src instanceof Float64Array ? 'float64' : 'int32', n);
  if (n === 0) return out;
  if (shape.length === 0) {
    out[0] = src[offset]!;
    return out;
  }
  // merge axes that are contiguous with the next one (longer inner rows, fewer odometer steps)
  const dims: number[] = [];
  const st: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && st[last] === strides[i]! * d) { dims[last]! *= d; st[last] = strides[i]!; }
    else { dims.push(d); st.push(strides[i]!); }
  }
  if (dims.length === 0) { out[0] = src[offset]!; return out; }
  const rank = dims.length;
  const len = dims[rank - 1]!;
  const step = st[rank - 1]!;
  if (rank === 1) {
    copyRow(src, offset, step, len, out, 0);
    return out;
  }
  if (rank <= 4) {
    // up to three outer axes as plain nested loops (padded with size-1 axes in front)
    const d0 = rank === 4 ? dims[0]! : 1, s0 = rank === 4 ? st[0]! : 0;
    const d1 = rank >= 3 ? dims[rank - 3]! : 1, s1 = rank >= 3 ? st[rank - 3]! : 0;
    const d2 = dims[rank - 2]!, s2 = st[rank - 2]!;
    if (step === 1 && len < 32) gatherRows3(src, out, offset, d0, s0, d1, s1, d2, s2, len);
    else {
      let o = 0;
      for (let i0 = 0, b0 = offset; i0 < d0; i0++, b0 += s0) {
        for (let i1 = 0, b1 = b0; i1 < d1; i1++, b1 += s1) {
          for (let i2 = 0, b2 = b1; i2 < d2; i2++, b2 += s2, o += len) copyRow(src, b2, step, len, out, o);
        }
      }
    }
    return out;
  }
  // odometer over the outer axes (no per-row closure)
  const idx = new Array<number>(rank - 1).fill(0);
  let base = offset;
  for (let o = 0; o < n; o += len) {
    copyRow(src, base, step, len, out, o);
    let ax = rank - 2;
    while (ax >= 0) {
      base += st[ax]!;
      if (++idx[ax]! < dims[ax]!) break;
      base -= st[ax]! * dims[ax]!;
      idx[ax] = 0;
      ax--;
    }
  }
  return out;
}

/** Short contiguous rows (len < 32) under three outer axes, copied element by element in one loop nest. */
function gatherRows3(src: TypedArray, out: TypedArray, offset: number, d0: number, s0: number, d1: number, s1: number,
  d2: number, s2: number, len: number): void {
  let o = 0;
  for (let i0 = 0, b0 = offset; i0 < d0; i0++, b0 += s0) {
    for (let i1 = 0, b1 = b0; i1 < d1; i1++, b1 += s1) {
      for (let i2 = 0, b2 = b1; i2 < d2; i2++, b2 += s2) {
        for (let j = 0; j < len; j++) out[o++] = src[b2 + j]!;
      }
    }
  }
}

/** out[o + j] = src[base + j·step] for j < len (block copy when the row is contiguous and long). */
function copyRow(src: TypedArray, base: number, step: number, len: number, out: TypedArray, o: number): void {
  if (step === 1) {
    if (len >= 32) out.set(src.subarray(base, base + len), o);
    else for (let j = 0; j < len; j++) out[o + j] = src[base + j]!;
  } else if (step === 0) {
    out.fill(src[base]!, o, o + len);
  } else {
    for (let j = 0, s = base; j < len; j++, s += step) out[o + j] = src[s]!;
  }
}
