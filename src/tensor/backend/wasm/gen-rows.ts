// The row kernels of the wasm module: a vectorized f32 exp, fused row softmax, the per-row (max, Σexp) pass that
// logsumexp/logSoftmax finish in JavaScript, the x − lse pass of logSoftmax, and layer norm's statistics and
// normalization (both in f64 lanes, so they round like the cpu reference). Threads claim chunks of rows; each row's tail (cols mod 4) runs through the same code on splatted scalars.
import { type Code, F32, F64, I32, type Local, type ModuleBuilder, V128 } from './encoder.js';
import { ARGS_WORDS, claimLoop } from './gen-common.js';

/** Word offsets of the row jobs' argument block. */
export const ROW_ARGS = { x: 0, out: 1, rows: 2, cols: 3, aux0: 4, aux1: 5, size: ARGS_WORDS } as const;

// exp(x) = 2^n · e^r with n = round(x / ln 2), r = x − n·ln 2 split in two constants (Cody–Waite), e^r by the
// Cephes expf polynomial on |r| ≤ ln2/2, and 2^n applied as 2^⌊n/2⌋ · 2^(n−⌊n/2⌋) so results in the subnormal
// range round once and exp(88.72…) overflows to +∞ exactly where float32 does. x is clamped to [−104, 89]
// first (exp(−104) rounds to 0, exp(89) to +∞); the clamps use pmin/pmax, which keep NaN.
const LOG2E = 1.44269504088896341;
const MAGIC = 12582912; // 1.5·2^23: adding it rounds to an integer (nearest even) held in the low mantissa bits
const C1 = 0.693359375;
const C2 = -2.12194440e-4;
const POLY = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/** Scratch locals of `emitExp`. */
export interface ExpTemps { t: Local; n: Local; r: Local; p: Local }

/** Allocate the scratch locals `emitExp` needs (once per function). */
export function expTemps(c: Code): ExpTemps {
  return { t: c.local(V128), n: c.local(V128), r: c.local(V128), p: c.local(V128) };
}

/** Emit out = exp(x) lane-wise (x and out may be the same local). */
export function emitExp(c: Code, x: Local, out: Local, T: ExpTemps): void {
  c.get(x).f32x4(-104).v('f32x4.pmax').f32x4(89).v('f32x4.pmin').set(T.r);
  c.get(T.r).f32x4(LOG2E).v('f32x4.mul').f32x4(MAGIC).v('f32x4.add').set(T.t);
  c.get(T.t).i32x4(0x4b400000).v('i32x4.sub').set(T.n); // n as integers
  c.get(T.t).f32x4(MAGIC).v('f32x4.sub').set(T.t); // n as floats
  c.get(T.r).get(T.t).f32x4(C1).v('f32x4.mul').v('f32x4.sub').get(T.t).f32x4(C2).v('f32x4.mul').v('f32x4.sub').set(T.r);
  c.f32x4(POLY[0]!);
  for (let i = 1; i < POLY.length; i++) c.get(T.r).v('f32x4.mul').f32x4(POLY[i]!).v('f32x4.add');
  c.get(T.r).get(T.r).v('f32x4.mul').v('f32x4.mul').get(T.r).v('f32x4.add').f32x4(1).v('f32x4.add').set(T.p);
  c.get(T.n).i32(1).v('i32x4.shr_s').set(T.t); // n1 = n >> 1
  c.get(T.p).get(T.t).i32x4(127).v('i32x4.add').i32(23).v('i32x4.shl').v('f32x4.mul');
  c.get(T.n).get(T.t).v('i32x4.sub').i32x4(127).v('i32x4.add').i32(23).v('i32x4.shl').v('f32x4.mul').set(out);
}

/** Emit the scalar exp of an f32 local through the vector code (lane 0). */
function emitExpScalar(c: Code, x: Local, out: Local, v: Local, T: ExpTemps): void {
  c.get(x).v('f32x4.splat').set(v);
  emitExp(c, v, v, T);
  c.get(v).extractF32(0).set(out);
}

