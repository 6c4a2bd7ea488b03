// The Hopfield layer as an nn Module (hflayers' `Hopfield`): learnable W_Q, W_K, W_V and W_O around the
// functional core of ./hopfield-core.ts, layer norms of the three inputs, any association `kind`, per-head β
// (and learnable per-head entmax α), update steps, association dropout and key padding masks.
// HopfieldPooling, HopfieldLayer and HopfieldRetrieval (./pooling.ts) reuse it.
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import { type DType, allocate } from '../tensor/dtype.js';
import { fmt } from '../tensor/shape.js';
import { Generator } from '../tensor/random.js';
import { noGrad } from '../autograd/engine.js';
import { add, mul, sigmoid } from '../autograd/ops/index.js';
import { Module } from '../nn/module.js';
import { LayerNorm, type LayerNormOptions } from '../nn/normalization.js';
import { kaimingUniform_, xavierUniform_ } from '../nn/init.js';
import {
  type AssociationOptions, type HopfieldCoreResult, type HopfieldParams, type LayerNormParams, hopfieldCoreAt,
} from './hopfield-core.js';
import { checkAssociationOptions } from './core-options.js';

/** Options of `Hopfield` (hflayers' names in camelCase; the association options are those of the core). */
export interface HopfieldOptions extends AssociationOptions {
  /** Width of the state patterns R (hflayers `input_size`); required. */
  inputSize: number;
  /** Association-space width per head, dk (hflayers `hidden_size`; default inputSize / numHeads, which must divide). */
  hiddenSize?: number;
  /** Width of the output (hflayers `output_size`; default inputSize). */
  outputSize?: number;
  /** Value width per head, dv (hflayers `pattern_size`; default hiddenSize). */
  patternSize?: number;
  /** Number of heads H (default 1). */
  numHeads?: number;
  /** Width of the stored patterns Y (default inputSize). */
  storedPatternSize?: number;
  /** Width of the pattern projection input P (default inputSize). */
  patternProjectionSize?: number;
  /** Layer-normalize the stored patterns Y before W_K (default true, as hflayers), with a learned affine (default true). */
  normalizeStoredPattern?: boolean;
  normalizeStoredPatternAffine?: boolean;
  normalizeStoredPatternEps?: number;
  /** Layer-normalize the state patterns R before W_Q (default true), with a learned affine (default true). */
  normalizeStatePattern?: boolean;
  normalizeStatePatternAffine?: boolean;
  normalizeStatePatternEps?: number;
  /** Layer-normalize the pattern projection input P before W_V (default true), with a learned affine (default true). */
  normalizePatternProjection?: boolean;
  normalizePatternProjectionAffine?: boolean;
  normalizePatternProjectionEps?: number;
  /** Biases of W_Q, W_K, W_V and W_O (default true, zero-initialized as hflayers). */
  inputBias?: boolean;
  /** No output projection: the output is the concatenated heads [.., L, H·dv] (default false). */
  disableOutProjection?: boolean;
  /**
   * entmax: learn one α per head, parametrized as α = 1.001 + 0.999·sigmoid(a) ∈ (1.001, 2) so it stays valid
   * (the parameter `alphaLogit` holds a; it starts at the `alpha` option, default 1.5). Default false.
   */
  learnAlpha?: boolean;
  /** Parameter dtype (default float32). */
  dtype?: 'float32' | 'float64';
  /** Generator of the initial values, the dropout masks and the random kind's seeds (default: the default one). */
  generator?: Generator;
}

/**
 * What a Hopfield layer takes: one tensor (self-association: R = Y = P), `{ stored, state, projection? }`, or
 * the hflayers tuple (stored, state, projection?). A missing projection is the stored patterns. Each tensor is
 * batched [B, n, d] or unbatched [n, d]; unbatched ones are shared by every batch element.
 */
export type HopfieldInput =
  | Tensor
  | { stored: Tensor; state: Tensor; projection?: Tensor }
  | readonly [stored: Tensor, state: Tensor, projection?: Tensor];

/** Per-call options of the layers. */
export interface HopfieldCallOptions {
  /** [B, M] (or [M]): true / nonzero = padded stored pattern, excluded (hflayers `stored_pattern_padding_mask`). */
  keyPaddingMask?: Tensor;
}

