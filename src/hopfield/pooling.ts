// The Hopfield layers whose inputs are partly learned (hflayers' HopfieldPooling and HopfieldLayer) and the
// parameter-free associative memory (HopfieldRetrieval). Each is the Hopfield core with some of R, Y, P
// replaced by parameters: pooling learns the state R (query prototypes), the lookup layer learns Y (and P).
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import { type DType, allocate } from '../tensor/dtype.js';
import { Generator } from '../tensor/random.js';
import { noGrad } from '../autograd/engine.js';
import { flatten } from '../autograd/ops/index.js';
import { Module } from '../nn/module.js';
import { normal_ } from '../nn/init.js';
import { type AssociationOptions, type HopfieldCoreResult, hopfieldCoreAt } from './hopfield-core.js';
import { checkAssociationOptions } from './core-options.js';
import {
  type HopfieldCallOptions, type HopfieldDetailedCallOptions, type HopfieldInput, type HopfieldOptions, Hopfield, unpackInput,
} from './layers.js';

function learned(rows: number, cols: number, dtype: DType, g: Generator | undefined, trainable: boolean): [Tensor, { requiresGrad: boolean }] {
  const t = new Tensor(allocate(dtype, rows * cols), [rows, cols]);
  normal_(t, 0, 0.02, g ? { generator: g } : {});
  return [t, { requiresGrad: trainable }];
}

function count(v: unknown, name: string, where: string): number {
  const n = v ?? 1;
  check(Number.isInteger(n) && (n as number) >= 1, where, () => `${name} must be an integer >= 1, got ${String(v)}`);
  return n as number;
}

function bool(v: unknown, name: string, where: string, fallback: boolean): boolean {
  check(v === undefined || typeof v === 'boolean', where, () => `${name} must be a boolean, got ${String(v)}`);
  return (v as boolean | undefined) ?? fallback;
}

/** Options of `HopfieldPooling`: those of `Hopfield` plus the prototypes. */
export interface HopfieldPoolingOptions extends HopfieldOptions {
  /** Number of learned query prototypes (default 1). */
  quantity?: number;
  /** Whether the prototypes are trained (default true). */
  trainable?: boolean;
  /** Flatten the output to [B, quantity·outputSize] (default true, as hflayers does); false gives [B, quantity, outputSize]. */
  flatten?: boolean;
}

/** What `HopfieldPooling` pools: the set Y (also the projection), `{ stored, projection? }` or (stored, projection). */
export type PoolingInput = Tensor | { stored: Tensor; projection?: Tensor } | readonly [stored: Tensor, projection?: Tensor];

/**
 * Hopfield pooling (hflayers `HopfieldPooling`): `quantity` learned query prototypes, the static state
 * pattern `poolingWeights` [quantity, inputSize] (N(0, 0.02²) initialized, as hflayers), retrieve from a set
 * Y [B, M, storedPatternSize] (or [M, ·]) through the Hopfield layer `hopfield`, pooling it into
 * [B, quantity·outputSize] — the attention pooling of multiple-instance learning.
 */
export class HopfieldPooling extends Module<[PoolingInput, HopfieldCallOptions?], Tensor> {
  declare hopfield: Hopfield;
  declare poolingWeights: Tensor;
  readonly quantity: number;
  readonly flatten: boolean;

  constructor(opts: HopfieldPoolingOptions) {
    super();
    const where = 'HopfieldPooling';
    check(opts !== null && typeof opts === 'object', where, () => `options must be an object with at least inputSize, got ${String(opts)}`);
    this.quantity = count(opts.quantity, 'quantity', where);
    this.flatten = bool(opts.flatten, 'flatten', where, true);
    const { quantity: _q, trainable, flatten: _f, ...hopfieldOpts } = opts;
    const hop = this.registerModule('hopfield', new Hopfield(hopfieldOpts));
    const [w, o] = learned(this.quantity, hop.inputSize, opts.dtype ?? 'float32', opts.generator, bool(trainable, 'trainable', where, true));
    this.registerParameter('poolingWeights', w, o);
  }

  private run(input: PoolingInput, opts: HopfieldDetailedCallOptions): HopfieldCoreResult {
    const where = 'HopfieldPooling';
    let stored: Tensor;
    let projection: Tensor | undefined;
    if (input instanceof Tensor) stored = input;
    else if (Array.isArray(input)) [stored, projection] = input as [Tensor, Tensor | undefined];
    else {
      check(input !== null && typeof input === 'object' && 'stored' in input, where, () => 'input must be a Tensor, { stored, projection? } or a tuple (stored, projection?)');
      ({ stored, projection } = input as { stored: Tensor; projection?: Tensor });
    }
    return this.hopfield.runCore(where, { stored, state: this.poolingWeights, projection: projection ?? stored }, opts);
  }

  /** The pooled set: [B, quantity·outputSize] (flatten) or [B, quantity, outputSize]; unbatched input drops B. */
  forward(input: PoolingInput, opts: HopfieldCallOptions = {}): Tensor {
    const z = this.run(input, opts).output;
    return this.flatten ? flatten(z, -2, -1) : z;
  }

  /** The association weights [B?, H, quantity, M] of the prototypes over the set, without gradients. */
  getAssociationMatrix(input: PoolingInput, opts: HopfieldCallOptions = {}): Tensor {
    return noGrad(() => this.run(input, { ...opts, returnAssociation: true }).association!);
  }

  override extraRepr(): string {
    return `quantity=${this.quantity}, flatten=${this.flatten}`;
  }
}

