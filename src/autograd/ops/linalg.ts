// Matrix products: matmul with batch broadcasting and numpy's 1-D rules. Transposed views reach the
// kernel as flags, so backward's A·dYᵀ-style products never copy.
import { Tensor } from '../../tensor/tensor.js';
import { HopgradError } from '../../tensor/errors.js';
import { broadcastShapes, fmt, sizeOf } from '../../tensor/shape.js';
import { kernels } from '../../tensor/backend/index.js';
import { type OpTable, binder } from '../engine.js';
import { needTensor } from './util.js';
import { reshape, transpose } from './movement.js';

interface LinalgAttrs { matmul: undefined }

/** A rank ≥ 2 operand as kernel data: contiguous, or a transposed view of contiguous matrices (flag). */
function operand(t: Tensor): { data: Float32Array | Float64Array | Int32Array; trans: boolean } {
  if (t.isContiguous()) return { data: t._storage, trans: false };
  const r = t.ndim;
  // a view whose last two axes are swapped relative to a contiguous layout
  const s = t._strides;
  const rows = t.shape[r - 2]!;
  const cols = t.shape[r - 1]!;
  if (t._offset === 0 && t._storage.length === t.size && s[r - 2] === 1 && s[r - 1] === rows) {
    let acc = rows * cols;
    let ok = true;
    for (let i = r - 3; i >= 0; i--) {
      if (t.shape[i] !== 1 && s[i] !== acc) { ok = false; break; }
      acc *= t.shape[i]!;
    }
    if (ok) return { data: t._storage, trans: true };
  }
  return { data: kernels().strided(t._storage, t.shape, t._strides, t._offset), trans: false };
}

/** Index of each output batch element into an operand's batch (broadcast dims repeat). */
function batchIndex(batchShape: readonly number[], opBatch: readonly number[]): Int32Array {
  const n = sizeOf(batchShape);
  const idx = new Int32Array(n);
  const lead = batchShape.length - opBatch.length;
  for (let b = 0; b < n; b++) {
    let rem = b;
    let flat = 0;
    let mult = 1;
    for (let ax = batchShape.length - 1; ax >= 0; ax--) {
      const d = batchShape[ax]!;
      const i = rem % d;
      rem = Math.floor(rem / d);
      const j = ax - lead;
      if (j >= 0) {
        const od = opBatch[j]!;
        flat += (od === 1 ? 0 : i) * mult;
        mult *= od;
      }
    }
    idx[b] = flat;
  }
  return idx;
}

const linalgOps: OpTable<LinalgAttrs> = {
  // inputs have rank ≥ 2 here (the public function applies the 1-D rules by reshaping)
  matmul: {
    forward: ([a, b]) => {
      const m = a!.shape[a!.ndim - 2]!;
      const k = a!.shape[a!.ndim - 1]!;
      const n = b!.shape[b!.ndim - 1]!;
      const aBatch = a!.shape.slice(0, -2);
      const bBatch = b!.shape.slice(0, -2);
      const batchShape = broadcastShapes(aBatch, bBatch, 'matmul');
      const A = operand(a!);
      const B = operand(b!);
      const data = kernels().matmul(A.data, B.data, {
        batch: sizeOf(batchShape), m, k, n, transA: A.trans, transB: B.trans,
        aIndex: batchIndex(batchShape, aBatch), bIndex: batchIndex(batchShape, bBatch),
      });
      return new Tensor(data, [...batchShape, m, n]);
    },
    // dA = dY Bᵀ, dB = Aᵀ dY (summed over broadcast batches by the tape)
    backward: (dy, { inputs: [a, b], needs }) => [
      needs[0] ? matmul(dy, transpose(b!)) : null,
      needs[1] ? matmul(transpose(a!), dy) : null,
    ],
  },
};

const apply = binder(linalgOps);

/**
 * Matrix product with numpy semantics: batch dimensions broadcast; a 1-D first operand is a row vector
 * and a 1-D second operand a column vector, their axis removed from the result.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  needTensor(a, 'matmul', 'first operand');
  needTensor(b, 'matmul', 'second operand');
  if (a.ndim === 0 || b.ndim === 0) {
    throw new HopgradError(`matmul: both operands need at least 1 dimension, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  if (a.dtype === 'int32' || b.dtype === 'int32') {
    throw new HopgradError(`matmul: operands must be float tensors, got ${a.dtype} and ${b.dtype}`);
  }
  const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]!]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
  const ka = a2.shape[a2.ndim - 1]!;
  const kb = b2.shape[b2.ndim - 2]!;
  if (ka !== kb) {
    throw new HopgradError(`matmul: cannot multiply ${fmt(a.shape)} by ${fmt(b.shape)} (inner dimensions ${ka} and ${kb} differ)`);
  }
  broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2), `matmul: batch dimensions of ${fmt(a.shape)} and ${fmt(b.shape)}`);
  let out = apply('matmul', [a2, b2], undefined);
  if (a.ndim === 1) out = reshape(out, [...out.shape.slice(0, -2), out.shape[out.ndim - 1]!]);
  if (b.ndim === 1) out = reshape(out, out.shape.slice(0, -1));
  return out;
}

export { linalgOps };
export type { LinalgAttrs };

declare module '../../tensor/tensor.js' {
  interface Tensor {
    matmul(b: Tensor): Tensor;
  }
}

Object.assign(Tensor.prototype, {
  matmul(this: Tensor, b: Tensor) { return matmul(this, b); },
});
