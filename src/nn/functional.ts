// The stateless forms of the layers (torch.nn.functional): linear, dropout and embedding, plus re-exports of
// the activation and normalization ops and the losses, so `nn.functional` is one place to find them.
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import { fmt } from '../tensor/shape.js';
import { allocate } from '../tensor/dtype.js';
import { type Generator, defaultGenerator } from '../tensor/random.js';
import { add, indexSelect, matmul, mul, transpose } from '../autograd/ops/index.js';

export {
  relu, gelu, tanh, sigmoid, elu, leakyRelu, softplus, softmax, logSoftmax, logSigmoid, layerNorm,
} from '../autograd/ops/index.js';
export * from './losses.js';
import { describeValue as describe } from './validate.js';

/**
 * x·Wᵀ + b with the weight stored [out, in] as in PyTorch: x is [..., in] (any leading batch dimensions, or
 * just [in]), W is [out, in], b is [out]. The transpose is a view (no copy).
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const where = 'linear';
  check(x instanceof Tensor, where, () => `input must be a Tensor, got ${describe(x)}`);
  check(weight instanceof Tensor, where, () => `weight must be a Tensor, got ${describe(weight)}`);
  check(weight.ndim === 2, where, () => `weight must be 2-D [outFeatures, inFeatures], got shape ${fmt(weight.shape)}`);
  const [out, inF] = weight.shape as [number, number];
  check(x.ndim >= 1, where, () => `input must have at least 1 dimension (the features), got a 0-d tensor`);
  check(x.dtype !== 'int32', where, () => `input must be a float tensor, got int32`);
  check(x.shape[x.ndim - 1] === inF, where,
    () => `input has ${x.shape[x.ndim - 1]} features (last dimension of ${fmt(x.shape)}) but the weight ${fmt(weight.shape)} expects ${inF}`);
  check(x.dtype === weight.dtype, where,
    () => `input dtype ${x.dtype} does not match the weight's ${weight.dtype} (convert the module with .to('${x.dtype}') or the input)`);
  const y = matmul(x, transpose(weight));
  if (bias === undefined || bias === null) return y;
  check(bias instanceof Tensor, where, () => `bias must be a Tensor or null, got ${describe(bias)}`);
  check(bias.ndim === 1 && bias.shape[0] === out, where, () => `bias must have shape [${out}], got ${fmt(bias.shape)}`);
  check(bias.dtype === weight.dtype, where, () => `bias dtype ${bias.dtype} does not match the weight's ${weight.dtype}`);
  return add(y, bias);
}

/** Options of `dropout`. */
export interface DropoutOptions {
  /** Draw the mask from this generator (default: the default generator). */
  generator?: Generator;
}

/** Check a dropout probability: a number in [0, 1]. */
export function checkDropoutP(p: unknown, where: string): asserts p is number {
  check(typeof p === 'number' && p >= 0 && p <= 1, where, () => `p must be a probability in [0, 1], got ${String(p)}`);
}

/**
 * Inverted dropout: in training, each entry is zeroed with probability p and the survivors are scaled by
 * 1/(1 − p), so the expectation is unchanged; p = 1 zeroes everything. Outside training (or p = 0) returns x.
 */
export function dropout(x: Tensor, p = 0.5, training = true, opts: DropoutOptions = {}): Tensor {
  const where = 'dropout';
  check(x instanceof Tensor, where, () => `input must be a Tensor, got ${describe(x)}`);
  checkDropoutP(p, where);
  check(typeof training === 'boolean', where, () => `training must be a boolean, got ${describe(training)}`);
  if (!training || p === 0) return x;
  check(x.dtype !== 'int32', where, 'input must be a float tensor, got int32');
  const g = opts.generator ?? defaultGenerator;
  const mask = allocate(x.dtype, x.size);
  if (p < 1) {
    const scale = 1 / (1 - p);
    for (let i = 0; i < mask.length; i++) mask[i] = g.uniform() >= p ? scale : 0;
  }
  return mul(x, new Tensor(mask, x.shape));
}

/**
 * Embedding lookup: rows of `weight` [num, dim] at the int32 `indices` (any shape) → [...indices.shape, dim].
 * Entries equal to `paddingIdx` give zeros and send no gradient to that row.
 */
export function embedding(indices: Tensor, weight: Tensor, opts: { paddingIdx?: number } = {}): Tensor {
  const where = 'embedding';
  check(indices instanceof Tensor, where, () => `indices must be a Tensor, got ${describe(indices)}`);
  check(weight instanceof Tensor && weight.ndim === 2, where, () => `weight must be a 2-D Tensor [numEmbeddings, dim], got ${describe(weight)}`);
  check(indices.dtype === 'int32', where, () => `indices must be an int32 tensor, got ${indices.dtype}`);
  const n = weight.shape[0]!;
  const ids = indices.contiguousData();
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    check(v >= 0 && v < n, where, () => `index ${v} (at flat position ${i} of the indices ${fmt(indices.shape)}) is out of range for ${n} embeddings`);
  }
  const out = indexSelect(weight, 0, indices);
  const pad = opts.paddingIdx;
  if (pad === undefined) return out;
  const keep = allocate(weight.dtype, ids.length);
  for (let i = 0; i < ids.length; i++) keep[i] = ids[i] === pad ? 0 : 1;
  return mul(out, new Tensor(keep, [...indices.shape, 1]));
}
