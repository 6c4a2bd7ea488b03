// The multi-head functional core of every Hopfield layer (paper Appendix D, (D.1)–(D.2), and (C.3)–(C.5)):
// Z = T(β Q Kᵀ) V with Q = R W_Q, K = Y W_K, V = P W_V per head, then the output projection W_O. The layers
// (Hopfield, HopfieldPooling, HopfieldLayer, HopfieldRetrieval) differ only in which of R, Y, P and the W's
// are learned parameters; the association T is any `kind` of `retrieve`, whose one-step maps it calls.
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import { fmt } from '../tensor/shape.js';
import { type Generator, defaultGenerator } from '../tensor/random.js';
import { layerNorm, matmul, reshape, transpose } from '../autograd/ops/index.js';
import { dropout, linear } from '../nn/functional.js';
import { type RetrieveKind, type RetrieveOptions, type TopkReading, retrieve, retrieveDetailed } from './retrieve.js';
import { checkAssociationOptions, headValues, maskForHeads } from './core-options.js';

/**
 * The association of a Hopfield layer: the `retrieve` options that apply per head, plus the update steps and
 * the dropout on the association weights. Names follow hflayers where it has them (noted per option).
 */
export interface AssociationOptions {
  /** The association T (default 'dense', softmax as in hflayers); any kind of `retrieve`. */
  kind?: RetrieveKind;
  /**
   * Inverse temperature β > 0 (hflayers: `scaling`): one number for every head, or one per head (an array of
   * numHeads numbers). Default 1/√headDim, as hflayers.
   */
  beta?: number | readonly number[];
  /** entmax: α ∈ (1, 2], one number or one per head (default 1.5). See `learnAlpha` of the layers. */
  alpha?: number | readonly number[];
  /** topk and random: the support size, a count in 1..M or a fraction in (0, 1) of M. */
  k?: number;
  /** topk: 'renormalized' (default) or 'paper' (see `RetrieveOptions.reading`). */
  reading?: TopkReading;
  /** window: half-width w ≥ 0 (default ⌈√L / 2⌉). */
  window?: number;
  /** prf: number of random features per head (default ⌈d ln d⌉ with d = headDim). */
  features?: number;
  /**
   * random: the seed of the masks (fixed masks for every call); without it each call draws a fresh seed from
   * the generator, and every update step of that call uses the same mask. prf: the seed of Ω (default 0).
   */
  seed?: number;
  /** prf: an explicit random-feature matrix Ω [features, headDim], shared by the heads. */
  omega?: Tensor;
  /**
   * Number of association steps, ≥ 1 (default 1; hflayers' `update_steps_max` + 1). Steps before the last
   * iterate the projected state in the key space, ξ ← T(β ξ Kᵀ) K, as hflayers does; the last maps into the
   * value space, T(β ξ Kᵀ) V (so any value width works with several steps).
   */
  updateSteps?: number;
  /**
   * Stop iterating once the largest per-query change ‖ξ_{t+1} − ξ_t‖ is ≤ tol (default 0: always take every
   * step, so the computation is a fixed differentiable function). hflayers compares the association weights
   * against `update_steps_eps` = 1e-4 instead; that only matters when more than one step is requested.
   */
  tol?: number;
  /**
   * Dropout probability on the association weights of the last step (training only; default 0, as hflayers).
   * It acts inside the association step on the weights it keeps (`RetrieveOptions.weightDropout`), so topk,
   * random and window stay sub-quadratic. linear and prf never form the weights: for them dropout falls back
   * to the dense [L, M] weight matrix, which is quadratic while it is active (as `returnAssociation` is).
   */
  dropout?: number;
}

/** Layer normalization of one input pattern set: optional affine weight / bias over its last axis. */
export interface LayerNormParams {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Default 1e-5. */
  eps?: number;
}

/**
 * The tensors of a Hopfield layer. A missing (or null) projection weight is the identity, and then its bias
 * is ignored. Weights are stored [out, in] as in PyTorch: W_Q [H·dk, dState], W_K [H·dk, dStored],
 * W_V [H·dv, dProjection], W_O [dOut, H·dv].
 */
export interface HopfieldParams {
  queryWeight?: Tensor | null;
  queryBias?: Tensor | null;
  keyWeight?: Tensor | null;
  keyBias?: Tensor | null;
  valueWeight?: Tensor | null;
  valueBias?: Tensor | null;
  outWeight?: Tensor | null;
  outBias?: Tensor | null;
  /** Per-head β [H] (overrides the `beta` option), e.g. a learned, positive tensor. */
  beta?: Tensor | null;
  /** Per-head entmax α [H] in (1, 2] (overrides the `alpha` option), e.g. from a learned parameter. */
  alpha?: Tensor | null;
  /** Layer norms of the raw stored patterns Y, state patterns R and pattern projections P (absent: none). */
  storedNorm?: LayerNormParams | null;
  stateNorm?: LayerNormParams | null;
  projectionNorm?: LayerNormParams | null;
}