/** Per-call options of `forwardDetailed`. */
export interface HopfieldDetailedCallOptions extends HopfieldCallOptions {
  /** Also return the association weights [B?, H, L, M] of the last step (default false). */
  returnAssociation?: boolean;
}

/** The three pattern sets of a call. */
export interface PatternSets {
  stored: Tensor;
  state: Tensor;
  projection: Tensor;
}

/** Split a layer input into stored, state and projection patterns. */
export function unpackInput(input: HopfieldInput, where: string): PatternSets {
  if (input instanceof Tensor) return { stored: input, state: input, projection: input };
  if (Array.isArray(input)) {
    const a = input as readonly unknown[];
    check(a.length === 2 || a.length === 3, where, () => `a tuple input must be (stored, state) or (stored, state, projection), got ${a.length} entries`);
    const [stored, state, projection] = a as [Tensor, Tensor, Tensor | undefined];
    return { stored, state, projection: projection ?? stored };
  }
  check(input !== null && typeof input === 'object' && 'stored' in input && 'state' in input, where,
    () => 'input must be a Tensor, { stored, state, projection? } or a tuple (stored, state, projection?)');
  const o = input as { stored: Tensor; state: Tensor; projection?: Tensor };
  return { stored: o.stored, state: o.state, projection: o.projection ?? o.stored };
}

function size(v: unknown, name: string, where: string, fallback?: number): number {
  const n = v ?? fallback;
  check(Number.isInteger(n) && (n as number) >= 1, where, () => `${name} must be an integer >= 1, got ${String(v)}`);
  return n as number;
}

function flag(v: unknown, name: string, where: string, fallback: boolean): boolean {
  check(v === undefined || typeof v === 'boolean', where, () => `${name} must be a boolean, got ${String(v)}`);
  return (v as boolean | undefined) ?? fallback;
}

function empty(shape: number[], dtype: DType): Tensor {
  return new Tensor(allocate(dtype, shape.reduce((a, b) => a * b, 1)), shape);
}

/**
 * A Hopfield layer (hflayers `Hopfield`, paper (D.1)–(D.2)): Z = T(β Q Kᵀ) V W_O with Q = LN(R) W_Q,
 * K = LN(Y) W_K, V = LN(P) W_V per head and T any association `kind`. Parameters: `queryWeight`
 * [H·dk, inputSize], `keyWeight` [H·dk, storedPatternSize], `valueWeight` [H·dv, patternProjectionSize],
 * `outWeight` [outputSize, H·dv] (absent with disableOutProjection), their biases, the layer norms
 * `normStoredPattern` / `normStatePattern` / `normPatternProjection`, and `alphaLogit` with learnAlpha.
 * Initialization as hflayers (torch's MultiheadAttention): xavier-uniform W_Q, W_K, W_V, torch Linear's
 * kaiming-uniform W_O, zero biases. Batch-first only ([B, n, d]; or unbatched [n, d]).
 */
export class Hopfield extends Module<[HopfieldInput, HopfieldCallOptions?], Tensor> {
  declare queryWeight: Tensor;
  declare queryBias: Tensor | null;
  declare keyWeight: Tensor;
  declare keyBias: Tensor | null;
  declare valueWeight: Tensor;
  declare valueBias: Tensor | null;
  declare outWeight: Tensor | null;
  declare outBias: Tensor | null;
  declare alphaLogit: Tensor | null;
  declare normStoredPattern: LayerNorm | null;
  declare normStatePattern: LayerNorm | null;
  declare normPatternProjection: LayerNorm | null;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly outputSize: number;
  readonly patternSize: number;
  readonly numHeads: number;
  readonly storedPatternSize: number;
  readonly patternProjectionSize: number;
  /** The association options every call uses. */
  readonly associationOptions: Readonly<AssociationOptions>;
  readonly generator: Generator | undefined;

