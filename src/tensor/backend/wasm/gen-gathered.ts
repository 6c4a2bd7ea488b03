// The gathered-attention jobs of the wasm module (window / random / top-K Hopfield kinds): each query row r attends
// over the memory rows gidx[r·width + c] (−1 = excluded slot), so no L×M matrix and no gathered copies exist.
// - gathered_fwd (threads claim rows): scores s·q_r·k_g into a per-thread scratch row, row max, exp and Σ in one
//   vector pass, out_r = Σ_c e_c v_g / Σ; writes the row's max and Σ (the driver forms lse = max + log Σ).
// - gathered_bwd_rows (threads claim rows): p = exp(s·q·k − lse), ds = p (dout·v − dout·out); dq_r, dscale_r, and
//   per slot P = p and DS = s·ds for the scatter.
// - gathered_bwd_scatter (threads claim ranges of memory rows; each scans all slots and handles the slots whose
//   memory row it owns, so no two threads add into one row): dkeys_g += DS·q_r, dvalues_g += P·dout_r.
// All f32 with 4-lane vectors over d / dv (scalar tails).
import { type Code, F32, I32, type Local, type ModuleBuilder, V128 } from './encoder.js';
import { ARGS_WORDS, claimLoop } from './gen-common.js';
import { emitExp, expTemps, type ExpTemps } from './gen-rows.js';
import { selectJob } from './gen-select.js';

/** Word offsets of the forward job's argument block. */
export const GFWD_ARGS = {
  q: 0, keys: 1, values: 2, gidx: 3, scale: 4, rows: 5, width: 6, d: 7, dv: 8, out: 9, max: 10, sum: 11,
  scratch: 12, scratchStride: 13, size: ARGS_WORDS,
} as const;
/** Word offsets of the backward row job's argument block. */
export const GBWD_ARGS = {
  q: 0, keys: 1, values: 2, gidx: 3, scale: 4, rows: 5, width: 6, d: 7, dv: 8, out: 9, lse: 10, dout: 11, dq: 12,
  ext: 13, size: ARGS_WORDS,
} as const;
/** Word offsets of the backward row job's second block (at `ext`). */
export const GBWD_EXT = { p: 0, ds: 1, dscale: 2, size: ARGS_WORDS } as const;
/** Word offsets of the scatter job's argument block. */
export const GSCAT_ARGS = {
  q: 0, dout: 1, gidx: 2, rows: 3, width: 4, d: 5, dv: 6, p: 7, ds: 8, dkeys: 9, dvalues: 10, n: 11, parts: 12,
  size: ARGS_WORDS,
} as const;

const addr = (c: Code, base: Local, i: Local, bytes: number): Code => c.get(base).get(i).i32(bytes).op('i32.mul').op('i32.add');

/** Scratch locals of the vector loops (allocated once per function). */
interface VecTemps { pa: Local; pb: Local; end: Local; v: Local[]; t: Local }

function vecTemps(c: Code): VecTemps {
  return { pa: c.local(I32), pb: c.local(I32), end: c.local(I32), v: c.locals(V128, 4), t: c.local(I32) };
}

/** Emit: while (pa < end) { body; pa += step·4 bytes; pb += step·4 } with end = base + (n rounded down to step)·4. */
function stride(c: Code, T: VecTemps, base: Local, n: Local, step: number, body: () => void): void {
  c.get(base).get(n).i32(-step).op('i32.and').i32(4).op('i32.mul').op('i32.add').set(T.end);
  c.block((done) => c.loop((top) => {
    c.get(T.pa).get(T.end).op('i32.ge_u').brIf(done);
    body();
    c.inc(T.pa, step * 4).inc(T.pb, step * 4).br(top);
  }));
}

/** Emit: acc(f32 local) = Σ_t a[t]·b[t] for t < n (byte pointers pa, pb): 4 vector accumulators over 16 lanes, then 4, then scalars. */
function emitDot(c: Code, pa: Local, pb: Local, n: Local, acc: Local, T: VecTemps): void {
  const [v0, v1, v2, v3] = T.v as [Local, Local, Local, Local];
  for (const v of T.v) c.f32x4(0).set(v);
  c.get(pa).set(T.pa); c.get(pb).set(T.pb);
  const mad = (v: Local, off: number): void => {
    c.get(v).get(T.pa).mem('v128.load', off).get(T.pb).mem('v128.load', off).v('f32x4.mul').v('f32x4.add').set(v);
  };
  stride(c, T, pa, n, 16, () => { mad(v0, 0); mad(v1, 16); mad(v2, 32); mad(v3, 48); });
  stride(c, T, pa, n, 4, () => mad(v0, 0));
  c.get(v0).get(v1).v('f32x4.add').get(v2).get(v3).v('f32x4.add').v('f32x4.add').set(v0);
  c.get(v0).extractF32(0).get(v0).extractF32(1).op('f32.add').get(v0).extractF32(2).get(v0).extractF32(3).op('f32.add').op('f32.add').set(acc);
  stride(c, T, pa, n, 1, () => {
    c.get(acc).get(T.pa).mem('f32.load').get(T.pb).mem('f32.load').op('f32.mul').op('f32.add').set(acc);
  });
}

