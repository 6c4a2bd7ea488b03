// The Backend interface: kernels only. Ops and autograd never know which backend runs.
// Every kernel reads contiguous row-major typed arrays and returns a fresh typed array; the CPU backend
// (./cpu) implements all of them and is the specification the faster backends are parity-tested against.
import type { DType, TypedArray } from '../dtype.js';

/** Elementwise functions of one argument. `param` is elu's alpha, leakyRelu's slope, pow-scalar's exponent. */
export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'abs' | 'sign' | 'square' | 'reciprocal'
  | 'tanh' | 'sigmoid' | 'relu' | 'elu' | 'gelu' | 'softplus' | 'leakyRelu'
  | 'sin' | 'cos' | 'log1p' | 'expm1' | 'floor' | 'ceil' | 'round' | 'powScalar'
  | 'isnan' | 'isfinite';

/** Elementwise functions of two arguments (comparisons return 1/0 in the output dtype). */
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** Reductions over one axis. */
export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';

/**
 * A batched matrix product out[b] = op(A[aIndex[b]]) · op(B[bIndex[b]]) where op transposes when asked.
 * A's matrices are stored [batchA, m, k] (or [batchA, k, m] when transA), B's [batchB, k, n] (or [batchB, n, k]).
 */
export interface MatmulSpec {
  batch: number;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  /** matrix index into A for each output batch element (broadcast batches repeat an index). */
  aIndex: Int32Array;
  /** matrix index into B for each output batch element. */
  bIndex: Int32Array;
}

/** The kernels a backend provides. Shapes are flattened by the ops into the arguments below. */
export interface Backend {
  readonly name: string;

  /** out[i] = f(x[i]) in `outDtype`. */
  unary(op: UnaryOp, x: TypedArray, outDtype: DType, param?: number): TypedArray;
  /**
   * Broadcasting elementwise op over `outShape`: a and b are read through element strides
   * (0 on broadcast axes), both of length outShape.length.
   */
  binary(
    op: BinaryOp, a: TypedArray, aStrides: readonly number[], b: TypedArray, bStrides: readonly number[],
    outShape: readonly number[], outDtype: DType,
  ): TypedArray;
  /** out[i] = cond[i] != 0 ? a[i] : b[i], all of the same length. */
  where(cond: TypedArray, a: TypedArray, b: TypedArray, outDtype: DType): TypedArray;
  /** Copy a strided view into a contiguous array. */
  strided(src: TypedArray, shape: readonly number[], strides: readonly number[], offset: number): TypedArray;
  /** Convert to another dtype (float → int32 truncates toward zero). */
  cast(x: TypedArray, dtype: DType): TypedArray;

  /** Reduce x viewed as [outer, n, inner] over the middle axis → [outer, inner]. */
  reduce(op: ReduceOp, x: TypedArray, outer: number, n: number, inner: number): TypedArray;
  /** Index of the max / min over the middle axis of [outer, n, inner] (first on ties) → [outer, inner]. */
  argReduce(op: 'argmax' | 'argmin', x: TypedArray, outer: number, n: number, inner: number): Int32Array;
  /** Cumulative sum over the middle axis of [outer, n, inner]. */
  cumsum(x: TypedArray, outer: number, n: number, inner: number): TypedArray;

  /** Batched matrix product (see MatmulSpec); out is [batch, m, n]. */
  matmul(a: TypedArray, b: TypedArray, spec: MatmulSpec): TypedArray;

  /** Numerically stable softmax of each row of a [rows, cols] matrix (an all −∞ row gives zeros). */
  softmax(x: TypedArray, rows: number, cols: number): TypedArray;
  /** Numerically stable log-softmax of each row (an all −∞ row gives −∞ everywhere). */
  logSoftmax(x: TypedArray, rows: number, cols: number): TypedArray;
  /** log Σ exp of each row → [rows] (−Infinity for an all −Infinity row). */
  logsumexp(x: TypedArray, rows: number, cols: number): TypedArray;
  /** Row layer normalization without affine: out = (x − mean) · rstd, with rstd = 1/sqrt(var + eps) (biased var). */
  layerNorm(x: TypedArray, rows: number, cols: number, eps: number): { out: TypedArray; mean: TypedArray; rstd: TypedArray };