/** Locals and prologue shared by the row jobs: args, this thread's row range, and per-row pointers. */
interface RowFrame { x: Local; out: Local; cols: Local; aux0: Local; aux1: Local; r: Local; px: Local; po: Local; nv: Local; j: Local }

function rowJob(mod: ModuleBuilder, name: string, body: (c: Code, f: RowFrame) => void): number {
  return mod.func(name, [I32, I32, I32], [], (c, [args, , nth]) => {
    const [x, out, rows, cols, aux0, aux1, r, px, po, nv, j] = c.locals(I32, 11);
    const ld = (w: number, l: Local): void => { c.get(args).mem('i32.load', w * 4).set(l); };
    ld(ROW_ARGS.x, x); ld(ROW_ARGS.out, out); ld(ROW_ARGS.rows, rows); ld(ROW_ARGS.cols, cols);
    ld(ROW_ARGS.aux0, aux0); ld(ROW_ARGS.aux1, aux1);
    c.get(cols).i32(-4).op('i32.and').set(nv);
    claimLoop(c, args, nth, rows, (lo, hi) => {
      c.for(r, () => c.get(lo), () => c.get(hi), 1, () => {
        c.get(r).get(cols).op('i32.mul').i32(4).op('i32.mul').tee(px).get(out).op('i32.add').set(po);
        c.get(px).get(x).op('i32.add').set(px);
        body(c, { x, out, cols, aux0, aux1, r, px, po, nv, j });
      });
    });
  });
}

/** for (j = from; j < to; j += step) over a row (byte offsets are j·4). */
function cols(c: Code, f: RowFrame, from: 'zero' | 'nv', to: 'nv' | 'cols', step: number, body: () => void): void {
  c.for(f.j, () => (from === 'zero' ? c.i32(0) : c.get(f.nv)), () => c.get(to === 'nv' ? f.nv : f.cols), step, body);
}
const at = (c: Code, base: Local, j: Local): Code => c.get(base).get(j).i32(4).op('i32.mul').op('i32.add');

/** mx = max over the row ignoring NaN (as the cpu's `x > mx`), −∞ for an empty or all-NaN row. */
function rowMax(c: Code, f: RowFrame, mx: Local, vm: Local, s: Local): void {
  c.f32x4(-Infinity).set(vm);
  cols(c, f, 'zero', 'nv', 4, () => { c.get(vm); at(c, f.px, f.j).mem('v128.load').v('f32x4.pmax').set(vm); });
  c.f32(-Infinity).set(mx);
  const take = (): void => { c.get(s).get(mx).get(s).get(mx).op('f32.gt').op('select').set(mx); };
  for (let l = 0; l < 4; l++) { c.get(vm).extractF32(l).set(s); take(); }
  cols(c, f, 'nv', 'cols', 1, () => { at(c, f.px, f.j).mem('f32.load').set(s); take(); });
}

/** sum = Σ exp(x − mx) over the row; with `store` the exps are written to the output row too. */
function rowExpSum(c: Code, f: RowFrame, mx: Local, sum: Local, store: boolean, L: { v: Local; vs: Local; vmx: Local; e: Local; s: Local; T: ExpTemps }): void {
  c.get(mx).v('f32x4.splat').set(L.vmx);
  c.f32x4(0).set(L.vs);
  cols(c, f, 'zero', 'nv', 4, () => {
    at(c, f.px, f.j).mem('v128.load').get(L.vmx).v('f32x4.sub').set(L.v);
    emitExp(c, L.v, L.v, L.T);
    if (store) { at(c, f.po, f.j).get(L.v).mem('v128.store'); }
    c.get(L.vs).get(L.v).v('f32x4.add').set(L.vs);
  });
  c.get(L.vs).extractF32(0).get(L.vs).extractF32(1).op('f32.add').get(L.vs).extractF32(2).get(L.vs).extractF32(3).op('f32.add')
    .op('f32.add').set(sum);
  cols(c, f, 'nv', 'cols', 1, () => {
    at(c, f.px, f.j).mem('f32.load').get(mx).op('f32.sub').set(L.s);
    emitExpScalar(c, L.s, L.e, L.v, L.T);
    if (store) { at(c, f.po, f.j).get(L.e).mem('f32.store'); }
    c.get(sum).get(L.e).op('f32.add').set(sum);
  });
}

