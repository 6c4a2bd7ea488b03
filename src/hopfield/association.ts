// One retrieval step T(x) of every Hopfield kind (the association maps of the paper): dense softmax (2.3),
// sparsemax / α-entmax (Hu et al. 2023), top-K (3.9)–(3.11) in both readings, random and window masks that
// gather only their k or ≤ 2w+1 memories per query (never an L×M matrix), and the linear / PRF kernels of
// Appendix C (from ./feature-maps.ts). Optional dropout on the association weights is applied to the kept
// weights only ([L, K] or [L, width] for the sparse kinds), so it keeps them sub-quadratic. Inputs are already
// validated by ./retrieve.ts.
import { Tensor } from '../tensor/tensor.js';
import { allocate } from '../tensor/dtype.js';
import { sizeOf } from '../tensor/shape.js';
import type { Generator } from '../tensor/random.js';
import {
  add, div, exp, expand, indexSelect, isfinite, logsumexp, matmul, mul, reshape, scatterAdd, softmax, sub, sum, topk,
  transpose, unsqueeze, where, gatheredAttention,
} from '../autograd/ops/index.js';
import { noGrad } from '../autograd/engine.js';
import { kernels } from '../tensor/backend/index.js';
import { dropout } from '../nn/functional.js';
import { scaledDotProductAttention } from '../autograd/ops/attention.js';
import { entmax, sparsemax } from './separation.js';
import { type IndexSet, flatRows } from './masks.js';
import { type PrfOptions, kernelAggregate, kernelParts } from './feature-maps.js';

/** The association kinds `retrieve` accepts. */
export const KINDS = ['dense', 'sparsemax', 'entmax', 'topk', 'random', 'window', 'linear', 'prf'] as const;
/** An association kind: which separation / support set a retrieval step uses. */
export type RetrieveKind = (typeof KINDS)[number];
/** How top-K weights are read from (3.9): renormalized over the kept K, or the full softmax restricted to them. */
export type TopkReading = 'renormalized' | 'paper';

/** A resolved, validated step configuration (built once per `retrieve` call). */
export interface StepConfig {
  kind: RetrieveKind;
  /** β > 0: a number, or a tensor broadcastable to [..., L, 1] (per batch element / head / query). */
  beta: number | Tensor;
  /** Key padding mask (nonzero = padded), shape broadcastable to [..., M]. */
  mask: Tensor | undefined;
  /** Broadcast batch shape of query, memories, mask and β (the output's leading axes). */
  batch: readonly number[];
  /** topk: K (resolved count). */
  k: number;
  reading: TopkReading;
  /** entmax: α ∈ (1, 2]. */
  alpha: number | Tensor;
  /** random / window: the per-query index set, fixed for the whole call. */
  indexSet: IndexSet | undefined;
  /** prf options. */
  features: number | undefined;
  seed: number | undefined;
  omega: Tensor | undefined;
  /** Dropout on the association weights (every step), or undefined. Not for linear / prf. */
  dropout: { p: number; generator: Generator } | undefined;
}

/** One step's result: the retrieved patterns and, on request, the dense association weights [..., L, M]. */
export interface StepResult {
  output: Tensor;
  weights: Tensor | null;
}

/** β times the raw scores. */
function scale(scores: Tensor, beta: number | Tensor): Tensor {
  return mul(scores, beta);
}

/** Inverted dropout of the (kept) association weights w, when configured; w itself otherwise. */
function dropWeights(w: Tensor, cfg: StepConfig): Tensor {
  return cfg.dropout ? dropout(w, cfg.dropout.p, true, { generator: cfg.dropout.generator }) : w;
}

/** `t` [..., r, c] broadcast to [...batch, r, c] and flattened to [nb·r, c]. */
function flatBatch(t: Tensor, batch: readonly number[]): Tensor {
  const r = t.shape[t.ndim - 2]!;
  const c = t.shape[t.ndim - 1]!;
  return reshape(expand(t, [...batch, r, c]), [sizeOf(batch) * r, c]);
}

/** The sizes of a step: nb batch elements of L queries (rows = nb·L), M memories, key width d, value width dv. */
interface StepDims { nb: number; l: number; m: number; d: number; dv: number; rows: number }

