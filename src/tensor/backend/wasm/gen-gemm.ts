// The GEMM kernels of the wasm module: a register-blocked MR×NR f32 micro-kernel (MR rows of A broadcast with
// v128.load32_splat, NR = 4·NRV columns of a packed B panel, MR·NRV v128 accumulators, k-loop unrolled; mul+add,
// or relaxed SIMD's madd where the engine has it), the
// per-thread macro loop over (batch, row-block) tasks claimed with an atomic counter, and the B packing job.
//
// Layouts. A is read in place: row-major [m, k] (kernel 'N', one pointer per row, +4 bytes per k step) or
// column-major [k, m] (transA, kernel 'T', the MR values of a k step are adjacent). B is packed per KC block into
// panels of NR columns: panel q of the block starting at row p0 (kc rows) lies at packed + (p0·npad + q·kc·NR)·4
// and holds its kc×NR values row by row, zero-padded past n (npad = ceil(n/NR)·NR). Edge tiles (fewer than MR
// rows or NR columns) are computed into a per-thread scratch tile and added into C by a scalar loop.
import { ARGS_WORDS, COUNTER, claimLoop } from './gen-common.js';
import { I32, type Local, type ModuleBuilder, V128 } from './encoder.js';

/** Micro-kernel shape. */
export const MR = 4;
export const NRV = 2;
export const NR = 4 * NRV;
/** k-loop unroll factor of the micro-kernel. */
const UNROLL = 4;

/** Word offsets of the gemm job's argument block (i32 words at `args`). */
export const GEMM_ARGS = {
  a: 0, m: 1, n: 2, k: 3, transA: 4, packed: 5, c: 6, batch: 7, aIndex: 8, bIndex: 9, kc: 10, mc: 11,
  scratch: 12, tasksPerBatch: 14, size: ARGS_WORDS,
} as const;

/** Word offsets of the B-packing job's argument block. */
export const PACK_ARGS = { b: 0, k: 1, n: 2, transB: 3, packed: 4, mats: 5, kc: 6, size: ARGS_WORDS } as const;

/** Bytes of one thread's scratch tile. */
export const TILE_BYTES = MR * NR * 4;

/**
 * The micro-kernel: C[MR×NR] (=|+=) A-rows · packed B panel over kc. Params (pa, lda, pb, pc, ldc, kc, accum,
 * rows): for 'N' lda is A's row stride in bytes and rows beyond `rows` re-read the last valid row; for 'T' lda
 * is the byte stride between k steps (rows beyond `rows` read adjacent memory; the caller discards them).
 */
function microKernel(mod: ModuleBuilder, variant: 'N' | 'T', relaxed: boolean): number {
  return mod.func(null, [I32, I32, I32, I32, I32, I32, I32, I32], [], (c, [pa, lda, pb, pc, ldc, kc, accum, rows]) => {
    const acc: Local[][] = Array.from({ length: MR }, () => c.locals(V128, NRV));
    const b = c.locals(V128, NRV);
    const a = c.local(V128);
    const ptr = variant === 'N' ? c.locals(I32, MR) : [pa as Local];
    const end = c.local(I32);
    const r = c.local(I32);
    if (variant === 'N') {
      // ptr[r] = pa + min(r, rows − 1)·lda
      for (let i = 0; i < MR; i++) {
        c.i32(i).get(rows).i32(1).op('i32.sub').i32(i).get(rows).i32(1).op('i32.sub').op('i32.lt_s').op('select');
        c.get(lda).op('i32.mul').get(pa).op('i32.add').set(ptr[i]!);
      }
    }
    for (const row of acc) for (const x of row) c.i32x4(0).set(x);
    // one k step at unrolled position u: b_j = panel[u][j]; acc[r][j] += splat(A[r][u]) · b_j
    const step = (u: number): void => {
      for (let j = 0; j < NRV; j++) c.get(pb).mem('v128.load', (u * NR + 4 * j) * 4).set(b[j]!);
      for (let i = 0; i < MR; i++) {
        if (variant === 'N') c.get(ptr[i]!).mem('v128.load32_splat', u * 4);
        else c.get(ptr[0]!).mem('v128.load32_splat', i * 4);
        c.set(a);
        for (let j = 0; j < NRV; j++) {
          if (relaxed) c.get(a).get(b[j]!).get(acc[i]![j]!).v('f32x4.relaxed_madd').set(acc[i]![j]!);
          else c.get(acc[i]![j]!).get(a).get(b[j]!).v('f32x4.mul').v('f32x4.add').set(acc[i]![j]!);
        }
      }
      if (variant === 'T') c.get(ptr[0]!).get(lda).op('i32.add').set(ptr[0]!);
    };
    const advance = (steps: number): void => {
      c.inc(pb, steps * NR * 4);
      if (variant === 'N') for (const p of ptr) c.inc(p, steps * 4);
    };
    c.get(pb).get(kc).i32(NR * 4).op('i32.mul').op('i32.add').set(end);
    // unrolled main loop while pb + UNROLL·NR·4 <= end
    c.block((done) => c.loop((top) => {
      c.get(pb).i32(UNROLL * NR * 4).op('i32.add').get(end).op('i32.gt_u').brIf(done);
      for (let u = 0; u < UNROLL; u++) step(u);
      advance(UNROLL);
      c.br(top);
    }));
    c.block((done) => c.loop((top) => {
      c.get(pb).get(end).op('i32.ge_u').brIf(done);
      step(0);
      advance(1);
      c.br(top);
    }));
    // write the tile (row pointer r = pc + i·ldc), adding to C when accumulating
    const store = (add: boolean): void => {
      c.get(pc).set(r);
      for (let i = 0; i < MR; i++) {
        for (let j = 0; j < NRV; j++) {
          c.get(r);
          if (add) c.get(r).mem('v128.load', 16 * j).get(acc[i]![j]!).v('f32x4.add');
          else c.get(acc[i]![j]!);
          c.mem('v128.store', 16 * j);
        }
        if (i < MR - 1) c.get(r).get(ldc).op('i32.add').set(r);
      }
    };
    c.get(accum).if(() => store(true), () => store(false));
  });
}

