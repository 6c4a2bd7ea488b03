// The wasm backend's fused attention drivers (Backend.attention / attentionBackward, float32): lay the operands
// out in wasm memory as the jobs of ./gen-attention.ts expect (rows padded to multiples of 8 with zeros, K and V
// also "packed transposed" as the right operand of the score products, the key mask as a 0/−∞ bias), run the
// forward or backward job on the thread pool, and copy the results out. Here in float64: the logsumexp from the
// forward's per-row (max, Σexp), and the backward's δ_i = dout_i·out_i; the threads' partial dq / dscale buffers
// are summed here too. float64, empty or tiny problems use the cpu kernel.
import { type TypedArray, allocateCopy, allocateUninit } from '../../dtype.js';
import type { AttentionSpec } from '../backend.js';
import { cpuBackend } from '../cpu/index.js';
import { ATT_BWD_ARGS, ATT_FWD_ARGS, TC, TR } from './gen-attention.js';
import { type WasmRuntime, noteFallback, noteWasm, options, wasmRuntime } from './runtime.js';

const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

/** The runtime for a float32 attention problem of this size, or null (the caller uses cpu). */
function attentionRuntime(arrays: readonly TypedArray[], spec: AttentionSpec, work: number, kernel: string): WasmRuntime | null {
  const { batch, l, m, d, dv } = spec;
  const ok = arrays.every((a) => a instanceof Float32Array) && batch > 0 && l > 0 && m > 0 && d > 0 && dv > 0 && work >= options().minWork;
  const rt = ok ? wasmRuntime() : null;
  if (!rt) noteFallback(kernel);
  return rt;
}

/** Allocate `bytes` in the arena or throw a sentinel caught by the driver (memory exhausted → cpu). */
class NoMemory extends Error {}
function need(rt: WasmRuntime, bytes: number): number {
  const p = rt.alloc(bytes);
  if (p === null) throw new NoMemory();
  return p;
}

/** Write x [batch, rows, cols] at byte `p` as [batch, rowsPad, colsPad] with zero padding. */
function putRows(rt: WasmRuntime, p: number, x: TypedArray, batch: number, rows: number, cols: number, rowsPad: number, colsPad: number): void {
  const f32 = rt.f32, o = p / 4;
  if (rows === rowsPad && cols === colsPad) { f32.set(x, o); return; }
  f32.fill(0, o, o + batch * rowsPad * colsPad);
  if (cols === colsPad) {
    for (let b = 0; b < batch; b++) f32.set(x.subarray(b * rows * cols, (b + 1) * rows * cols), o + b * rowsPad * cols);
    return;
  }
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < rows; r++) {
      const s = (b * rows + r) * cols;
      f32.set(x.subarray(s, s + cols), o + (b * rowsPad + r) * colsPad);
    }
  }
}

/** Write x [batch, rows, cols] at byte `p` packed transposed: rows in panels of 8, each panel [cols][8], zero past rows. */
function putPacked(rt: WasmRuntime, p: number, x: TypedArray, batch: number, rows: number, cols: number, rowsPad: number): void {
  const f32 = rt.f32, o = p / 4;
  // only the last, partial panel of each batch element has zero rows to fill (every other slot is written below)
  if (rows !== rowsPad) {
    for (let b = 0; b < batch; b++) {
      const t = o + (b * rowsPad + (rows & ~7)) * cols;
      f32.fill(0, t, t + 8 * cols);
    }
  }
  for (let b = 0; b < batch; b++) {
    for (let r0 = 0; r0 < rows; r0 += 8) {
      // one panel [cols][8]: row r0 + j goes to lane j; a full panel is written in order, 8 rows read at once
      const dst = o + (b * rowsPad + r0) * cols, src = (b * rows + r0) * cols;
      if (rows - r0 >= 8) {
        const s1 = src + cols, s2 = s1 + cols, s3 = s2 + cols, s4 = s3 + cols, s5 = s4 + cols, s6 = s5 + cols, s7 = s6 + cols;
        for (let c = 0, t = dst; c < cols; c++, t += 8) {
          f32[t] = x[src + c]!; f32[t + 1] = x[s1 + c]!; f32[t + 2] = x[s2 + c]!; f32[t + 3] = x[s3 + c]!;
          f32[t + 4] = x[s4 + c]!; f32[t + 5] = x[s5 + c]!; f32[t + 6] = x[s6 + c]!; f32[t + 7] = x[s7 + c]!;
        }
        continue;
      }
      for (let j = 0; j < rows - r0; j++) {
        const s = src + j * cols;
        for (let c = 0, t = dst + j; c < cols; c++, t += 8) f32[t] = x[s + c]!;
      }
    }
  }
}

