// The elementwise kernels of the wasm module: unary functions over whole vectors (the driver pads arrays to a
// multiple of 4) and binary add/sub/mul/div and the comparisons (1/0) over a [rows, cols] view where each operand is either a full row
// (vector loads) or one value per row (splat) with any row stride (0 = broadcast), which covers same-shape,
// scalar, row-vector and column-vector broadcasting. Threads claim chunks of vectors / rows.
import { type Code, I32, type Local, type ModuleBuilder, V128 } from './encoder.js';
import { ARGS_WORDS, claimLoop } from './gen-common.js';
import { emitExp, expTemps } from './gen-rows.js';

/** The unary ops the wasm backend computes, in op-id order. */
export const WASM_UNARY_OPS = ['neg', 'abs', 'square', 'sqrt', 'reciprocal', 'relu', 'leakyRelu', 'exp', 'sigmoid'] as const;
/** The binary ops the wasm backend computes, in op-id order. */
export const WASM_BINARY_OPS = ['add', 'sub', 'mul', 'div', 'gt', 'lt', 'ge', 'le', 'eq', 'ne'] as const;

/** Word offsets of the unary job's argument block (`param` is an f32). */
export const UNARY_ARGS = { op: 0, x: 1, out: 2, vectors: 3, param: 4, size: ARGS_WORDS } as const;
/** Word offsets of the binary job's argument block (strides in elements). */
export const BINARY_ARGS = { op: 0, a: 1, aStride: 2, aVec: 3, b: 4, bStride: 5, bVec: 6, out: 7, rows: 8, cols: 9, size: ARGS_WORDS } as const;

/** The unary job: out = f(x) over whole vectors, f chosen by op id (WASM_UNARY_OPS order). */
export function unaryJob(mod: ModuleBuilder): number {
  return mod.func('unary', [I32, I32, I32], [], (c, [args, , nth]) => {
    const [op, x, out, total, i] = c.locals(I32, 5);
    const v = c.local(V128), e = c.local(V128), pv = c.local(V128), T = expTemps(c);
    c.get(args).mem('i32.load', UNARY_ARGS.op * 4).set(op);
    c.get(args).mem('i32.load', UNARY_ARGS.x * 4).set(x);
    c.get(args).mem('i32.load', UNARY_ARGS.out * 4).set(out);
    c.get(args).mem('i32.load', UNARY_ARGS.vectors * 4).set(total);
    c.get(args).mem('v128.load32_splat', UNARY_ARGS.param * 4).set(pv);
    // per-op body: v holds the input vector; leaves the result on the stack
    const bodies: Record<(typeof WASM_UNARY_OPS)[number], () => void> = {
      neg: () => { c.get(v).v('f32x4.neg'); },
      abs: () => { c.get(v).v('f32x4.abs'); },
      square: () => { c.get(v).get(v).v('f32x4.mul'); },
      sqrt: () => { c.get(v).v('f32x4.sqrt'); },
      reciprocal: () => { c.f32x4(1).get(v).v('f32x4.div'); },
      relu: () => { c.f32x4(0).get(v).v('f32x4.pmax'); }, // 0 < x ? x : 0 (NaN → 0, as the cpu)
      leakyRelu: () => { c.get(v).get(v).get(pv).v('f32x4.mul').get(v).f32x4(0).v('f32x4.gt').v('v128.bitselect'); },
      exp: () => { emitExp(c, v, e, T); c.get(e); },
      sigmoid: () => {
        // e = exp(−|x|); x ≥ 0: 1/(1+e), else e/(1+e) (no overflow on either side)
        c.get(v).v('f32x4.abs').v('f32x4.neg').set(e);
        emitExp(c, e, e, T);
        c.f32x4(1).f32x4(1).get(e).v('f32x4.add').v('f32x4.div').set(pv);
        c.get(pv).get(e).get(pv).v('f32x4.mul').get(v).f32x4(0).v('f32x4.ge').v('v128.bitselect');
      },
    };
    WASM_UNARY_OPS.forEach((name, id) => {
      c.get(op).i32(id).op('i32.eq').if(() => {
        claimLoop(c, args, nth, total, (lo, hi) => {
          c.for(i, () => c.get(lo), () => c.get(hi), 1, () => {
            c.get(i).i32(16).op('i32.mul').get(out).op('i32.add');
            c.get(i).i32(16).op('i32.mul').get(x).op('i32.add').mem('v128.load').set(v);
            bodies[name]();
            c.mem('v128.store');
          });
        });
      });
    });
  });
}

