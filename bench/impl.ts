// The computations W1–W5 as one framework configuration runs them, behind one small interface so the timing
// code is shared. `api` = hopgrad's public tensor API (what users run; preferred); `kernels` = the backend
// kernels directly (W1/W2 only: a way to see the ops' own overhead); `tfjs` = TensorFlow.js (compare mode).
import type { TypedArray } from '../src/tensor/dtype.js';

/** What one call hands back, in host memory: one typed array, or several (W3 fwd+bwd: loss and 4 gradients). */
export type CallOutput = TypedArray | readonly TypedArray[];

/** A prepared call: inputs are already placed; each call returns its outputs as host typed arrays. */
export type PreparedCall = () => CallOutput;

/** W3's inputs (bench-workloads.md §3): R [B,L,D], Y [B,M,D], Wq, Wk, Wv, Wo [D,D]; H heads, β. */
export interface W3Inputs {
  r: Float32Array; y: Float32Array;
  wq: Float32Array; wk: Float32Array; wv: Float32Array; wo: Float32Array;
  B: number; L: number; M: number; D: number; H: number; beta: number;
}

/** W5's sparse association: top-k per query, or the band |i − j| ≤ w. */
export type W5Spec = { kind: 'topk'; k: number } | { kind: 'window'; w: number };

export interface Impl {
  readonly kind: 'api' | 'kernels' | 'tfjs';
  readonly backend: string;
  /** C = A·B for (n×n) inputs. */
  gemm(a: Float32Array, b: Float32Array, n: number): PreparedCall;
  /** out = softmax(β · X Ξᵀ) Ξ per batch element; X: [B,L,d], Ξ: [B,M,d]. */
  retrieval(x: Float32Array, xi: Float32Array, B: number, L: number, M: number, d: number, beta: number): PreparedCall;
  /** W3: fwd returns [loss]; fwd+bwd returns [loss, dWq, dWk, dWv, dWo]. */
  hopfieldLayer?(inp: W3Inputs, backward: boolean): PreparedCall;
  /** W4: one training step (state evolves across calls); returns [loss]. */
  milStep?(): PreparedCall;
  /** W5: sparse retrieval out [L,d] of X [L,d], Ξ [M,d] (B = 1). */
  sparseRetrieval?(x: Float32Array, xi: Float32Array, L: number, M: number, d: number, beta: number, spec: W5Spec): PreparedCall;
}
