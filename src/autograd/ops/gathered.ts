// Fused gathered attention as one differentiable op: each query row attends over its own `width` memory rows
// (an index set: the sliding window, random draws, the kept top-K), so the sparse Hopfield kinds never build an
// L×M matrix nor [rows, width, d] gathered copies. Forward and backward are single backend kernels
// (Backend.gatheredAttention / gatheredAttentionBackward); the forward saves the per-row log-sum-exp so the
// backward recomputes the weights instead of storing them. Used by src/hopfield/association.ts.
import { Tensor } from '../../tensor/tensor.js';
import { check } from '../../tensor/errors.js';
import { fmt } from '../../tensor/shape.js';
import { kernels } from '../../tensor/backend/index.js';
import type { GatheredSpec } from '../../tensor/backend/backend.js';
import { type OpTable, binder } from '../engine.js';
import { needTensor } from './util.js';

/**
 * Which memory rows each query row reads (see GatheredSpec): slot (r, c) of query row r reads memory row
 * ⌊r / groupRows⌋·groupStride + index[(r mod period)·width + c], unless `excluded` flags it.
 */
export interface GatheredIndex {
  /** Local memory rows, [period·width]. */
  index: Int32Array;
  /** Slots per query row. */
  width: number;
  /** Rows of `index` (the query rows, or fewer when one index set is reused per batch element). */
  period: number;
  /** Query rows per batch element. */
  groupRows: number;
  /** Memory rows per batch element (0: every batch element reads the same memory rows). */
  groupStride: number;
  /** Nonzero = slot left out (−∞): [period·width] or [rows·width]; null for none. */
  excluded: Uint8Array | null;
}

/** Attributes of the gathered ops, by op name (the registry's typed table). */
interface GatheredAttrs {
  gatheredAttention: { index: GatheredIndex; scale: number | null };
}

function specOf(q: Tensor, keys: Tensor, values: Tensor, attrs: GatheredAttrs['gatheredAttention'], scale: Tensor | undefined): GatheredSpec {
  const { index: ix } = attrs;
  return {
    rows: q.shape[0]!, width: ix.width, d: q.shape[1]!, dv: values.shape[1]!, index: ix.index, excluded: ix.excluded,
    period: ix.period, groupRows: ix.groupRows, groupStride: ix.groupStride,
    scale: scale ? scale.contiguousData() : attrs.scale!,
  };
}

/** The differentiable gathered ops, for the registry. */
const gatheredOps: OpTable<GatheredAttrs> = {
  gatheredAttention: {
    forward: (inputs, attrs, ctx) => {
      const [q, keys, values, scale] = inputs as [Tensor, Tensor, Tensor, Tensor | undefined];
      const spec = specOf(q, keys, values, attrs, scale);
      const r = kernels().gatheredAttention(q.contiguousData(), keys.contiguousData(), values.contiguousData(), spec);
      ctx.saved = r.lse;
      return new Tensor(r.out, [spec.rows, spec.dv]);
    },
    // p = exp(s − lse), ds = p ⊙ (dout·v − dout·out): dq = scale Σ ds k, dk += scale ds q, dv += p dout, dscale = Σ ds q·k
    backward: (dy, { inputs, out, attrs, needs, saved }) => {
      const [q, keys, values, scale] = inputs as [Tensor, Tensor, Tensor, Tensor | undefined];
      const spec = specOf(q, keys, values, attrs, scale);
      spec.needs = { dq: needs[0]!, dkeys: needs[1]!, dvalues: needs[2]!, dscale: needs[3] ?? false };
      const g = kernels().gatheredAttentionBackward(
        q.contiguousData(), keys.contiguousData(), values.contiguousData(), out.contiguousData(),
        dy.contiguousData(), saved as Float32Array | Float64Array, spec,
      );
      const t = (d: typeof g.dq, shape: readonly number[]): Tensor | null => (d ? new Tensor(d, shape) : null);
      const grads = [t(g.dq, q.shape), t(g.dkeys, keys.shape), t(g.dvalues, values.shape)];
      if (scale) grads.push(t(g.dscale, scale.shape));
      return grads;
    },
  },
};

