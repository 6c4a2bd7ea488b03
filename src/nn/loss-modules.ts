// Loss functions as modules (torch.nn.MSELoss, …): thin wrappers holding the options; tensor options
// (class weights, posWeight) are registered as buffers, as in PyTorch, so they follow `to()` and state dicts.
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import {
  type BCEOptions, type BCEWithLogitsOptions, type HuberOptions, type SmoothL1Options,
  bceWithLogits, binaryCrossEntropy, huberLoss, l1Loss, mseLoss, smoothL1Loss,
} from './losses.js';
import { type LossOptions, type Reduction, checkReduction, positiveOption } from './reduction.js';
import { type CrossEntropyOptions, type NllLossOptions, checkIgnore, checkSmoothing, crossEntropy, nllLoss } from './cross-entropy.js';

/** A loss module: forward(input, target) → the loss. */
abstract class Loss extends Module<[Tensor, Tensor], Tensor> {
  readonly reduction: Reduction;
  constructor(opts: LossOptions | undefined, where: string) {
    super();
    this.reduction = checkReduction(opts, where);
  }
  override extraRepr(): string {
    return `reduction='${this.reduction}'`;
  }
}

/** Module form of `mseLoss`. */
export class MSELoss extends Loss {
  constructor(opts: LossOptions = {}) { super(opts, 'MSELoss'); }
  forward(input: Tensor, target: Tensor): Tensor { return mseLoss(input, target, { reduction: this.reduction }); }
}

/** Module form of `l1Loss`. */
export class L1Loss extends Loss {
  constructor(opts: LossOptions = {}) { super(opts, 'L1Loss'); }
  forward(input: Tensor, target: Tensor): Tensor { return l1Loss(input, target, { reduction: this.reduction }); }
}

/** Module form of `huberLoss`. */
export class HuberLoss extends Loss {
  readonly delta: number;
  constructor(opts: HuberOptions = {}) {
    super(opts, 'HuberLoss');
    this.delta = positiveOption(opts.delta, 1, 'delta', 'HuberLoss');
  }
  forward(input: Tensor, target: Tensor): Tensor { return huberLoss(input, target, { reduction: this.reduction, delta: this.delta }); }
}

/** Module form of `smoothL1Loss`. */
export class SmoothL1Loss extends Loss {
  readonly beta: number;
  constructor(opts: SmoothL1Options = {}) {
    super(opts, 'SmoothL1Loss');
    this.beta = positiveOption(opts.beta, 1, 'beta', 'SmoothL1Loss');
  }
  forward(input: Tensor, target: Tensor): Tensor { return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta }); }
}

/** Module form of `binaryCrossEntropy` (input: probabilities). */
export class BCELoss extends Loss {
  declare weight: Tensor | null;
  constructor(opts: BCEOptions = {}) {
    super(opts, 'BCELoss');
    this.registerBuffer('weight', opts.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { reduction: this.reduction, ...(this.weight ? { weight: this.weight } : {}) });
  }
}

/** Module form of `bceWithLogits` (input: logits). */
export class BCEWithLogitsLoss extends Loss {
  declare weight: Tensor | null;
  declare posWeight: Tensor | null;
  constructor(opts: BCEWithLogitsOptions = {}) {
    super(opts, 'BCEWithLogitsLoss');
    this.registerBuffer('weight', opts.weight ?? null);
    this.registerBuffer('posWeight', opts.posWeight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return bceWithLogits(input, target, {
      reduction: this.reduction,
      ...(this.weight ? { weight: this.weight } : {}),
      ...(this.posWeight ? { posWeight: this.posWeight } : {}),
    });
  }
}

/** Module form of `crossEntropy` (input: logits; targets: int32 class indices or float probabilities). */
export class CrossEntropyLoss extends Loss {
  declare weight: Tensor | null;
  readonly ignoreIndex: number | undefined;
  readonly labelSmoothing: number;
  constructor(opts: CrossEntropyOptions = {}) {
    super(opts, 'CrossEntropyLoss');
    this.registerBuffer('weight', opts.weight ?? null);
    this.ignoreIndex = checkIgnore(opts.ignoreIndex, 'CrossEntropyLoss');
    this.labelSmoothing = checkSmoothing(opts.labelSmoothing, 'CrossEntropyLoss');
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, {
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
      ...(this.weight ? { weight: this.weight } : {}),
      ...(this.ignoreIndex === undefined ? {} : { ignoreIndex: this.ignoreIndex }),
    });
  }
  override extraRepr(): string {
    return `reduction='${this.reduction}'${this.labelSmoothing ? `, labelSmoothing=${this.labelSmoothing}` : ''}${this.ignoreIndex === undefined ? '' : `, ignoreIndex=${this.ignoreIndex}`}`;
  }
}

/** Module form of `nllLoss` (input: log-probabilities). */
export class NLLLoss extends Loss {
  declare weight: Tensor | null;
  readonly ignoreIndex: number | undefined;
  constructor(opts: NllLossOptions = {}) {
    super(opts, 'NLLLoss');
    this.registerBuffer('weight', opts.weight ?? null);
    this.ignoreIndex = checkIgnore(opts.ignoreIndex, 'NLLLoss');
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, {
      reduction: this.reduction,
      ...(this.weight ? { weight: this.weight } : {}),
      ...(this.ignoreIndex === undefined ? {} : { ignoreIndex: this.ignoreIndex }),
    });
  }
}
