// The wasm backend's fused score + select driver (Backend.topkScores for float32): copies the scaled queries
// (scale rounded to float32, q·scale rounded once, as the mul kernel stores them) and the keys into the arena,
// packs the keys once with the GEMM's pack_b job (transposed B, the kc the matmul kernel uses, so each score is
// bit-identical to `matmul`'s), lists the padded columns per batch element, pre-fills every thread's private GEMM
// and select argument blocks, and runs the topk_scores job (./gen-topk-scores.ts): per thread a block of query rows
// is scored into L2-sized scratch and selected in place; only the [rows, k] indices are copied out, never the
// l×m scores. Other dtypes, k = 0 or k = m, and calls below `minWork` multiply-adds use the cpu kernel.
import type { TypedArray } from '../../dtype.js';
import type { TopkScoresSpec } from '../backend.js';
import { cpuBackend } from '../cpu/index.js';
import { checkTopkScores } from '../cpu/topk-scores.js';
import { GEMM_ARGS, MR, NR, PACK_ARGS } from './gen-gemm.js';
import { SELECT_ARGS, selectScratchBytes } from './gen-select.js';
import { TKS_ARGS, TKS_REGION } from './gen-topk-scores.js';
import { noteFallback, noteWasm, options, wasmRuntime } from './runtime.js';

/** Bytes of one thread's score block the row-block size aims at (it stays in L2 while it is selected). */
const SCORE_BYTES = 1 << 18;
/** Most query rows per task. */
const MAX_BLOCK_ROWS = 64;

const align64 = (n: number): number => Math.ceil(n / 64) * 64;

/** Query rows per task: SCORE_BYTES of scores (a multiple of the micro-kernel's rows), fewer to give each thread ~4 tasks. */
export function topkScoresBlockRows(l: number, batch: number, m: number, threads: number): number {
  let r = Math.max(MR, Math.min(MAX_BLOCK_ROWS, Math.floor(SCORE_BYTES / (4 * m * MR)) * MR));
  const perBatch = Math.max(1, Math.ceil((4 * threads) / batch));
  r = Math.min(r, Math.ceil(Math.ceil(l / perBatch) / MR) * MR);
  return Math.max(1, Math.min(r, l));
}

/** Fused score + select (the Backend.topkScores contract) in wasm for float32, else the cpu kernel. */
export function topkScores(q: TypedArray, keys: TypedArray, spec: TopkScoresSpec): Int32Array {
  checkTopkScores(q, keys, spec);
  const { batch, l, m, d, k, scale, mask, sharedKeys } = spec;
  const rows = batch * l;
  const work = rows * m * d;
  const opts = options();
  const rt = q instanceof Float32Array && keys instanceof Float32Array && k > 0 && k < m && work > 0 && work >= opts.minWork
    ? wasmRuntime() : null;
  if (!rt) {
    noteFallback('topkScores');
    return cpuBackend.topkScores(q, keys, spec);
  }
  rt.reset();
  const nth = rt.threadsFor(work);
  const mats = sharedKeys ? 1 : batch;
  const npad = Math.ceil(m / NR) * NR;
  const kc = Math.min(opts.blockK, d);
  const br = topkScoresBlockRows(l, batch, m, nth);
  const valuesAt = TKS_REGION.scores + align64(br * m * 4);
  const selectAt = valuesAt + align64(br * k * 4);
  const stride = selectAt + selectScratchBytes(m);
  let masked = 0;
  if (mask) for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) masked++;
  const sizes = [rows * d * 4, keys.length * 4, mats * d * npad * 4, rows * k * 4, masked * 4, (batch + 1) * 4, stride * nth, (TKS_ARGS.size + PACK_ARGS.size) * 4];
  const p: number[] = [];
  for (const bytes of sizes) {
    const at = rt.alloc(bytes);
    if (at === null) { noteFallback('topkScores'); return cpuBackend.topkScores(q, keys, spec); }
    p.push(at);
  }
  noteWasm('topkScores');
  const [pq, pk, pPacked, pOut, pCols, pOffs, pScr, pArgs] = p as [number, number, number, number, number, number, number, number];
  const { f32, i32 } = rt;
  // the scaled queries, rounded once to float32 (the product of two float32 values is exact in float64)
  const qo = pq / 4;
  for (let r = 0; r < rows; r++) {
    const s = Math.fround(typeof scale === 'number' ? scale : scale[r]!);
    for (let t = 0; t < d; t++) f32[qo + r * d + t] = q[r * d + t]! * s;
  }
  f32.set(keys, pk / 4);
  // padded columns of each batch element
  let n = 0;
  for (let b = 0; b < batch; b++) {
    i32[pOffs / 4 + b] = n;
    if (mask) for (let j = 0; j < m; j++) if (mask[b * m + j] !== 0) i32[pCols / 4 + n++] = j;
  }
  i32[pOffs / 4 + batch] = n;
  // pack the keys as the B operand of matmul(q, keysᵀ): B stored [n = m, k = d], transposed
  const P = PACK_ARGS, G = GEMM_ARGS, S = SELECT_ARGS, A = TKS_ARGS;
  const pa = pArgs / 4 + A.size;
  i32[pa + P.b] = pk; i32[pa + P.k] = d; i32[pa + P.n] = m; i32[pa + P.transB] = 1; i32[pa + P.packed] = pPacked;
  i32[pa + P.mats] = mats; i32[pa + P.kc] = kc;
  rt.exec('packB', pa * 4, rt.threadsFor(mats * d * m * 8), 'topkScores');
  // every thread's private argument blocks (the job rewrites only a, m, packed / rows, out and the counters)
  for (let tid = 0; tid < nth; tid++) {
    const region = pScr + tid * stride;
    const g = (region + TKS_REGION.gemmArgs) / 4;
    i32.fill(0, g, g + G.size);
    i32[g + G.n] = m; i32[g + G.k] = d; i32[g + G.transA] = 0; i32[g + G.c] = region + TKS_REGION.scores; i32[g + G.batch] = 1;
    i32[g + G.aIndex] = region + TKS_REGION.zero; i32[g + G.bIndex] = region + TKS_REGION.zero; i32[g + G.kc] = kc; i32[g + G.mc] = br;
    i32[g + G.scratch] = region + TKS_REGION.tile; i32[g + G.tasksPerBatch] = 1;
    i32[(region + TKS_REGION.zero) / 4] = 0;
    const s = (region + TKS_REGION.selectArgs) / 4;
    i32.fill(0, s, s + S.size);
    i32[s + S.x] = region + TKS_REGION.scores; i32[s + S.cols] = m; i32[s + S.k] = k; i32[s + S.largest] = 1;
    i32[s + S.scratch] = region + selectAt; i32[s + S.scratchStride] = 0; i32[s + S.values] = region + valuesAt;
  }
  const a = pArgs / 4;
  i32[a + A.q] = pq; i32[a + A.l] = l; i32[a + A.m] = m; i32[a + A.d] = d; i32[a + A.k] = k; i32[a + A.batch] = batch;
  i32[a + A.blockRows] = br; i32[a + A.packed] = pPacked; i32[a + A.packedStride] = sharedKeys ? 0 : d * npad * 4;
  i32[a + A.maskCols] = pCols; i32[a + A.maskOffsets] = pOffs; i32[a + A.out] = pOut; i32[a + A.scratch] = pScr;
  i32[a + A.scratchStride] = stride;
  rt.exec('topkScores', pArgs, nth, 'topkScores');
  return rt.i32.slice(pOut / 4, pOut / 4 + rows * k);
}
