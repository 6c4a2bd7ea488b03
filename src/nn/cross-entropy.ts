// Classification losses: crossEntropy from logits (via logSoftmax) and nllLoss from log-probabilities, with
// PyTorch's semantics for class-index or probability targets, class weights, ignoreIndex, label smoothing
// and the extra "spatial" axes of [N, C, d1, ...] inputs.
import { Tensor } from '../tensor/tensor.js';
import { HopgradError, check } from '../tensor/errors.js';
import { kernels } from '../tensor/backend/index.js';
import { fmt, shapeEq, stridesOf } from '../tensor/shape.js';
import { type DType, allocate } from '../tensor/dtype.js';
import { add, div, gather, logSoftmax, mul, neg, permute, reshape, sum, where as choose } from '../autograd/ops/index.js';
import { type LossOptions, type Reduction, checkReduction, floatTensor, reduceLoss } from './reduction.js';
import { describeValue } from './validate.js';

/** Options of `nllLoss`. */
export interface NllLossOptions extends LossOptions {
  /** Targets equal to this class index contribute nothing (and are left out of the mean). */
  ignoreIndex?: number;
  /** A weight per class, shape [C] (not differentiated); the mean divides by the targets' total weight. */
  weight?: Tensor;
}

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions extends NllLossOptions {
  /** Mix the targets with the uniform distribution: (1 − ε)·target + ε/C (default 0). */
  labelSmoothing?: number;
}

/** [N, C, d1, …] → [N, d1, …, C] (a view), so every row of the class axis is contiguous-last. */
function classLast(x: Tensor): Tensor {
  if (x.ndim <= 2) return x;
  const perm = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2), 1];
  return permute(x, perm);
}

/** `target[i,j]` for flat position `i` of a tensor of `shape`. */
function position(flat: number, shape: readonly number[]): string {
  if (shape.length <= 1) return `[${flat}]`;
  const st = stridesOf(shape);
  return `[${st.map((s, k) => Math.floor(flat / s) % shape[k]!).join(',')}]`;
}

/** The class weights as a constant (detached) tensor of the input's dtype. */
function classWeights(w: unknown, c: number, dtype: DType, where: string): Tensor | undefined {
  if (w === undefined || w === null) return undefined;
  const t = floatTensor(w, where, 'weight');
  check(t.ndim === 1 && t.shape[0] === c, where, () => `weight must have one entry per class, shape [${c}], got ${fmt(t.shape)}`);
  return new Tensor(kernels().cast(t.contiguousData(), dtype), [c]);
}

/** @internal validate ignoreIndex. */
export function checkIgnore(ignoreIndex: unknown, where: string): number | undefined {
  if (ignoreIndex === undefined) return undefined;
  check(Number.isInteger(ignoreIndex), where, () => `ignoreIndex must be an integer, got ${String(ignoreIndex)}`);
  return ignoreIndex as number;
}

/** Validate class-index targets against the class-last input's batch shape; returns the indices. */
function indexTargets(target: Tensor, input: Tensor, batch: readonly number[], c: number, ignore: number | undefined, where: string, what: string): Int32Array {
  if (!shapeEq(target.shape, batch)) {
    if (input.ndim === 2 && target.ndim === 1) {
      check(false, where, () => `target has ${target.shape[0]} entries but the ${what} have a batch of ${batch[0]}`);
    }
    check(false, where, () => `target shape ${fmt(target.shape)} does not match the ${what}' shape ${fmt(input.shape)} without its class axis (${fmt(batch)})`);
  }
  const t = target.contiguousData() as Int32Array;
  for (let i = 0; i < t.length; i++) {
    const v = t[i]!;
    if (v === ignore) continue;
    check(v >= 0 && v < c, where, () => `target${position(i, batch)} = ${v} is out of range for ${c} classes (expected 0 ≤ index < ${c}${ignore === undefined ? '' : ` or ignoreIndex ${ignore}`})`);
  }
  return t;
}

/**
 * The loss for class-index targets from class-last log-probabilities `logp` [..., C]:
 * per row (1 − ε)·(−w_y·logp_y) + (ε/C)·(−Σ_c w_c·logp_c), ignored rows 0; 'mean' divides by Σ w_y.
 */
function indexLoss(logp: Tensor, t: Int32Array, w: Tensor | undefined, smoothing: number, ignore: number | undefined, reduction: Reduction, where: string): Tensor {
  const c = logp.shape[logp.ndim - 1]!;
  const batch = logp.shape.slice(0, -1);
  const rows = t.length;
  check(rows > 0 || reduction !== 'mean', where, () => `cannot take the mean over an empty batch (target shape ${fmt(batch)}); use reduction 'sum'`);
  const wd = w?.contiguousData();
  const safe = new Int32Array(rows);
  const keep = allocate(logp.dtype, rows);
  const wy = allocate(logp.dtype, rows);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const y = t[r]!;
    if (y === ignore) continue;
    safe[r] = y;
    keep[r] = 1;
    wy[r] = wd ? wd[y]! : 1;
    total += wy[r]!;
  }
  const keepT = new Tensor(keep, batch);
  const zero = new Tensor(allocate(logp.dtype, 1), []);
  // −w_y · logp[y]; a choice (not a product) so an ignored row's value never reaches the result, even if −∞
  const picked = reshape(gather(logp, -1, new Tensor(safe, [...batch, 1])), batch);
  let per = choose(keepT, neg(mul(picked, new Tensor(wy, batch))), zero);
  if (smoothing > 0) {
    const weighted = w ? mul(logp, w) : logp;
    const smooth = choose(keepT, neg(sum(weighted, -1)), zero);
    per = add(mul(per, 1 - smoothing), mul(smooth, smoothing / c));
  }
  if (reduction === 'none') return per;
  if (reduction === 'sum') return sum(per);
  return div(sum(per), total); // PyTorch: Σ w_y over the kept targets (0 when all are ignored → NaN, as in PyTorch)
}

