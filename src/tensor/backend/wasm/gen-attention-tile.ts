// Building blocks of the fused attention jobs (./gen-attention.ts): the 4×8 register-tile micro-kernel
// C (+)= A·B (A read by rows as scalar splats with any row stride, B by 8-float rows of stride ldb), the tile
// product that sweeps it over a TR×TC score tile, and small emitters (addresses, horizontal sums, scalar exp,
// row zeroing and scaling) shared by the forward and backward jobs.
import { type Code, I32, type Local, type ModuleBuilder, V128 } from './encoder.js';
import { type ExpTemps, emitExp, expTemps } from './gen-rows.js';

/**
 * The micro-kernel: C[4×8] (=|+=) A[4 rows]·B over kc steps; B row p: 8 floats at pb + p·ldb; C row r at pc + r·ldc.
 * A(r, p) at pa + min(r, rows − 1)·lda + 4p, or with `trans` at pa + 4r + p·lda (A stored transposed: rows past
 * `rows` read the adjacent floats, which the caller discards).
 */
export function microKernel(mod: ModuleBuilder, trans: boolean): number {
  return mod.func(null, [I32, I32, I32, I32, I32, I32, I32, I32, I32], [], (c, [pa, lda, pb, ldb, pc, ldc, kc, accum, rows]) => {
    const acc = Array.from({ length: 4 }, () => c.locals(V128, 2));
    const [b0, b1, a] = c.locals(V128, 3);
    const ptr = c.locals(I32, 4);
    const [k, r] = c.locals(I32, 2);
    if (trans) c.get(pa).set(ptr[0]!);
    else {
      for (let i = 0; i < 4; i++) {
        c.i32(i).get(rows).i32(1).op('i32.sub').i32(i).get(rows).i32(1).op('i32.sub').op('i32.lt_s').op('select');
        c.get(lda).op('i32.mul').get(pa).op('i32.add').set(ptr[i]!);
      }
    }
    for (const row of acc) for (const x of row) c.i32x4(0).set(x);
    const step = (u: number): void => {
      c.get(pb).mem('v128.load', 0).set(b0);
      c.get(pb).mem('v128.load', 16).set(b1);
      c.get(pb).get(ldb).op('i32.add').set(pb);
      for (let i = 0; i < 4; i++) {
        if (trans) c.get(ptr[0]!).mem('v128.load32_splat', i * 4).set(a);
        else c.get(ptr[i]!).mem('v128.load32_splat', u * 4).set(a);
        c.get(acc[i]![0]!).get(a).get(b0).v('f32x4.mul').v('f32x4.add').set(acc[i]![0]!);
        c.get(acc[i]![1]!).get(a).get(b1).v('f32x4.mul').v('f32x4.add').set(acc[i]![1]!);
      }
      if (trans) c.get(ptr[0]!).get(lda).op('i32.add').set(ptr[0]!);
    };
    c.i32(0).set(k);
    c.block((done) => c.loop((top) => {
      c.get(k).i32(4).op('i32.add').get(kc).op('i32.gt_s').brIf(done);
      for (let u = 0; u < 4; u++) step(u);
      if (!trans) for (const p of ptr) c.inc(p, 16);
      c.inc(k, 4).br(top);
    }));
    c.block((done) => c.loop((top) => {
      c.get(k).get(kc).op('i32.ge_s').brIf(done);
      step(0);
      if (!trans) for (const p of ptr) c.inc(p, 4);
      c.inc(k, 1).br(top);
    }));
    const store = (add: boolean): void => {
      c.get(pc).set(r);
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 2; j++) {
          c.get(r);
          if (add) c.get(r).mem('v128.load', 16 * j).get(acc[i]![j]!).v('f32x4.add');
          else c.get(acc[i]![j]!);
          c.mem('v128.store', 16 * j);
        }
        if (i < 3) c.get(r).get(ldc).op('i32.add').set(r);
      }
    };
    c.get(accum).if(() => store(true), () => store(false));
  });
}

/**
 * The tile product: C[rows × cols] (=|+=) A[rows × kc]·B[kc × cols] by 4×8 micro-tiles (cols a multiple of 8;
 * C is written in whole 4-row groups). B's next 8 columns start pbStep bytes further. `trans`: A is stored
 * transposed (A(r, p) at pa + 4r + p·lda; see microKernel).
 */
export function tileFunc(mod: ModuleBuilder, trans: boolean): number {
  const mk = microKernel(mod, trans);
  return mod.func(null, [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32], [],
    (c, [pa, lda, pb, ldb, pbStep, pc, ldc, kc, accum, rows, cols]) => {
      const [ir, jc, a, b, cp] = c.locals(I32, 5);
      c.for(ir, () => c.i32(0), () => c.get(rows), 4, () => {
        c.get(pa).get(ir);
        if (trans) c.i32(4); else c.get(lda);
        c.op('i32.mul').op('i32.add').set(a);
        c.get(pc).get(ir).get(ldc).op('i32.mul').op('i32.add').set(cp);
        c.get(pb).set(b);
        c.for(jc, () => c.i32(0), () => c.get(cols), 8, () => {
          c.get(a).get(lda).get(b).get(ldb).get(cp).get(ldc).get(kc).get(accum).get(rows).get(ir).op('i32.sub').call(mk);
          c.get(b).get(pbStep).op('i32.add').set(b);
          c.inc(cp, 32);
        });
      });
    });
}

/** Emitters shared by the jobs. */
export class Emit {
  readonly T: ExpTemps;
  constructor(readonly c: Code) { this.T = expTemps(c); }
  /** Push base + idx·bytes for local `idx` and a constant `bytes`. */
  addr(base: Local, idx: Local, bytes: number): void {
    this.c.get(base).get(idx).i32(bytes).op('i32.mul').op('i32.add');
  }
  /** Push base + idx·width·4 (row idx of a float matrix of `width` columns). */
  rowPtr(base: Local, idx: Local, width: Local): void {
    this.c.get(base).get(idx).get(width).op('i32.mul').i32(4).op('i32.mul').op('i32.add');
  }
  /** Horizontal sum of the four lanes of v. */
  hsum(v: Local): void {
    const c = this.c;
    c.get(v).extractF32(0).get(v).extractF32(1).op('f32.add').get(v).extractF32(2).get(v).extractF32(3).op('f32.add').op('f32.add');
  }
  /** Scalar exp of the f32 on the stack (via lane 0 of the vector exp), using vector local `v`. */
  expScalar(v: Local): void {
    const c = this.c;
    c.v('f32x4.splat').set(v);
    emitExp(c, v, v, this.T);
    c.get(v).extractF32(0);
  }
  /** Zero `n` floats (n on the stack as a local, a multiple of 4) at p. */
  zero(p: Local, n: Local, i: Local): void {
    const c = this.c;
    c.for(i, () => c.i32(0), () => c.get(n), 4, () => { this.addr(p, i, 4); c.f32x4(0).mem('v128.store'); });
  }
  /** dst[0..n) = src[0..n) · s (vector; n a multiple of 4). */
  scaleRow(dst: Local, src: Local, n: Local, s: Local, i: Local): void {
    const c = this.c;
    c.for(i, () => c.i32(0), () => c.get(n), 4, () => {
      this.addr(dst, i, 4); this.addr(src, i, 4); c.mem('v128.load').get(s).v('f32x4.mul').mem('v128.store');
    });
  }
}

/** Load argument words into locals. */
export function loadArgs(c: Code, args: Local, words: readonly number[], locals: readonly Local[]): void {
  words.forEach((w, i) => { c.get(args).mem('i32.load', w * 4).set(locals[i]!); });
}
