// Loss functions (torch.nn.functional's): regression losses (mse, l1, huber, smoothL1) and binary
// cross-entropy on probabilities or logits here; crossEntropy and nllLoss live in ./cross-entropy.ts.
// Every loss validates shapes and dtypes up front and takes reduction 'mean' (default) | 'sum' | 'none'.
import type { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import { broadcastShapes, fmt, shapeEq } from '../tensor/shape.js';
import {
  abs, add, clamp, div, gt, log, lt, mul, neg, softplus, square, sub, where,
} from '../autograd/ops/index.js';
import { type LossOptions, checkReduction, floatTensor, positiveOption, reduceLoss } from './reduction.js';

export { crossEntropy, nllLoss } from './cross-entropy.js';
export type { CrossEntropyOptions, NllLossOptions } from './cross-entropy.js';

export type { Reduction, LossOptions } from './reduction.js';

/** Input and target: float tensors of the same shape (no silent broadcasting, a common source of bugs). */
function pairOf(input: unknown, target: unknown, where: string, what = 'input'): [Tensor, Tensor] {
  const x = floatTensor(input, where, what);
  const y = floatTensor(target, where, 'target');
  check(shapeEq(x.shape, y.shape), where,
    () => `${what} shape ${fmt(x.shape)} and target shape ${fmt(y.shape)} differ (they must match exactly; reshape the target)`);
  return [x, y];
}

/** @internal an optional weight tensor that must broadcast to `shape`. */
export function checkBroadcastWeight(w: unknown, shape: readonly number[], where: string, name: string): Tensor | undefined {
  if (w === undefined || w === null) return undefined;
  const t = floatTensor(w, where, name);
  const b = broadcastShapes(t.shape, shape, `${where}: ${name}`);
  check(shapeEq(b, shape), where, () => `${name} of shape ${fmt(t.shape)} must broadcast to the input's shape ${fmt(shape)}`);
  return t;
}

/** Mean squared error: (input − target)². */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const where = 'mseLoss';
  const r = checkReduction(opts, where);
  const [x, y] = pairOf(input, target, where);
  return reduceLoss(square(sub(x, y)), r, where);
}

/** Mean absolute error: |input − target|. */
export function l1Loss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const where = 'l1Loss';
  const r = checkReduction(opts, where);
  const [x, y] = pairOf(input, target, where);
  return reduceLoss(abs(sub(x, y)), r, where);
}

/** Options of `huberLoss`. */
export interface HuberOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1, must be > 0). */
  delta?: number;
}

/** Huber loss: ½d² for |d| < δ, else δ(|d| − ½δ), with d = input − target. */
export function huberLoss(input: Tensor, target: Tensor, opts: HuberOptions = {}): Tensor {
  const where = 'huberLoss';
  const r = checkReduction(opts, where);
  const delta = positiveOption(opts.delta, 1, 'delta', where);
  const [x, y] = pairOf(input, target, where);
  return reduceLoss(huber(sub(x, y), delta), r, where);
}

/** Options of `smoothL1Loss`. */
export interface SmoothL1Options extends LossOptions {
  /** Width of the quadratic zone (default 1, must be > 0). */
  beta?: number;
}

/** Smooth L1 loss: ½d²/β for |d| < β, else |d| − ½β (Huber divided by β). */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: SmoothL1Options = {}): Tensor {
  const where = 'smoothL1Loss';
  const r = checkReduction(opts, where);
  const beta = positiveOption(opts.beta, 1, 'beta', where);
  const [x, y] = pairOf(input, target, where);
  return reduceLoss(div(huber(sub(x, y), beta), beta), r, where);
}

function huber(d: Tensor, delta: number): Tensor {
  const a = abs(d);
  return where(lt(a, delta), mul(square(d), 0.5), mul(sub(a, 0.5 * delta), delta));
}

/** Options of `binaryCrossEntropy`. */
export interface BCEOptions extends LossOptions {
  /** Per-element rescaling, broadcast to the input's shape (not differentiated). */
  weight?: Tensor;
}

/** Options of `bceWithLogits`. */
export interface BCEWithLogitsOptions extends BCEOptions {
  /** Weight of the positive term, broadcast to the input's shape (one per class on the last axis, typically). */
  posWeight?: Tensor;
}

/** log(p) clamped below at −100, as PyTorch's BCE does; p = 0 gives −100 and a zero gradient, not NaN. */
function clampedLog(p: Tensor): Tensor {
  const pos = gt(p, 0);
  const safe = where(pos, p, 1); // log never sees 0, so its backward never divides by 0
  return where(pos, clamp(log(safe), -100), -100);
}

/**
 * Binary cross-entropy on probabilities: −w·(y·log p + (1 − y)·log(1 − p)), each log clamped at −100 like
 * PyTorch. `input` must lie in [0, 1]; prefer `bceWithLogits` on logits, which is stable.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BCEOptions = {}): Tensor {
  const where = 'binaryCrossEntropy';
  const r = checkReduction(opts, where);
  const [p, y] = pairOf(input, target, where);
  const w = checkBroadcastWeight(opts.weight, p.shape, where, 'weight');
  const d = p.contiguousData();
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    check(v >= 0 && v <= 1, where, () => `input must hold probabilities in [0, 1], but flat entry ${i} is ${v} (pass logits to bceWithLogits instead)`);
  }
  let loss = neg(add(mul(y, clampedLog(p)), mul(sub(1, y), clampedLog(sub(1, p)))));
  if (w) loss = mul(loss, w);
  return reduceLoss(loss, r, where);
}

/**
 * Binary cross-entropy on logits, computed stably: softplus(x) − x·y = max(x, 0) − x·y + log(1 + e^−|x|)
 * (whose gradient σ(x) − y is exact everywhere, also at x = 0). With `posWeight` = p:
 * (1 − y)·x + (1 + (p − 1)·y)·softplus(−x), PyTorch's formula.
 */
export function bceWithLogits(logits: Tensor, targets: Tensor, opts: BCEWithLogitsOptions = {}): Tensor {
  const where = 'bceWithLogits';
  const r = checkReduction(opts, where);
  const [x, y] = pairOf(logits, targets, where, 'logits');
  const w = checkBroadcastWeight(opts.weight, x.shape, where, 'weight');
  const pw = checkBroadcastWeight(opts.posWeight, x.shape, where, 'posWeight');
  let loss = pw
    ? add(mul(sub(1, y), x), mul(add(mul(sub(pw, 1), y), 1), softplus(neg(x))))
    : sub(softplus(x), mul(x, y));
  if (w) loss = mul(loss, w);
  return reduceLoss(loss, r, where);
}