/**
 * The 'N'/'T' kernels and the edge adder, returning the gemm job's function index. `relaxed` accumulates with
 * f32x4.relaxed_madd (an FMA where the hardware has one) instead of f32x4.mul + f32x4.add.
 */
export function gemmJob(mod: ModuleBuilder, relaxed: boolean): number {
  const kn = microKernel(mod, 'N', relaxed);
  const kt = microKernel(mod, 'T', relaxed);
  // edge add: C[r][j] = (accum ? C[r][j] : 0) + tile[r][j] for r < rows, j < cols (tile row stride NR)
  const edge = mod.func(null, [I32, I32, I32, I32, I32, I32], [], (c, [tile, pc, ldc, rows, cols, accum]) => {
    const i = c.local(I32), j = c.local(I32), src = c.local(I32), dst = c.local(I32);
    c.for(i, () => c.i32(0), () => c.get(rows), 1, () => {
      c.get(tile).get(i).i32(NR * 4).op('i32.mul').op('i32.add').set(src);
      c.get(pc).get(i).get(ldc).op('i32.mul').op('i32.add').set(dst);
      c.for(j, () => c.i32(0), () => c.get(cols), 1, () => {
        const addr = (base: Local): void => { c.get(base).get(j).i32(4).op('i32.mul').op('i32.add'); };
        c.get(accum).if(() => {
          addr(dst); addr(dst); c.mem('f32.load'); addr(src); c.mem('f32.load').op('f32.add').mem('f32.store');
        }, () => { addr(dst); addr(src); c.mem('f32.load').mem('f32.store'); });
      });
    });
  });
  return mod.func('gemm', [I32, I32, I32], [], (c, [args, tid]) => {
    const A = GEMM_ARGS;
    const ld = (w: number, l: Local): void => { c.get(args).mem('i32.load', w * 4).set(l); };
    const [a, m, n, k, transA, packed, cc, aIndex, bIndex, KC, MC, tpb] = c.locals(I32, 12);
    const [t, bt, ic, icEnd, pcIdx, kc, jr, nr, ir, mr, aMat, bBlk, cMat, aPtr, cPtr, tile, npad, lda, ldc, full, accum, total] = c.locals(I32, 22);
    ld(A.a, a); ld(A.m, m); ld(A.n, n); ld(A.k, k); ld(A.transA, transA); ld(A.packed, packed); ld(A.c, cc);
    ld(A.aIndex, aIndex); ld(A.bIndex, bIndex); ld(A.kc, KC); ld(A.mc, MC); ld(A.tasksPerBatch, tpb);
    c.get(args).mem('i32.load', A.batch * 4).get(tpb).op('i32.mul').set(total);
    c.get(args).mem('i32.load', A.scratch * 4).get(tid).i32(TILE_BYTES).op('i32.mul').op('i32.add').set(tile);
    c.get(n).i32(NR - 1).op('i32.add').i32(NR).op('i32.div_u').i32(NR).op('i32.mul').set(npad);
    c.get(n).i32(4).op('i32.mul').set(ldc);
    c.block((exit) => c.loop((nextTask) => {
      // claim a task: t = counter++
      c.get(args).i32(1).mem('i32.atomic.rmw.add', COUNTER * 4).tee(t).get(total).op('i32.ge_u').brIf(exit);
      c.get(t).get(tpb).op('i32.div_u').set(bt);
      c.get(t).get(tpb).op('i32.rem_u').get(MC).op('i32.mul').set(ic);
      c.get(ic).get(MC).op('i32.add').set(icEnd);
      c.get(icEnd).get(m).get(icEnd).get(m).op('i32.lt_s').op('select').set(icEnd);
      // matrix bases: A[aIndex[bt]], packed B[bIndex[bt]], C[bt]
      c.get(aIndex).get(bt).i32(4).op('i32.mul').op('i32.add').mem('i32.load').get(m).op('i32.mul').get(k).op('i32.mul')
        .i32(4).op('i32.mul').get(a).op('i32.add').set(aMat);
      c.get(bIndex).get(bt).i32(4).op('i32.mul').op('i32.add').mem('i32.load').get(k).op('i32.mul').get(npad).op('i32.mul')
        .i32(4).op('i32.mul').get(packed).op('i32.add').set(bBlk);
      c.get(bt).get(m).op('i32.mul').get(n).op('i32.mul').i32(4).op('i32.mul').get(cc).op('i32.add').set(cMat);
      c.for(pcIdx, () => c.i32(0), () => c.get(k), 0, () => {
        c.get(k).get(pcIdx).op('i32.sub').set(kc);
        c.get(KC).get(kc).get(KC).get(kc).op('i32.lt_s').op('select').set(kc);
        c.get(pcIdx).i32(0).op('i32.ne').set(accum);
        c.for(jr, () => c.i32(0), () => c.get(n), NR, () => {
          c.get(n).get(jr).op('i32.sub').set(nr);
          c.for(ir, () => c.get(ic), () => c.get(icEnd), MR, () => {
            c.get(icEnd).get(ir).op('i32.sub').set(mr);
            c.get(mr).i32(MR).op('i32.ge_s').get(nr).i32(NR).op('i32.ge_s').op('i32.and').set(full);
            c.get(cMat).get(ir).get(n).op('i32.mul').get(jr).op('i32.add').i32(4).op('i32.mul').op('i32.add').set(cPtr);
            // A pointer and stride for the two layouts
            c.get(transA).if(() => {
              c.get(aMat).get(pcIdx).get(m).op('i32.mul').get(ir).op('i32.add').i32(4).op('i32.mul').op('i32.add').set(aPtr);
              c.get(m).i32(4).op('i32.mul').set(lda);
            }, () => {
              c.get(aMat).get(ir).get(k).op('i32.mul').get(pcIdx).op('i32.add').i32(4).op('i32.mul').op('i32.add').set(aPtr);
              c.get(k).i32(4).op('i32.mul').set(lda);
            });
            const call = (kernel: number, full: boolean): void => {
              c.get(aPtr).get(lda);
              c.get(bBlk).get(pcIdx).get(npad).op('i32.mul').get(jr).get(kc).op('i32.mul').op('i32.add').i32(4).op('i32.mul').op('i32.add');
              if (full) c.get(cPtr).get(ldc).get(kc).get(accum).get(mr).call(kernel);
              else c.get(tile).i32(NR * 4).get(kc).i32(0).get(mr).call(kernel);
            };
            c.get(full).if(() => {
              c.get(transA).if(() => call(kt, true), () => call(kn, true));
            }, () => {
              c.get(transA).if(() => call(kt, false), () => call(kn, false));
            });
            c.get(full).op('i32.eqz').if(() => {
              c.get(tile).get(cPtr).get(ldc).get(mr).i32(MR).get(mr).i32(MR).op('i32.lt_s').op('select');
              c.get(nr).i32(NR).get(nr).i32(NR).op('i32.lt_s').op('select').get(accum).call(edge);
            });
          });
        });
        c.get(pcIdx).get(KC).op('i32.add').set(pcIdx);
      });
      c.br(nextTask);
    }));
  });
}