/** Per-query-row values [batch·l] padded to [batch·lpad] (pad value `fill`). */
function putPerRow(rt: WasmRuntime, p: number, batch: number, l: number, lpad: number, fill: number, value: (row: number) => number): void {
  const f32 = rt.f32, o = p / 4;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < lpad; i++) f32[o + b * lpad + i] = i < l ? value(b * l + i) : fill;
  }
}

/** The key bias [batch·mpad]: −∞ for padded keys and the rows past m, else 0. */
function putBias(rt: WasmRuntime, p: number, spec: AttentionSpec, mpad: number): void {
  const f32 = rt.f32, o = p / 4, { batch, m, mask } = spec;
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < mpad; j++) f32[o + b * mpad + j] = j >= m || (mask !== null && mask[b * m + j] !== 0) ? -Infinity : 0;
  }
}

/** Read [batch, rowsPad, colsPad] at byte `p` back as a fresh [batch, rows, cols] float32 array. */
function getRows(rt: WasmRuntime, p: number, batch: number, rows: number, cols: number, rowsPad: number, colsPad: number): Float32Array {
  const o = p / 4;
  if (rows === rowsPad && cols === colsPad) return allocateCopy(rt.f32.subarray(o, o + batch * rows * cols));
  const out = allocateUninit('float32', batch * rows * cols) as Float32Array; // every element is written below
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < rows; r++) {
      const s = o + (b * rowsPad + r) * colsPad;
      out.set(rt.f32.subarray(s, s + cols), (b * rows + r) * cols);
    }
  }
  return out;
}

const scaleOf = (spec: AttentionSpec) => (row: number): number => (typeof spec.scale === 'number' ? spec.scale : spec.scale[row]!);