/** @internal validate labelSmoothing. */
export function checkSmoothing(e: unknown, where: string): number {
  if (e === undefined) return 0;
  check(typeof e === 'number' && e >= 0 && e <= 1, where, () => `labelSmoothing must be a number in [0, 1], got ${String(e)}`);
  return e;
}

/** Validate the input and return it class-last with its class count (an unbatched [C] input stays [C]). */
function prepareInput(input: unknown, where: string, what: string): { x: Tensor; c: number } {
  const x = floatTensor(input, where, what);
  check(x.ndim >= 1, where, () => `${what} must be [C], [N, C] or [N, C, d1, …], got a 0-d tensor`);
  const c = x.ndim === 1 ? x.shape[0]! : x.shape[1]!;
  check(c > 0, where, () => `${what} of shape ${fmt(x.shape)} have no classes (the class axis has size 0)`);
  return { x, c };
}

function mismatchedFloat(target: Tensor, input: Tensor, where: string, what: string): never {
  const batch = input.ndim === 1 ? [] : [input.shape[0]!, ...input.shape.slice(2)];
  throw new HopgradError(`${where}: ${shapeEq(target.shape, batch)
    ? `class-index targets must be int32, got ${target.dtype} of shape ${fmt(target.shape)} (probability targets must have the ${what}' shape ${fmt(input.shape)})`
    : `a ${target.dtype} target holds class probabilities and must have the ${what}' shape ${fmt(input.shape)}, got ${fmt(target.shape)} (class-index targets are int32)`}`);
}

/**
 * Cross-entropy from unnormalized logits [N, C] (or [C], or [N, C, d1, …] with the class axis second) via
 * logSoftmax. Targets are int32 class indices of shape [N] (or [], or [N, d1, …]) or float class probabilities
 * of the logits' shape. Options: `reduction`, `weight` per class, `ignoreIndex` (index targets only; ignored
 * targets are left out of the mean), `labelSmoothing` ε. Matches torch.nn.functional.cross_entropy.
 */
export function crossEntropy(logits: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const where = 'crossEntropy';
  const reduction = checkReduction(opts, where);
  const { x, c } = prepareInput(logits, where, 'logits');
  check(target instanceof Tensor, where, () => `target must be a Tensor, got ${describeValue(target)}`);
  const w = classWeights(opts.weight, c, x.dtype, where);
  const ignore = checkIgnore(opts.ignoreIndex, where);
  const eps = checkSmoothing(opts.labelSmoothing, where);
  const logp = logSoftmax(classLast(x), -1);
  if (target.dtype === 'int32') {
    const t = indexTargets(target, x, logp.shape.slice(0, -1), c, ignore, where, 'logits');
    return indexLoss(logp, t, w, eps, ignore, reduction, where);
  }
  if (!shapeEq(target.shape, x.shape)) mismatchedFloat(target, x, where, 'logits');
  check(ignore === undefined, where, 'ignoreIndex applies only to class-index (int32) targets, not to probability targets');
  let p = classLast(target);
  if (eps > 0) p = add(mul(p, 1 - eps), eps / c);
  let terms = mul(logp, p);
  if (w) terms = mul(terms, w);
  const per = neg(sum(terms, -1));
  return reduceLoss(per, reduction, where); // the mean is over the N·d1·… rows, as in PyTorch
}

/**
 * Negative log-likelihood from log-probabilities [N, C] (or [C], or [N, C, d1, …]) and int32 class-index
 * targets [N] (or [], or [N, d1, …]): −w_y·input[y] per row. Options: `reduction`, `weight`, `ignoreIndex`.
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor {
  const where = 'nllLoss';
  const reduction = checkReduction(opts, where);
  const { x, c } = prepareInput(input, where, 'log-probabilities');
  check(target instanceof Tensor, where, () => `target must be a Tensor, got ${describeValue(target)}`);
  const w = classWeights(opts.weight, c, x.dtype, where);
  const ignore = checkIgnore(opts.ignoreIndex, where);
  const logp = classLast(x);
  const batch = logp.shape.slice(0, -1);
  check(target.dtype === 'int32', where, () => `target must hold int32 class indices of shape ${fmt(batch)}, got ${target.dtype} of shape ${fmt(target.shape)}`);
  const t = indexTargets(target, x, batch, c, ignore, where, 'log-probabilities');
  return indexLoss(logp, t, w, 0, ignore, reduction, where);
}
