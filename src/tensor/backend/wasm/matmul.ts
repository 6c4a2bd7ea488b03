// The wasm backend's batched GEMM driver: copies A and B into wasm memory, packs every B matrix into NR-column
// panels per k block (job pack_b, split over threads), then runs the gemm job whose tasks — (batch element,
// block of ≤ blockM rows of C) — threads claim from an atomic counter; C is copied out. float32 only: other
// dtypes, empty products and calls below `minWork` multiply-adds use the cpu kernel.
import { type TypedArray, allocateCopy } from '../../dtype.js';
import type { MatmulSpec } from '../backend.js';
import { cpuBackend } from '../cpu/index.js';
import { GEMM_ARGS, MR, NR, PACK_ARGS, TILE_BYTES } from './gen-gemm.js';
import { noteFallback, noteWasm, options, wasmRuntime } from './runtime.js';

/** Rows of C per task: blockM at most, fewer when that leaves each thread about 4 tasks. */
function rowBlock(m: number, batch: number, threads: number, blockM: number): number {
  const perBatch = Math.max(1, Math.ceil((4 * threads) / batch));
  const rows = Math.ceil(m / perBatch);
  return Math.max(MR, Math.min(blockM, Math.ceil(rows / MR) * MR));
}

/** Batched GEMM (the Backend.matmul contract) in wasm for float32, else the cpu kernel. */
export function matmul(a: TypedArray, b: TypedArray, spec: MatmulSpec): TypedArray {
  const { batch, m, k, n, transA, transB, aIndex, bIndex } = spec;
  const work = batch * m * n * k;
  const opts = options();
  const rt = a instanceof Float32Array && b instanceof Float32Array && work > 0 && work >= opts.minWork ? wasmRuntime() : null;
  if (!rt) {
    noteFallback('matmul');
    return cpuBackend.matmul(a, b, spec);
  }
  rt.reset();
  const matsB = Math.round(b.length / (k * n));
  const npad = Math.ceil(n / NR) * NR;
  const threads = rt.threadsFor(work);
  const kc = Math.min(opts.blockK, k);
  const mc = rowBlock(m, batch, threads, opts.blockM);
  const pA = rt.alloc(a.length * 4);
  const pB = rt.alloc(b.length * 4);
  const pPacked = rt.alloc(matsB * k * npad * 4);
  const pC = rt.alloc(batch * m * n * 4);
  const pScratch = rt.alloc(threads * TILE_BYTES);
  const pIdx = rt.alloc(batch * 8);
  const pArgs = rt.alloc((GEMM_ARGS.size + PACK_ARGS.size) * 4);
  if (pA === null || pB === null || pPacked === null || pC === null || pScratch === null || pIdx === null || pArgs === null) {
    noteFallback('matmul');
    return cpuBackend.matmul(a, b, spec);
  }
  noteWasm('matmul');
  const { f32, i32 } = rt;
  f32.set(a, pA / 4);
  f32.set(b, pB / 4);
  i32.set(aIndex.subarray(0, batch), pIdx / 4);
  i32.set(bIndex.subarray(0, batch), pIdx / 4 + batch);
  const P = PACK_ARGS, G = GEMM_ARGS;
  const pk = pArgs / 4 + G.size;
  i32[pk + P.b] = pB; i32[pk + P.k] = k; i32[pk + P.n] = n; i32[pk + P.transB] = transB ? 1 : 0;
  i32[pk + P.packed] = pPacked; i32[pk + P.mats] = matsB; i32[pk + P.kc] = kc;
  rt.exec('packB', pk * 4, rt.threadsFor(matsB * k * n * 8), 'matmul');
  const g = pArgs / 4;
  i32[g + G.a] = pA; i32[g + G.m] = m; i32[g + G.n] = n; i32[g + G.k] = k; i32[g + G.transA] = transA ? 1 : 0;
  i32[g + G.packed] = pPacked; i32[g + G.c] = pC; i32[g + G.batch] = batch; i32[g + G.aIndex] = pIdx;
  i32[g + G.bIndex] = pIdx + batch * 4; i32[g + G.kc] = kc; i32[g + G.mc] = mc; i32[g + G.scratch] = pScratch;
  i32[g + G.tasksPerBatch] = Math.ceil(m / mc);
  rt.exec('gemm', g * 4, threads, 'matmul');
  return allocateCopy(rt.f32.subarray(pC / 4, pC / 4 + batch * m * n));
}