  /** Sparsemax of each row: the Euclidean projection onto the probability simplex (−∞ entries get 0). */
  sparsemax(x: TypedArray, rows: number, cols: number): TypedArray;
  /**
   * α-entmax of each row, p = [(α−1)x − τ]₊^{1/(α−1)} with τ so that Σp = 1, one α per row (1 < α ≤ 2);
   * found by bisection on τ to full float64 precision, then renormalized.
   */
  entmax(x: TypedArray, rows: number, cols: number, alpha: Float64Array): TypedArray;

  /** out[o, j, i] = x[o, idx[o, j, i], i] for x as [outer, n, inner] and idx as [outer, k, inner]. */
  gather(x: TypedArray, outer: number, n: number, inner: number, idx: Int32Array, k: number): TypedArray;
  /** The adjoint of gather: out [outer, n, inner] zero, then out[o, idx[o,j,i], i] += src[o, j, i]. */
  scatterAdd(src: TypedArray, outer: number, n: number, inner: number, idx: Int32Array, k: number): TypedArray;
  /**
   * The k largest (or smallest) entries of each row of [rows, cols], sorted; ties keep the lower index first.
   * With `sorted` false the same k entries come in an unspecified (deterministic) order, skipping the sort.
   */
  topk(x: TypedArray, rows: number, cols: number, k: number, largest: boolean, sorted?: boolean): { values: TypedArray; indices: Int32Array };
  /** A stable argsort of each row of [rows, cols]. */
  argsort(x: TypedArray, rows: number, cols: number, descending: boolean): Int32Array;
  /**
   * Fused score + select (see TopkScoresSpec): for each of the batch·l query rows the k memory indices (local,
   * 0..m−1, unsorted) with the largest scores (scale_r·q_r)·ξ_j — exactly the set `topk(largest, sorted = false)`
   * keeps on the scores `matmul` would produce (NaN largest, ties to the lower index), padded memories at −∞
   * (kept only when fewer than k are unpadded; the caller tells them by the mask). Never forms the l×m matrix.
   * q [batch·l, d], keys [m, d] (sharedKeys) or [batch, m, d]; returns [batch·l·k].
   */
  topkScores(q: TypedArray, keys: TypedArray, spec: TopkScoresSpec): Int32Array;

  /**
   * Fused scaled-dot-product attention per batch element b (see AttentionSpec): out_i = Σ_j P_ij v_j with
   * P_i = softmax_j(scale_i · q_i·k_j, padded j at −∞), never forming the l×m matrix; also the per-row
   * lse_i = log Σ_j exp(scale_i · q_i·k_j) (−∞, and out_i = 0, for a row whose memories are all padded).
   * q [batch, l, d], k [batch, m, d], v [batch, m, dv]; out [batch, l, dv] and lse [batch·l] in q's dtype.
   */
  attention(q: TypedArray, k: TypedArray, v: TypedArray, spec: AttentionSpec): { out: TypedArray; lse: TypedArray };
  /**
   * The backward of `attention` from its saved out and lse (scores recomputed block by block): with
   * δ_i = dout_i·out_i and dS_ij = P_ij (dout_i·v_j − δ_i): dq_i = scale_i Σ_j dS_ij k_j, dk_j = Σ_i scale_i dS_ij q_i,
   * dv_j = Σ_i P_ij dout_i, dscale_i = Σ_j dS_ij (q_i·k_j). Gradients not asked for in `spec.needs` are null.
   */
  attentionBackward(
    q: TypedArray, k: TypedArray, v: TypedArray, out: TypedArray, dout: TypedArray, lse: TypedArray, spec: AttentionSpec,
  ): { dq: TypedArray | null; dk: TypedArray | null; dv: TypedArray | null; dscale: TypedArray | null };