/** The B-packing job: threads claim chunks of (matrix, panel) tasks. */
export function packJob(mod: ModuleBuilder): number {
  return mod.func('pack_b', [I32, I32, I32], [], (c, [args, , nth]) => {
    const P = PACK_ARGS;
    const ld = (w: number, l: Local): void => { c.get(args).mem('i32.load', w * 4).set(l); };
    const [b, k, n, transB, packed, mats, KC] = c.locals(I32, 7);
    const [task, total, panels, mat, q, j0, p0, kc, p, jj, src, dst, npad, cols] = c.locals(I32, 14);
    ld(P.b, b); ld(P.k, k); ld(P.n, n); ld(P.transB, transB); ld(P.packed, packed); ld(P.mats, mats); ld(P.kc, KC);
    c.get(n).i32(NR - 1).op('i32.add').i32(NR).op('i32.div_u').tee(panels).i32(NR).op('i32.mul').set(npad);
    c.get(panels).get(mats).op('i32.mul').set(total);
    claimLoop(c, args, nth, total, (lo, hi) => c.for(task, () => c.get(lo), () => c.get(hi), 1, () => {
      c.get(task).get(panels).op('i32.div_u').set(mat);
      c.get(task).get(panels).op('i32.rem_u').set(q);
      c.get(q).i32(NR).op('i32.mul').set(j0);
      c.get(n).get(j0).op('i32.sub').set(cols);
      c.get(cols).i32(NR).get(cols).i32(NR).op('i32.lt_s').op('select').set(cols);
      c.for(p0, () => c.i32(0), () => c.get(k), 0, () => {
        c.get(k).get(p0).op('i32.sub').set(kc);
        c.get(KC).get(kc).get(KC).get(kc).op('i32.lt_s').op('select').set(kc);
        // dst = packed + ((mat·k + p0)·npad + q·kc·NR)·4
        c.get(mat).get(k).op('i32.mul').get(p0).op('i32.add').get(npad).op('i32.mul')
          .get(q).get(kc).op('i32.mul').i32(NR).op('i32.mul').op('i32.add').i32(4).op('i32.mul').get(packed).op('i32.add').set(dst);
        c.get(cols).i32(NR).op('i32.eq').get(transB).op('i32.eqz').op('i32.and').if(() => {
          // full panel of row-major B: copy NRV vectors per row
          c.get(mat).get(k).op('i32.mul').get(p0).op('i32.add').get(n).op('i32.mul').get(j0).op('i32.add').i32(4).op('i32.mul').get(b).op('i32.add').set(src);
          c.for(p, () => c.i32(0), () => c.get(kc), 1, () => {
            for (let v = 0; v < NRV; v++) c.get(dst).get(src).mem('v128.load', 16 * v).mem('v128.store', 16 * v);
            c.inc(dst, NR * 4);
            c.get(src).get(n).i32(4).op('i32.mul').op('i32.add').set(src);
          });
        }, () => {
          // general: dst[p·NR + jj] = jj < cols ? B(p0 + p, j0 + jj) : 0
          c.for(p, () => c.i32(0), () => c.get(kc), 1, () => {
            c.for(jj, () => c.i32(0), () => c.i32(NR), 1, () => {
              const at = (): void => { c.get(dst).get(p).i32(NR).op('i32.mul').get(jj).op('i32.add').i32(4).op('i32.mul').op('i32.add'); };
              c.get(jj).get(cols).op('i32.lt_s').if(() => {
                c.get(transB).if(() => {
                  // B stored [n, k]: B(p, j) = b[mat][j·k + p]
                  c.get(mat).get(n).op('i32.mul').get(j0).op('i32.add').get(jj).op('i32.add').get(k).op('i32.mul')
                    .get(p0).op('i32.add').get(p).op('i32.add').set(src);
                }, () => {
                  c.get(mat).get(k).op('i32.mul').get(p0).op('i32.add').get(p).op('i32.add').get(n).op('i32.mul')
                    .get(j0).op('i32.add').get(jj).op('i32.add').set(src);
                });
                at(); c.get(src).i32(4).op('i32.mul').get(b).op('i32.add').mem('f32.load').mem('f32.store');
              }, () => { at(); c.f32(0).mem('f32.store'); });
            });
          });
        });
        c.get(p0).get(KC).op('i32.add').set(p0);
      });
    }));
  });
}