/** Emit: y[t] += a · x[t] for t < n (a an f32 local), 16 lanes per step, then 4, then scalars. */
function emitAxpy(c: Code, py: Local, a: Local, px: Local, n: Local, T: VecTemps): void {
  const va = T.v[0]!;
  c.get(a).v('f32x4.splat').set(va);
  c.get(py).set(T.pa); c.get(px).set(T.pb);
  const step = (off: number): void => {
    c.get(T.pa).get(T.pa).mem('v128.load', off).get(va).get(T.pb).mem('v128.load', off).v('f32x4.mul').v('f32x4.add').mem('v128.store', off);
  };
  stride(c, T, py, n, 16, () => { step(0); step(16); step(32); step(48); });
  stride(c, T, py, n, 4, () => step(0));
  stride(c, T, py, n, 1, () => {
    c.get(T.pa).get(T.pa).mem('f32.load').get(a).get(T.pb).mem('f32.load').op('f32.mul').op('f32.add').mem('f32.store');
  });
}

/** Emit: y[t] = 0 for t < n. */
function emitZero(c: Code, py: Local, n: Local, t: Local): void {
  c.for(t, () => c.i32(0), () => c.get(n), 1, () => { addr(c, py, t, 4).f32(0).mem('f32.store'); });
}

/** Emit the scalar exp of an f32 local through the vector code. */
function expScalar(c: Code, x: Local, out: Local, v: Local, T: ExpTemps): void {
  c.get(x).v('f32x4.splat').set(v);
  emitExp(c, v, v, T);
  c.get(v).extractF32(0).set(out);
}

/** The forward job. */
export function gatheredFwdJob(mod: ModuleBuilder): number {
  return mod.func('gathered_fwd', [I32, I32, I32], [], (c, [args, tid, nth]) => {
    const A = GFWD_ARGS;
    const [q, keys, values, gidx, scale, rows, width, d, dv, out, pmax, psum, sc] = c.locals(I32, 13);
    const [r, cc, g, pq, pidx, po, nvd, nvv, nvw, t, pk] = c.locals(I32, 11);
    const [s, mx, sum, score, e] = c.locals(F32, 5);
    const [v, vm, vs] = c.locals(V128, 3);
    const T = expTemps(c);
    const VT = vecTemps(c);
    const ld = (w: number, l: Local): void => { c.get(args).mem('i32.load', w * 4).set(l); };
    ld(A.q, q); ld(A.keys, keys); ld(A.values, values); ld(A.gidx, gidx); ld(A.scale, scale); ld(A.rows, rows);
    ld(A.width, width); ld(A.d, d); ld(A.dv, dv); ld(A.out, out); ld(A.max, pmax); ld(A.sum, psum);
    c.get(args).mem('i32.load', A.scratch * 4).get(tid).get(args).mem('i32.load', A.scratchStride * 4).op('i32.mul').op('i32.add').set(sc);
    c.get(d).i32(-4).op('i32.and').set(nvd);
    c.get(dv).i32(-4).op('i32.and').set(nvv);
    c.get(width).i32(-4).op('i32.and').set(nvw);
    claimLoop(c, args, nth, rows, (lo, hi) => {
      c.for(r, () => c.get(lo), () => c.get(hi), 1, () => {
        c.get(q).get(r).get(d).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(pq);
        c.get(gidx).get(r).get(width).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(pidx);
        c.get(out).get(r).get(dv).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(po);
        addr(c, scale, r, 4).mem('f32.load').set(s);
        // scores and their max (excluded slots −∞)
        c.f32(-Infinity).set(mx);
        c.for(cc, () => c.i32(0), () => c.get(width), 1, () => {
          addr(c, pidx, cc, 4).mem('i32.load').tee(g).i32(0).op('i32.lt_s').if(() => {
            c.f32(-Infinity).set(score);
          }, () => {
            c.get(keys).get(g).get(d).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(pk);
            emitDot(c, pq, pk, d, score, VT);
            c.get(score).get(s).op('f32.mul').set(score);
          });
          addr(c, sc, cc, 4).get(score).mem('f32.store');
          c.get(score).get(mx).get(score).get(mx).op('f32.gt').op('select').set(mx);
        });
        emitZero(c, po, dv, t);
        c.f32(0).set(sum);
        c.get(mx).f32(-Infinity).op('f32.ne').if(() => {
          // e_c = exp(score − max) in place, Σ e
          c.get(mx).v('f32x4.splat').set(vm);
          c.f32x4(0).set(vs);
          c.for(cc, () => c.i32(0), () => c.get(nvw), 4, () => {
            addr(c, sc, cc, 4).mem('v128.load').get(vm).v('f32x4.sub').set(v);
            emitExp(c, v, v, T);
            addr(c, sc, cc, 4).get(v).mem('v128.store');
            c.get(vs).get(v).v('f32x4.add').set(vs);
          });
          c.get(vs).extractF32(0).get(vs).extractF32(1).op('f32.add').get(vs).extractF32(2).get(vs).extractF32(3).op('f32.add')
            .op('f32.add').set(sum);
          c.for(cc, () => c.get(nvw), () => c.get(width), 1, () => {
            addr(c, sc, cc, 4).mem('f32.load').get(mx).op('f32.sub').set(score);
            expScalar(c, score, e, v, T);
            addr(c, sc, cc, 4).get(e).mem('f32.store');
            c.get(sum).get(e).op('f32.add').set(sum);
          });
          // out_r = Σ e_c v_g, then / Σ
          c.for(cc, () => c.i32(0), () => c.get(width), 1, () => {
            addr(c, sc, cc, 4).mem('f32.load').tee(e).f32(0).op('f32.ne').if(() => {
              addr(c, pidx, cc, 4).mem('i32.load').set(g);
              c.get(values).get(g).get(dv).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(pk);
              emitAxpy(c, po, e, pk, dv, VT);
            });
          });
          c.f32(1).get(sum).op('f32.div').set(e);
          c.get(e).v('f32x4.splat').set(vm);
          c.for(t, () => c.i32(0), () => c.get(nvv), 4, () => {
            addr(c, po, t, 4); addr(c, po, t, 4).mem('v128.load').get(vm).v('f32x4.mul').mem('v128.store');
          });
          c.for(t, () => c.get(nvv), () => c.get(dv), 1, () => {
            addr(c, po, t, 4); addr(c, po, t, 4).mem('f32.load').get(e).op('f32.mul').mem('f32.store');
          });
        });
        addr(c, pmax, r, 4).get(mx).mem('f32.store');
        addr(c, psum, r, 4).get(sum).mem('f32.store');
      });
    });
  });
}

