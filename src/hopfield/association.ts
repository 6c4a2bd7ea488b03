// One retrieval step T(x) of every Hopfield kind (the association maps of the paper): dense softmax (2.3),
// sparsemax / α-entmax (Hu et al. 2023), top-K (3.9)–(3.11) in both readings, random and window masks that
// gather only their k or ≤ 2w+1 memories per query (never an L×M matrix), and the linear / PRF kernels of
// Appendix C (from ./feature-maps.ts). Inputs are already validated by ./retrieve.ts.
import { Tensor } from '../tensor/tensor.js';
import { allocate } from '../tensor/dtype.js';
import { sizeOf } from '../tensor/shape.js';
import {
  add, div, elu, exp, expand, indexSelect, isfinite, logsumexp, matmul, max, mul, reshape, scatterAdd, softmax, square,
  sub, sum, topk, transpose, unsqueeze, where,
} from '../autograd/ops/index.js';
import { entmax, sparsemax } from './separation.js';
import { type IndexSet, flatRows } from './masks.js';
import { defaultFeatures, drawOmega, linearAssociation, prfAssociation } from './feature-maps.js';

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

/** `t` [..., r, c] broadcast to [...batch, r, c] and flattened to [nb·r, c]. */
function flatBatch(t: Tensor, batch: readonly number[]): Tensor {
  const r = t.shape[t.ndim - 2]!;
  const c = t.shape[t.ndim - 1]!;
  return reshape(expand(t, [...batch, r, c]), [sizeOf(batch) * r, c]);
}

/** The key padding mask as flat 0/1 data over [nb, M]. */
function maskData(mask: Tensor, batch: readonly number[], m: number): Float64Array {
  const d = expand(mask, [...batch, m]).contiguousData();
  return Float64Array.from(d, (v) => (v !== 0 ? 1 : 0));
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
  const nb = sizeOf(batch);
  const l = x.shape[x.ndim - 2]!;
  const m = keys.shape[keys.ndim - 2]!;
  const d = x.shape[x.ndim - 1]!;
  const dv = values.shape[values.ndim - 1]!;
  const width = set.width;
  const rows = nb * l;
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
  const out = reshape(matmul(reshape(w, [rows, 1, width]), vG), [...batch, l, dv]);
  let weights: Tensor | null = null;
  if (want) {
    const local = flatRows(set, nb, l, 0);
    weights = reshape(scatterAdd(new Tensor(allocate(w.dtype, rows * m), [rows, m]), 1, new Tensor(local, [rows, width]), w), [...batch, l, m]);
  }
  return { output: out, weights };
}

/** Top-K (3.9)–(3.11): full scores (quadratic), then aggregation over the K kept memories only. */
function topkStep(x: Tensor, keys: Tensor, values: Tensor, cfg: StepConfig, want: boolean): StepResult {
  const { batch, k } = cfg;
  const nb = sizeOf(batch);
  const l = x.shape[x.ndim - 2]!;
  const m = keys.shape[keys.ndim - 2]!;
  const dv = values.shape[values.ndim - 1]!;
  const rows = nb * l;
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
  const out = reshape(matmul(reshape(w, [rows, 1, k]), vG), [...batch, l, dv]);
  const weights = want
    ? reshape(scatterAdd(new Tensor(allocate(w.dtype, rows * m), [rows, m]), 1, top.indices, w), [...batch, l, m])
    : null;
  return { output: out, weights };
}

/** Dense-scored kinds: dense (softmax), sparsemax and entmax over β·Ξᵀx with the padding mask at −∞. */
function denseStep(x: Tensor, keys: Tensor, values: Tensor, cfg: StepConfig, want: boolean): StepResult {
  const scores = scale(matmul(x, transpose(keys, -2, -1)), cfg.beta);
  const mask = cfg.mask ? unsqueeze(cfg.mask, -2) : undefined;
  let w: Tensor;
  if (cfg.kind === 'sparsemax') w = sparsemax(scores, { mask });
  else if (cfg.kind === 'entmax') w = entmax(scores, cfg.alpha, { mask });
  else w = softmax(mask ? where(mask, -Infinity, scores) : scores, -1);
  return { output: matmul(w, values), weights: want ? w : null };
}

/**
 * Linear (C.2) and PRF (C.6)–(C.7) kernels through ./feature-maps.ts (O((L + M)·d·m_f)). The dense weights,
 * only on request, are the normalized kernel matrix κ(x_i, ξ_j) / Σ_ν κ(x_i, ξ_ν), built in O(L·M) with the
 * same feature maps (φ of √β·x; PRF with the same Ω and stabilizing shifts, which cancel in the ratio).
 */
function kernelStep(x: Tensor, keys: Tensor, values: Tensor, cfg: StepConfig, want: boolean): StepResult {
  const beta = cfg.beta as number;
  const d = x.shape[x.ndim - 1]!;
  let output: Tensor;
  let fq: Tensor | null = null;
  let fk: Tensor | null = null;
  if (cfg.kind === 'linear') {
    output = linearAssociation(x, keys, values, { beta });
    if (want) [fq, fk] = [add(elu(mul(x, Math.sqrt(beta))), 1), add(elu(mul(keys, Math.sqrt(beta))), 1)];
  } else {
    const o: { beta: number; features?: number; seed?: number; omega?: Tensor } = { beta };
    if (cfg.features !== undefined) o.features = cfg.features;
    if (cfg.seed !== undefined) o.seed = cfg.seed;
    if (cfg.omega !== undefined) o.omega = cfg.omega;
    output = prfAssociation(x, keys, values, o);
    if (want) {
      const om0 = cfg.omega ?? drawOmega(d, cfg.features ?? defaultFeatures(d), { seed: cfg.seed ?? 0 });
      const om = om0.dtype === x.dtype ? om0.detach() : new Tensor(x.dtype === 'float32' ? Float32Array.from(om0.contiguousData()) : Float64Array.from(om0.contiguousData()), om0.shape);
      const logF = (t: Tensor): Tensor => { const u = mul(t, Math.sqrt(beta)); return sub(matmul(u, transpose(om, -2, -1)), mul(sum(square(u), -1, { keepDims: true }), 0.5)); };
      const [lq, lk] = [logF(x), logF(keys)];
      fq = exp(sub(lq, max(lq.detach(), -1, { keepDims: true })));
      fk = exp(sub(lk, max(lk.detach(), [-2, -1], { keepDims: true })));
    }
  }
  if (!want) return { output, weights: null };
  const kappa = matmul(fq!, transpose(fk!, -2, -1));
  return { output, weights: div(kappa, sum(kappa, -1, { keepDims: true })) };
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