  /**
   * Gathered attention (see GatheredSpec): out_r = Σ_c p_rc v_g(r,c) with p_r = softmax_c(scale_r · q_r·k_g(r,c)) over
   * the row's non-excluded slots, and lse_r = log Σ_c exp(scale_r · q_r·k_g(r,c)); a row whose slots are all
   * excluded gets out 0 and lse −∞. q [rows, d], keys [n, d], values [n, dv]; out [rows, dv], lse [rows] in q's dtype.
   */
  gatheredAttention(q: TypedArray, keys: TypedArray, values: TypedArray, spec: GatheredSpec): { out: TypedArray; lse: TypedArray };
  /**
   * The backward of `gatheredAttention` from its out and lse: with δ_r = dout_r·out_r and ds_rc = p_rc (dout_r·v_g − δ_r):
   * dq_r = scale_r Σ_c ds_rc k_g, dkeys_g += scale_r ds_rc q_r, dvalues_g += p_rc dout_r (scatter-added into [n, ·]),
   * dscale_r = Σ_c ds_rc (q_r·k_g). Gradients not asked for in `spec.needs` are null.
   */
  gatheredAttentionBackward(
    q: TypedArray, keys: TypedArray, values: TypedArray, out: TypedArray, dout: TypedArray, lse: TypedArray, spec: GatheredSpec,
  ): { dq: TypedArray | null; dkeys: TypedArray | null; dvalues: TypedArray | null; dscale: TypedArray | null };
}

/**
 * The problem of an attention kernel: `batch` independent problems of l query rows and m key/value rows,
 * key dimension d and value dimension dv. `scale` multiplies the raw scores q_i·k_j: one number, or one per
 * query row (a typed array of batch·l). `mask` (batch·m, nonzero = padded) excludes keys; null for none.
 * `needs` (backward only; default all but dscale) says which gradients to compute.
 */
export interface AttentionSpec {
  batch: number;
  l: number;
  m: number;
  d: number;
  dv: number;
  scale: number | TypedArray;
  mask: Uint8Array | null;
  needs?: { dq: boolean; dk: boolean; dv: boolean; dscale: boolean };
}

/**
 * The problem of a gathered-attention kernel: `rows` query rows, each attending over `width` memory rows of keys
 * [n, d] / values [n, dv] picked by an index set. Slot (r, c) reads global memory row
 * ⌊r / groupRows⌋·groupStride + index[(r mod period)·width + c]; so an index set of `period` rows can be shared by
 * every batch element (the window: period = groupRows = L, groupStride = M), or given per row (period = rows).
 * `excluded` (nonzero = slot left out, at −∞) has the index's layout (period·width) or one entry per slot
 * (rows·width); null for none. `scale` multiplies the raw scores: one number, or one per query row.
 * `needs` (backward only; default all but dscale) says which gradients to compute.
 */
export interface GatheredSpec {
  rows: number;
  width: number;
  d: number;
  dv: number;
  index: Int32Array;
  excluded: Uint8Array | null;
  period: number;
  groupRows: number;
  groupStride: number;
  scale: number | TypedArray;
  needs?: { dq: boolean; dkeys: boolean; dvalues: boolean; dscale: boolean };
}

/**
 * The problem of a fused top-k scoring kernel: `batch` problems of l query rows against m memory rows of width d,
 * keeping k ≤ m per row. `scale` (one number, or one per query row: batch·l) is rounded to q's dtype and multiplies
 * q before the product, as `matmul(mul(q, scale), keysᵀ)` does. `mask` (batch·m, nonzero = padded) puts memories at
 * −∞; null for none. `sharedKeys`: one keys matrix [m, d] for every batch element, else keys are [batch, m, d].
 */
export interface TopkScoresSpec {
  batch: number;
  l: number;
  m: number;
  d: number;
  k: number;
  scale: number | TypedArray;
  mask: Uint8Array | null;
  sharedKeys: boolean;
}

/** The names `setBackend` accepts. */
export type BackendName = 'cpu' | 'wasm' | 'gpujs' | 'auto';
