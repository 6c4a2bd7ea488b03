// The wasm backend's gathered-attention drivers (Backend.gatheredAttention / gatheredAttentionBackward for float32):
// copy q, keys, values and the slots' global memory rows (−1 = excluded, built here from the spec) into the
// arena, run the jobs of ./gen-gathered.ts over rows (and, for the key / value gradients, over parts of the memory
// rows), and copy the results out. lse = max + log Σ is formed here in float64. Also the unsorted top-k selection
// (./gen-select.ts) the top-K kind runs on its scores. Other dtypes, calls below `minWork` and exhausted memory
// use the cpu kernels.
import type { TypedArray } from '../../dtype.js';
import type { GatheredSpec } from '../backend.js';
import { cpuBackend } from '../cpu/index.js';
import { gatheredRows } from '../cpu/gathered.js';
import { GBWD_ARGS, GBWD_EXT, GFWD_ARGS, GSCAT_ARGS } from './gen-gathered.js';
import { SELECT_ARGS, selectScratchBytes } from './gen-select.js';
import { type WasmRuntime, noteFallback, noteWasm, options, wasmRuntime } from './runtime.js';

/** The runtime for a float32 call of `work` multiply-adds, or null (then the caller uses cpu). */
function runtimeFor(arrays: readonly TypedArray[], work: number, kernel: string): WasmRuntime | null {
  const rt = arrays.every((a) => a instanceof Float32Array) && work > 0 && work >= options().minWork ? wasmRuntime() : null;
  if (!rt) noteFallback(kernel);
  return rt;
}

/** Allocate each byte size in the arena; null if memory ran out. */
function allocAll(rt: WasmRuntime, sizes: readonly number[]): number[] | null {
  const out: number[] = [];
  for (const b of sizes) {
    const p = rt.alloc(b);
    if (p === null) return null;
    out.push(p);
  }
  return out;
}

/** Copy the common inputs: q, keys, values, the slots' memory rows and one scale per row. */
function common(rt: WasmRuntime, q: TypedArray, keys: TypedArray, values: TypedArray, spec: GatheredSpec, p: readonly number[]): void {
  const [pq, pk, pv, pg, ps] = p as [number, number, number, number, number];
  rt.f32.set(q, pq / 4); rt.f32.set(keys, pk / 4); rt.f32.set(values, pv / 4);
  gatheredRows(spec, rt.i32, pg / 4);
  if (typeof spec.scale === 'number') rt.f32.fill(spec.scale, ps / 4, ps / 4 + spec.rows);
  else rt.f32.set(spec.scale, ps / 4);
}

/** Gathered attention (Backend.gatheredAttention) in wasm for float32 data. */
export function gatheredAttention(q: TypedArray, keys: TypedArray, values: TypedArray, spec: GatheredSpec): { out: TypedArray; lse: TypedArray } {
  const { rows, width, d, dv } = spec;
  const work = rows * width * (d + dv);
  const rt = runtimeFor([q, keys, values], work, 'gatheredAttention');
  if (!rt) return cpuBackend.gatheredAttention(q, keys, values, spec);
  rt.reset();
  const nth = rt.threadsFor(work);
  const stride = Math.ceil((width * 4 + 16) / 64) * 64;
  const p = allocAll(rt, [q.length * 4, keys.length * 4, values.length * 4, rows * width * 4, rows * 4, rows * dv * 4, rows * 4, rows * 4, stride * nth, GFWD_ARGS.size * 4]);
  if (!p) { noteFallback('gatheredAttention'); return cpuBackend.gatheredAttention(q, keys, values, spec); }
  noteWasm('gatheredAttention');
  common(rt, q, keys, values, spec, p);
  const [pq, pk, pv, pg, ps, po, pmax, psum, pscr, args] = p as [number, number, number, number, number, number, number, number, number, number];
  const a = args / 4, i32 = rt.i32, A = GFWD_ARGS;
  i32[a + A.q] = pq; i32[a + A.keys] = pk; i32[a + A.values] = pv; i32[a + A.gidx] = pg; i32[a + A.scale] = ps;
  i32[a + A.rows] = rows; i32[a + A.width] = width; i32[a + A.d] = d; i32[a + A.dv] = dv; i32[a + A.out] = po;
  i32[a + A.max] = pmax; i32[a + A.sum] = psum; i32[a + A.scratch] = pscr; i32[a + A.scratchStride] = stride;
  rt.exec('gatheredFwd', args, nth, 'gatheredAttention');
  const lse = new Float32Array(rows);
  const f32 = rt.f32;
  for (let r = 0; r < rows; r++) {
    const mx = f32[pmax / 4 + r]!;
    lse[r] = mx === -Infinity ? -Infinity : mx + Math.log(f32[psum / 4 + r]!);
  }
  return { out: f32.slice(po / 4, po / 4 + rows * dv), lse };
}