const apply = binder(gatheredOps);

/**
 * Gathered attention: out_r = Σ_c p_rc · values[g(r, c)] with p_r = softmax_c(scale_r · q_r·keys[g(r, c)]) over the
 * non-excluded slots of query row r (g as in GatheredIndex); a row whose slots are all excluded gives 0.
 * q [rows, d], keys [n, d], values [n, dv], scale a number or a tensor [rows] (differentiable); all float of
 * one dtype. Gradients flow to q, keys, values and a tensor scale (first order: the backward is a fused kernel).
 */
export function gatheredAttention(q: Tensor, keys: Tensor, values: Tensor, scale: number | Tensor, index: GatheredIndex): Tensor {
  const where = 'gatheredAttention';
  needTensor(q, where, 'q'); needTensor(keys, where, 'keys'); needTensor(values, where, 'values');
  check(q.ndim === 2 && keys.ndim === 2 && values.ndim === 2, where,
    () => `q, keys and values must be matrices [rows, d], [n, d], [n, dv], got ${fmt(q.shape)}, ${fmt(keys.shape)}, ${fmt(values.shape)}`);
  const [rows, d] = q.shape as [number, number];
  const n = keys.shape[0]!;
  check(keys.shape[1] === d, where, () => `keys ${fmt(keys.shape)} must have q's feature size ${d} (q is ${fmt(q.shape)})`);
  check(values.shape[0] === n, where, () => `values ${fmt(values.shape)} must have as many rows as keys ${fmt(keys.shape)}`);
  check(q.dtype !== 'int32' && keys.dtype === q.dtype && values.dtype === q.dtype, where,
    () => `q, keys and values must be float tensors of one dtype, got ${q.dtype}, ${keys.dtype}, ${values.dtype}`);
  const inputs = [q, keys, values];
  if (typeof scale === 'number') {
    check(Number.isFinite(scale), where, () => `scale must be a finite number, got ${scale}`);
  } else {
    needTensor(scale, where, 'scale');
    check(scale.size === rows && scale.dtype === q.dtype, where,
      () => `scale must be a number or a ${q.dtype} tensor of ${rows} entries (one per query row), got ${scale.dtype} ${fmt(scale.shape)}`);
    inputs.push(scale);
  }
  checkIndex(index, rows, n, where);
  return apply('gatheredAttention', inputs, { index, scale: typeof scale === 'number' ? scale : null });
}

function checkIndex(ix: GatheredIndex, rows: number, n: number, where: string): void {
  check(typeof ix === 'object' && ix !== null && ix.index instanceof Int32Array, where, 'index.index must be an Int32Array');
  const { width, period, groupRows, groupStride, index, excluded } = ix;
  const int = (v: number, min: number): boolean => Number.isInteger(v) && v >= min;
  check(int(width, 0) && int(period, 1) && int(groupRows, 1) && int(groupStride, 0), where,
    () => `index needs integers width >= 0, period >= 1, groupRows >= 1, groupStride >= 0, got ${width}, ${period}, ${groupRows}, ${groupStride}`);
  check(rows % period === 0 || rows === 0, where, () => `${rows} query rows are not a multiple of the index set's ${period} rows`);
  check(index.length === period * width, where, () => `index has ${index.length} entries, expected period·width = ${period}·${width}`);
  check(excluded === null || (excluded instanceof Uint8Array && (excluded.length === index.length || excluded.length === rows * width)), where,
    () => `excluded must be null or a Uint8Array of ${index.length} or ${rows * width} entries, got ${excluded?.length}`);
  if (rows === 0 || width === 0) return;
  let lo = index[0]! | 0, hi = lo; // integer bounds keep the scan on int32 compares
  for (let i = 1; i < index.length; i++) { const v = index[i]!; if (v < lo) lo = v; else if (v > hi) hi = v; }
  const last = Math.floor((rows - 1) / groupRows) * groupStride + hi;
  check(lo >= 0 && last < n, where,
    () => `index reads memory rows ${lo}..${last} (local ${lo}..${hi}), outside the ${n} rows of keys / values`);
}

export { gatheredOps };
export type { GatheredAttrs };
