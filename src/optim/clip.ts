// Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_: rescale or clamp the gradients of
// parameters. Clipped gradients are new tensors assigned to `p.grad` (storage shared elsewhere is never written).
import { Tensor } from '../tensor/tensor.js';
import { HopgradError, check } from '../tensor/errors.js';
import { allocate } from '../tensor/dtype.js';
import { describe } from './validate.js';

/** Options of clipGradNorm. */
export interface ClipGradNormOptions {
  /** Throw if the total norm is NaN or infinite (default false, as torch). */
  errorIfNonfinite?: boolean;
}

function gradTensors(where: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  let list: unknown[];
  if (params instanceof Tensor) list = [params];
  else if (params !== null && typeof params === 'object' && Symbol.iterator in params) list = [...(params as Iterable<unknown>)];
  else throw new HopgradError(`${where}: params must be a Tensor or an iterable of tensors, got ${describe(params)}`);
  const out = new Set<Tensor>();
  list.forEach((p, i) => {
    check(p instanceof Tensor, where, () => `params[${i}] must be a Tensor, got ${describe(p)}`);
    if (p.grad !== null) out.add(p);
  });
  return [...out];
}

function mapGrad(p: Tensor, f: (x: number) => number): void {
  const g = p.grad!;
  const src = g.contiguousData();
  const dst = allocate(g.dtype, src.length);
  for (let i = 0; i < src.length; i++) dst[i] = f(src[i]!);
  p.grad = new Tensor(dst, g.shape);
}

/**
 * Clip the gradients of `params` (parameters without a grad are ignored, duplicates count once) so that their
 * total `normType`-norm — the norm of all gradient elements together — is at most about `maxNorm`.
 * Returns the total norm before clipping. As torch: the gradients are multiplied by
 * `min(1, maxNorm / (total + 1e-6))` (a NaN total makes that factor NaN, and so the gradients).
 * `normType` is a positive number or `Infinity` (the largest |g|). Returns 0 when no parameter has a grad.
 */
export function clipGradNorm(
  params: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2, options: ClipGradNormOptions = {},
): number {
  const where = 'clipGradNorm';
  check(typeof maxNorm === 'number' && maxNorm >= 0, where, () => `maxNorm must be a non-negative number, got ${describe(maxNorm)}`);
  check(typeof normType === 'number' && (normType === Infinity || (Number.isFinite(normType) && normType > 0)), where,
    () => `normType must be a positive number or Infinity, got ${describe(normType)}`);
  const ps = gradTensors(where, params);
  let total: number;
  if (normType === Infinity) {
    total = 0;
    for (const p of ps) {
      const d = p.grad!.contiguousData();
      for (let i = 0; i < d.length; i++) {
        const a = Math.abs(d[i]!);
        if (!(a <= total)) total = a; // NaN propagates
      }
    }
  } else {
    let sum = 0;
    for (const p of ps) {
      const d = p.grad!.contiguousData();
      if (normType === 2) for (let i = 0; i < d.length; i++) sum += d[i]! * d[i]!;
      else if (normType === 1) for (let i = 0; i < d.length; i++) sum += Math.abs(d[i]!);
      else for (let i = 0; i < d.length; i++) sum += Math.abs(d[i]!) ** normType;
    }
    total = normType === 2 ? Math.sqrt(sum) : normType === 1 ? sum : sum ** (1 / normType);
  }
  if (options.errorIfNonfinite && !Number.isFinite(total)) {
    throw new HopgradError(`${where}: the total norm of order ${normType} of the gradients is ${total}; `
      + 'set errorIfNonfinite false to clip anyway');
  }
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  if (!(coef >= 1)) for (const p of ps) mapGrad(p, (x) => x * coef);
  return total;
}

/**
 * Clamp every gradient element of `params` into [−clipValue, clipValue] (parameters without a grad are
 * ignored), as torch's clip_grad_value_. NaN elements stay NaN.
 */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  const where = 'clipGradValue';
  check(typeof clipValue === 'number' && clipValue >= 0, where, () => `clipValue must be a non-negative number, got ${describe(clipValue)}`);
  for (const p of gradTensors(where, params)) mapGrad(p, (x) => (x > clipValue ? clipValue : x < -clipValue ? -clipValue : x));
}
