// Input guards for the gpujs kernels: which calls gpu.js may take (float32 only, finite values, op domains)
// and the GLSL-safe integer division snippet the 1-D kernels use for index math.
import type { DType, TypedArray } from '../../dtype.js';

/** Smallest magnitude treated as "masked" (−Infinity) in the softmax family; real data stays above it. */
export const MASK_LIMIT = 3.4e38;

/** True when x is float32 data (gpu.js computes in float32; float64 and int32 go to the cpu kernels). */
export function isF32(x: TypedArray): x is Float32Array {
  return x instanceof Float32Array;
}

/** True when every input is float32 with a float32 output and there is work to do. */
export function f32Call(outDtype: DType, ...xs: TypedArray[]): boolean {
  if (outDtype !== 'float32') return false;
  for (const x of xs) if (!(x instanceof Float32Array) || x.length === 0) return false;
  return true;
}

/**
 * True when every element is finite. GPUs do not promise IEEE NaN/Infinity semantics (and gpu.js's GLSL has
 * no Infinity literal), so non-finite inputs go to the cpu kernel, which defines them.
 */
export function allFinite(x: Float32Array): boolean {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v - v !== 0) return false; // NaN and ±Infinity give NaN
  }
  return true;
}

/** True when every element satisfies `ok` (and is finite). */
export function allIn(x: Float32Array, ok: (v: number) => boolean): boolean {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v - v !== 0 || !ok(v)) return false;
  }
  return true;
}

/**
 * Scan softmax-family input: 'bad' if any NaN, +Infinity or finite value at or below −MASK_LIMIT (those go to
 * cpu); 'masked' if some entries are −Infinity (the kernels treat them as masked); else 'finite'.
 */
export function scanMasked(x: Float32Array): 'finite' | 'masked' | 'bad' {
  let masked = false;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v > -MASK_LIMIT && v < Infinity) continue;
    if (v === -Infinity) masked = true;
    else return 'bad';
  }
  return masked ? 'masked' : 'finite';
}

/**
 * Kernel source: `q = floor(num / den)` and `r = num − q·den` for non-negative integers held in floats.
 * Float division on GPUs is not correctly rounded (GLSL ES allows 2.5 ulp), so q can be off by one at exact
 * multiples; the remainder check repairs it (all products stay below 2^24, hence exact).
 */
export function divmod(q: string, r: string, num: string, den: string): string {
  return `let ${q} = Math.floor(${num} / ${den});
    let ${r} = ${num} - ${q} * ${den};
    if (${r} < 0) { ${q} = ${q} - 1; ${r} = ${r} + ${den}; }
    if (${r} >= ${den}) { ${q} = ${q} + 1; ${r} = ${r} - ${den}; }`;
}

/** Largest element count the float index math handles exactly (2^24, float32's integer range). */
export const MAX_INDEX = 1 << 24;
