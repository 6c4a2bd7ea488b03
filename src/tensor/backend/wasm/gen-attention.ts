// The fused attention jobs of the wasm module (FlashAttention-2 style, float32): the forward over blocks of TR
// query rows × TC keys with an online softmax, and a one-pass backward over key blocks that recomputes the
// probabilities from the saved per-row logsumexp. Every product runs through the 4×8 register-tile micro-kernel
// of ./gen-attention-tile.ts on TR×TC tiles of scores in a per-thread scratch: the L×M matrix never exists.
//
// Layouts (built by ./attention.ts; every row index is b·lpad + i for queries and b·mpad + j for keys, lpad and
// mpad multiples of 8, dpad and dvpad multiples of 8, padding zero): Qr [rows, dpad], Kr [rows, dpad],
// Vr [rows, dvpad], dOr [rows, dvpad] row-major; Kp, Vp "packed transposed": the 8 rows r0..r0+7 form one panel
// of [features][8] floats at float offset r0·features. bias [b·mpad] is 0 or −∞ (padded or past m); scale, lse,
// delta [b·lpad] (lse +∞ where a row has no probability mass, so P = 0 there).
import { ARGS_WORDS, claimLoop } from './gen-common.js';
import { F32, I32, type Local, type ModuleBuilder, V128 } from './encoder.js';
import { emitExp } from './gen-rows.js';
import { Emit, loadArgs, tileFunc } from './gen-attention-tile.js';

/** Rows of a score tile: query rows (a multiple of 8). */
export const TR = 32;
/** Columns of a score tile: keys (a multiple of 8). */
export const TC = 64;

/** Word offsets of the forward job's argument block (word 15 is the chunk counter). */
export const ATT_FWD_ARGS = {
  qr: 0, kp: 1, vr: 2, bias: 3, scale: 4, out: 5, mx: 6, sum: 7, batch: 8, l: 9, lpad: 10, mpad: 11, d: 12, dpad: 13,
  dvpad: 14, scratch: 16, stride: 17, size: 2 * ARGS_WORDS,
} as const;

/**
 * Word offsets of the backward job's argument block; dq and dscale are the first thread's buffers, the others follow
 * every dqStride / dsStride bytes (zeroed by the driver; thread 0 zeroes its own and writes the thread count it ran
 * with to nthUsed, so a job the runtime redoes on one thread after a worker failed is summed from buffer 0 only).
 */
export const ATT_BWD_ARGS = {
  qr: 0, kp: 1, kr: 2, vp: 3, dor: 4, lse: 5, delta: 6, scale: 7, bias: 8, dq: 9, dscale: 10, dk: 11, dv: 12, batch: 13, l: 14,
  lpad: 16, mpad: 17, d: 18, dpad: 19, dvn: 20, dvpad: 21, scratch: 22, stride: 23, dqStride: 24, dsStride: 25, nthUsed: 26,
  size: 2 * ARGS_WORDS,
} as const;

/** The attention jobs (forward and backward), sharing the tile functions. */
export function attentionJobs(mod: ModuleBuilder): { attnFwd: number; attnBwd: number } {
  const tile = tileFunc(mod, false);
  return { attnFwd: forwardJob(mod, tile), attnBwd: backwardJob(mod, tile, tileFunc(mod, true)) };
}