/** The sizes of a step of queries x [..., L, d] against keys [..., M, d] and values [..., M, dv] over `batch`. */
function stepDims(x: Tensor, keys: Tensor, values: Tensor, batch: readonly number[]): StepDims {
  const nb = sizeOf(batch);
  const l = x.shape[x.ndim - 2]!;
  return { nb, l, m: keys.shape[keys.ndim - 2]!, d: x.shape[x.ndim - 1]!, dv: values.shape[values.ndim - 1]!, rows: nb * l };
}

/** The key padding mask as flat 0/1 data over [nb, M]. */
function maskData(mask: Tensor, batch: readonly number[], m: number): Float64Array {
  const d = expand(mask, [...batch, m]).contiguousData();
  return Float64Array.from(d, (v) => (v !== 0 ? 1 : 0));
}

/** Whether the fused gathered-attention kernel can run this step: one float dtype, no association-weight dropout. */
function fusable(x: Tensor, keys: Tensor, values: Tensor, cfg: StepConfig): boolean {
  const dt = x.dtype;
  return !cfg.dropout && x.size > 0 && keys.size > 0 && dt !== 'int32' && keys.dtype === dt && values.dtype === dt && (typeof cfg.beta === 'number' || cfg.beta.dtype === dt);
}

/**
 * The fused path of the sparse kinds: each of the nb·L query rows attends over `width` memories (local indices
 * `index` of `period` rows, reused per batch element when period = L) in one kernel (src/autograd/ops/gathered.ts);
 * slots flagged in `invalid` (index layout) or `bad` (one per slot), and padded memories, are excluded. Memories
 * without batch axes are read in place (never expanded per batch element).
 */
function fusedGathered(
  x: Tensor, keys: Tensor, values: Tensor, cfg: StepConfig, index: Int32Array, width: number, period: number,
  invalid: Uint8Array | null, bad: Uint8Array | null,
): Tensor {
  const { batch } = cfg;
  const { l, m, d, dv, rows } = stepDims(x, keys, values, batch);
  const sharedMem = sizeOf(keys.shape.slice(0, -2)) === 1 && sizeOf(values.shape.slice(0, -2)) === 1;
  const kF = sharedMem ? reshape(keys, [m, d]) : flatBatch(keys, batch);
  const vF = sharedMem ? reshape(values, [m, dv]) : flatBatch(values, batch);
  let excluded: Uint8Array | null = bad ?? invalid;
  if (cfg.mask) {
    const md = maskData(cfg.mask, batch, m);
    const ex = bad ?? new Uint8Array(rows * width);
    const invShared = invalid !== null && invalid.length !== rows * width;
    for (let r = 0; r < rows; r++) {
      const b = Math.floor(r / l) * m;
      const src = (r % period) * width;
      for (let c = 0; c < width; c++) {
        if (md[b + index[src + c]!] === 1 || (invalid !== null && invalid[invShared ? src + c : r * width + c] !== 0)) ex[r * width + c] = 1;
      }
    }
    excluded = ex;
  }
  const beta = typeof cfg.beta === 'number' ? cfg.beta : reshape(expand(cfg.beta, [...batch, l, 1]), [rows]);
  const out = gatheredAttention(flatBatch(x, batch), kF, vF, beta, {
    index, width, period, groupRows: l, groupStride: sharedMem ? 0 : m, excluded,
  });
  return reshape(out, [...batch, l, dv]);
}

/**
 * Association over a gathered support: each of the nb·L query rows sees `width` memory rows (global row
 * indices `rows` into the batch-flattened memories); slots flagged in `bad` are excluded (−∞). Builds only
 * [nb·L, width, d]-sized tensors. `scoresOf` turns the gathered scores [nb·L, width] into weights.
 */
