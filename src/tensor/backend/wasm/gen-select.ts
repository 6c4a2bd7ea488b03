// The top-k selection job of the wasm module (Backend.topk with sorted = false, float32): per row, every value
// becomes an unsigned rank R (the float's order as an unsigned integer, NaN above +∞, −0 as +0, complemented when
// the largest are wanted, so the k best are the k smallest R). A three-level radix select (11 + 11 + 10 bits) finds
// the k-th smallest rank T: pass 1 computes R and the histogram of its top 11 bits; pass 2 writes out every column
// whose top bits fall below the boundary bucket and moves that bucket's columns (in column order) to a short list;
// the last two levels and the final pick (R < T, then the first ties at T: lower columns first, as the cpu) run
// on that list only. Threads claim rows; each has its own scratch (ranks, a 2048-bucket histogram, the list).
import { type Code, I32, type Local, type ModuleBuilder } from './encoder.js';
import { ARGS_WORDS, claimLoop } from './gen-common.js';

/** Word offsets of the selection job's argument block. */
export const SELECT_ARGS = { x: 0, rows: 1, cols: 2, k: 3, largest: 4, out: 5, scratch: 6, scratchStride: 7, values: 8, size: ARGS_WORDS } as const;
/** Histogram buckets of one level. */
export const SELECT_BUCKETS = 2048;

/** Bytes of one thread's scratch for rows of `cols` values: ranks, histogram, list of (column, rank). */
export function selectScratchBytes(cols: number): number {
  return Math.ceil((cols * 12 + SELECT_BUCKETS * 4 + 256) / 64) * 64;
}