/** Options of `HopfieldLayer`: those of `Hopfield` plus the learned memories. */
export interface HopfieldLayerOptions extends HopfieldOptions {
  /** Number of learned stored patterns (default 1). */
  quantity?: number;
  /** Learn separate targets (the pattern projection input) apart from the lookup patterns (default false). */
  lookupWeightsAsSeparated?: boolean;
  /** Whether the separate targets are trained (default true). */
  lookupTargetsAsTrainable?: boolean;
  /** Whether the lookup patterns are trained (default true). */
  trainable?: boolean;
}

/**
 * Hopfield lookup layer (hflayers `HopfieldLayer`): the stored patterns are learned, `lookupWeights`
 * [quantity, storedPatternSize], and so are optional separate targets `targetWeights`
 * [quantity, patternProjectionSize] (else the lookup patterns are also the projection input); the input is the
 * state R [B, L, inputSize] (or [L, ·]), the output [B, L, outputSize]. N(0, 0.02²) initialized, as hflayers.
 */
export class HopfieldLayer extends Module<[Tensor, HopfieldCallOptions?], Tensor> {
  declare hopfield: Hopfield;
  declare lookupWeights: Tensor;
  declare targetWeights: Tensor | null;
  readonly quantity: number;

  constructor(opts: HopfieldLayerOptions) {
    super();
    const where = 'HopfieldLayer';
    check(opts !== null && typeof opts === 'object', where, () => `options must be an object with at least inputSize, got ${String(opts)}`);
    this.quantity = count(opts.quantity, 'quantity', where);
    const { quantity: _q, lookupWeightsAsSeparated, lookupTargetsAsTrainable, trainable, ...hopfieldOpts } = opts;
    const hop = this.registerModule('hopfield', new Hopfield(hopfieldOpts));
    const dtype = opts.dtype ?? 'float32';
    const [w, o] = learned(this.quantity, hop.storedPatternSize, dtype, opts.generator, bool(trainable, 'trainable', where, true));
    this.registerParameter('lookupWeights', w, o);
    if (bool(lookupWeightsAsSeparated, 'lookupWeightsAsSeparated', where, false)) {
      const [t, to] = learned(this.quantity, hop.patternProjectionSize, dtype, opts.generator, bool(lookupTargetsAsTrainable, 'lookupTargetsAsTrainable', where, true));
      this.registerParameter('targetWeights', t, to);
    } else {
      check(hop.patternProjectionSize === hop.storedPatternSize, where,
        () => `without lookupWeightsAsSeparated the lookup patterns are also the projection input, so patternProjectionSize (${hop.patternProjectionSize}) must equal storedPatternSize (${hop.storedPatternSize})`);
      this.registerParameter('targetWeights', null);
    }
  }

  private run(input: Tensor, opts: HopfieldDetailedCallOptions): HopfieldCoreResult {
    check(input instanceof Tensor, 'HopfieldLayer', () => `input must be a Tensor (the state patterns), got ${input === null ? 'null' : typeof input}`);
    const stored = this.lookupWeights;
    return this.hopfield.runCore('HopfieldLayer', { stored, state: input, projection: this.targetWeights ?? stored }, opts);
  }

  /** R [B?, L, inputSize] → [B?, L, outputSize]. */
  forward(input: Tensor, opts: HopfieldCallOptions = {}): Tensor {
    return this.run(input, opts).output;
  }

  /** The association weights [B?, H, L, quantity], without gradients. */
  getAssociationMatrix(input: Tensor, opts: HopfieldCallOptions = {}): Tensor {
    return noGrad(() => this.run(input, { ...opts, returnAssociation: true }).association!);
  }

  override extraRepr(): string {
    return `quantity=${this.quantity}, separatedTargets=${this.targetWeights !== null}`;
  }
}

/** Options of `HopfieldRetrieval`: the association, the heads and the dropout generator. */
export interface HopfieldRetrievalOptions extends AssociationOptions {
  /** Number of heads (default 1): the pattern widths are split into numHeads equal groups. */
  numHeads?: number;
  /** Generator of dropout masks and random-kind seeds (default: the default generator). */
  generator?: Generator;
}

/**
 * The associative memory itself as a layer (paper Appendix D "retrieval": every W the identity, nothing
 * learned): Z = T(β R Yᵀ) P, i.e. `retrieve(state, stored, { values: projection, ... })` with the layer's
 * options, any kind, update steps, dropout (training only) and key padding masks.
 */
export class HopfieldRetrieval extends Module<[HopfieldInput, HopfieldCallOptions?], Tensor> {
  readonly associationOptions: Readonly<HopfieldRetrievalOptions>;

  constructor(opts: HopfieldRetrievalOptions = {}) {
    super();
    checkAssociationOptions(opts, 'HopfieldRetrieval');
    this.associationOptions = Object.freeze({ ...opts });
  }

  /** Output, step count and, on request, the association weights [B?, H, L, M]. */
  forwardDetailed(input: HopfieldInput, opts: HopfieldDetailedCallOptions = {}): HopfieldCoreResult {
    const where = 'HopfieldRetrieval';
    check(opts !== null && typeof opts === 'object', where, () => `call options must be an object, got ${String(opts)}`);
    const p = unpackInput(input, where);
    return hopfieldCoreAt(where, p.state, p.stored, p.projection, {}, {
      ...this.associationOptions, training: this.training,
      ...(opts.keyPaddingMask !== undefined ? { keyPaddingMask: opts.keyPaddingMask } : {}),
      ...(opts.returnAssociation ? { returnAssociation: true } : {}),
    });
  }

  /** Z [B?, L, dProjection]. */
  forward(input: HopfieldInput, opts: HopfieldCallOptions = {}): Tensor {
    return this.forwardDetailed(input, opts).output;
  }

  override extraRepr(): string {
    return `kind=${this.associationOptions.kind ?? 'dense'}`;
  }
}