/** The binary job: out[r, :] = a-row op b-row over a [rows, cols] view (see the header). */
export function binaryJob(mod: ModuleBuilder): number {
  return mod.func('binary', [I32, I32, I32], [], (c, [args, , nth]) => {
    const B = BINARY_ARGS;
    const [op, a, aStride, aVec, b, bStride, bVec, out, rows, cols] = c.locals(I32, 10);
    const [r, pa, pb, po, j, nv] = c.locals(I32, 6);
    const s = c.local(V128);
    const ld = (w: number, l: Local): void => { c.get(args).mem('i32.load', w * 4).set(l); };
    ld(B.op, op); ld(B.a, a); ld(B.aStride, aStride); ld(B.aVec, aVec); ld(B.b, b); ld(B.bStride, bStride);
    ld(B.bVec, bVec); ld(B.out, out); ld(B.rows, rows); ld(B.cols, cols);
    c.get(cols).i32(-4).op('i32.and').set(nv);
    const byteAt = (base: Local): void => { c.get(base).get(j).i32(4).op('i32.mul').op('i32.add'); };
    const vecOps = { add: 'f32x4.add', sub: 'f32x4.sub', mul: 'f32x4.mul', div: 'f32x4.div', gt: 'f32x4.gt', lt: 'f32x4.lt',
      ge: 'f32x4.ge', le: 'f32x4.le', eq: 'f32x4.eq', ne: 'f32x4.ne' } as const;
    const scalarOps = { add: 'f32.add', sub: 'f32.sub', mul: 'f32.mul', div: 'f32.div', gt: 'f32.gt', lt: 'f32.lt',
      ge: 'f32.ge', le: 'f32.le', eq: 'f32.eq', ne: 'f32.ne' } as const;
    const compares = (name: string): boolean => !['add', 'sub', 'mul', 'div'].includes(name);
    WASM_BINARY_OPS.forEach((name, id) => {
      c.get(op).i32(id).op('i32.eq').if(() => {
        claimLoop(c, args, nth, rows, (lo, hi) => c.for(r, () => c.get(lo), () => c.get(hi), 1, () => {
          c.get(a).get(r).get(aStride).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(pa);
          c.get(b).get(r).get(bStride).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(pb);
          c.get(out).get(r).get(cols).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(po);
          const vloop = (left: () => void, right: () => void): void => {
            c.for(j, () => c.i32(0), () => c.get(nv), 4, () => {
              byteAt(po); left(); right(); c.v(vecOps[name]);
              if (compares(name)) c.f32x4(1).v('v128.and'); // lane mask (all ones / zeros) → 1.0 / 0.0, as the cpu
              c.mem('v128.store');
            });
          };
          c.get(aVec).get(bVec).op('i32.and').if(() => {
            vloop(() => { byteAt(pa); c.mem('v128.load'); }, () => { byteAt(pb); c.mem('v128.load'); });
          }, () => {
            c.get(aVec).if(() => {
              c.get(pb).mem('v128.load32_splat').set(s);
              vloop(() => { byteAt(pa); c.mem('v128.load'); }, () => { c.get(s); });
            }, () => {
              c.get(pa).mem('v128.load32_splat').set(s);
              vloop(() => { c.get(s); }, () => { byteAt(pb); c.mem('v128.load'); });
            });
          });
          // tail: scalar; a full operand is read at j, a per-row one at 0 (address + j·4·vec)
          c.for(j, () => c.get(nv), () => c.get(cols), 1, () => {
            byteAt(po);
            c.get(pa).get(j).i32(4).op('i32.mul').get(aVec).op('i32.mul').op('i32.add').mem('f32.load');
            c.get(pb).get(j).i32(4).op('i32.mul').get(bVec).op('i32.mul').op('i32.add').mem('f32.load');
            c.op(scalarOps[name]);
            if (compares(name)) c.op('f32.convert_i32_s'); // i32 1/0 → 1.0 / 0.0
            c.mem('f32.store');
          });
        }));
      });
    });
  });
}