function expLocals(c: Code): { v: Local; vs: Local; vmx: Local; e: Local; s: Local; T: ExpTemps } {
  return { v: c.local(V128), vs: c.local(V128), vmx: c.local(V128), e: c.local(F32), s: c.local(F32), T: expTemps(c) };
}

/** softmax rows: out = exp(x − max) / Σ; an all −∞ row gives zeros. */
export function softmaxJob(mod: ModuleBuilder): number {
  return rowJob(mod, 'softmax', (c, f) => {
    const mx = c.local(F32), sum = c.local(F32), vm = c.local(V128), L = expLocals(c);
    rowMax(c, f, mx, vm, L.s);
    c.get(mx).f32(-Infinity).op('f32.eq').if(() => {
      cols(c, f, 'zero', 'cols', 1, () => { at(c, f.po, f.j).f32(0).mem('f32.store'); });
    }, () => {
      rowExpSum(c, f, mx, sum, true, L);
      c.f32(1).get(sum).op('f32.div').tee(sum).v('f32x4.splat').set(vm);
      cols(c, f, 'zero', 'nv', 4, () => { at(c, f.po, f.j); at(c, f.po, f.j).mem('v128.load').get(vm).v('f32x4.mul').mem('v128.store'); });
      cols(c, f, 'nv', 'cols', 1, () => { at(c, f.po, f.j); at(c, f.po, f.j).mem('f32.load').get(sum).op('f32.mul').mem('f32.store'); });
    });
  });
}

/** Row statistics for logsumexp: aux0[r] = max (f32), aux1[r] = Σ exp(x − max) (f32). */
export function lseStatsJob(mod: ModuleBuilder): number {
  return rowJob(mod, 'lse_stats', (c, f) => {
    const mx = c.local(F32), sum = c.local(F32), vm = c.local(V128), L = expLocals(c);
    rowMax(c, f, mx, vm, L.s);
    c.f32(0).set(sum);
    c.get(mx).f32(-Infinity).op('f32.ne').if(() => rowExpSum(c, f, mx, sum, false, L));
    at(c, f.aux0, f.r).get(mx).mem('f32.store');
    at(c, f.aux1, f.r).get(sum).mem('f32.store');
  });
}

/** logSoftmax's last pass: out = x − aux0[r] (f32 lse), or −∞ everywhere when the row's lse is −∞. */
export function subRowJob(mod: ModuleBuilder): number {
  return rowJob(mod, 'sub_row', (c, f) => {
    const l = c.local(F32), vl = c.local(V128);
    at(c, f.aux0, f.r).mem('f32.load').tee(l).v('f32x4.splat').set(vl);
    c.get(l).f32(-Infinity).op('f32.eq').if(() => {
      cols(c, f, 'zero', 'cols', 1, () => { at(c, f.po, f.j).f32(-Infinity).mem('f32.store'); });
    }, () => {
      cols(c, f, 'zero', 'nv', 4, () => { at(c, f.po, f.j); at(c, f.px, f.j).mem('v128.load').get(vl).v('f32x4.sub').mem('v128.store'); });
      cols(c, f, 'nv', 'cols', 1, () => { at(c, f.po, f.j); at(c, f.px, f.j).mem('f32.load').get(l).op('f32.sub').mem('f32.store'); });
    });
  });
}

const HIGH_TO_LOW = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];

/** Sum of the four f32 lanes of v128 local `v`, promoted, added into the f64x2 accumulators (a, b). */
function addPromoted(c: Code, v: Local, a: Local, b: Local): void {
  c.get(a).get(v).v('f64x2.promote_low_f32x4').v('f64x2.add').set(a);
  c.get(b).get(v).get(v).shuffle(HIGH_TO_LOW).v('f64x2.promote_low_f32x4').v('f64x2.add').set(b);
}

