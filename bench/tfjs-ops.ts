// The "tuned" TensorFlow.js building blocks of compare mode (bench-workloads.md §4: rank-2 untransposed
// matmuls and custom gradients). tfjs-wasm runs rank-2, untransposed matmuls through its fast GEMM, while
// batched (rank-3) and transposed-operand matmuls take a path 3–10× slower here, and tfjs's own matMul gradient
// uses transposed operands. So: explicit tf.transpose then a plain rank-2 matMul, batches and heads as a loop of
// rank-2 products, and custom gradients that do the same.
import type * as TF from '@tensorflow/tfjs';

type Tf = typeof TF;
type T2 = TF.Tensor2D;

/** The tuned ops bound to one tfjs instance. */
export interface TunedOps {
  /** a·b with gradients for both (dA = dC·bᵀ, dB = aᵀ·dC, explicit transposes). */
  mm(a: T2, b: T2): T2;
  /** x·w where x is data (no gradient): only dW = xᵀ·dC is computed. */
  xw(x: T2, w: T2): T2;
  /** a·bᵀ with gradients (dA = dC·b, dB = dCᵀ·a). */
  mmT(a: T2, b: T2): T2;
  /** softmax(β · q kᵀ) v for rank-2 q [L,dh], k [M,dh], v [M,dv] (differentiable through mm / mmT). */
  attend(q: T2, k: T2, v: T2, beta: number): T2;
}

export function tunedOps(tf: Tf): TunedOps {
  const T = (a: T2): T2 => tf.transpose(a);
  type Save = (ts: TF.Tensor[]) => void;
  type Grad = Parameters<Tf['customGrad']>[0];
  const mmGrad = tf.customGrad(((a: T2, b: T2, save: Save) => {
    save([a, b]);
    return { value: tf.matMul(a, b), gradFunc: (dy: T2, [sa, sb]: T2[]) => [tf.matMul(dy, T(sb!)), tf.matMul(T(sa!), dy)] };
  }) as unknown as Grad);
  const mmTGrad = tf.customGrad(((a: T2, b: T2, save: Save) => {
    save([a, b]);
    return { value: tf.matMul(a, T(b)), gradFunc: (dy: T2, [sa, sb]: T2[]) => [tf.matMul(dy, sb!), tf.matMul(T(dy), sa!)] };
  }) as unknown as Grad);
  const ops: TunedOps = {
    mm: (a, b) => (mmGrad as unknown as (a: T2, b: T2) => T2)(a, b),
    mmT: (a, b) => (mmTGrad as unknown as (a: T2, b: T2) => T2)(a, b),
    xw(x, w) {
      const f = tf.customGrad(((wt: T2, save: Save) => {
        save([wt]);
        return { value: tf.matMul(x, wt), gradFunc: (dy: T2) => [tf.matMul(T(x), dy)] };
      }) as unknown as Grad);
      return (f as unknown as (w: T2) => T2)(w);
    },
    attend: (q, k, v, beta) => ops.mm(tf.softmax(ops.mmT(q.mul(beta), k)), v),
  };
  return ops;
}
