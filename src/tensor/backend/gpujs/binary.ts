// gpu.js broadcasting binary kernels: same-shape, scalar-operand and general strided (rank ≤ 4 after
// coalescing) variants, one kernel per (op, variant); pow and non-float32 or non-finite inputs use the cpu.
import type { DType, TypedArray } from '../../dtype.js';
import type { BinaryOp } from '../backend.js';
import { cpuBackend } from '../cpu/index.js';
import { MAX_INDEX, allFinite, allIn, divmod, f32Call } from './guards.js';
import { type KernelArg, noteFallback, runKernel, worthIt } from './runtime.js';

/** Kernel expressions in x (from a) and y (from b). */
const EXPR: Partial<Record<BinaryOp, string>> = {
  add: 'x + y', sub: 'x - y', mul: 'x * y', div: 'x / y',
  maximum: 'Math.max(x, y)', minimum: 'Math.min(x, y)',
  eq: '(x == y ? 1 : 0)', ne: '(x != y ? 1 : 0)', lt: '(x < y ? 1 : 0)',
  le: '(x <= y ? 1 : 0)', gt: '(x > y ? 1 : 0)', ge: '(x >= y ? 1 : 0)',
};

/** The binary ops the gpujs backend compiles (pow stays on the cpu: GLSL pow is undefined for x < 0). */
export const GPUJS_BINARY_OPS: readonly BinaryOp[] = Object.keys(EXPR) as BinaryOp[];

const MAX_RANK = 4;

/** Drop size-1 axes and merge axes both operands traverse contiguously; null when more than MAX_RANK remain. */
function coalesce(shape: readonly number[], as: readonly number[], bs: readonly number[]):
  { shape: number[]; as: number[]; bs: number[] } | null {
  const s: number[] = [], sa: number[] = [], sb: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d === 1) continue;
    const last = s.length - 1;
    if (last >= 0 && sa[last] === as[i]! * d && sb[last] === bs[i]! * d) {
      s[last]! *= d;
      sa[last] = as[i]!;
      sb[last] = bs[i]!;
    } else {
      s.push(d); sa.push(as[i]!); sb.push(bs[i]!);
    }
  }
  if (s.length > MAX_RANK) return null;
  while (s.length < MAX_RANK) { s.unshift(1); sa.unshift(0); sb.unshift(0); }
  return { shape: s, as: sa, bs: sb };
}

const sameSource = (e: string): string => `function (a, b) {
    const x = a[this.thread.x];
    const y = b[this.thread.x];
    return ${e};
  }`;
const scalarBSource = (e: string): string => `function (a, y) {
    const x = a[this.thread.x];
    return ${e};
  }`;
const scalarASource = (e: string): string => `function (x, b) {
    const y = b[this.thread.x];
    return ${e};
  }`;
const stridedSource = (e: string): string => `function (a, b, d1, d2, d3, as0, as1, as2, as3, bs0, bs1, bs2, bs3) {
    const t = this.thread.x;
    ${divmod('r1', 'i3', 't', 'd3')}
    ${divmod('r2', 'i2', 'r1', 'd2')}
    ${divmod('i0', 'i1', 'r2', 'd1')}
    const x = a[i0 * as0 + i1 * as1 + i2 * as2 + i3 * as3];
    const y = b[i0 * bs0 + i1 * bs1 + i2 * bs2 + i3 * bs3];
    return ${e};
  }`;

/** Choose the kernel variant and its arguments for a broadcast; null when no variant applies. */
function plan(a: Float32Array, as: readonly number[], b: Float32Array, bs: readonly number[], shape: readonly number[], n: number):
  { variant: string; source: (e: string) => string; args: KernelArg[] } | null {
  const c = coalesce(shape, as, bs);
  if (!c) return null;
  const [, d1, d2, d3] = c.shape as [number, number, number, number];
  const full = (s: number[]): boolean => {
    let acc = 1;
    for (let i = MAX_RANK - 1; i >= 0; i--) {
      if (c.shape[i] !== 1 && s[i] !== acc) return false;
      acc *= c.shape[i]!;
    }
    return true;
  };
  const zero = (s: number[]): boolean => s.every((v) => v === 0);
  if (full(c.as) && full(c.bs) && a.length === n && b.length === n) return { variant: 'same', source: sameSource, args: [a, b] };
  if (full(c.as) && a.length === n && zero(c.bs) && b.length === 1) return { variant: 'scalarB', source: scalarBSource, args: [a, b[0]!] };
  if (zero(c.as) && a.length === 1 && full(c.bs) && b.length === n) return { variant: 'scalarA', source: scalarASource, args: [a[0]!, b] };
  return { variant: 'strided', source: stridedSource, args: [a, b, d1, d2, d3, ...c.as, ...c.bs] };
}

/** Broadcasting binary op on gpu.js for finite float32 operands (b ≠ 0 for div); otherwise the cpu kernel. */
export function binary(
  op: BinaryOp, a: TypedArray, aStrides: readonly number[], b: TypedArray, bStrides: readonly number[],
  outShape: readonly number[], outDtype: DType,
): TypedArray {
  let n = 1;
  for (const d of outShape) n *= d;
  const e = EXPR[op];
  if (e && n > 0 && worthIt(n) && n < MAX_INDEX && f32Call(outDtype, a, b) && a.length < MAX_INDEX && b.length < MAX_INDEX &&
    allFinite(a as Float32Array) && (op === 'div' ? allIn(b as Float32Array, (v) => v !== 0) : allFinite(b as Float32Array))) {
    const p = plan(a as Float32Array, aStrides, b as Float32Array, bStrides, outShape, n);
    if (p) {
      const out = runKernel('binary', `binary:${op}:${p.variant}`, () => p.source(e), n, p.args);
      if (out) return out;
    }
  }
  noteFallback('binary');
  return cpuBackend.binary(op, a, aStrides, b, bStrides, outShape, outDtype);
}