/** The forward job 'attn_fwd': one task per (batch element, block of TR query rows). */
function forwardJob(mod: ModuleBuilder, tile: number): number {
  return mod.func('attn_fwd', [I32, I32, I32], [], (c, [args, tid, nth]) => {
    const A = ATT_FWD_ARGS;
    const [qr, kp, vr, bias, scale, out, mx, sum, batch, l, lpad, mpad, d, dpad, dvpad, scratch, stride] = c.locals(I32, 17);
    loadArgs(c, args, [A.qr, A.kp, A.vr, A.bias, A.scale, A.out, A.mx, A.sum, A.batch, A.l, A.lpad, A.mpad, A.d, A.dpad, A.dvpad, A.scratch, A.stride],
      [qr, kp, vr, bias, scale, out, mx, sum, batch, l, lpad, mpad, d, dpad, dvpad, scratch, stride]);
    const [tileS, O, rowM, rowL, tpb, total, t, b, i0, rv, j0, bc, r, cc, row, srow, bb, orow, i] = c.locals(I32, 19);
    const [mold, mnew, msub, alpha, lsum] = c.locals(F32, 5);
    const [vsc, vt, vmax, vs, vm, vtmp] = c.locals(V128, 6);
    const e = new Emit(c);
    // per-thread scratch: the TR×TC score tile, the TR×dvpad output accumulator, running max and sum
    c.get(scratch).get(tid).get(stride).op('i32.mul').op('i32.add').tee(tileS).i32(TR * TC * 4).op('i32.add').tee(O);
    c.get(dvpad).i32(TR * 4).op('i32.mul').op('i32.add').tee(rowM).i32(TR * 4).op('i32.add').set(rowL);
    c.get(l).i32(TR - 1).op('i32.add').i32(TR).op('i32.div_u').tee(tpb).get(batch).op('i32.mul').set(total);
    claimLoop(c, args, nth, total, (lo, hi) => c.for(t, () => c.get(lo), () => c.get(hi), 1, () => {
      c.get(t).get(tpb).op('i32.div_u').set(b);
      c.get(t).get(tpb).op('i32.rem_u').i32(TR).op('i32.mul').set(i0);
      c.get(l).get(i0).op('i32.sub').set(rv);
      c.i32(TR).get(rv).get(rv).i32(TR).op('i32.gt_s').op('select').set(rv);
      c.for(r, () => c.i32(0), () => c.i32(TR), 1, () => {
        e.addr(rowM, r, 4); c.f32(-Infinity).mem('f32.store');
        e.addr(rowL, r, 4); c.f32(0).mem('f32.store');
      });
      c.get(dvpad).i32(TR).op('i32.mul').set(cc);
      e.zero(O, cc, i);
      c.for(j0, () => c.i32(0), () => c.get(mpad), TC, () => {
        c.get(mpad).get(j0).op('i32.sub').set(bc);
        c.i32(TC).get(bc).get(bc).i32(TC).op('i32.gt_s').op('select').set(bc);
        // S = Q_blk · K_blkᵀ
        c.get(qr).get(b).get(lpad).op('i32.mul').get(i0).op('i32.add').get(dpad).op('i32.mul').i32(4).op('i32.mul').op('i32.add');
        c.get(dpad).i32(4).op('i32.mul');
        c.get(kp).get(b).get(mpad).op('i32.mul').get(j0).op('i32.add').get(d).op('i32.mul').i32(4).op('i32.mul').op('i32.add');
        c.i32(32).get(d).i32(32).op('i32.mul').get(tileS).i32(TC * 4).get(d).i32(0).get(rv).get(bc).call(tile);
        // online softmax of each valid row: t = scale·s + bias; P = exp(t − m_new); rescale l and O by exp(m_old − m_new)
        c.for(r, () => c.i32(0), () => c.get(rv), 1, () => {
          c.get(b).get(lpad).op('i32.mul').get(i0).op('i32.add').get(r).op('i32.add').set(row);
          e.addr(scale, row, 4); c.mem('v128.load32_splat').set(vsc);
          e.addr(tileS, r, TC * 4); c.set(srow);
          c.get(bias).get(b).get(mpad).op('i32.mul').get(j0).op('i32.add').i32(4).op('i32.mul').op('i32.add').set(bb);
          c.f32x4(-Infinity).set(vmax);
          c.for(cc, () => c.i32(0), () => c.get(bc), 4, () => {
            e.addr(srow, cc, 4);
            e.addr(srow, cc, 4); c.mem('v128.load').get(vsc).v('f32x4.mul');
            e.addr(bb, cc, 4); c.mem('v128.load').v('f32x4.add').tee(vt).mem('v128.store');
            c.get(vmax).get(vt).v('f32x4.max').set(vmax);
          });
          e.addr(rowM, r, 4); c.mem('f32.load').set(mold);
          c.get(mold).get(vmax).extractF32(0).op('f32.max').get(vmax).extractF32(1).op('f32.max')
            .get(vmax).extractF32(2).op('f32.max').get(vmax).extractF32(3).op('f32.max').set(mnew);
          c.f32(0).get(mnew).get(mnew).f32(-Infinity).op('f32.eq').op('select').set(msub);
          c.get(mold).get(msub).op('f32.sub'); e.expScalar(vtmp); c.set(alpha);
          c.get(msub).v('f32x4.splat').set(vm);
          c.f32x4(0).set(vs);
          c.for(cc, () => c.i32(0), () => c.get(bc), 4, () => {
            e.addr(srow, cc, 4); c.mem('v128.load').get(vm).v('f32x4.sub').set(vt);
            emitExp(c, vt, vt, e.T);
            e.addr(srow, cc, 4); c.get(vt).mem('v128.store');
            c.get(vs).get(vt).v('f32x4.add').set(vs);
          });
          e.addr(rowL, r, 4); c.mem('f32.load').get(alpha).op('f32.mul'); e.hsum(vs); c.op('f32.add').set(lsum);
          e.addr(rowL, r, 4); c.get(lsum).mem('f32.store');
          e.addr(rowM, r, 4); c.get(mnew).mem('f32.store');
          c.get(alpha).f32(1).op('f32.ne').if(() => {
            e.rowPtr(O, r, dvpad); c.set(orow);
            c.get(alpha).v('f32x4.splat').set(vtmp);
            e.scaleRow(orow, orow, dvpad, vtmp, i);
          });
        });
        // O += P · V_blk
        c.get(tileS).i32(TC * 4);
        c.get(vr).get(b).get(mpad).op('i32.mul').get(j0).op('i32.add').get(dvpad).op('i32.mul').i32(4).op('i32.mul').op('i32.add');
        c.get(dvpad).i32(4).op('i32.mul').i32(32).get(O).get(dvpad).i32(4).op('i32.mul').get(bc).i32(1).get(rv).get(dvpad).call(tile);
      });
      // out = O / l (0 where l = 0: every key padded), and the row statistics for the logsumexp
      c.for(r, () => c.i32(0), () => c.get(rv), 1, () => {
        c.get(b).get(lpad).op('i32.mul').get(i0).op('i32.add').get(r).op('i32.add').set(row);
        e.addr(rowL, r, 4); c.mem('f32.load').set(lsum);
        c.f32(1).get(lsum).op('f32.div').f32(0).get(lsum).f32(0).op('f32.gt').op('select').v('f32x4.splat').set(vtmp);
        e.rowPtr(O, r, dvpad); c.set(orow);
        e.rowPtr(out, row, dvpad); c.set(srow);
        e.scaleRow(srow, orow, dvpad, vtmp, i);
        e.addr(mx, row, 4); e.addr(rowM, r, 4); c.mem('f32.load').mem('f32.store');
        e.addr(sum, row, 4); c.get(lsum).mem('f32.store');
      });
    }));
  });
}