/** The backward of gathered attention (Backend.gatheredAttentionBackward) in wasm for float32 data. */
export function gatheredAttentionBackward(
  q: TypedArray, keys: TypedArray, values: TypedArray, out: TypedArray, dout: TypedArray, lse: TypedArray, spec: GatheredSpec,
): { dq: TypedArray | null; dkeys: TypedArray | null; dvalues: TypedArray | null; dscale: TypedArray | null } {
  const { rows, width, d, dv } = spec;
  const n = d > 0 ? keys.length / d : values.length / Math.max(dv, 1);
  const work = rows * width * (3 * d + 2 * dv);
  const needs = spec.needs ?? { dq: true, dkeys: true, dvalues: true, dscale: false };
  const rt = n * 64 < 2 ** 31 ? runtimeFor([q, keys, values, out, dout, lse], work, 'gatheredAttentionBackward') : null;
  if (!rt) return cpuBackend.gatheredAttentionBackward(q, keys, values, out, dout, lse, spec);
  rt.reset();
  const slots = rows * width;
  const p = allocAll(rt, [
    q.length * 4, keys.length * 4, values.length * 4, slots * 4, rows * 4, // common
    out.length * 4, lse.length * 4, dout.length * 4, rows * d * 4, slots * 4, slots * 4, rows * 4, n * d * 4, n * dv * 4,
    GBWD_ARGS.size * 4, GBWD_EXT.size * 4, GSCAT_ARGS.size * 4,
  ]);
  if (!p) { noteFallback('gatheredAttentionBackward'); return cpuBackend.gatheredAttentionBackward(q, keys, values, out, dout, lse, spec); }
  noteWasm('gatheredAttentionBackward');
  common(rt, q, keys, values, spec, p);
  const [pq, pk, pv, pg, ps, po, pl, pdo, pdq, pp, pds, pdsc, pdk, pdv, args, ext, sargs] = p as number[] as [
    number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];
  const { f32, i32 } = rt;
  f32.set(out, po / 4); f32.set(lse, pl / 4); f32.set(dout, pdo / 4);
  const a = args / 4, A = GBWD_ARGS, X = GBWD_EXT;
  i32[a + A.q] = pq; i32[a + A.keys] = pk; i32[a + A.values] = pv; i32[a + A.gidx] = pg; i32[a + A.scale] = ps;
  i32[a + A.rows] = rows; i32[a + A.width] = width; i32[a + A.d] = d; i32[a + A.dv] = dv; i32[a + A.out] = po;
  i32[a + A.lse] = pl; i32[a + A.dout] = pdo; i32[a + A.dq] = pdq; i32[a + A.ext] = ext;
  i32[ext / 4 + X.p] = pp; i32[ext / 4 + X.ds] = pds; i32[ext / 4 + X.dscale] = pdsc;
  rt.exec('gatheredBwdRows', args, rt.threadsFor(rows * width * (2 * d + dv)), 'gatheredAttentionBackward');
  if (needs.dkeys || needs.dvalues) {
    f32.fill(0, pdk / 4, pdk / 4 + n * d);
    f32.fill(0, pdv / 4, pdv / 4 + n * dv);
    const nth = rt.threadsFor(rows * width * (d + dv));
    const s = sargs / 4, S = GSCAT_ARGS;
    i32[s + S.q] = pq; i32[s + S.dout] = pdo; i32[s + S.gidx] = pg; i32[s + S.rows] = rows; i32[s + S.width] = width;
    i32[s + S.d] = d; i32[s + S.dv] = dv; i32[s + S.p] = pp; i32[s + S.ds] = pds; i32[s + S.dkeys] = pdk;
    i32[s + S.dvalues] = pdv; i32[s + S.n] = n; i32[s + S.parts] = Math.min(n, nth); // each part rescans every slot: one per thread
    rt.exec('gatheredBwdScatter', sargs, nth, 'gatheredAttentionBackward');
  }
  return {
    dq: needs.dq ? f32.slice(pdq / 4, pdq / 4 + rows * d) : null,
    dkeys: needs.dkeys ? f32.slice(pdk / 4, pdk / 4 + n * d) : null,
    dvalues: needs.dvalues ? f32.slice(pdv / 4, pdv / 4 + n * dv) : null,
    dscale: needs.dscale ? f32.slice(pdsc / 4, pdsc / 4 + rows) : null,
  };
}

/**
 * Top-k of each row (Backend.topk): with `sorted` false and float32 data, the wasm radix select (./gen-select.ts)
 * picks the same k entries as the cpu kernel (NaN largest, ties to the lower column), in no particular order; sorted
 * results, other dtypes and small calls use the cpu kernel.
 */
export function topk(x: TypedArray, rows: number, cols: number, k: number, largest: boolean, sorted = true): { values: TypedArray; indices: Int32Array } {
  const rt = !sorted && k > 0 && k < cols ? runtimeFor([x], rows * cols, 'topk') : null;
  if (!rt) {
    if (sorted || k === 0 || k === cols) noteFallback('topk');
    return cpuBackend.topk(x, rows, cols, k, largest, sorted);
  }
  rt.reset();
  const nth = rt.threadsFor(rows * cols * 4);
  const stride = selectScratchBytes(cols);
  const p = allocAll(rt, [x.length * 4, rows * k * 4, rows * k * 4, stride * nth, SELECT_ARGS.size * 4]);
  if (!p) { noteFallback('topk'); return cpuBackend.topk(x, rows, cols, k, largest, sorted); }
  noteWasm('topk');
  const [px, po, pv, ps, args] = p as [number, number, number, number, number];
  const { f32, i32 } = rt;
  f32.set(x, px / 4);
  const a = args / 4, A = SELECT_ARGS;
  i32[a + A.x] = px; i32[a + A.rows] = rows; i32[a + A.cols] = cols; i32[a + A.k] = k; i32[a + A.largest] = largest ? 1 : 0;
  i32[a + A.out] = po; i32[a + A.scratch] = ps; i32[a + A.scratchStride] = stride; i32[a + A.values] = pv;
  rt.exec('topkSelect', args, nth, 'topk');
  return { values: rt.f32.slice(pv / 4, pv / 4 + rows * k), indices: rt.i32.slice(po / 4, po / 4 + rows * k) };
}
