// The public op functions, re-exported by group (each group module also installs its Tensor methods).
export {
  add, sub, mul, div, pow, maximum, minimum, neg, exp, log, sqrt, rsqrt, abs, square, reciprocal, tanh,
  sigmoid, relu, gelu, softplus, sin, cos, log1p, expm1, elu, leakyRelu, powScalar, where, clamp,
  eq, ne, lt, le, gt, ge, isnan, isfinite, sign,
} from './elementwise.js';
export { reshape, permute, transpose, expand, broadcastTo, contiguous, unsqueeze, squeeze, flatten } from './movement.js';
export { sum, mean } from './reduce.js';
export type { ReduceOptions } from './reduce.js';
export { matmul } from './linalg.js';
export { max, min, argmax, argmin, prod, logsumexp, variance, var, std, norm, cumsum } from './reductions.js';
export type { VarOptions, CumsumOptions } from './reductions.js';
export { softmax, logSoftmax, logSigmoid, layerNorm } from './fused.js';
export {
  slice, sliceBackward, narrow, select, gather, scatterAdd, indexSelect, maskedFill, topk, sort, argsort, oneHot,
} from './indexing.js';
export type { SliceEntry, SortResult, TopkOptions, SortOptions } from './indexing.js';
export { concat, cat, stack, split, chunk, pad, repeat, tile, flip } from './join.js';
export { scaledDotProductAttention } from './attention.js';
export type { AttentionOptions } from './attention.js';
export type { TensorLike } from './util.js';
export { gatheredAttention } from './gathered.js';
export type { GatheredIndex } from './gathered.js';
