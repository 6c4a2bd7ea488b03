// The computations W1/W2 as a backend runs them, behind one small interface so the timing code is shared.
// `api` = hopgrad's public tensor API (what users run; preferred); `kernels` = the backend kernels directly
// (fallback while the public ops are missing, and a way to see the ops' own overhead).
import type { TypedArray } from '../src/tensor/dtype.js';

/** A prepared call: inputs are already placed; each call returns the output as a host typed array. */
export type PreparedCall = () => TypedArray;

export interface Impl {
  readonly kind: 'api' | 'kernels';
  readonly backend: string;
  /** C = A·B for (n×n) inputs. */
  gemm(a: Float32Array, b: Float32Array, n: number): PreparedCall;
  /** out = softmax(β · X Ξᵀ) Ξ per batch element; X: [B,L,d], Ξ: [B,M,d]. */
  retrieval(x: Float32Array, xi: Float32Array, B: number, L: number, M: number, d: number, beta: number): PreparedCall;
}