/** Layer norm statistics in f64: aux0[r] = mean, aux1[r] = Σ (x − mean)² (f64 arrays). */
export function lnStatsJob(mod: ModuleBuilder): number {
  return rowJob(mod, 'ln_stats', (c, f) => {
    const v = c.local(V128), w = c.local(V128), a = c.local(V128), b = c.local(V128), vm = c.local(V128), s = c.local(F64), mean = c.local(F64), d = c.local(F64);
    const hsum = (): void => {
      c.get(a).get(b).v('f64x2.add').set(a);
      c.get(a).extractF64(0).get(a).extractF64(1).op('f64.add').set(s);
    };
    c.f32x4(0).tee(a).set(b);
    cols(c, f, 'zero', 'nv', 4, () => { at(c, f.px, f.j).mem('v128.load').set(v); addPromoted(c, v, a, b); });
    hsum();
    cols(c, f, 'nv', 'cols', 1, () => { c.get(s); at(c, f.px, f.j).mem('f32.load').op('f64.promote_f32').op('f64.add').set(s); });
    c.get(s).get(f.cols).op('f64.convert_i32_s').op('f64.div').tee(mean).v('f64x2.splat').set(vm);
    c.f32x4(0).tee(a).set(b);
    cols(c, f, 'zero', 'nv', 4, () => {
      at(c, f.px, f.j).mem('v128.load').set(v);
      c.get(v).v('f64x2.promote_low_f32x4').get(vm).v('f64x2.sub').set(w);
      c.get(a).get(w).get(w).v('f64x2.mul').v('f64x2.add').set(a);
      c.get(v).get(v).shuffle(HIGH_TO_LOW).v('f64x2.promote_low_f32x4').get(vm).v('f64x2.sub').set(w);
      c.get(b).get(w).get(w).v('f64x2.mul').v('f64x2.add').set(b);
    });
    hsum();
    cols(c, f, 'nv', 'cols', 1, () => {
      at(c, f.px, f.j).mem('f32.load').op('f64.promote_f32').get(mean).op('f64.sub').tee(d).get(d).op('f64.mul').get(s).op('f64.add').set(s);
    });
    c.get(f.aux0).get(f.r).i32(8).op('i32.mul').op('i32.add').get(mean).mem('f64.store');
    c.get(f.aux1).get(f.r).i32(8).op('i32.mul').op('i32.add').get(s).mem('f64.store');
  });
}

/** Layer norm output: out = f32((x − mean) · rstd) computed in f64 from aux0 = mean, aux1 = rstd (f64 arrays). */
export function lnNormJob(mod: ModuleBuilder): number {
  return rowJob(mod, 'ln_norm', (c, f) => {
    const v = c.local(V128), lo = c.local(V128), vm = c.local(V128), vr = c.local(V128), mean = c.local(F64), rs = c.local(F64);
    c.get(f.aux0).get(f.r).i32(8).op('i32.mul').op('i32.add').mem('f64.load').tee(mean).v('f64x2.splat').set(vm);
    c.get(f.aux1).get(f.r).i32(8).op('i32.mul').op('i32.add').mem('f64.load').tee(rs).v('f64x2.splat').set(vr);
    const half = (): void => { c.v('f64x2.promote_low_f32x4').get(vm).v('f64x2.sub').get(vr).v('f64x2.mul').v('f32x4.demote_f64x2_zero'); };
    cols(c, f, 'zero', 'nv', 4, () => {
      at(c, f.px, f.j).mem('v128.load').set(v);
      c.get(v); half(); c.set(lo);
      at(c, f.po, f.j);
      c.get(lo).get(v).get(v).shuffle(HIGH_TO_LOW); half();
      c.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]).mem('v128.store');
    });
    cols(c, f, 'nv', 'cols', 1, () => {
      at(c, f.po, f.j);
      at(c, f.px, f.j).mem('f32.load').op('f64.promote_f32').get(mean).op('f64.sub').get(rs).op('f64.mul').op('f32.demote_f64').mem('f32.store');
    });
  });
}
