// The CPU backend: plain typed-array loops. It implements every kernel and is the reference for the others.
import type { Backend } from '../backend.js';
import { binary, cast, strided, unary, where } from './elementwise.js';
import { argReduce, cumsum, reduce } from './reduce.js';
import { matmul } from './matmul.js';
import { layerNorm, logSoftmax, logsumexp, softmax } from './nn.js';
import { argsort, gather, scatterAdd, topk } from './indexing.js';
import { entmax, sparsemax } from './separation.js';
import { attention, attentionBackward } from './attention.js';
import { gatheredAttention, gatheredAttentionBackward } from './gathered.js';
import { topkScores } from './topk-scores.js';

/** The reference backend. */
export const cpuBackend: Backend = {
  name: 'cpu',
  unary, binary, where, strided, cast,
  reduce, argReduce, cumsum,
  matmul,
  softmax, logSoftmax, logsumexp, layerNorm,
  sparsemax, entmax,
  attention, attentionBackward,
  gatheredAttention, gatheredAttentionBackward,
  gather, scatterAdd, topk, argsort, topkScores,
};