  constructor(opts: HopfieldOptions) {
    super();
    const where = 'Hopfield';
    check(opts !== null && typeof opts === 'object', where, () => `options must be an object with at least inputSize, got ${String(opts)}`);
    this.inputSize = size(opts.inputSize, 'inputSize', where);
    this.numHeads = size(opts.numHeads, 'numHeads', where, 1);
    if (opts.hiddenSize === undefined) {
      check(this.inputSize % this.numHeads === 0, where,
        () => `numHeads = ${this.numHeads} does not divide inputSize = ${this.inputSize}; give hiddenSize (the per-head width) or another numHeads`);
    }
    this.hiddenSize = size(opts.hiddenSize, 'hiddenSize', where, this.inputSize / this.numHeads);
    this.patternSize = size(opts.patternSize, 'patternSize', where, this.hiddenSize);
    this.outputSize = size(opts.outputSize, 'outputSize', where, this.inputSize);
    this.storedPatternSize = size(opts.storedPatternSize, 'storedPatternSize', where, this.inputSize);
    this.patternProjectionSize = size(opts.patternProjectionSize, 'patternProjectionSize', where, this.inputSize);
    const dtype: 'float32' | 'float64' = opts.dtype ?? 'float32';
    check(dtype === 'float32' || dtype === 'float64', where, () => `dtype must be 'float32' or 'float64', got ${String(dtype)}`);
    check(opts.generator === undefined || opts.generator instanceof Generator, where, () => `generator must be a Generator, got ${typeof opts.generator}`);
    this.generator = opts.generator;
    const learnAlpha = flag(opts.learnAlpha, 'learnAlpha', where, false);
    const assoc: AssociationOptions = {};
    for (const key of ['kind', 'beta', 'alpha', 'k', 'reading', 'window', 'features', 'seed', 'omega', 'updateSteps', 'tol', 'dropout'] as const) {
      if (opts[key] !== undefined) (assoc as Record<string, unknown>)[key] = opts[key];
    }
    checkAssociationOptions({ ...assoc, numHeads: this.numHeads }, where);
    this.associationOptions = Object.freeze(assoc);

    const h = this.numHeads;
    const g = opts.generator === undefined ? {} : { generator: opts.generator };
    const bias = flag(opts.inputBias, 'inputBias', where, true);
    const weight = (rows: number, cols: number): Tensor => xavierUniform_(empty([rows, cols], dtype), g);
    this.registerParameter('queryWeight', weight(h * this.hiddenSize, this.inputSize));
    this.registerParameter('queryBias', bias ? empty([h * this.hiddenSize], dtype) : null);
    this.registerParameter('keyWeight', weight(h * this.hiddenSize, this.storedPatternSize));
    this.registerParameter('keyBias', bias ? empty([h * this.hiddenSize], dtype) : null);
    this.registerParameter('valueWeight', weight(h * this.patternSize, this.patternProjectionSize));
    this.registerParameter('valueBias', bias ? empty([h * this.patternSize], dtype) : null);
    const out = !flag(opts.disableOutProjection, 'disableOutProjection', where, false);
    this.registerParameter('outWeight', out ? kaimingUniform_(empty([this.outputSize, h * this.patternSize], dtype), { a: Math.sqrt(5), ...g }) : null);
    this.registerParameter('outBias', out && bias ? empty([this.outputSize], dtype) : null);
    if (!out) this.outputSize = h * this.patternSize;
    this.registerParameter('alphaLogit', learnAlpha ? this.initAlpha(opts, dtype, where) : null);

    const norm = (on: unknown, affine: unknown, eps: unknown, name: string, d: number): LayerNorm | null => {
      if (!flag(on, name, where, true)) return null;
      const o: LayerNormOptions = { elementwiseAffine: flag(affine, `${name}Affine`, where, true), dtype };
      if (eps !== undefined) o.eps = eps as number;
      return new LayerNorm(d, o);
    };
    this.registerModule('normStoredPattern', norm(opts.normalizeStoredPattern, opts.normalizeStoredPatternAffine, opts.normalizeStoredPatternEps, 'normalizeStoredPattern', this.storedPatternSize));
    this.registerModule('normStatePattern', norm(opts.normalizeStatePattern, opts.normalizeStatePatternAffine, opts.normalizeStatePatternEps, 'normalizeStatePattern', this.inputSize));
    this.registerModule('normPatternProjection', norm(opts.normalizePatternProjection, opts.normalizePatternProjectionAffine, opts.normalizePatternProjectionEps, 'normalizePatternProjection', this.patternProjectionSize));
  }

