// Fused row ops: softmax, logSoftmax (one kernel pass over each row, output saved for backward),
// layerNorm (fused normalization saving mean and rstd, PyTorch F.layer_norm semantics) and logSigmoid.
import { Tensor } from '../../tensor/tensor.js';
import { type TypedArray, allocate } from '../../tensor/dtype.js';
import { check } from '../../tensor/errors.js';
import { fmt, normAxis, shapeEq, sizeOf, stridesOf } from '../../tensor/shape.js';
import { kernels } from '../../tensor/backend/index.js';
import { type OpTable, binder } from '../engine.js';
import { needTensor } from './util.js';
import { mean, sum } from './reduce.js';
import { reshape } from './movement.js';
import { exp, mul, neg, rawBinary, softplus, sub, where } from './elementwise.js';
import { rawRows } from './reductions.js';

interface LayerNormAttrs {
  normalizedShape: readonly number[];
  eps: number;
  hasWeight: boolean;
  hasBias: boolean;
}

/** Attributes of the fused row ops, by op name (the registry's typed table). */
interface FusedAttrs {
  softmax: { axis: number };
  logSoftmax: { axis: number };
  layerNorm: LayerNormAttrs;
}

type RowKernel = (x: TypedArray, rows: number, cols: number) => TypedArray;

/** Run a row kernel over `axis`: move it to the end, run on [rows, cols], view the result back in x's layout. */
function overAxis(x: Tensor, axis: number, kernel: RowKernel): { out: Tensor; data: TypedArray; input: TypedArray; rows: number; cols: number } {
  if (x.ndim === 0) {
    const input = x.contiguousData();
    const data = kernel(input, 1, 1);
    return { out: new Tensor(data, []), data, input, rows: 1, cols: 1 };
  }
  const { data: input, rows, cols } = rawRows(x, [axis]);
  const data = kernel(input, rows, cols);
  // the result is laid out with `axis` last; its strides read it in x's axis order
  const moved = x.shape.map((_, i) => i).filter((i) => i !== axis);
  moved.push(axis);
  const st = stridesOf(moved.map((a) => x.shape[a]!));
  const strides = x.shape.map((_, i) => st[moved.indexOf(i)]!);
  return { out: new Tensor(data, x.shape, strides), data, input, rows, cols };
}

/** Axes a backward sums over for a row op along `axis` (none for a 0-d tensor, whose one row is itself). */
function rowAxes(t: Tensor, axis: number): number[] {
  return t.ndim === 0 ? [] : [axis];
}

/** The differentiable fused row ops, for the registry. */
const fusedOps: OpTable<FusedAttrs> = {
  softmax: {
    forward: ([x], { axis }) => overAxis(x!, axis, (d, r, c) => kernels().softmax(d, r, c)).out,
    // dx = y ⊙ (dy − Σ dy ⊙ y); rows that are all −∞ have y = 0 and so get 0
    backward: (dy, { out: y, attrs: { axis } }) => [mul(y, sub(dy, sum(mul(dy, y), rowAxes(y, axis), { keepDims: true })))],
  },
  logSoftmax: {
    forward: ([x], { axis }, ctx) => {
      const r = overAxis(x!, axis, (d, r, c) => kernels().logSoftmax(d, r, c));
      // a row that is all −∞ (fully masked) is −∞ everywhere (log 0), not NaN, and gets a zero gradient
      let masked: TypedArray | null = null;
      for (let i = 0; i < r.rows; i++) {
        const o = i * r.cols;
        if (r.cols === 0 || r.data[o]! > -Infinity) continue;
        let all = true;
        for (let j = 0; j < r.cols && all; j++) all = r.input[o + j] === -Infinity;
        if (!all) continue;
        r.data.fill(-Infinity, o, o + r.cols);
        (masked ??= allocate(x!.dtype, r.rows))[i] = 1;
      }
      ctx.saved = masked && new Tensor(masked, x!.shape.map((d, i) => (i === axis ? 1 : d)));
      return r.out;
    },
    // dx = dy − softmax ⊙ Σ dy = dy − exp(y) Σ dy
    backward: (dy, { out: y, attrs: { axis }, saved }) => {
      const dx = sub(dy, mul(exp(y), sum(dy, rowAxes(y, axis), { keepDims: true })));
      return [saved ? where(saved as Tensor, 0, dx) : dx];
    },
  },
  layerNorm: {
    forward: (inputs, { normalizedShape, eps, hasWeight, hasBias }, ctx) => {
      const x = inputs[0]!;
      const cols = sizeOf(normalizedShape);
      const rows = sizeOf(x.shape.slice(0, x.ndim - normalizedShape.length));
      const r = kernels().layerNorm(x.contiguousData(), rows, cols, eps);
      ctx.saved = { mu: new Tensor(r.mean, [rows, 1]), rstd: new Tensor(r.rstd, [rows, 1]) };
      let out = new Tensor(r.out, x.shape);
      if (hasWeight) out = rawBinary('mul', out, inputs[1]!, 'layerNorm');
      if (hasBias) out = rawBinary('add', out, inputs[hasWeight ? 2 : 1]!, 'layerNorm');
      return out;
    },
    // with x̂ = (x − μ)·rstd and g = dy·w: dx = rstd·(g − mean(g) − x̂·mean(g ⊙ x̂)), dw = Σ dy ⊙ x̂, db = Σ dy
    backward: (dy, { inputs, attrs: { normalizedShape, hasWeight, hasBias }, needs, saved }) => {
      const { mu, rstd } = saved as { mu: Tensor; rstd: Tensor };
      const x = inputs[0]!;
      const [rows, cols] = [mu.shape[0]!, sizeOf(normalizedShape)];
      const xhat = mul(sub(reshape(x, [rows, cols]), mu), rstd);
      const dy2 = reshape(dy, [rows, cols]);
      const g = hasWeight ? mul(dy2, reshape(inputs[1]!, [cols])) : dy2;
      const grads: (Tensor | null)[] = [
        needs[0]
          ? reshape(mul(rstd, sub(sub(g, mean(g, 1, { keepDims: true })), mul(xhat, mean(mul(g, xhat), 1, { keepDims: true })))), x.shape)
          : null,
      ];
      if (hasWeight) grads.push(needs[1] ? reshape(sum(mul(dy2, xhat), 0), normalizedShape) : null);
      if (hasBias) grads.push(needs[grads.length] ? reshape(sum(dy2, 0), normalizedShape) : null);
      return grads;
    },
  },
};