/** The backward row job: dq, dscale, and the per-slot P and DS for the scatter. */
export function gatheredBwdRowsJob(mod: ModuleBuilder): number {
  return mod.func('gathered_bwd_rows', [I32, I32, I32], [], (c, [args, , nth]) => {
    const A = GBWD_ARGS, X = GBWD_EXT;
    const [q, keys, values, gidx, scale, rows, width, d, dv, out, plse, dout, dq, ext, pp, pds, pdsc] = c.locals(I32, 17);
    const [r, cc, g, pq, pidx, pdo, po, pdq, t, pk, slot] = c.locals(I32, 11);
    const [s, l, delta, raw, p, dp, ds, dsc, e] = c.locals(F32, 9);
    const v = c.local(V128);
    const T = expTemps(c);
    const VT = vecTemps(c);
    const ld = (w: number, loc: Local, base = args): void => { c.get(base).mem('i32.load', w * 4).set(loc); };
    ld(A.q, q); ld(A.keys, keys); ld(A.values, values); ld(A.gidx, gidx); ld(A.scale, scale); ld(A.rows, rows);
    ld(A.width, width); ld(A.d, d); ld(A.dv, dv); ld(A.out, out); ld(A.lse, plse); ld(A.dout, dout); ld(A.dq, dq);
    ld(A.ext, ext); ld(X.p, pp, ext); ld(X.ds, pds, ext); ld(X.dscale, pdsc, ext);
    claimLoop(c, args, nth, rows, (lo, hi) => {
      c.for(r, () => c.get(lo), () => c.get(hi), 1, () => {
        c.get(q).get(r).get(d).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(pq);
        c.get(dq).get(r).get(d).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(pdq);
        c.get(dout).get(r).get(dv).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(pdo);
        c.get(out).get(r).get(dv).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(po);
        c.get(r).get(width).op('i32.mul').set(slot);
        c.get(gidx).get(slot).i32(4).op('i32.mul').op('i32.add').set(pidx);
        addr(c, scale, r, 4).mem('f32.load').set(s);
        addr(c, plse, r, 4).mem('f32.load').set(l);
        emitZero(c, pdq, d, t);
        c.f32(0).set(dsc);
        emitDot(c, pdo, po, dv, delta, VT);
        c.for(cc, () => c.i32(0), () => c.get(width), 1, () => {
          c.f32(0).set(p);
          c.f32(0).set(ds);
          c.get(l).f32(-Infinity).op('f32.ne').if(() => {
            addr(c, pidx, cc, 4).mem('i32.load').tee(g).i32(0).op('i32.ge_s').if(() => {
              c.get(keys).get(g).get(d).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(pk);
              emitDot(c, pq, pk, d, raw, VT);
              c.get(s).get(raw).op('f32.mul').get(l).op('f32.sub').set(e);
              expScalar(c, e, p, v, T);
              c.get(values).get(g).get(dv).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(pk);
              emitDot(c, pdo, pk, dv, dp, VT);
              c.get(p).get(dp).get(delta).op('f32.sub').op('f32.mul').set(ds);
              c.get(dsc).get(ds).get(raw).op('f32.mul').op('f32.add').set(dsc);
              c.get(ds).get(s).op('f32.mul').set(ds);
              c.get(keys).get(g).get(d).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(pk);
              emitAxpy(c, pdq, ds, pk, d, VT);
            });
          });
          c.get(slot).get(cc).op('i32.add').set(g);
          addr(c, pp, g, 4).get(p).mem('f32.store');
          addr(c, pds, g, 4).get(ds).mem('f32.store');
        });
        addr(c, pdsc, r, 4).get(dsc).mem('f32.store');
      });
    });
  });
}