function gatheredStep(
  x: Tensor, keys: Tensor, values: Tensor, cfg: StepConfig, set: IndexSet, want: boolean,
): StepResult {
  const { batch } = cfg;
  const { nb, l, m, d, dv, rows } = stepDims(x, keys, values, batch);
  const width = set.width;
  if (!want && fusable(x, keys, values, cfg)) {
    const period = set.index.length === l * width ? l : rows;
    return { output: fusedGathered(x, keys, values, cfg, set.index, width, period, set.invalid, null), weights: null };
  }
  const global = flatRows(set, nb, l, m);
  const idx = new Tensor(global, [global.length]);
  const xF = reshape(flatBatch(x, batch), [rows, 1, d]);
  const kG = reshape(indexSelect(flatBatch(keys, batch), 0, idx), [rows, width, d]);
  let scores = reshape(matmul(xF, transpose(kG, -2, -1)), [rows, width]);
  const beta = typeof cfg.beta === 'number' ? cfg.beta : reshape(expand(cfg.beta, [...batch, l, 1]), [rows, 1]);
  scores = scale(scores, beta);
  // exclude invalid window slots and padded memories
  let bad: Int32Array | null = null;
  if (set.invalid) {
    bad = new Int32Array(rows * width);
    const shared = set.invalid.length === l * width;
    for (let t = 0; t < rows * width; t++) bad[t] = set.invalid[shared ? t % (l * width) : t]!;
  }
  if (cfg.mask) {
    const md = maskData(cfg.mask, batch, m);
    bad ??= new Int32Array(rows * width);
    for (let t = 0; t < rows * width; t++) if (md[global[t]!] === 1) bad[t] = 1;
  }
  if (bad) scores = where(new Tensor(bad, [rows, width]), -Infinity, scores);
  const w = softmax(scores, -1);
  const vG = reshape(indexSelect(flatBatch(values, batch), 0, idx), [rows, width, dv]);
  const out = reshape(matmul(reshape(dropWeights(w, cfg), [rows, 1, width]), vG), [...batch, l, dv]);
  let weights: Tensor | null = null;
  if (want) {
    const local = flatRows(set, nb, l, 0);
    weights = reshape(scatterAdd(new Tensor(allocate(w.dtype, rows * m), [rows, m]), 1, new Tensor(local, [rows, width]), w), [...batch, l, m]);
  }
  return { output: out, weights };
}

/** The K kept memories (local indices, unsorted) of every query row [nb·L·K] by the backend's fused topkScores kernel. */
function topkIndex(x: Tensor, keys: Tensor, cfg: StepConfig): Int32Array {
  const { batch, k } = cfg;
  const { nb, l, m, d, rows } = stepDims(x, keys, keys, batch);
  const sharedKeys = sizeOf(keys.shape.slice(0, -2)) === 1;
  const q = flatBatch(x, batch).contiguousData();
  const kd = (sharedKeys ? reshape(keys, [m, d]) : flatBatch(keys, batch)).contiguousData();
  const scaleData = typeof cfg.beta === 'number' ? cfg.beta : reshape(expand(cfg.beta, [...batch, l, 1]), [rows]).contiguousData();
  const mask = cfg.mask ? Uint8Array.from(maskData(cfg.mask, batch, m)) : null;
  return kernels().topkScores(q, kd, { batch: nb, l, m, d, k, scale: scaleData, mask, sharedKeys });
}

/** Top-K (3.9)–(3.11): full scores (quadratic), then aggregation over the K kept memories only. */
function topkStep(x: Tensor, keys: Tensor, values: Tensor, cfg: StepConfig, want: boolean): StepResult {
  const { batch, k } = cfg;
  const { nb, l, m, dv, rows } = stepDims(x, keys, values, batch);
  if (!want && cfg.reading === 'renormalized' && fusable(x, keys, values, cfg)) {
    // select without a graph (the selection is piecewise constant), then recompute the kept scores fused:
    // softmax over the K kept scores is exactly the renormalized reading. The fused score + select kernel keeps
    // the set matmul((β·x), Ξᵀ) + topk would (β folded into the queries, padded memories at −∞), unsorted (the
    // order is irrelevant to the weighted sum), and never forms the [rows, M] scores.
    const index = noGrad(() => topkIndex(x, keys, cfg));
    // a padded memory is kept only when fewer than K are unpadded: fusedGathered excludes it by the mask
    return { output: fusedGathered(x, keys, values, cfg, index, k, rows, null, null), weights: null };
  }
  let scores = scale(matmul(x, transpose(keys, -2, -1)), cfg.beta);
  if (cfg.mask) scores = where(unsqueeze(cfg.mask, -2), -Infinity, scores);
  scores = reshape(expand(scores, [...batch, l, m]), [rows, m]);
  const top = topk(scores, k, { axis: -1 });
  let w: Tensor;
  if (cfg.reading === 'renormalized') w = softmax(top.values, -1);
  else {
    // (3.9) read literally: [softmax(βΞᵀx)]_μ for μ in the mask, normalized over all M memories
    const lse = logsumexp(scores, -1, { keepDims: true });
    w = exp(sub(top.values, where(isfinite(lse), lse, 0)));
  }
  const local = top.indices.contiguousData() as Int32Array;
  const global = flatRows({ index: local, invalid: null, width: k }, nb, l, m);
  const vG = reshape(indexSelect(flatBatch(values, batch), 0, new Tensor(global, [global.length])), [rows, k, dv]);
  const out = reshape(matmul(reshape(dropWeights(w, cfg), [rows, 1, k]), vG), [...batch, l, dv]);
  const weights = want
    ? reshape(scatterAdd(new Tensor(allocate(w.dtype, rows * m), [rows, m]), 1, top.indices, w), [...batch, l, m])
    : null;
  return { output: out, weights };
}

