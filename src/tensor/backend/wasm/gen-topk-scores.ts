// The fused score + select job of the wasm module (Backend.topkScores for float32): threads claim tasks — (batch
// element, block of ≤ blockRows query rows) — one at a time from the atomic counter; a task scores its block into
// the thread's own scratch [rows, m] by calling the existing GEMM job (./gen-gemm.ts) on a private one-task argument
// block (A = the block's scaled query rows, B = the keys packed once by pack_b, so every score is bit-identical to
// the matmul kernel's), writes −∞ over the batch element's padded columns, then calls the existing radix-select job
// (./gen-select.ts) on a private argument block over the block's rows, which writes the indices straight into the
// output. Only blockRows·m scores per thread ever exist.
//
// Per-thread region (at scratch + tid·scratchStride, laid out and pre-filled by the driver, ./topk-scores.ts):
// the GEMM argument block, the select argument block, a zero word (the GEMM's aIndex / bIndex), the GEMM edge tile,
// the scores, the select job's values and scratch. The job rewrites only the per-task words and the counters.
import { ARGS_WORDS, COUNTER } from './gen-common.js';
import { GEMM_ARGS, TILE_BYTES } from './gen-gemm.js';
import { SELECT_ARGS } from './gen-select.js';
import { I32, type Local, type ModuleBuilder } from './encoder.js';

/** Word offsets of the job's argument block. */
export const TKS_ARGS = {
  q: 0, l: 1, m: 2, d: 3, k: 4, batch: 5, blockRows: 6, packed: 7, packedStride: 8, maskCols: 9, maskOffsets: 10,
  out: 11, scratch: 12, scratchStride: 13, size: ARGS_WORDS,
} as const;

/** Byte offsets inside a thread's region: GEMM args, select args, the zero word, the edge tile, the scores. */
export const TKS_REGION = { gemmArgs: 0, selectArgs: 64, zero: 128, tile: 192, scores: 192 + Math.ceil(TILE_BYTES / 64) * 64 } as const;

/** The job, calling the GEMM job `gemm` and the selection job `select` (function indices in the same module). */
export function topkScoresJob(mod: ModuleBuilder, gemm: number, select: number): number {
  return mod.func('topk_scores', [I32, I32, I32], [], (c, [args, tid]) => {
    const A = TKS_ARGS, G = GEMM_ARGS, S = SELECT_ARGS;
    const [q, l, m, d, k, batch, blockRows, packed, packedStride, maskCols, maskOffsets, out] = c.locals(I32, 12);
    const [region, ga, sa, sc, tpb, total, t, b, r0, nr, row, mi, mEnd, col, i, p] = c.locals(I32, 16);
    const ld = (w: number, to: Local): void => { c.get(args).mem('i32.load', w * 4).set(to); };
    ld(A.q, q); ld(A.l, l); ld(A.m, m); ld(A.d, d); ld(A.k, k); ld(A.batch, batch); ld(A.blockRows, blockRows);
    ld(A.packed, packed); ld(A.packedStride, packedStride); ld(A.maskCols, maskCols); ld(A.maskOffsets, maskOffsets); ld(A.out, out);
    c.get(args).mem('i32.load', A.scratch * 4).get(tid).get(args).mem('i32.load', A.scratchStride * 4).op('i32.mul').op('i32.add').set(region);
    c.get(region).i32(TKS_REGION.gemmArgs).op('i32.add').set(ga);
    c.get(region).i32(TKS_REGION.selectArgs).op('i32.add').set(sa);
    c.get(region).i32(TKS_REGION.scores).op('i32.add').set(sc);
    // tasks: batch · ⌈l / blockRows⌉
    c.get(l).get(blockRows).op('i32.add').i32(1).op('i32.sub').get(blockRows).op('i32.div_u').set(tpb);
    c.get(tpb).get(batch).op('i32.mul').set(total);
    c.block((exit) => c.loop((nextTask) => {
      c.get(args).i32(1).mem('i32.atomic.rmw.add', COUNTER * 4).tee(t).get(total).op('i32.ge_u').brIf(exit);
      c.get(t).get(tpb).op('i32.div_u').set(b);
      c.get(t).get(tpb).op('i32.rem_u').get(blockRows).op('i32.mul').set(r0);
      c.get(l).get(r0).op('i32.sub').set(nr);
      c.get(blockRows).get(nr).get(blockRows).get(nr).op('i32.lt_s').op('select').set(nr);
      c.get(b).get(l).op('i32.mul').get(r0).op('i32.add').set(row);
      // GEMM of the block: A = q + row·d·4 (nr rows), B = packed + b·packedStride, C = scores
      c.get(ga).get(q).get(row).get(d).op('i32.mul').i32(4).op('i32.mul').op('i32.add').mem('i32.store', G.a * 4);
      c.get(ga).get(nr).mem('i32.store', G.m * 4);
      c.get(ga).get(packed).get(b).get(packedStride).op('i32.mul').op('i32.add').mem('i32.store', G.packed * 4);
      c.get(ga).i32(0).mem('i32.store', COUNTER * 4);
      c.get(ga).i32(0).i32(1).call(gemm);
      // padded memories of batch element b: maskCols[maskOffsets[b] .. maskOffsets[b + 1]) at −∞ in every row
      c.get(maskOffsets).get(b).i32(4).op('i32.mul').op('i32.add').mem('i32.load').set(mi);
      c.get(maskOffsets).get(b).i32(4).op('i32.mul').op('i32.add').mem('i32.load', 4).set(mEnd);
      c.for(mi, () => c.get(mi), () => c.get(mEnd), 1, () => {
        c.get(maskCols).get(mi).i32(4).op('i32.mul').op('i32.add').mem('i32.load').set(col);
        c.get(sc).get(col).i32(4).op('i32.mul').op('i32.add').set(p);
        c.for(i, () => c.i32(0), () => c.get(nr), 1, () => {
          c.get(p).f32(-Infinity).mem('f32.store');
          c.get(p).get(m).i32(4).op('i32.mul').op('i32.add').set(p);
        });
      });
      // select the k best of each row straight into out + row·k·4
      c.get(sa).get(nr).mem('i32.store', S.rows * 4);
      c.get(sa).get(out).get(row).get(k).op('i32.mul').i32(4).op('i32.mul').op('i32.add').mem('i32.store', S.out * 4);
      c.get(sa).i32(0).mem('i32.store', COUNTER * 4);
      c.get(sa).i32(0).i32(1).call(select);
      c.br(nextTask);
    }));
  });
}
