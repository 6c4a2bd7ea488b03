// The wasm backend's elementwise drivers. unary: the ops of WASM_UNARY_OPS on float32 (arrays padded to whole
// vectors). binary: WASM_BINARY_OPS (add/sub/mul/div and the comparisons, 1/0) on float32 when the broadcast,
// after dropping size-1 axes and merging contiguous ones, is a [rows, cols] view in which each operand is a full
// row or one value per row (any row stride): same shape, scalar, row vector ([.., n] + [n]) and column vector
// ([r, n] + [r, 1]). Contiguous 1-D cases are cut into rows of CHUNK so threads can share them. Everything else
// uses the cpu kernel.
import { type DType, type TypedArray, allocateCopy } from '../../dtype.js';
import type { BinaryOp, UnaryOp } from '../backend.js';
import { cpuBackend } from '../cpu/index.js';
import { BINARY_ARGS, UNARY_ARGS, WASM_BINARY_OPS, WASM_UNARY_OPS } from './gen-elementwise.js';
import { noteFallback, noteWasm, options, wasmRuntime } from './runtime.js';

const UNARY_ID = new Map<string, number>(WASM_UNARY_OPS.map((op, i) => [op, i]));
const BINARY_ID = new Map<string, number>(WASM_BINARY_OPS.map((op, i) => [op, i]));
/** Row length used to split contiguous 1-D work over threads. */
const CHUNK = 4096;

/** Elementwise unary (Backend.unary): WASM_UNARY_OPS on float32 in wasm, everything else on the cpu. */
export function unary(op: UnaryOp, x: TypedArray, outDtype: DType, param = 0): TypedArray {
  const id = UNARY_ID.get(op);
  const n = x.length;
  const rt = id !== undefined && x instanceof Float32Array && outDtype === 'float32' && n > 0 && n >= options().minWork ? wasmRuntime() : null;
  if (rt) {
    rt.reset();
    const vectors = Math.ceil(n / 4);
    const px = rt.alloc(vectors * 16), out = rt.alloc(vectors * 16), args = rt.alloc(UNARY_ARGS.size * 4);
    if (px !== null && out !== null && args !== null) {
      noteWasm('unary');
      rt.f32.set(x, px / 4);
      const a = args / 4;
      rt.i32[a + UNARY_ARGS.op] = id!; rt.i32[a + UNARY_ARGS.x] = px; rt.i32[a + UNARY_ARGS.out] = out;
      rt.i32[a + UNARY_ARGS.vectors] = vectors; rt.f32[a + UNARY_ARGS.param] = param;
      const cost = op === 'exp' || op === 'sigmoid' ? 8 : 1;
      rt.exec('unary', args, rt.threadsFor(n * cost), 'unary');
      return allocateCopy(rt.f32.subarray(out / 4, out / 4 + n));
    }
  }
  noteFallback('unary');
  return cpuBackend.unary(op, x, outDtype, param);
}

/** An operand of the [rows, cols] view: row stride (elements) and whether it is read as a full row. */
interface Operand { stride: number; vec: boolean }

/** The [rows, cols] view of a broadcast, or null when it is not one the wasm job handles. */
export function planBinary(outShape: readonly number[], as: readonly number[], bs: readonly number[]):
  { rows: number; cols: number; a: Operand; b: Operand; chunked: boolean } | null {
  const shape: number[] = [], sa: number[] = [], sb: number[] = [];
  for (let i = 0; i < outShape.length; i++) {
    const d = outShape[i]!;
    if (d === 1) continue;
    const last = shape.length - 1;
    if (last >= 0 && sa[last] === as[i]! * d && sb[last] === bs[i]! * d) {
      shape[last]! *= d; sa[last] = as[i]!; sb[last] = bs[i]!;
    } else {
      shape.push(d); sa.push(as[i]!); sb.push(bs[i]!);
    }
  }
  if (shape.length === 1) {
    // contiguous or scalar operands over n elements: rows of CHUNK (the last one padded)
    if ((sa[0] !== 1 && sa[0] !== 0) || (sb[0] !== 1 && sb[0] !== 0) || (sa[0] === 0 && sb[0] === 0)) return null;
    const n = shape[0]!;
    const cols = n > CHUNK ? CHUNK : n;
    return { rows: Math.ceil(n / cols), cols, a: { stride: sa[0]! * cols, vec: sa[0] === 1 }, b: { stride: sb[0]! * cols, vec: sb[0] === 1 }, chunked: true };
  }
  if (shape.length !== 2) return null;
  const ok = (s: number[]): boolean => s[1] === 0 || s[1] === 1;
  if (!ok(sa) || !ok(sb) || (sa[1] === 0 && sb[1] === 0)) return null;
  return { rows: shape[0]!, cols: shape[1]!, a: { stride: sa[0]!, vec: sa[1] === 1 }, b: { stride: sb[0]!, vec: sb[1] === 1 }, chunked: false };
}

/** Elements of an operand's memory a plan reads (full rows are padded up to the view's extent). */
function extent(op: Operand, rows: number, cols: number, length: number, chunked: boolean): number {
  if (!chunked) return length;
  return op.vec ? rows * cols : length;
}

/** Broadcasting binary (Backend.binary): WASM_BINARY_OPS on float32 [rows, cols] views in wasm (see header). */
export function binary(
  op: BinaryOp, a: TypedArray, aStrides: readonly number[], b: TypedArray, bStrides: readonly number[],
  outShape: readonly number[], outDtype: DType,
): TypedArray {
  const id = BINARY_ID.get(op);
  let n = 1;
  for (const d of outShape) n *= d;
  const plan = id !== undefined && a instanceof Float32Array && b instanceof Float32Array && outDtype === 'float32' && n > 0 &&
    n >= options().minWork ? planBinary(outShape, aStrides, bStrides) : null;
  const rt = plan ? wasmRuntime() : null;
  if (rt && plan) {
    const { rows, cols, chunked } = plan;
    rt.reset();
    const pa = rt.alloc(extent(plan.a, rows, cols, a.length, chunked) * 4);
    const pb = rt.alloc(extent(plan.b, rows, cols, b.length, chunked) * 4);
    const out = rt.alloc(rows * cols * 4), args = rt.alloc(BINARY_ARGS.size * 4);
    if (pa !== null && pb !== null && out !== null && args !== null) {
      noteWasm('binary');
      rt.f32.set(a, pa / 4);
      rt.f32.set(b, pb / 4);
      const w = args / 4, i32 = rt.i32, B = BINARY_ARGS;
      i32[w + B.op] = id!; i32[w + B.a] = pa; i32[w + B.aStride] = plan.a.stride; i32[w + B.aVec] = plan.a.vec ? 1 : 0;
      i32[w + B.b] = pb; i32[w + B.bStride] = plan.b.stride; i32[w + B.bVec] = plan.b.vec ? 1 : 0;
      i32[w + B.out] = out; i32[w + B.rows] = rows; i32[w + B.cols] = cols;
      rt.exec('binary', args, rt.threadsFor(n), 'binary');
      return allocateCopy(rt.f32.subarray(out / 4, out / 4 + n));
    }
  }
  noteFallback('binary');
  return cpuBackend.binary(op, a, aStrides, b, bStrides, outShape, outDtype);
}