  private initAlpha(opts: HopfieldOptions, dtype: DType, where: string): Tensor {
    check((opts.kind ?? 'dense') === 'entmax', where, () => `learnAlpha needs kind 'entmax', got kind '${String(opts.kind ?? 'dense')}'`);
    const h = this.numHeads;
    const a0 = opts.alpha ?? 1.5;
    const list = typeof a0 === 'number' ? new Array<number>(h).fill(a0) : [...a0];
    const t = empty([h], dtype);
    list.forEach((a, i) => {
      check(a > 1.001 && a < 2, where, () => `a learned alpha starts inside (1.001, 2), got ${a}${typeof a0 === 'number' ? '' : ` for head ${i}`}`);
      const s = (a - 1.001) / 0.999;
      t._storage[i] = Math.log(s / (1 - s));
    });
    return t;
  }

  /** The per-head entmax α currently in use: learned (1.001 + 0.999·sigmoid(alphaLogit)) or the option. */
  alphaValues(): Tensor | null {
    return this.alphaLogit ? add(mul(sigmoid(this.alphaLogit), 0.999), 1.001) : null;
  }

  /** The tensors the core uses (read at call time, so functionalCall substitutes reach them). */
  coreParams(): HopfieldParams {
    const ln = (m: LayerNorm | null): LayerNormParams | null => (m ? { weight: m.weight, bias: m.bias, eps: m.eps } : null);
    return {
      queryWeight: this.queryWeight, queryBias: this.queryBias, keyWeight: this.keyWeight, keyBias: this.keyBias,
      valueWeight: this.valueWeight, valueBias: this.valueBias, outWeight: this.outWeight, outBias: this.outBias,
      alpha: this.alphaValues(), storedNorm: ln(this.normStoredPattern), stateNorm: ln(this.normStatePattern),
      projectionNorm: ln(this.normPatternProjection),
    };
  }

  /** @internal run the core on the three pattern sets, errors named after `where` (the calling layer). */
  runCore(where: string, p: PatternSets, opts: HopfieldDetailedCallOptions): HopfieldCoreResult {
    check(opts !== null && typeof opts === 'object', where, () => `call options must be an object, got ${String(opts)}`);
    for (const [name, t, d, opt] of [
      ['state pattern', p.state, this.inputSize, 'inputSize'], ['stored pattern', p.stored, this.storedPatternSize, 'storedPatternSize'],
      ['pattern projection', p.projection, this.patternProjectionSize, 'patternProjectionSize'],
    ] as const) {
      check(t instanceof Tensor, where, () => `the ${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
      check(t.ndim >= 1 && t.shape[t.ndim - 1] === d, where, () => `the ${name} has shape ${fmt(t.shape)} but its last dimension must be ${opt} = ${d}`);
    }
    const core = { ...this.associationOptions, numHeads: this.numHeads, training: this.training };
    return hopfieldCoreAt(where, p.state, p.stored, p.projection, this.coreParams(), {
      ...core,
      ...(this.generator ? { generator: this.generator } : {}),
      ...(opts.keyPaddingMask !== undefined ? { keyPaddingMask: opts.keyPaddingMask } : {}),
      ...(opts.returnAssociation ? { returnAssociation: true } : {}),
    });
  }

  /** Z [B?, L, outputSize] for the input (see `HopfieldInput`). */
  forward(input: HopfieldInput, opts: HopfieldCallOptions = {}): Tensor {
    return this.runCore('Hopfield', unpackInput(input, 'Hopfield'), opts).output;
  }

  /** The output with the step count and, with `returnAssociation`, the association weights [B?, H, L, M]. */
  forwardDetailed(input: HopfieldInput, opts: HopfieldDetailedCallOptions = {}): HopfieldCoreResult {
    return this.runCore('Hopfield', unpackInput(input, 'Hopfield'), opts);
  }

  /** The association weights [B?, H, L, M] of the last step, without gradients (hflayers `get_association_matrix`). */
  getAssociationMatrix(input: HopfieldInput, opts: HopfieldCallOptions = {}): Tensor {
    return noGrad(() => this.forwardDetailed(input, { ...opts, returnAssociation: true }).association!);
  }

  override extraRepr(): string {
    return `inputSize=${this.inputSize}, hiddenSize=${this.hiddenSize}, numHeads=${this.numHeads}, outputSize=${this.outputSize}, kind=${this.associationOptions.kind ?? 'dense'}`;
  }
}
