// Helpers the op modules share: tensor-or-number arguments, broadcast views, and small raw constructors.
import { Tensor } from '../../tensor/tensor.js';
import { type DType, allocate, promote } from '../../tensor/dtype.js';
import { HopgradError } from '../../tensor/errors.js';

/** A tensor, or a number that becomes a 0-d tensor of the other operand's dtype. */
export type TensorLike = Tensor | number;

/** Check that `x` is a Tensor, naming the op and parameter otherwise. */
export function needTensor(x: unknown, where: string, param = 'input'): Tensor {
  if (!(x instanceof Tensor)) throw new HopgradError(`${where}: ${param} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  return x;
}

/** A 0-d constant tensor. */
export function constant(value: number, dtype: DType): Tensor {
  const s = allocate(dtype, 1);
  s[0] = value;
  return new Tensor(s, []);
}

/** Turn a pair of tensor-or-number operands into tensors (numbers take the tensor's dtype). */
export function pair(a: TensorLike, b: TensorLike, where: string): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') return [constant(a, 'float32'), constant(b, 'float32')];
  if (typeof a === 'number') { const tb = needTensor(b, where, 'second operand'); return [constant(a, tb.dtype === 'int32' && !Number.isInteger(a) ? 'float32' : tb.dtype), tb]; }
  if (typeof b === 'number') { const ta = needTensor(a, where, 'first operand'); return [ta, constant(b, ta.dtype === 'int32' && !Number.isInteger(b) ? 'float32' : ta.dtype)]; }
  return [needTensor(a, where, 'first operand'), needTensor(b, where, 'second operand')];
}

/** Element strides that read `t` as if broadcast to `shape` (0 on broadcast axes). */
export function broadcastStrides(t: Tensor, shape: readonly number[]): number[] {
  const lead = shape.length - t.shape.length;
  const st = new Array<number>(shape.length);
  for (let i = 0; i < shape.length; i++) {
    const j = i - lead;
    st[i] = j < 0 || t.shape[j] === 1 ? 0 : t._strides[j]!;
  }
  return st;
}

/** The dtype of a binary op's result. */
export function resultDtype(a: Tensor, b: Tensor): DType {
  return promote(a.dtype, b.dtype);
}