/** The backward scatter job: threads claim parts of the memory rows and add every slot reading a row they own. */
export function gatheredBwdScatterJob(mod: ModuleBuilder): number {
  return mod.func('gathered_bwd_scatter', [I32, I32, I32], [], (c, [args, , nth]) => {
    const A = GSCAT_ARGS;
    const [q, dout, gidx, rows, width, d, dv, pp, pds, dkeys, dvals, n, parts] = c.locals(I32, 13);
    const [part, glo, span, r, cc, g, slot, pq, pdo, py] = c.locals(I32, 10);
    const a = c.local(F32);
    const VT = vecTemps(c);
    const ld = (w: number, loc: Local): void => { c.get(args).mem('i32.load', w * 4).set(loc); };
    ld(A.q, q); ld(A.dout, dout); ld(A.gidx, gidx); ld(A.rows, rows); ld(A.width, width); ld(A.d, d); ld(A.dv, dv);
    ld(A.p, pp); ld(A.ds, pds); ld(A.dkeys, dkeys); ld(A.dvalues, dvals); ld(A.n, n); ld(A.parts, parts);
    claimLoop(c, args, nth, parts, (lo, hi) => {
      c.for(part, () => c.get(lo), () => c.get(hi), 1, () => {
        // memory rows [glo, glo + span) with glo = ⌊part·n / parts⌋ (n·parts < 2^31 is checked by the driver)
        c.get(part).get(n).op('i32.mul').get(parts).op('i32.div_u').set(glo);
        c.get(part).i32(1).op('i32.add').get(n).op('i32.mul').get(parts).op('i32.div_u').get(glo).op('i32.sub').set(span);
        c.i32(0).set(slot);
        c.for(r, () => c.i32(0), () => c.get(rows), 1, () => {
          c.get(q).get(r).get(d).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(pq);
          c.get(dout).get(r).get(dv).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(pdo);
          c.for(cc, () => c.i32(0), () => c.get(width), 1, () => {
            // owned when 0 <= g − glo < span (unsigned; an excluded slot's −1 is never owned)
            addr(c, gidx, slot, 4).mem('i32.load').get(glo).op('i32.sub').tee(g).get(span).op('i32.lt_u').if(() => {
              c.get(g).get(glo).op('i32.add').set(g);
              addr(c, pds, slot, 4).mem('f32.load').set(a);
              c.get(dkeys).get(g).get(d).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(py);
              emitAxpy(c, py, a, pq, d, VT);
              addr(c, pp, slot, 4).mem('f32.load').set(a);
              c.get(dvals).get(g).get(dv).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(py);
              emitAxpy(c, py, a, pdo, dv, VT);
            });
            c.inc(slot, 1);
          });
        });
      });
    });
  });
}

/** The gathered-attention jobs and the top-k selection job by JOB name (module.ts spreads these into its job table). */
export function gatheredJobs(mod: ModuleBuilder): { gatheredFwd: number; gatheredBwdRows: number; gatheredBwdScatter: number; topkSelect: number } {
  return {
    gatheredFwd: gatheredFwdJob(mod), gatheredBwdRows: gatheredBwdRowsJob(mod), gatheredBwdScatter: gatheredBwdScatterJob(mod),
    topkSelect: selectJob(mod),
  };
}