/**
 * The backward job 'attn_bwd': one task per (batch element, block of TC keys), over every block of TR query rows:
 * S = Q Kᵀ, dP = dO Vᵀ, P = exp(scale·S + bias − lse), dS = P (dP − δ); dk += (scale·dS)ᵀ Q and dv += Pᵀ dO in
 * the task's accumulators, dq += (scale·dS) K and dscale += Σ_j dS·S into this thread's own dq / dscale buffers
 * (the driver sums them), so scores and probabilities are computed once.
 */
function backwardJob(mod: ModuleBuilder, tile: number, tileT: number): number {
  return mod.func('attn_bwd', [I32, I32, I32], [], (c, [args, tid, nth]) => {
    const A = ATT_BWD_ARGS;
    const names = [
      'qr', 'kp', 'kr', 'vp', 'dor', 'lse', 'delta', 'scale', 'bias', 'dq', 'dscale', 'dk', 'dv', 'batch', 'l', 'lpad', 'mpad', 'd',
      'dpad', 'dvn', 'dvpad', 'scratch', 'stride', 'dqStride', 'dsStride',
    ] as const;
    const L = Object.fromEntries(names.map((n) => [n, c.local(I32)])) as Record<(typeof names)[number], Local>;
    loadArgs(c, args, names.map((n) => A[n]), names.map((n) => L[n]));
    const { qr, kp, kr, vp, dor, lse, delta, scale, bias, dq, dscale, dk, dv, batch, l, lpad, mpad, d, dpad, dvn, dvpad, scratch, stride } = L;
    const [tileS, tileD, accK, accV, tpb, total, t, b, j0, bc, i0, rv, r, cc, row, qrow, srow, drow, bb, n, i] = c.locals(I32, 21);
    const [vsc, vlse, vdel, vs, vp2, vds, va] = c.locals(V128, 7);
    const e = new Emit(c);
    c.get(dq).get(tid).get(L.dqStride).op('i32.mul').op('i32.add').set(dq);
    c.get(dscale).get(tid).get(L.dsStride).op('i32.mul').op('i32.add').set(dscale);
    c.get(tid).op('i32.eqz').if(() => {
      c.get(args).get(nth).mem('i32.store', A.nthUsed * 4);
      c.get(L.dqStride).i32(2).op('i32.shr_u').set(n);
      e.zero(dq, n, i);
      c.get(L.dsStride).i32(2).op('i32.shr_u').set(n);
      e.zero(dscale, n, i);
    });
    c.get(scratch).get(tid).get(stride).op('i32.mul').op('i32.add').tee(tileS).i32(TR * TC * 4).op('i32.add').tee(tileD);
    c.i32(TR * TC * 4).op('i32.add').tee(accK).get(dpad).i32(TC * 4).op('i32.mul').op('i32.add').set(accV);
    c.get(mpad).i32(TC - 1).op('i32.add').i32(TC).op('i32.div_u').tee(tpb).get(batch).op('i32.mul').set(total);
    claimLoop(c, args, nth, total, (lo, hi) => c.for(t, () => c.get(lo), () => c.get(hi), 1, () => {
      c.get(t).get(tpb).op('i32.div_u').set(b);
      c.get(t).get(tpb).op('i32.rem_u').i32(TC).op('i32.mul').set(j0);
      c.get(mpad).get(j0).op('i32.sub').set(bc);
      c.i32(TC).get(bc).get(bc).i32(TC).op('i32.gt_s').op('select').set(bc);
      c.get(dpad).get(dvpad).op('i32.add').i32(TC).op('i32.mul').set(n);
      e.zero(accK, n, i); // dk and dv accumulators (adjacent)
      c.for(i0, () => c.i32(0), () => c.get(l), TR, () => {
        c.get(l).get(i0).op('i32.sub').set(rv);
        c.i32(TR).get(rv).get(rv).i32(TR).op('i32.gt_s').op('select').set(rv);
        c.get(b).get(lpad).op('i32.mul').get(i0).op('i32.add').set(row); // first query row of the block
        // S = Q_blk · K_blkᵀ, dP = dO_blk · V_blkᵀ
        e.rowPtr(qr, row, dpad); c.get(dpad).i32(4).op('i32.mul');
        c.get(kp).get(b).get(mpad).op('i32.mul').get(j0).op('i32.add').get(d).op('i32.mul').i32(4).op('i32.mul').op('i32.add');
        c.i32(32).get(d).i32(32).op('i32.mul').get(tileS).i32(TC * 4).get(d).i32(0).get(rv).get(bc).call(tile);
        e.rowPtr(dor, row, dvpad); c.get(dvpad).i32(4).op('i32.mul');
        c.get(vp).get(b).get(mpad).op('i32.mul').get(j0).op('i32.add').get(dvn).op('i32.mul').i32(4).op('i32.mul').op('i32.add');
        c.i32(32).get(dvn).i32(32).op('i32.mul').get(tileD).i32(TC * 4).get(dvn).i32(0).get(rv).get(bc).call(tile);
        c.get(bias).get(b).get(mpad).op('i32.mul').get(j0).op('i32.add').i32(4).op('i32.mul').op('i32.add').set(bb);
        c.for(r, () => c.i32(0), () => c.get(rv), 1, () => {
          c.get(row).get(r).op('i32.add').set(qrow);
          e.addr(scale, qrow, 4); c.mem('v128.load32_splat').set(vsc);
          e.addr(lse, qrow, 4); c.mem('v128.load32_splat').set(vlse);
          e.addr(delta, qrow, 4); c.mem('v128.load32_splat').set(vdel);
          e.addr(tileS, r, TC * 4); c.set(srow);
          e.addr(tileD, r, TC * 4); c.set(drow);
          c.f32x4(0).set(vs);
          c.for(cc, () => c.i32(0), () => c.get(bc), 4, () => {
            e.addr(srow, cc, 4); c.mem('v128.load').set(va);
            c.get(va).get(vsc).v('f32x4.mul'); e.addr(bb, cc, 4); c.mem('v128.load').v('f32x4.add').get(vlse).v('f32x4.sub').set(vp2);
            emitExp(c, vp2, vp2, e.T);
            e.addr(drow, cc, 4); c.mem('v128.load').get(vdel).v('f32x4.sub').get(vp2).v('f32x4.mul').set(vds); // dS = P (dP − δ)
            c.get(vs).get(vds).get(va).v('f32x4.mul').v('f32x4.add').set(vs); // dscale += dS·s
            e.addr(drow, cc, 4); c.get(vp2).mem('v128.store'); // P
            e.addr(srow, cc, 4); c.get(vds).get(vsc).v('f32x4.mul').mem('v128.store'); // scale·dS
          });
          e.addr(dscale, qrow, 4); e.addr(dscale, qrow, 4); c.mem('f32.load'); e.hsum(vs); c.op('f32.add').mem('f32.store');
        });
        // dq_blk += (scale·dS) · K_blk (this thread's buffer)
        c.get(tileS).i32(TC * 4);
        c.get(kr).get(b).get(mpad).op('i32.mul').get(j0).op('i32.add').get(dpad).op('i32.mul').i32(4).op('i32.mul').op('i32.add');
        c.get(dpad).i32(4).op('i32.mul').i32(32); e.rowPtr(dq, row, dpad);
        c.get(dpad).i32(4).op('i32.mul').get(bc).i32(1).get(rv).get(dpad).call(tile);
        // dv += Pᵀ · dO_blk, dk += (scale·dS)ᵀ · Q_blk (A read transposed from the tiles)
        c.get(tileD).i32(TC * 4); e.rowPtr(dor, row, dvpad);
        c.get(dvpad).i32(4).op('i32.mul').i32(32).get(accV).get(dvpad).i32(4).op('i32.mul').get(rv).i32(1).get(bc).get(dvpad).call(tileT);
        c.get(tileS).i32(TC * 4); e.rowPtr(qr, row, dpad);
        c.get(dpad).i32(4).op('i32.mul').i32(32).get(accK).get(dpad).i32(4).op('i32.mul').get(rv).i32(1).get(bc).get(dpad).call(tileT);
      });
      c.for(r, () => c.i32(0), () => c.get(bc), 1, () => {
        c.get(b).get(mpad).op('i32.mul').get(j0).op('i32.add').get(r).op('i32.add').set(qrow); // the key row
        e.rowPtr(dk, qrow, dpad); c.set(drow);
        e.rowPtr(accK, r, dpad); c.set(srow);
        c.for(cc, () => c.i32(0), () => c.get(dpad), 4, () => { e.addr(drow, cc, 4); e.addr(srow, cc, 4); c.mem('v128.load').mem('v128.store'); });
        e.rowPtr(dv, qrow, dvpad); c.set(drow);
        e.rowPtr(accV, r, dvpad); c.set(srow);
        c.for(cc, () => c.i32(0), () => c.get(dvpad), 4, () => { e.addr(drow, cc, 4); e.addr(srow, cc, 4); c.mem('v128.load').mem('v128.store'); });
      });
    }));
  });
}
