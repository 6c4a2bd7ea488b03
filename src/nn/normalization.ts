// Normalization layers: LayerNorm over the trailing dimensions, with a learned elementwise affine.
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import { fmt, shapeEq, sizeOf } from '../tensor/shape.js';
import { type DType, allocate } from '../tensor/dtype.js';
import { layerNorm } from '../autograd/ops/index.js';
import { Module } from './module.js';

/** Options of LayerNorm. */
export interface LayerNormOptions {
  /** Added to the variance (default 1e-5, must be > 0). */
  eps?: number;
  /** Learn a per-element scale (initialized to 1) and shift (initialized to 0); default true. */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, whether to learn the shift (default true). */
  bias?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: 'float32' | 'float64';
}

/**
 * Layer normalization (torch.nn.LayerNorm): normalizes over the trailing `normalizedShape` dimensions to mean
 * 0 and variance 1 (biased variance, plus eps), then applies weight ⊙ x̂ + bias.
 */
export class LayerNorm extends Module {
  declare weight: Tensor | null;
  declare bias: Tensor | null;
  readonly normalizedShape: readonly number[];
  readonly eps: number;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    const where = 'LayerNorm';
    const ns = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    check(Array.isArray(ns) && ns.length > 0 && ns.every((d) => Number.isInteger(d) && d > 0), where,
      () => `normalizedShape must be a positive integer or a non-empty list of them, got ${Array.isArray(normalizedShape) ? fmt(normalizedShape) : String(normalizedShape)}`);
    this.normalizedShape = Object.freeze([...ns]);
    const eps = opts.eps ?? 1e-5;
    check(typeof eps === 'number' && eps > 0 && Number.isFinite(eps), where, () => `eps must be a positive finite number, got ${String(eps)}`);
    this.eps = eps;
    const dtype: DType = opts.dtype ?? 'float32';
    check(dtype === 'float32' || dtype === 'float64', where, () => `dtype must be 'float32' or 'float64', got ${String(dtype)}`);
    const affine = opts.elementwiseAffine ?? true;
    const n = sizeOf(ns);
    const w = affine ? new Tensor(allocate(dtype, n).fill(1), ns) : null;
    const b = affine && opts.bias !== false ? new Tensor(allocate(dtype, n), ns) : null;
    this.registerParameter('weight', w);
    this.registerParameter('bias', b);
  }

  /** x [..., *normalizedShape] → the same shape. */
  forward(x: Tensor): Tensor {
    check(x instanceof Tensor, 'LayerNorm', () => `input must be a Tensor, got ${typeof x}`);
    const ns = this.normalizedShape;
    check(x.ndim >= ns.length && shapeEq(x.shape.slice(x.ndim - ns.length), ns), 'LayerNorm',
      () => `input shape ${fmt(x.shape)} does not end with the normalized shape ${fmt(ns)}`);
    return layerNorm(x, ns, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${fmt(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}