/** Options of `hopfieldCore`: the association, heads, masks and what to return. */
export interface HopfieldCoreOptions extends AssociationOptions {
  /** Number of heads H (default 1); it must divide the projected widths H·dk and H·dv. */
  numHeads?: number;
  /** Whether dropout is active (default false: the core is deterministic unless asked). */
  training?: boolean;
  /** Generator of the dropout masks and of the random kind's per-call seed (default: the default generator). */
  generator?: Generator;
  /** Key padding mask [B, M] (or [M]); true / nonzero = padded memory, excluded from the association. */
  keyPaddingMask?: Tensor;
  /** Also return the last step's association weights [B?, H, L, M] (before dropout). */
  returnAssociation?: boolean;
}

/** What `hopfieldCore` returns. */
export interface HopfieldCoreResult {
  /** Z [B?, L, dOut] (dOut = H·dv without an output projection). */
  output: Tensor;
  /** The last step's association weights [B?, H, L, M], on request. */
  association?: Tensor;
  /** Association steps taken (1..updateSteps). */
  steps: number;
}

/** A float tensor of rank 2 ([n, d]) or 3 ([B, n, d]). */
function patternSet(t: unknown, name: string, where: string): Tensor {
  check(t instanceof Tensor, where, () => `${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  check(t.dtype !== 'int32', where, () => `${name} must be a float tensor, got int32`);
  check(t.ndim === 2 || t.ndim === 3, where, () => `${name} must be [n, d] or batched [B, n, d], got shape ${fmt(t.shape)}`);
  return t;
}

function normalize(x: Tensor, spec: LayerNormParams | null | undefined, name: string, where: string): Tensor {
  if (!spec) return x;
  const d = x.shape[x.ndim - 1]!;
  for (const [p, t] of [['weight', spec.weight], ['bias', spec.bias]] as const) {
    check(!t || (t.ndim === 1 && t.shape[0] === d), where, () => `the layer norm ${p} of the ${name} has shape ${fmt(t!.shape)}, expected [${d}]`);
  }
  return layerNorm(x, [d], spec.weight ?? null, spec.bias ?? null, spec.eps ?? 1e-5);
}

function project(x: Tensor, w: Tensor | null | undefined, b: Tensor | null | undefined, name: string, where: string): Tensor {
  if (!w) return x;
  check(w.ndim === 2 && w.shape[1] === x.shape[x.ndim - 1], where,
    () => `the ${name} of shape ${fmt(w.shape)} cannot project patterns of width ${x.shape[x.ndim - 1]} (input shape ${fmt(x.shape)})`);
  check(w.dtype === x.dtype, where, () => `the ${name} is ${w.dtype} but the patterns are ${x.dtype} (convert the layer with .to('${x.dtype}') or the input)`);
  return linear(x, w, b ?? null);
}

/** [..., n, H·d] → [..., H, n, d]. */
function splitHeads(x: Tensor, h: number): Tensor {
  const n = x.shape[x.ndim - 2]!;
  const d = x.shape[x.ndim - 1]! / h;
  return transpose(reshape(x, [...x.shape.slice(0, -2), n, h, d]), -3, -2);
}

/** [..., H, n, d] → [..., n, H·d]. */
function mergeHeads(x: Tensor): Tensor {
  const [h, n, d] = x.shape.slice(-3) as [number, number, number];
  return reshape(transpose(x, -3, -2), [...x.shape.slice(0, -3), n, h * d]);
}

/** @internal the core with the caller's name in its error messages (the layers pass their class name). */
export function hopfieldCoreAt(
  where: string, state: Tensor, stored: Tensor, projection: Tensor, params: HopfieldParams, opts: HopfieldCoreOptions,
): HopfieldCoreResult {
  patternSet(state, 'the state pattern (R)', where);
  patternSet(stored, 'the stored pattern (Y)', where);
  patternSet(projection, 'the pattern projection (P)', where);
  check(params !== null && typeof params === 'object', where, () => `params must be an object of tensors, got ${String(params)}`);
  const batches = [state, stored, projection].filter((t) => t.ndim === 3).map((t) => t.shape[0]!);
  check(batches.every((b) => b === batches[0]), where,
    () => `batch sizes differ: state ${fmt(state.shape)}, stored ${fmt(stored.shape)}, projection ${fmt(projection.shape)}`);
  const batch = batches[0];
  const m = stored.shape[stored.ndim - 2]!;
  check(m >= 1, where, () => `the memory set is empty: stored has shape ${fmt(stored.shape)} (M = 0)`);
  check(projection.shape[projection.ndim - 2] === m, where,
    () => `the pattern projection ${fmt(projection.shape)} must hold one row per stored pattern (M = ${m})`);
  check(state.dtype === stored.dtype && stored.dtype === projection.dtype, where,
    () => `dtypes differ: state ${state.dtype}, stored ${stored.dtype}, projection ${projection.dtype}`);
  const o = checkAssociationOptions(opts, where);
  const h = o.numHeads;

  const q = project(normalize(state, params.stateNorm, 'state pattern', where), params.queryWeight, params.queryBias, 'query weight W_Q', where);
  const k = project(normalize(stored, params.storedNorm, 'stored pattern', where), params.keyWeight, params.keyBias, 'key weight W_K', where);
  const v = project(normalize(projection, params.projectionNorm, 'pattern projection', where), params.valueWeight, params.valueBias, 'value weight W_V', where);
  const dq = q.shape[q.ndim - 1]!;
  const dv = v.shape[v.ndim - 1]!;
  check(k.shape[k.ndim - 1] === dq, where, () => `the projected state (Q) has width ${dq} but the projected stored patterns (K) have width ${k.shape[k.ndim - 1]}; both must be numHeads·headDim`);
  check(dq % h === 0 && dq > 0, where, () => `numHeads = ${h} does not divide the association width ${dq} (Q and K)`);
  check(dv % h === 0 && dv > 0, where, () => `numHeads = ${h} does not divide the value width ${dv} (V)`);

  for (const name of ['beta', 'alpha'] as const) {
    const t = params[name];
    check(t === undefined || t === null || (t instanceof Tensor && t.ndim === 1 && t.shape[0] === h), where,
      () => `params.${name} must be a tensor of shape [${h}] (one per head), got ${t instanceof Tensor ? fmt(t.shape) : typeof t}`);
  }
  const base: RetrieveOptions = { kind: o.kind };
  const beta = params.beta ?? headValues(o.beta ?? 1 / Math.sqrt(dq / h), h, 'beta', q.dtype, where);
  base.beta = beta instanceof Tensor ? reshape(beta, [h, 1, 1]) : beta;
  if (o.kind === 'entmax') {
    const alpha = params.alpha ?? headValues(o.alpha ?? 1.5, h, 'alpha', q.dtype, where);
    base.alpha = alpha instanceof Tensor ? reshape(alpha, [h, 1, 1]) : alpha;
  }
  for (const key of ['k', 'reading', 'window', 'features', 'seed', 'omega'] as const) {
    if (o[key] !== undefined) (base as Record<string, unknown>)[key] = o[key];
  }
  // the random kind draws its seed once per call, so every update step sees the same mask
  if (o.kind === 'random' && o.seed === undefined) base.seed = (o.generator ?? defaultGenerator).int(2147483647);
  if (o.keyPaddingMask !== undefined) {
    base.mask = maskForHeads(o.keyPaddingMask, batch, m, where);
  }

  const qh = splitHeads(q, h);
  const kh = splitHeads(k, h);
  const vh = splitHeads(v, h);
  let x = qh;
  let steps = 0;
  if (o.updateSteps > 1) {
    const r = retrieveDetailed(x, kh, { ...base, steps: o.updateSteps - 1, tol: o.tol });
    x = r.output;
    steps = r.steps;
  }
  const drop = o.training && o.dropout > 0 ? { p: o.dropout, generator: o.generator ?? defaultGenerator } : undefined;
  const kernel = o.kind === 'linear' || o.kind === 'prf';
  let out: Tensor;
  let association: Tensor | undefined;
  if (drop && kernel) {
    // kernelized attention has no weights to drop: form them densely (O(L·M)) and drop those
    const r = retrieveDetailed(x, kh, { ...base, values: vh, returnWeights: true });
    association = r.weights!;
    out = matmul(dropout(association, drop.p, true, { generator: drop.generator }), vh);
  } else if (o.returnAssociation) {
    const r = retrieveDetailed(x, kh, { ...base, values: vh, returnWeights: true, ...(drop ? { weightDropout: drop } : {}) });
    association = r.weights!;
    out = r.output;
  } else {
    out = retrieve(x, kh, { ...base, values: vh, ...(drop ? { weightDropout: drop } : {}) });
  }
  steps++;
  let z = mergeHeads(out);
  if (params.outWeight) z = project(z, params.outWeight, params.outBias, 'output weight W_O', where);
  const res: HopfieldCoreResult = { output: z, steps };
  if (o.returnAssociation) res.association = association!;
  return res;
}

/**
 * The multi-head Hopfield association (D.1)–(D.2): with R the state patterns [B?, L, dState], Y the stored
 * patterns [B?, M, dStored] and P the pattern projection input [B?, M, dProjection] (unbatched inputs are
 * shared by every batch element), computes per head h
 *   Q = LN(R) W_Q, K = LN(Y) W_K, V = LN(P) W_V,   Z_h = T(β_h Q_h K_hᵀ) V_h
 * (steps before the last iterate Q_h ← T(β_h Q_h K_hᵀ) K_h), concatenates the heads and applies W_O.
 * T is the association `kind` of `retrieve` (its validated one-step maps do the work). Absent parameters are
 * identities, so `hopfieldCore(r, y, y, {}, { kind })` is `retrieve(r, y, { kind })`. Differentiable with
 * respect to the inputs and every parameter (including per-head β and α tensors).
 */
export function hopfieldCore(
  state: Tensor, stored: Tensor, projection: Tensor, params: HopfieldParams = {}, opts: HopfieldCoreOptions = {},
): HopfieldCoreResult {
  return hopfieldCoreAt('hopfieldCore', state, stored, projection, params, opts);
}

