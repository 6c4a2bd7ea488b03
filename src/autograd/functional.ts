// The functional autodiff API: grad(f, argnums) and valueAndGrad(f), like JAX, built on the tape.
import { Tensor } from '../tensor/tensor.js';
import { HopgradError, check } from '../tensor/errors.js';
import { fmt } from '../tensor/shape.js';
import { enableGrad } from './engine.js';
import { backward } from './tape.js';

/** Which arguments to differentiate: one index or a list. */
export type Argnums = number | readonly number[];

function prepare(args: readonly Tensor[], argnums: Argnums, where: string): { inputs: Tensor[]; idx: number[] } {
  const idx = typeof argnums === 'number' ? [argnums] : [...argnums];
  check(idx.length > 0, where, 'argnums must name at least one argument');
  for (const i of idx) {
    check(Number.isInteger(i) && i >= 0 && i < args.length, where, () => `argnums ${i} is out of range for ${args.length} arguments`);
    const a = args[i];
    check(a instanceof Tensor, where, () => `argument ${i} must be a Tensor to be differentiated, got ${typeof a}`);
    check(a.dtype !== 'int32', where, () => `argument ${i} is int32 and cannot be differentiated`);
  }
  // fresh leaves sharing the data, so the caller's tensors and their .grad are untouched
  const inputs = args.map((a, i) => (idx.includes(i) ? a.detach().requiresGrad_() : a));
  return { inputs, idx };
}

function runBackward(out: unknown, where: string): Tensor {
  if (!(out instanceof Tensor)) throw new HopgradError(`${where}: the function must return a Tensor, got ${typeof out}`);
  if (out.size !== 1) throw new HopgradError(`${where}: the function must return a one-element tensor, got shape ${fmt(out.shape)}`);
  if (out.requiresGrad) backward(out);
  return out;
}

/**
 * The value of `f` and its gradient with respect to argument(s) `argnums` (default 0). `f` must return a
 * one-element tensor. Returns `[value, grad]`: `grad` is a tensor for one argnum, a list for a list.
 */
export function valueAndGrad<A extends Tensor[]>(f: (...args: A) => Tensor, argnums?: number, where?: string): (...args: A) => [Tensor, Tensor];
export function valueAndGrad<A extends Tensor[]>(f: (...args: A) => Tensor, argnums: readonly number[], where?: string): (...args: A) => [Tensor, Tensor[]];
export function valueAndGrad<A extends Tensor[]>(f: (...args: A) => Tensor, argnums: Argnums = 0, where = 'valueAndGrad') {
  return (...args: A): [Tensor, Tensor | Tensor[]] => {
    const { inputs, idx } = prepare(args, argnums, where);
    const out = runBackward(enableGrad(() => f(...(inputs as A))), where);
    const grads = idx.map((i) => {
      const t = inputs[i]!;
      return t.grad ?? new Tensor(new (t._storage.constructor as Float32ArrayConstructor)(t.size) as Float32Array, t.shape);
    });
    return [out.detach(), typeof argnums === 'number' ? grads[0]! : grads];
  };
}

/** The gradient of `f` with respect to argument(s) `argnums` (default 0); see valueAndGrad. */
export function grad<A extends Tensor[]>(f: (...args: A) => Tensor, argnums?: number): (...args: A) => Tensor;
export function grad<A extends Tensor[]>(f: (...args: A) => Tensor, argnums: readonly number[]): (...args: A) => Tensor[];
export function grad<A extends Tensor[]>(f: (...args: A) => Tensor, argnums: Argnums = 0) {
  const vg = typeof argnums === 'number' ? valueAndGrad(f, argnums, 'grad') : valueAndGrad(f, argnums, 'grad');
  return (...args: A): Tensor | Tensor[] => vg(...args)[1];
}
