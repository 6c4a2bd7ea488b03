// Workload W4 of bench-workloads.md §3 (MIL training step, MNIST-bags-like) written against hopgrad's public API
// as a user writes it: 13 parameter tensors (plain tensors requiring grad, initialised from bench/data.ts),
// relu(x W_emb + b_emb) → LayerNorm → one learned query, 4 heads × 64 of softmax over each bag's 50 instances
// via hopfield.retrieve → LayerNorm(z Wo) → logit → BCEWithLogits (mean), optimizer optim.AdamW (torch defaults
// with lr 1e-3, weight decay 0.01). `step()` = zeroGrad, forward, loss, backward, AdamW update, loss read back.
// Check value: the first step's loss (loss0 ≈ 0.804239). Also imported by the memory benchmark.
import { type Tensor, hopfield, layerNorm, nn, ones, optim, tensor, tidy, zeros } from '../src/index.js';
import { normal, weight } from './data.js';

/** W4's sizes: 32 bags × 50 instances × 784 features, hidden 256, 4 heads of 64, β = 1/8. */
export const W4 = { bags: 32, instances: 50, features: 784, hidden: 256, heads: 4, headDim: 64, beta: 1 / 8 } as const;

/** W4's reference check value: the loss of the initial parameters. */
export const W4_LOSS0 = 0.804239;

/** Matmul FLOPs of one W4 step (§2: fwd + bwd; embedding bwd 1× since the input needs no grad, all others 2×). */
export function w4Flops(): number {
  const { bags: B, instances: N, features: F, hidden: Hd, heads, headDim } = W4;
  const emb = 2 * B * N * F * Hd;
  const others = 2 * 1 * Hd * Hd // q = query Wq
    + 2 * (2 * B * N * Hd * Hd) // k, v
    + 2 * (2 * B * heads * 1 * N * headDim) // scores, a·v
    + 2 * B * Hd * Hd // Wo
    + 2 * B * Hd * 1; // W_cls
  return emb * 2 + others * 3;
}

/** The 13 parameters of W4's model, in the doc's order. */
export interface W4Params {
  wEmb: Tensor; bEmb: Tensor; ln1Gain: Tensor; ln1Shift: Tensor;
  query: Tensor; wq: Tensor; wk: Tensor; wv: Tensor; wo: Tensor;
  ln2Gain: Tensor; ln2Shift: Tensor; wCls: Tensor; bCls: Tensor;
}

/** A built W4 model: its data, parameters, optimizer and the timed step. */
export interface W4Model {
  x: Tensor;
  y: Tensor;
  params: W4Params;
  /** The parameters as a list (13 tensors). */
  paramList: Tensor[];
  optimizer: optim.AdamW;
  /** The forward pass to the loss scalar (records the tape when gradients are enabled). */
  forward(): Tensor;
  /** One full training step: zeroGrad, forward, loss, backward, AdamW update; returns the loss (read back). */
  step(): number;
  /** The same step inside tidy(), gradients zero-filled in place: a warm step reuses pooled buffers. */
  tidyStep(): number;
}

function param(data: Float32Array, shape: number[]): Tensor {
  return tensor(data, { dtype: 'float32', shape, requiresGrad: true });
}

/** Build W4's model with the doc's seeds (x = normal(401), W_emb 411, query 412, Wq..Wo 413..416, W_cls 417). */
export function buildW4Model(): W4Model {
  const { bags: B, instances: N, features: F, hidden: Hd, heads, headDim, beta } = W4;
  const x = tensor(normal(401, [B, N, F]), { dtype: 'float32', shape: [B, N, F] });
  const y = tensor(Float32Array.from({ length: B }, (_, b) => b % 2), { dtype: 'float32', shape: [B, 1] });
  const g = { dtype: 'float32', requiresGrad: true } as const;
  const params: W4Params = {
    wEmb: param(weight(411, F, Hd), [F, Hd]),
    bEmb: zeros([Hd], g),
    ln1Gain: ones([Hd], g),
    ln1Shift: zeros([Hd], g),
    query: param(normal(412, [1, Hd]), [1, Hd]),
    wq: param(weight(413, Hd, Hd), [Hd, Hd]),
    wk: param(weight(414, Hd, Hd), [Hd, Hd]),
    wv: param(weight(415, Hd, Hd), [Hd, Hd]),
    wo: param(weight(416, Hd, Hd), [Hd, Hd]),
    ln2Gain: ones([Hd], g),
    ln2Shift: zeros([Hd], g),
    wCls: param(weight(417, Hd, 1), [Hd, 1]),
    bCls: zeros([1], g),
  };
  const p = params;
  const paramList = [p.wEmb, p.bEmb, p.ln1Gain, p.ln1Shift, p.query, p.wq, p.wk, p.wv, p.wo, p.ln2Gain, p.ln2Shift, p.wCls, p.bCls];
  const optimizer = new optim.AdamW(paramList, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });
  const xFlat = x.reshape([B * N, F]);
  // [rows, heads·headDim] → [B, heads, N, headDim]: heads as a batch axis
  const split = (t: Tensor, n: number): Tensor => t.reshape([B, n, heads, headDim]).transpose(1, 2);
  const forward = (): Tensor => {
    let h = xFlat.matmul(p.wEmb).add(p.bEmb).relu();
    h = layerNorm(h, Hd, p.ln1Gain, p.ln1Shift, 1e-5);
    const q = p.query.matmul(p.wq).reshape([1, heads, 1, headDim]); // one learned query, broadcast over bags
    const k = split(h.matmul(p.wk), N);
    const v = split(h.matmul(p.wv), N);
    const a = hopfield.retrieve(q, k, { values: v, beta }); // softmax over each bag's instances, per head: [B, heads, 1, 64]
    const z = a.reshape([B, Hd]); // concat heads (head-major along features)
    const o = layerNorm(z.matmul(p.wo), Hd, p.ln2Gain, p.ln2Shift, 1e-5);
    const logit = o.matmul(p.wCls).add(p.bCls);
    return nn.bceWithLogits(logit, y);
  };
  const step = (): number => {
    optimizer.zeroGrad();
    const loss = forward();
    loss.backward();
    optimizer.step();
    return loss.item();
  };
  const tidyStep = (): number => tidy(() => {
    optimizer.zeroGrad({ setToNone: false });
    const loss = forward();
    loss.backward();
    optimizer.step();
    return loss.item();
  });
  return { x, y, params, paramList, optimizer, forward, step, tidyStep };
}
