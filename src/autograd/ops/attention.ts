// Fused scaled-dot-product attention (PyTorch's F.scaled_dot_product_attention, key-padding mask only):
// out = softmax(scale · Q Kᵀ, padded keys at −∞) V computed by the backend's `attention` kernel in row blocks,
// so the L×M score matrix is never formed, and differentiated by its `attentionBackward` kernel, which recomputes
// the scores from the saved per-row logsumexp (FlashAttention-2). Every backend has both kernels (cpu fallback).
import { Tensor } from '../../tensor/tensor.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { HopgradError, check } from '../../tensor/errors.js';
import { fmt, shapeEq, sizeOf } from '../../tensor/shape.js';
import { kernels } from '../../tensor/backend/index.js';
import type { AttentionSpec } from '../../tensor/backend/backend.js';
import { type OpTable, binder } from '../engine.js';
import { needTensor } from './util.js';
import { expand } from './movement.js';

/** Attributes of the attention op: a number scale (null when the scale is the op's 4th input) and the key mask. */
interface AttentionAttrs {
  scaledDotProductAttention: { scale: number | null; mask: Uint8Array | null };
}

/** Options of `scaledDotProductAttention`. */
export interface AttentionOptions {
  /**
   * Multiplier of the scores q·k (default 1/√d): a finite number, or a float tensor broadcastable to
   * [..., L, 1] (one scale per batch element, head or query row; differentiable).
   */
  scale?: number | Tensor;
  /** Key padding mask broadcastable to [..., M], nonzero = padded (that key gets weight 0). */
  mask?: Tensor;
}

/** The kernel problem of inputs already broadcast to one batch shape. */
function specOf(inputs: readonly Tensor[], attrs: AttentionAttrs['scaledDotProductAttention']): AttentionSpec {
  const [q, k, v, s] = inputs as [Tensor, Tensor, Tensor, Tensor | undefined];
  const r = q.ndim;
  return {
    batch: sizeOf(q.shape.slice(0, -2)), l: q.shape[r - 2]!, m: k.shape[r - 2]!, d: q.shape[r - 1]!, dv: v.shape[r - 1]!,
    scale: s ? s.contiguousData() : attrs.scale!, mask: attrs.mask,
  };
}

/** The differentiable attention op, for the registry. */
const attentionOps: OpTable<AttentionAttrs> = {
  // inputs: query [...B, L, d], key [...B, M, d], value [...B, M, dv] and optionally scale [...B, L, 1], one batch shape
  scaledDotProductAttention: {
    forward: (inputs, attrs, ctx) => {
      const [q, k, v] = inputs as [Tensor, Tensor, Tensor];
      const spec = specOf(inputs, attrs);
      const data = [q.contiguousData(), k.contiguousData(), v.contiguousData()] as const;
      const r = kernels().attention(data[0], data[1], data[2], spec);
      // the contiguous operands are kept too, so strided views (attention heads) are not gathered twice
      if (ctx.needs.some(Boolean)) ctx.saved = { lse: r.lse, data };
      return new Tensor(r.out, [...q.shape.slice(0, -1), spec.dv]);
    },
    // FlashAttention-2: δ_i = dout_i·out_i, dS_ij = P_ij (dout_i·v_j − δ_i); dq = scale dS K, dk = scale dSᵀ Q,
    // dv = Pᵀ dout, dscale_i = Σ_j dS_ij q_i·k_j — all in the kernel, P recomputed from the saved lse
    backward: (dy, { inputs, out, attrs, needs, saved }) => {
      const [q, k, v, s] = inputs as [Tensor, Tensor, Tensor, Tensor | undefined];
      const spec = specOf(inputs, attrs);
      spec.needs = { dq: needs[0]!, dk: needs[1]!, dv: needs[2]!, dscale: s !== undefined && needs[3]! };
      const { lse, data: [qd, kd, vd] } = saved as { lse: TypedArray; data: readonly [TypedArray, TypedArray, TypedArray] };
      const g = kernels().attentionBackward(qd, kd, vd, out.contiguousData(), dy.contiguousData(), lse, spec);
      const wrap = (d: TypedArray | null, t: Tensor | undefined): Tensor | null => (d && t ? new Tensor(d, t.shape) : null);
      const grads = [wrap(g.dq, q), wrap(g.dk, k), wrap(g.dv, v)];
      if (s) grads.push(wrap(g.dscale, s));
      return grads;
    },
  },
};

const apply = binder(attentionOps);
const FN = 'scaledDotProductAttention';