/** Fused attention forward (Backend.attention) in wasm for float32, else the cpu kernel. */
export function attention(q: TypedArray, k: TypedArray, v: TypedArray, spec: AttentionSpec): { out: TypedArray; lse: TypedArray } {
  const { batch, l, m, d, dv } = spec;
  const work = batch * l * m * (d + dv);
  const rt = attentionRuntime([q, k, v], spec, work, 'attention');
  if (!rt) return cpuBackend.attention(q, k, v, spec);
  const lpad = pad8(l), mpad = pad8(m), dpad = pad8(d), dvpad = pad8(dv);
  const threads = rt.threadsFor(work);
  const stride = Math.ceil((TR * TC * 4 + TR * dvpad * 4 + 2 * TR * 4) / 64) * 64;
  rt.reset();
  let P: Record<'qr' | 'kp' | 'vr' | 'bias' | 'scale' | 'out' | 'mx' | 'sum' | 'scratch' | 'args', number>;
  try {
    P = {
      qr: need(rt, batch * lpad * dpad * 4), kp: need(rt, batch * mpad * d * 4), vr: need(rt, batch * mpad * dvpad * 4),
      bias: need(rt, batch * mpad * 4), scale: need(rt, batch * lpad * 4), out: need(rt, batch * lpad * dvpad * 4),
      mx: need(rt, batch * lpad * 4), sum: need(rt, batch * lpad * 4), scratch: need(rt, threads * stride), args: need(rt, ATT_FWD_ARGS.size * 4),
    };
  } catch (e) {
    if (!(e instanceof NoMemory)) throw e;
    noteFallback('attention');
    return cpuBackend.attention(q, k, v, spec);
  }
  noteWasm('attention');
  putRows(rt, P.qr, q, batch, l, d, lpad, dpad);
  putPacked(rt, P.kp, k, batch, m, d, mpad);
  putRows(rt, P.vr, v, batch, m, dv, mpad, dvpad);
  putBias(rt, P.bias, spec, mpad);
  putPerRow(rt, P.scale, batch, l, lpad, 0, scaleOf(spec));
  const A = ATT_FWD_ARGS, a = P.args / 4, i32 = rt.i32;
  i32[a + A.qr] = P.qr; i32[a + A.kp] = P.kp; i32[a + A.vr] = P.vr; i32[a + A.bias] = P.bias; i32[a + A.scale] = P.scale;
  i32[a + A.out] = P.out; i32[a + A.mx] = P.mx; i32[a + A.sum] = P.sum; i32[a + A.batch] = batch; i32[a + A.l] = l;
  i32[a + A.lpad] = lpad; i32[a + A.mpad] = mpad; i32[a + A.d] = d; i32[a + A.dpad] = dpad; i32[a + A.dvpad] = dvpad;
  i32[a + A.scratch] = P.scratch; i32[a + A.stride] = stride;
  rt.exec('attnFwd', P.args, threads, 'attention');
  const out = getRows(rt, P.out, batch, l, dv, lpad, dvpad);
  // lse = max + log Σ exp(t − max) in float64, rounded once (−∞ where every key is padded)
  const lse = allocateUninit('float32', batch * l) as Float32Array;
  const f32 = rt.f32;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < l; i++) {
      const mx = f32[P.mx / 4 + b * lpad + i]!, s = f32[P.sum / 4 + b * lpad + i]!;
      lse[b * l + i] = s > 0 ? mx + Math.log(s) : -Infinity;
    }
  }
  return { out, lse };
}

