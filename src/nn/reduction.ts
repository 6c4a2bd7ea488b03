// Shared pieces of the losses: the reduction option and its application, and argument checks.
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import { fmt } from '../tensor/shape.js';
import { div, sum } from '../autograd/ops/index.js';
import { describeValue } from './validate.js';

/** How a loss combines its per-element values: their mean (default), their sum, or none (per element). */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options every loss takes. */
export interface LossOptions {
  reduction?: Reduction;
}

/** @internal validate the reduction option. */
export function checkReduction(opts: LossOptions | undefined, where: string): Reduction {
  check(opts === undefined || (typeof opts === 'object' && opts !== null), where, () => `options must be an object, got ${describeValue(opts)}`);
  const r = opts?.reduction ?? 'mean';
  check(r === 'mean' || r === 'sum' || r === 'none', where, () => `reduction must be 'mean', 'sum' or 'none', got '${String(r)}'`);
  return r;
}

/** @internal apply a reduction to per-element losses (the mean of an empty batch is an error, not NaN). */
export function reduceLoss(loss: Tensor, reduction: Reduction, where: string): Tensor {
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return sum(loss);
  check(loss.size > 0, where, () => `cannot take the mean over an empty input (shape ${fmt(loss.shape)}); use reduction 'sum'`);
  return div(sum(loss), loss.size);
}

/** @internal check a float tensor argument. */
export function floatTensor(x: unknown, where: string, name: string): Tensor {
  check(x instanceof Tensor, where, () => `${name} must be a Tensor, got ${describeValue(x)}`);
  check(x.dtype !== 'int32', where, () => `${name} must be a float tensor, got int32`);
  return x;
}

/** @internal a positive finite number option (with its default). */
export function positiveOption(v: unknown, dflt: number, name: string, where: string): number {
  const x = v ?? dflt;
  check(typeof x === 'number' && x > 0 && Number.isFinite(x), where, () => `${name} must be a positive finite number, got ${String(x)}`);
  return x;
}