const apply = binder(fusedOps);

function rowAxis(x: Tensor, axis: number, where: string): number {
  needTensor(x, where);
  check(x.dtype !== 'int32', where, 'needs a float tensor, got int32 (cast it first)');
  check(typeof axis === 'number', where, () => `axis must be an integer, got ${String(axis)}`);
  return normAxis(axis, Math.max(x.ndim, 1), where);
}

/** Softmax along `axis` (default −1), numerically stable; a row that is all −∞ gives zeros (and a zero gradient). */
export function softmax(x: Tensor, axis = -1): Tensor {
  return apply('softmax', [x], { axis: rowAxis(x, axis, 'softmax') });
}

/** log(softmax(x)) along `axis` (default −1), computed stably; a row that is all −∞ gives −∞ (and a zero gradient). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return apply('logSoftmax', [x], { axis: rowAxis(x, axis, 'logSoftmax') });
}

/** log σ(x) = −softplus(−x), stable for large |x|. */
export function logSigmoid(x: Tensor): Tensor {
  needTensor(x, 'logSigmoid');
  return neg(softplus(neg(x)));
}

/**
 * Layer normalization over the trailing dimensions `normalizedShape` (PyTorch F.layer_norm): each slice is
 * shifted to mean 0 and scaled by 1/√(var + eps) with the biased variance, then multiplied by `weight` and
 * shifted by `bias` (both of shape `normalizedShape`; omit or pass null for none).
 */
export function layerNorm(
  x: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5,
): Tensor {
  needTensor(x, 'layerNorm');
  check(x.dtype !== 'int32', 'layerNorm', 'needs a float tensor, got int32 (cast it first)');
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  check(Array.isArray(ns) && ns.length > 0 && ns.every((d) => Number.isInteger(d) && d > 0), 'layerNorm',
    () => `normalizedShape must be a positive integer or a non-empty list of them, got ${Array.isArray(ns) ? fmt(ns) : String(ns)}`);
  check(ns.length <= x.ndim && shapeEq(x.shape.slice(x.ndim - ns.length), ns), 'layerNorm',
    () => `normalizedShape ${fmt(ns)} does not match the trailing dimensions of the input's shape ${fmt(x.shape)}`);
  check(typeof eps === 'number' && eps > 0 && Number.isFinite(eps), 'layerNorm', () => `eps must be a positive finite number, got ${String(eps)}`);
  const inputs = [x];
  for (const [name, p] of [['weight', weight], ['bias', bias]] as const) {
    if (p === undefined || p === null) continue;
    needTensor(p, 'layerNorm', name);
    check(shapeEq(p.shape, ns), 'layerNorm', () => `${name} has shape ${fmt(p.shape)}, expected normalizedShape ${fmt(ns)}`);
    check(p.dtype !== 'int32', 'layerNorm', () => `${name} must be a float tensor, got int32`);
    inputs.push(p);
  }
  return apply('layerNorm', inputs, { normalizedShape: [...ns], eps, hasWeight: weight != null, hasBias: bias != null });
}

export { fusedOps };
export type { FusedAttrs };

declare module '../../tensor/tensor.js' {
  interface Tensor {
    softmax(axis?: number): Tensor; logSoftmax(axis?: number): Tensor; logSigmoid(): Tensor;
  }
}

Object.assign(Tensor.prototype, {
  softmax(this: Tensor, axis?: number) { return softmax(this, axis); },
  logSoftmax(this: Tensor, axis?: number) { return logSoftmax(this, axis); },
  logSigmoid(this: Tensor) { return logSigmoid(this); },
});