/** Broadcast batch shapes, naming the parameters when they do not broadcast. */
function broadcastBatch(parts: readonly [string, Tensor, readonly number[]][]): number[] {
  let out: number[] = [];
  let from = '';
  for (const [name, t, batch] of parts) {
    const n = Math.max(out.length, batch.length);
    const next = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const a = out[out.length - n + i] ?? 1;
      const b = batch[batch.length - n + i] ?? 1;
      if (a !== b && a !== 1 && b !== 1) {
        throw new HopgradError(`${FN}: batch dimensions of ${name} ${fmt(t.shape)} do not broadcast with those of ${from} (${fmt(out)} vs ${fmt(batch)})`);
      }
      next[i] = a === 1 ? b : a;
    }
    out = next;
    from = from ? `${from} and ${name}` : `${name} ${fmt(t.shape)}`;
  }
  return out;
}

/** Expand `t` to `shape` unless it already has it. */
function to(t: Tensor, shape: readonly number[]): Tensor {
  return shapeEq(t.shape, shape) ? t : expand(t, shape);
}

/**
 * Scaled dot-product attention, fused: softmax(scale · query keyᵀ, padded keys at −∞) value, computed in row
 * blocks without the L×M matrix. query [..., L, d], key [..., M, d], value [..., M, dv]; batch dimensions
 * broadcast (with the mask's and the scale's). A query whose keys are all padded (or M = 0) gets 0 and a zero
 * gradient. Returns [...batch, L, dv]. Differentiable in query, key, value and a tensor scale.
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options: AttentionOptions = {}): Tensor {
  needTensor(query, FN, 'query');
  needTensor(key, FN, 'key');
  needTensor(value, FN, 'value');
  check(typeof options === 'object' && options !== null, FN, () => `options must be an object, got ${String(options)}`);
  for (const [name, t] of [['query', query], ['key', key], ['value', value]] as const) {
    check(t.ndim >= 2, FN, () => `${name} needs at least 2 dimensions ([..., rows, features]), got ${fmt(t.shape)}`);
    check(t.dtype !== 'int32', FN, () => `${name} must be a float tensor, got int32 ${fmt(t.shape)}`);
  }
  check(query.dtype === key.dtype && key.dtype === value.dtype, FN,
    () => `query, key and value must have one dtype, got ${query.dtype}, ${key.dtype} and ${value.dtype}`);
  const l = query.shape[query.ndim - 2]!;
  const d = query.shape[query.ndim - 1]!;
  const m = key.shape[key.ndim - 2]!;
  const dv = value.shape[value.ndim - 1]!;
  check(key.shape[key.ndim - 1] === d, FN,
    () => `key ${fmt(key.shape)} must have the query's feature size ${d} (query ${fmt(query.shape)}), got ${key.shape[key.ndim - 1]}`);
  check(value.shape[value.ndim - 2] === m, FN,
    () => `value ${fmt(value.shape)} must have one row per key (${m} rows, key ${fmt(key.shape)}), got ${value.shape[value.ndim - 2]}`);
  const { scale = d > 0 ? 1 / Math.sqrt(d) : 1, mask } = options;
  const parts: [string, Tensor, readonly number[]][] = [
    ['query', query, query.shape.slice(0, -2)], ['key', key, key.shape.slice(0, -2)], ['value', value, value.shape.slice(0, -2)],
  ];
  if (scale instanceof Tensor) {
    check(scale.dtype !== 'int32', FN, () => `scale must be a float tensor, got int32 ${fmt(scale.shape)}`);
    const s = scale.shape;
    const last = s[s.length - 1] ?? 1;
    const rows = s[s.length - 2] ?? 1;
    check(last === 1 && (rows === 1 || rows === l), FN,
      () => `scale ${fmt(s)} must broadcast to [..., L, 1] = [..., ${l}, 1] (query ${fmt(query.shape)})`);
    parts.push(['scale', scale, s.slice(0, -2)]);
  } else {
    check(typeof scale === 'number' && Number.isFinite(scale), FN, () => `scale must be a finite number or a Tensor, got ${String(scale)}`);
  }
  if (mask !== undefined) {
    needTensor(mask, FN, 'mask');
    const last = mask.shape[mask.ndim - 1] ?? 1;
    check(last === m || last === 1, FN,
      () => `mask ${fmt(mask.shape)} must broadcast to [..., M] = [..., ${m}] (key ${fmt(key.shape)})`);
    parts.push(['mask', mask, mask.shape.slice(0, -1)]);
  }
  const batch = broadcastBatch(parts);
  const inputs = [to(query, [...batch, l, d]), to(key, [...batch, m, d]), to(value, [...batch, m, dv])];
  if (scale instanceof Tensor) inputs.push(to(scale, [...batch, l, 1]));
  let maskData: Uint8Array | null = null;
  if (mask !== undefined) {
    const md = to(mask, [...batch, m]).contiguousData();
    maskData = new Uint8Array(md.length);
    for (let i = 0; i < md.length; i++) maskData[i] = md[i] !== 0 ? 1 : 0;
  }
  return apply('scaledDotProductAttention', inputs, { scale: scale instanceof Tensor ? null : scale, mask: maskData });
}

export { attentionOps };
export type { AttentionAttrs };
