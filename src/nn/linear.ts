// Affine and lookup layers: Linear (x·Wᵀ + b with PyTorch's default init), Embedding, Identity and Flatten.
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import { type DType, allocate } from '../tensor/dtype.js';
import type { Generator } from '../tensor/random.js';
import { flatten } from '../autograd/ops/index.js';
import { Module } from './module.js';
import { kaimingUniform_, normal_, uniform_ } from './init.js';
import { embedding, linear } from './functional.js';

/** Options of the layers that create parameters. */
export interface LayerOptions {
  /** Parameter dtype (default float32). */
  dtype?: 'float32' | 'float64';
  /** Generator for the initial values (default: the default generator). */
  generator?: Generator;
}

function paramDtype(d: unknown, where: string): DType {
  if (d === undefined) return 'float32';
  check(d === 'float32' || d === 'float64', where, () => `dtype must be 'float32' or 'float64', got ${String(d)}`);
  return d;
}

function count(n: unknown, name: string, where: string, min = 0): number {
  check(Number.isInteger(n) && (n as number) >= min, where, () => `${name} must be an integer ≥ ${min}, got ${String(n)}`);
  return n as number;
}

function empty(shape: number[], dtype: DType): Tensor {
  return new Tensor(allocate(dtype, shape.reduce((a, b) => a * b, 1)), shape);
}

/** Options of Linear. */
export interface LinearOptions extends LayerOptions {
  /** Whether to add a learned bias (default true). */
  bias?: boolean;
}

/**
 * y = x·Wᵀ + b, applied to the last axis of x (any leading batch dimensions). The weight is stored
 * [outFeatures, inFeatures] as in PyTorch and initialized like it: W ~ kaimingUniform(a = √5), i.e.
 * U(−1/√in, 1/√in), and b ~ U(−1/√in, 1/√in).
 */
export class Linear extends Module {
  declare weight: Tensor;
  declare bias: Tensor | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    const where = 'Linear';
    this.inFeatures = count(inFeatures, 'inFeatures', where);
    this.outFeatures = count(outFeatures, 'outFeatures', where);
    const dtype = paramDtype(opts.dtype, where);
    check(opts.bias === undefined || typeof opts.bias === 'boolean', where, () => `bias must be a boolean, got ${String(opts.bias)}`);
    const g = opts.generator === undefined ? {} : { generator: opts.generator };
    this.registerParameter('weight', kaimingUniform_(empty([outFeatures, inFeatures], dtype), { a: Math.sqrt(5), ...g }));
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    this.registerParameter('bias', opts.bias === false ? null : uniform_(empty([outFeatures], dtype), -bound, bound, g));
  }

  /** x [..., inFeatures] → [..., outFeatures]. */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** Options of Embedding. */
export interface EmbeddingOptions extends LayerOptions {
  /** This index maps to a zero vector and its row gets no gradient (its row is initialized to zeros). */
  paddingIdx?: number;
}

/** A lookup table: int32 indices of any shape → their rows of `weight` [numEmbeddings, embeddingDim], N(0, 1) initialized. */
export class Embedding extends Module {
  declare weight: Tensor;
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | undefined;

  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingOptions = {}) {
    super();
    const where = 'Embedding';
    this.numEmbeddings = count(numEmbeddings, 'numEmbeddings', where, 1);
    this.embeddingDim = count(embeddingDim, 'embeddingDim', where);
    const dtype = paramDtype(opts.dtype, where);
    let pad = opts.paddingIdx;
    if (pad !== undefined) {
      check(Number.isInteger(pad) && pad >= -numEmbeddings && pad < numEmbeddings, where,
        () => `paddingIdx must be an integer in [-${numEmbeddings}, ${numEmbeddings}), got ${String(pad)}`);
      if (pad < 0) pad += numEmbeddings;
    }
    this.paddingIdx = pad;
    const w = normal_(empty([numEmbeddings, embeddingDim], dtype), 0, 1, opts.generator === undefined ? {} : { generator: opts.generator });
    if (pad !== undefined) w._storage.fill(0, pad * embeddingDim, (pad + 1) * embeddingDim);
    this.registerParameter('weight', w);
  }

  /** indices (int32, any shape) → [...indices.shape, embeddingDim]. */
  forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight, this.paddingIdx === undefined ? {} : { paddingIdx: this.paddingIdx });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === undefined ? '' : `, paddingIdx=${this.paddingIdx}`}`;
  }
}

/** Returns its input unchanged (a placeholder layer). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Merges axes startAxis..endAxis into one (default 1..−1: everything but the batch axis, like torch.nn.Flatten). */
export class Flatten extends Module {
  constructor(readonly startAxis = 1, readonly endAxis = -1) {
    super();
    check(Number.isInteger(startAxis) && Number.isInteger(endAxis), 'Flatten', () => `axes must be integers, got ${String(startAxis)} and ${String(endAxis)}`);
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startAxis, this.endAxis);
  }

  override extraRepr(): string {
    return `startAxis=${this.startAxis}, endAxis=${this.endAxis}`;
  }
}
