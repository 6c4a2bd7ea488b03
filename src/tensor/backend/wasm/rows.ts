// The wasm backend's row-kernel drivers: softmax (one fused job), logsumexp (wasm row max and Σexp, then
// max + log Σ in float64 here, as the cpu rounds it), logSoftmax (that, then x − lse in wasm) and layer norm
// (f64 statistics in wasm, rstd = 1/sqrt(var/cols + eps) here, normalization in wasm). float32 only.
import { type TypedArray, allocateCopy, allocateUninit, dtypeOf } from '../../dtype.js';
import { cpuBackend } from '../cpu/index.js';
import { ROW_ARGS } from './gen-rows.js';
import { type WasmRuntime, noteFallback, noteWasm, options, wasmRuntime } from './runtime.js';

/** The runtime for a float32 row kernel of this size, or null (the caller uses cpu). */
function rowRuntime(x: TypedArray, rows: number, cols: number, kernel: string): WasmRuntime | null {
  const n = rows * cols;
  const rt = x instanceof Float32Array && n > 0 && n >= options().minWork ? wasmRuntime() : null;
  if (!rt) noteFallback(kernel);
  return rt;
}

/** Allocate, copy x in, write a row job's argument block; null when memory is exhausted. */
function setup(rt: WasmRuntime, x: Float32Array, rows: number, cols: number, outBytes: number, aux0Bytes: number, aux1Bytes: number):
  { args: number; px: number; out: number; aux0: number; aux1: number } | null {
  rt.reset();
  const px = rt.alloc(x.length * 4), out = rt.alloc(outBytes), aux0 = rt.alloc(aux0Bytes), aux1 = rt.alloc(aux1Bytes);
  const args = rt.alloc(ROW_ARGS.size * 4);
  if (px === null || out === null || aux0 === null || aux1 === null || args === null) return null;
  rt.f32.set(x, px / 4);
  const a = args / 4, i32 = rt.i32;
  i32[a + ROW_ARGS.x] = px; i32[a + ROW_ARGS.out] = out; i32[a + ROW_ARGS.rows] = rows; i32[a + ROW_ARGS.cols] = cols;
  i32[a + ROW_ARGS.aux0] = aux0; i32[a + ROW_ARGS.aux1] = aux1;
  return { args, px, out, aux0, aux1 };
}

/** Row softmax (Backend.softmax) in one wasm pass per row: max, exp and Σ, scale. */
export function softmax(x: TypedArray, rows: number, cols: number): TypedArray {
  const rt = rowRuntime(x, rows, cols, 'softmax');
  const s = rt && setup(rt, x as Float32Array, rows, cols, rows * cols * 4, 0, 0);
  if (!rt || !s) { if (rt) noteFallback('softmax'); return cpuBackend.softmax(x, rows, cols); }
  noteWasm('softmax');
  rt.exec('softmax', s.args, rt.threadsFor(rows * cols * 8), 'softmax');
  return allocateCopy(rt.f32.subarray(s.out / 4, s.out / 4 + rows * cols));
}

/** log Σ exp of each row from the wasm (max, Σ exp(x − max)) pass, rounded to float32 like the cpu. */
function lse(rt: WasmRuntime, s: { aux0: number; aux1: number }, rows: number): Float32Array {
  const out = allocateUninit('float32', rows) as Float32Array; // the loop writes every row
  const f32 = rt.f32;
  for (let r = 0; r < rows; r++) {
    const mx = f32[s.aux0 / 4 + r]!;
    out[r] = mx === -Infinity || mx === Infinity ? mx : mx + Math.log(f32[s.aux1 / 4 + r]!);
  }
  return out;
}

/** Row log-sum-exp (Backend.logsumexp): wasm max and Σexp, float64 log here. */
export function logsumexp(x: TypedArray, rows: number, cols: number): TypedArray {
  const rt = rowRuntime(x, rows, cols, 'logsumexp');
  const s = rt && setup(rt, x as Float32Array, rows, cols, 0, rows * 4, rows * 4);
  if (!rt || !s) { if (rt) noteFallback('logsumexp'); return cpuBackend.logsumexp(x, rows, cols); }
  noteWasm('logsumexp');
  rt.exec('lseStats', s.args, rt.threadsFor(rows * cols * 8), 'logsumexp');
  return lse(rt, s, rows);
}

/** Row log-softmax (Backend.logSoftmax): logsumexp as above, then x − lse in wasm. */
export function logSoftmax(x: TypedArray, rows: number, cols: number): TypedArray {
  const rt = rowRuntime(x, rows, cols, 'logSoftmax');
  const s = rt && setup(rt, x as Float32Array, rows, cols, rows * cols * 4, rows * 4, rows * 4);
  if (!rt || !s) { if (rt) noteFallback('logSoftmax'); return cpuBackend.logSoftmax(x, rows, cols); }
  noteWasm('logSoftmax');
  rt.exec('lseStats', s.args, rt.threadsFor(rows * cols * 8), 'logSoftmax');
  rt.f32.set(lse(rt, s, rows), s.aux0 / 4);
  rt.exec('subRow', s.args, rt.threadsFor(rows * cols), 'logSoftmax');
  return allocateCopy(rt.f32.subarray(s.out / 4, s.out / 4 + rows * cols));
}

/** Row layer norm without affine (Backend.layerNorm): float64 statistics and normalization in wasm. */
export function layerNorm(x: TypedArray, rows: number, cols: number, eps: number): { out: TypedArray; mean: TypedArray; rstd: TypedArray } {
  const rt = rowRuntime(x, rows, cols, 'layerNorm');
  const s = rt && setup(rt, x as Float32Array, rows, cols, rows * cols * 4, rows * 8, rows * 8);
  if (!rt || !s) { if (rt) noteFallback('layerNorm'); return cpuBackend.layerNorm(x, rows, cols, eps); }
  noteWasm('layerNorm');
  rt.exec('lnStats', s.args, rt.threadsFor(rows * cols * 2), 'layerNorm');
  const dt = dtypeOf(x);
  const mean = allocateUninit(dt, rows), rstd = allocateUninit(dt, rows); // the loop writes every row of both
  const f64 = rt.f64;
  for (let r = 0; r < rows; r++) {
    const mu = f64[s.aux0 / 8 + r]!;
    const rs = 1 / Math.sqrt(f64[s.aux1 / 8 + r]! / cols + eps);
    f64[s.aux1 / 8 + r] = rs;
    mean[r] = mu;
    rstd[r] = rs;
  }
  rt.exec('lnNorm', s.args, rt.threadsFor(rows * cols * 2), 'layerNorm');
  return { out: allocateCopy(rt.f32.subarray(s.out / 4, s.out / 4 + rows * cols)), mean, rstd };
}
