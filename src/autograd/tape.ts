// Reverse-mode backpropagation over the recorded graph: an iterative topological order (no recursion,
// deterministic), gradients accumulated per tensor, broadcasting undone centrally, every gradient's shape
// and dtype checked against its tensor. Installs Tensor.prototype.backward.
import { Tensor } from '../tensor/tensor.js';
import { HopgradError } from '../tensor/errors.js';
import { broadcastsTo, fmt, shapeEq, sizeOf, stridesOf } from '../tensor/shape.js';
import { kernels } from '../tensor/backend/index.js';
import { allocate } from '../tensor/dtype.js';
import { noGrad } from './engine.js';
import { keep } from '../tensor/tidy.js';

/** Tensors reachable from `root` through recorded nodes, inputs before the tensors computed from them. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const [t, i] = top;
    const inputs = t._node?.inputs ?? [];
    if (i < inputs.length) {
      top[1] = i + 1;
      const child = inputs[i]!;
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/** Sum a gradient of a broadcast shape down to `shape` (the central unbroadcast). */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  const k = kernels();
  let data = g.contiguousData();
  const gs = g.shape;
  const lead = gs.length - shape.length;
  let cur = [...gs];
  // reduce axis by axis, from the last, so earlier axis indices stay valid
  for (let ax = gs.length - 1; ax >= 0; ax--) {
    const target = ax < lead ? 1 : shape[ax - lead]!;
    if (cur[ax] === target) continue;
    const outer = sizeOf(cur.slice(0, ax));
    const inner = sizeOf(cur.slice(ax + 1));
    data = k.reduce('sum', data, outer, cur[ax]!, inner);
    cur[ax] = 1;
  }
  return new Tensor(data, shape);
}

function accumulate(a: Tensor | undefined, b: Tensor): Tensor {
  if (!a) return b;
  const k = kernels();
  const st = stridesOf(a.shape);
  return new Tensor(k.binary('add', a.contiguousData(), st, b.contiguousData(), st, a.shape, a.dtype), a.shape);
}

/** Gradients the tape stored in `.grad` with storage of their own (so later backward calls may add in place). */
const tapeOwned = new WeakSet<Tensor>();

/**
 * Add `g` into `t.grad`: in place when the tape made the current `.grad` (its storage is its own; PyTorch also
 * accumulates in place), else into a new tensor. Gradients stored here are kept: no tidy() scope releases them.
 */
function accumulateGrad(t: Tensor, g: Tensor): void {
  const cur = t.grad;
  if (cur === null) {
    const o = own(g);
    tapeOwned.add(o);
    t.grad = keep(o);
    return;
  }
  if (tapeOwned.has(cur) && !cur.isDisposed && cur.isContiguous() && cur.dtype === g.dtype && shapeEq(cur.shape, g.shape)) {
    const a = cur._storage;
    const b = g.contiguousData();
    for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!; // dL/dt sums over every path (same rounding as the add kernel)
    return;
  }
  const sum = accumulate(cur, g);
  tapeOwned.add(sum);
  t.grad = keep(sum);
}

/** A gradient with storage of its own: rules pass dy through unchanged, so two leaves (or the caller's seed) could share it. */
function own(g: Tensor): Tensor {
  const d = g.contiguousData();
  return new Tensor(d === g._storage ? d.slice() : d, g.shape);
}

function fitGradient(op: string, g: Tensor, input: Tensor, index: number): Tensor {
  if (!(g instanceof Tensor)) {
    throw new HopgradError(`backward of '${op}': gradient for input ${index} is not a Tensor`);
  }
  let out = g;
  if (!shapeEq(g.shape, input.shape)) {
    if (!broadcastsTo(input.shape, g.shape)) {
      throw new HopgradError(
        `backward of '${op}': gradient for input ${index} has shape ${fmt(g.shape)}, which does not reduce to the input's shape ${fmt(input.shape)}`,
      );
    }
    out = sumToShape(g, input.shape);
  }
  if (out.dtype !== input.dtype) {
    if (input.dtype === 'int32') throw new HopgradError(`backward of '${op}': input ${index} is int32 and cannot take a gradient`);
    out = new Tensor(kernels().cast(out.contiguousData(), input.dtype), out.shape);
  }
  return out;
}

/**
 * Backpropagate from `root`. Without `gradient`, `root` must hold one element (its gradient is 1).
 * Leaves that require gradients get `.grad` (added to what is there); intermediate gradients are freed.
 */
export function backward(root: Tensor, gradient?: Tensor): void {
  if (!root.requiresGrad) {
    throw new HopgradError('backward: this tensor does not require a gradient (no input of the computation had requiresGrad set, or it ran inside noGrad)');
  }
  let seed: Tensor;
  if (gradient === undefined) {
    if (root.size !== 1) {
      throw new HopgradError(`backward: a gradient can be created implicitly only for a one-element output, got shape ${fmt(root.shape)}; pass backward(gradient)`);
    }
    const one = allocate(root.dtype, 1);
    one[0] = 1;
    seed = new Tensor(one, root.shape);
  } else {
    if (!(gradient instanceof Tensor) || !shapeEq(gradient.shape, root.shape)) {
      throw new HopgradError(`backward: gradient must be a Tensor of the output's shape ${fmt(root.shape)}, got ${gradient instanceof Tensor ? fmt(gradient.shape) : typeof gradient}`);
    }
    seed = gradient.detach();
  }
  const order = topoOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      const node = t._node;
      if (!node) {
        accumulateGrad(t, g);
        continue;
      }
      if (t.retainsGrad) accumulateGrad(t, g);
      const gs = node.backward(g);
      if (gs.length !== node.inputs.length) {
        throw new HopgradError(`backward of '${node.op}': returned ${gs.length} gradients for ${node.inputs.length} inputs`);
      }
      for (let j = 0; j < gs.length; j++) {
        const input = node.inputs[j]!;
        const gi = gs[j];
        if (!input.requiresGrad || gi == null) continue;
        grads.set(input, accumulate(grads.get(input), fitGradient(node.op, gi, input, j)));
      }
    }
  });
}

Tensor.prototype.backward = function (this: Tensor, gradient?: Tensor): void {
  backward(this, gradient);
};