/** Dense-scored kinds: dense (softmax), sparsemax and entmax over β·Ξᵀx with the padding mask at −∞. */
function denseStep(x: Tensor, keys: Tensor, values: Tensor, cfg: StepConfig, want: boolean): StepResult {
  // dense without weights or dropout: the fused kernel, which never forms the L×M matrix
  if (cfg.kind === 'dense' && !want && !cfg.dropout && x.dtype === keys.dtype && keys.dtype === values.dtype) {
    const opts: { scale: number | Tensor; mask?: Tensor } = { scale: cfg.beta };
    if (cfg.mask) opts.mask = cfg.mask;
    return { output: scaledDotProductAttention(x, keys, values, opts), weights: null };
  }
  const scores = scale(matmul(x, transpose(keys, -2, -1)), cfg.beta);
  const mask = cfg.mask ? unsqueeze(cfg.mask, -2) : undefined;
  let w: Tensor;
  if (cfg.kind === 'sparsemax') w = sparsemax(scores, { mask });
  else if (cfg.kind === 'entmax') w = entmax(scores, cfg.alpha, { mask });
  else w = softmax(mask ? where(mask, -Infinity, scores) : scores, -1);
  return { output: matmul(dropWeights(w, cfg), values), weights: want ? w : null };
}

/**
 * Linear (C.2) and PRF (C.6)–(C.7) kernels through ./feature-maps.ts (O((L + M)·d·m_f)), with β a number or
 * one per batch element / head and padded memories dropped from the kernel sums. The dense weights, only on
 * request, are the normalized kernel matrix κ(x_i, ξ_j) / Σ_ν κ(x_i, ξ_ν) of the same features, built in O(L·M).
 */
function kernelStep(x: Tensor, keys: Tensor, values: Tensor, cfg: StepConfig, want: boolean): StepResult {
  const kind = cfg.kind as 'linear' | 'prf';
  const where = `${kind}Association`;
  const o: PrfOptions = { beta: cfg.beta };
  if (cfg.mask !== undefined) o.mask = cfg.mask;
  if (kind === 'prf') {
    if (cfg.features !== undefined) o.features = cfg.features;
    if (cfg.seed !== undefined) o.seed = cfg.seed;
    if (cfg.omega !== undefined) o.omega = cfg.omega;
  }
  const parts = kernelParts(where, kind, x, keys, o);
  const output = kernelAggregate(where, kind, parts, values);
  if (!want) return { output, weights: null };
  const kappa = matmul(parts.query, transpose(parts.keys, -2, -1));
  const den = sum(kappa, -1, { keepDims: true });
  return { output, weights: div(kappa, parts.empty ? add(den, parts.empty) : den) };
}

/**
 * One association step T(x) for queries x [..., L, d] against keys [..., M, d] and values [..., M, dv]
 * under a resolved configuration; `want` also returns the dense association weights [..., L, M].
 */
export function associate(x: Tensor, keys: Tensor, values: Tensor, cfg: StepConfig, want: boolean): StepResult {
  switch (cfg.kind) {
    case 'dense': case 'sparsemax': case 'entmax':
      return denseStep(x, keys, values, cfg, want);
    case 'topk':
      return topkStep(x, keys, values, cfg, want);
    case 'random': case 'window':
      return gatheredStep(x, keys, values, cfg, cfg.indexSet!, want);
    case 'linear': case 'prf':
      return kernelStep(x, keys, values, cfg, want);
  }
}
