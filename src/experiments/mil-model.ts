// The multiple-instance-learning network of the paper's Appendix E.2 / Table 2 (and, without the second
// layer norm, of E.3): instance embedding Linear → LayerNorm → (bag dropout) → HopfieldPooling with learned
// query prototypes and any association kind → (bag dropout) → LayerNorm → Linear → one logit per bag.
// `bagLogits` runs it on any bags of a BagSet: padded with a key padding mask, or grouped by size for the
// kinds whose kernel cannot exclude padded memories (linear, prf).
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import type { Generator } from '../tensor/random.js';
import { concat, reshape } from '../autograd/ops/index.js';
import { Module } from '../nn/module.js';
import { Linear } from '../nn/linear.js';
import { LayerNorm } from '../nn/normalization.js';
import { Dropout } from '../nn/dropout.js';
import { HopfieldPooling } from '../hopfield/pooling.js';
import type { AssociationOptions } from '../hopfield/hopfield-core.js';
import type { RetrieveKind } from '../hopfield/retrieve.js';
import { type BagSet, bagBatch, groupBySize } from './mil-bags.js';

/** The association of the pooling: a kind and its options (β is `MilNetOptions.beta`). */
export type PoolingAssociation = Omit<AssociationOptions, 'beta' | 'dropout' | 'updateSteps' | 'tol'> & { kind: RetrieveKind };

/** Options of `MilNet`. */
export interface MilNetOptions {
  /** Features per instance (784 for MNIST). */
  inputSize: number;
  /** Width of the instance embedding and of the pooling's input and output (Table 2: 256). */
  embedSize: number;
  /** Heads of the pooling (Table 2: 4). */
  numHeads: number;
  /** Association width per head (Table 2 "head dimension": 64). */
  headDim: number;
  /** Learned query prototypes (Table 2 "num of pattern": 2). */
  quantity: number;
  /** Inverse temperature β of the association (Table 2 "scaling": 0.1). */
  beta: number;
  /** The association kind and its options. */
  association: PoolingAssociation;
  /** Bag dropout after the embedding and after the pooling (default 0). */
  dropout?: number;
  /** Layer norm after the pooling (default true, as Table 2's model). */
  postNorm?: boolean;
  /** Generator of the initial weights, the dropout masks and the random kind's masks. */
  generator?: Generator;
}

/** Whether kind `kind` accepts a key padding mask (linear and prf sum over every memory and do not). */
export function supportsPadding(kind: RetrieveKind): boolean {
  return kind !== 'linear' && kind !== 'prf';
}

/**
 * Whether padding + mask gives every bag exactly what it gets alone: not for linear / prf (no mask), nor for
 * topk / random with a fractional k, which is a fraction of the padded length M rather than of the bag's size.
 */
export function padsExactly(a: PoolingAssociation): boolean {
  return supportsPadding(a.kind) && !((a.kind === 'topk' || a.kind === 'random') && a.k !== undefined && a.k < 1);
}

/** Bag classifier: instances [B, M, F] (+ key padding mask [B, M]) → logits [B]. */
export class MilNet extends Module<[Tensor, Tensor?], Tensor> {
  declare embed: Linear;
  declare embedNorm: LayerNorm;
  declare pooling: HopfieldPooling;
  declare poolNorm: LayerNorm | null;
  declare head: Linear;
  declare drop: Dropout;
  readonly options: Readonly<MilNetOptions>;

  constructor(opts: MilNetOptions) {
    super();
    const where = 'MilNet';
    check(opts !== null && typeof opts === 'object', where, () => `options must be an object, got ${String(opts)}`);
    for (const name of ['inputSize', 'embedSize', 'numHeads', 'headDim', 'quantity'] as const) {
      check(Number.isSafeInteger(opts[name]) && opts[name] >= 1, where, () => `${name} must be an integer ≥ 1, got ${String(opts[name])}`);
    }
    check(typeof opts.beta === 'number' && Number.isFinite(opts.beta) && opts.beta > 0, where, () => `beta must be a number > 0, got ${String(opts.beta)}`);
    const p = opts.dropout ?? 0;
    check(typeof p === 'number' && p >= 0 && p < 1, where, () => `dropout must be in [0, 1), got ${String(p)}`);
    this.options = Object.freeze({ ...opts });
    const g = opts.generator === undefined ? {} : { generator: opts.generator };
    this.registerModule('embed', new Linear(opts.inputSize, opts.embedSize, g));
    this.registerModule('embedNorm', new LayerNorm(opts.embedSize));
    this.registerModule('pooling', new HopfieldPooling({
      ...opts.association, inputSize: opts.embedSize, hiddenSize: opts.headDim, numHeads: opts.numHeads,
      quantity: opts.quantity, beta: opts.beta, ...g,
    }));
    const pooled = opts.quantity * opts.embedSize;
    this.registerModule('poolNorm', opts.postNorm === false ? null : new LayerNorm(pooled));
    this.registerModule('head', new Linear(pooled, 1, g));
    this.registerModule('drop', new Dropout(p, g));
  }

  /** x [B, M, inputSize], mask [B, M] (nonzero = padded instance) → logits [B]. */
  forward(x: Tensor, mask?: Tensor): Tensor {
    check(x instanceof Tensor && x.ndim === 3 && x.shape[2] === this.options.inputSize, 'MilNet',
      () => `x must be [B, M, ${this.options.inputSize}] bags of instances, got ${x instanceof Tensor ? `[${x.shape.join(', ')}]` : typeof x}`);
    check(mask === undefined || supportsPadding(this.options.association.kind), 'MilNet',
      () => `kind '${this.options.association.kind}' cannot take a padding mask; batch bags of equal size (bagLogits does)`);
    const h = this.drop.forward(this.embedNorm.forward(this.embed.forward(x)));
    let z = this.drop.forward(this.pooling.forward(h, mask === undefined ? {} : { keyPaddingMask: mask }));
    if (this.poolNorm) z = this.poolNorm.forward(z);
    return reshape(this.head.forward(z), [x.shape[0]!]);
  }
}

/** Logits of some bags and the labels they go with (in the order of the logits). */
export interface BagLogits {
  logits: Tensor;
  labels: Tensor;
  /** The bag index of each logit. */
  order: Int32Array;
}

/**
 * Run `model` on the bags `idx` of `set`: one padded batch with a key padding mask when that is exact for the
 * association (see padsExactly) or every bag has the same size, else one batch per bag size, concatenated
 * (`order` says which bag each logit is). Differentiable; wrap in noGrad for evaluation.
 */
export function bagLogits(model: MilNet, set: BagSet, idx: ArrayLike<number>): BagLogits {
  const groups = padsExactly(model.options.association) ? [Array.from(idx)] : groupBySize(set, idx);
  const logits: Tensor[] = [];
  const labels: Tensor[] = [];
  for (const g of groups) {
    const b = bagBatch(set, g);
    logits.push(model.forward(b.x, b.mask));
    labels.push(b.labels);
  }
  const one = groups.length === 1;
  return {
    logits: one ? logits[0]! : concat(logits, 0),
    labels: one ? labels[0]! : concat(labels, 0),
    order: Int32Array.from(groups.flat()),
  };
}