/** The selection job. */
export function selectJob(mod: ModuleBuilder): number {
  return mod.func('topk_select', [I32, I32, I32], [], (c, [args, tid, nth]) => {
    const A = SELECT_ARGS;
    const [x, rows, cols, k, largest, out, pr, ph, pl] = c.locals(I32, 9);
    const [r, j, b, rk, px, need, pre, bkt, cum, h, po, cnt, t, nl, vals, pv, col] = c.locals(I32, 17);
    const ld = (w: number, l: Local): void => { c.get(args).mem('i32.load', w * 4).set(l); };
    ld(A.x, x); ld(A.rows, rows); ld(A.cols, cols); ld(A.k, k); ld(A.largest, largest); ld(A.out, out); ld(A.values, vals);
    c.get(args).mem('i32.load', A.scratch * 4).get(tid).get(args).mem('i32.load', A.scratchStride * 4).op('i32.mul').op('i32.add').set(pr);
    c.get(pr).get(cols).i32(4).op('i32.mul').op('i32.add').i32(63).op('i32.add').i32(-64).op('i32.and').set(ph);
    c.get(ph).i32(SELECT_BUCKETS * 4).op('i32.add').set(pl);
    const at = (base: Local, i: Local, bytes = 4): Code => c.get(base).get(i).i32(bytes).op('i32.mul').op('i32.add');
    const clear = (): void => { c.for(t, () => c.i32(0), () => c.i32(SELECT_BUCKETS), 1, () => { at(ph, t).i32(0).mem('i32.store'); }); };
    const bump = (digit: () => void): void => {
      digit();
      c.set(t);
      at(ph, t);
      at(ph, t).mem('i32.load').i32(1).op('i32.add').mem('i32.store');
    };
    /** bkt = the bucket holding the need-th smallest; need −= entries in lower buckets; pre = pre·2^bits | bkt. */
    const findBucket = (bits: number): void => {
      c.i32(0).set(cum);
      c.i32(0).set(bkt);
      c.block((found) => c.loop((next) => {
        at(ph, bkt).mem('i32.load').set(h);
        c.get(cum).get(h).op('i32.add').get(need).op('i32.ge_u').brIf(found);
        c.inc(cum, h, true).inc(bkt, 1).br(next);
      }));
      c.get(need).get(cum).op('i32.sub').set(need);
      c.get(pre).i32(bits).op('i32.shl').get(bkt).op('i32.or').set(pre);
    };
    /** out[cnt] = column, values[cnt] = x[column], cnt++. */
    const emit = (column: () => void): void => {
      column();
      c.set(col);
      at(po, cnt).get(col).mem('i32.store');
      at(pv, cnt);
      at(px, col).mem('f32.load').mem('f32.store');
      c.inc(cnt, 1);
    };
    claimLoop(c, args, nth, rows, (lo, hi) => {
      c.for(r, () => c.get(lo), () => c.get(hi), 1, () => {
        c.get(x).get(r).get(cols).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(px);
        c.get(out).get(r).get(k).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(po);
        c.get(vals).get(r).get(k).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(pv);
        c.i32(0).set(cnt);
        c.get(k).set(need);
        c.i32(0).set(pre);
        // pass 1: ranks (K = order-preserving key of the float bits, NaN → 0xffffffff, −0 → +0; R = ~K or K) and
        // the histogram of R >>> 21
        clear();
        c.for(j, () => c.i32(0), () => c.get(cols), 1, () => {
          at(px, j).mem('i32.load').set(b);
          c.get(b).i32(0x7fffffff).op('i32.and').i32(0x7f800000).op('i32.gt_u').if(() => { c.i32(-1).set(rk); }, () => {
            c.i32(0).get(b).get(b).i32(0x80000000 | 0).op('i32.eq').op('select').set(b);
            c.get(b).get(b).i32(31).op('i32.shr_s').i32(0x80000000 | 0).op('i32.or').op('i32.xor').set(rk);
          });
          c.get(rk).i32(-1).op('i32.xor').get(rk).get(largest).op('select').set(rk);
          at(pr, j).get(rk).mem('i32.store');
          bump(() => { c.get(rk).i32(21).op('i32.shr_u'); });
        });
        findBucket(11);
        // pass 2: columns below the bucket are kept; the bucket's columns go to the list (column, rank)
        c.i32(0).set(nl);
        c.for(j, () => c.i32(0), () => c.get(cols), 1, () => {
          at(pr, j).mem('i32.load').tee(rk).i32(21).op('i32.shr_u').tee(t).get(pre).op('i32.lt_u').if(() => {
            emit(() => { c.get(j); });
          }, () => {
            c.get(t).get(pre).op('i32.eq').if(() => {
              at(pl, nl, 8).get(j).mem('i32.store');
              at(pl, nl, 8).get(rk).mem('i32.store', 4);
              c.inc(nl, 1);
            });
          });
        });
        // levels 2 and 3 on the list: digits (R >>> 10) & 2047, then R & 1023, among entries matching the prefix
        for (const [shift, bits] of [[10, 11], [0, 10]] as const) {
          clear();
          c.for(j, () => c.i32(0), () => c.get(nl), 1, () => {
            at(pl, j, 8).mem('i32.load', 4).tee(rk).i32(shift + bits).op('i32.shr_u').get(pre).op('i32.eq').if(() => {
              bump(() => { c.get(rk).i32(shift).op('i32.shr_u').i32((1 << bits) - 1).op('i32.and'); });
            });
          });
          findBucket(bits);
        }
        // pre = T, need = ties at T to keep: pick from the list (column order)
        c.for(j, () => c.i32(0), () => c.get(nl), 1, () => {
          at(pl, j, 8).mem('i32.load', 4).tee(rk).get(pre).op('i32.lt_u').if(() => {
            emit(() => { at(pl, j, 8).mem('i32.load'); });
          }, () => {
            c.get(rk).get(pre).op('i32.eq').get(need).i32(0).op('i32.gt_s').op('i32.and').if(() => {
              emit(() => { at(pl, j, 8).mem('i32.load'); });
              c.get(need).i32(1).op('i32.sub').set(need);
            });
          });
        });
      });
    });
  });
}