/** Fused attention backward (Backend.attentionBackward) in wasm for float32, else the cpu kernel. */
export function attentionBackward(
  q: TypedArray, k: TypedArray, v: TypedArray, out: TypedArray, dout: TypedArray, lse: TypedArray, spec: AttentionSpec,
): { dq: TypedArray | null; dk: TypedArray | null; dv: TypedArray | null; dscale: TypedArray | null } {
  const { batch, l, m, d, dv } = spec;
  const needs = spec.needs ?? { dq: true, dk: true, dv: true, dscale: false };
  const work = batch * l * m * (3 * d + 2 * dv);
  const rt = attentionRuntime([q, k, v, out, dout, lse], spec, work, 'attentionBackward');
  if (!rt) return cpuBackend.attentionBackward(q, k, v, out, dout, lse, spec);
  const lpad = pad8(l), mpad = pad8(m), dpad = pad8(d), dvpad = pad8(dv);
  const threads = rt.threadsFor(work);
  const stride = Math.ceil((2 * TR * TC * 4 + TC * (dpad + dvpad) * 4) / 64) * 64;
  const rowsQ = batch * lpad, rowsK = batch * mpad;
  const dqStride = Math.ceil(rowsQ * dpad * 4 / 64) * 64, dsStride = Math.ceil(rowsQ * 4 / 64) * 64;
  rt.reset();
  let P: Record<'qr' | 'kr' | 'kp' | 'vp' | 'dor' | 'bias' | 'scale' | 'lse' | 'delta' | 'dq' | 'dscale' | 'dk' | 'dv' | 'scratch' | 'args', number>;
  try {
    P = {
      qr: need(rt, rowsQ * dpad * 4), kr: need(rt, rowsK * dpad * 4), kp: need(rt, rowsK * d * 4), vp: need(rt, rowsK * dv * 4),
      dor: need(rt, rowsQ * dvpad * 4), bias: need(rt, rowsK * 4), scale: need(rt, rowsQ * 4), lse: need(rt, rowsQ * 4),
      delta: need(rt, rowsQ * 4), dq: need(rt, threads * dqStride), dscale: need(rt, threads * dsStride),
      dk: need(rt, rowsK * dpad * 4), dv: need(rt, rowsK * dvpad * 4), scratch: need(rt, threads * stride), args: need(rt, ATT_BWD_ARGS.size * 4),
    };
  } catch (e) {
    if (!(e instanceof NoMemory)) throw e;
    noteFallback('attentionBackward');
    return cpuBackend.attentionBackward(q, k, v, out, dout, lse, spec);
  }
  noteWasm('attentionBackward');
  putRows(rt, P.qr, q, batch, l, d, lpad, dpad);
  putRows(rt, P.kr, k, batch, m, d, mpad, dpad);
  putRows(rt, P.dor, dout, batch, l, dv, lpad, dvpad);
  putPacked(rt, P.kp, k, batch, m, d, mpad);
  putPacked(rt, P.vp, v, batch, m, dv, mpad);
  putBias(rt, P.bias, spec, mpad);
  putPerRow(rt, P.scale, batch, l, lpad, 0, scaleOf(spec));
  // a row without probability mass (lse −∞) gets lse +∞, so its recomputed P is exp(−∞) = 0
  putPerRow(rt, P.lse, batch, l, lpad, Infinity, (row) => (lse[row] === -Infinity ? Infinity : lse[row]!));
  putPerRow(rt, P.delta, batch, l, lpad, 0, (row) => {
    let s = 0; // δ_i = dout_i · out_i in float64
    for (let c = 0; c < dv; c++) s += dout[row * dv + c]! * out[row * dv + c]!;
    return s;
  });
  rt.f32.fill(0, P.dq / 4, (P.dq + threads * dqStride) / 4);
  rt.f32.fill(0, P.dscale / 4, (P.dscale + threads * dsStride) / 4);
  const A = ATT_BWD_ARGS, a = P.args / 4, i32 = rt.i32;
  i32[a + A.qr] = P.qr; i32[a + A.kp] = P.kp; i32[a + A.kr] = P.kr; i32[a + A.vp] = P.vp; i32[a + A.dor] = P.dor;
  i32[a + A.lse] = P.lse; i32[a + A.delta] = P.delta; i32[a + A.scale] = P.scale; i32[a + A.bias] = P.bias;
  i32[a + A.dq] = P.dq; i32[a + A.dscale] = P.dscale; i32[a + A.dk] = P.dk; i32[a + A.dv] = P.dv;
  i32[a + A.batch] = batch; i32[a + A.l] = l; i32[a + A.lpad] = lpad; i32[a + A.mpad] = mpad; i32[a + A.d] = d;
  i32[a + A.dpad] = dpad; i32[a + A.dvn] = dv; i32[a + A.dvpad] = dvpad; i32[a + A.scratch] = P.scratch;
  i32[a + A.stride] = stride; i32[a + A.dqStride] = dqStride; i32[a + A.dsStride] = dsStride;
  rt.exec('attnBwd', P.args, threads, 'attentionBackward');
  // sum the threads' dq and dscale buffers into the first (only the first when the job was redone on one thread)
  const f32 = rt.f32;
  const used = Math.min(threads, rt.i32[a + A.nthUsed]!);
  for (let t = 1; t < used; t++) {
    const o = P.dq / 4, ot = (P.dq + t * dqStride) / 4;
    for (let i = 0; i < rowsQ * dpad; i++) f32[o + i]! += f32[ot + i]!;
    const s = P.dscale / 4, st = (P.dscale + t * dsStride) / 4;
    for (let i = 0; i < rowsQ; i++) f32[s + i]! += f32[st + i]!;
  }
  return {
    dq: needs.dq ? getRows(rt, P.dq, batch, l, d, lpad, dpad) : null,
    dk: needs.dk ? getRows(rt, P.dk, batch, m, d, mpad, dpad) : null,
    dv: needs.dv ? getRows(rt, P.dv, batch, m, dv, mpad, dvpad) : null,
    dscale: needs.dscale ? getRows(rt, P.dscale, batch, l, 1, lpad, 1) : null,
  };
}
