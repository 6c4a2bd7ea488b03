// The single point where ops run: `applyOp` runs an op's forward on the active backend and, when an input
// needs a gradient, records a tape node whose backward is the op's rule. Also the grad-mode switches.
import { Tensor } from '../tensor/tensor.js';
import { HopgradError } from '../tensor/errors.js';
import { fmt } from '../tensor/shape.js';

/** What an op's forward may keep for its backward. */
export interface ForwardCtx<S> {
  /** Per input: whether a gradient is wanted (false when grad mode is off or the input needs none). */
  readonly needs: readonly boolean[];
  /** Values saved for backward (set only what backward needs). */
  saved?: S;
}

/** What an op's backward receives. */
export interface BackwardCtx<A, S> {
  readonly inputs: readonly Tensor[];
  readonly out: Tensor;
  readonly attrs: A;
  readonly needs: readonly boolean[];
  readonly saved: S;
}

/**
 * A differentiable op, defined once: forward computes the output from raw tensors with backend kernels;
 * backward returns one gradient per input (in the output's broadcast shape or the input's shape; the tape
 * unbroadcasts centrally), written with ops so it runs on every backend. Return null where `needs` is false.
 */
export interface OpDef<A = undefined, S = undefined> {
  forward(inputs: readonly Tensor[], attrs: A, ctx: ForwardCtx<S>): Tensor;
  backward(dy: Tensor, ctx: BackwardCtx<A, S>): readonly (Tensor | null)[];
}

/**
 * A table of op definitions keyed by op name, typed over an attrs map so that a missing op (or a missing
 * forward/backward) is a compile error: `const defs: OpTable<MyAttrs> = { ... }`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpTable<Attrs> = { [K in keyof Attrs]: OpDef<Attrs[K], any> };

let gradEnabled = true;
let debugNaN = false;

/** Whether ops record the tape now. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run `fn` without recording gradients (like torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Run `fn` with gradient recording on (inside a noGrad region, for instance). */
export function enableGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Debug mode: when on, every op checks its output and throws naming the first op that produced NaN or
 * Infinity (and the input shapes), instead of letting it spread silently. Off by default (it costs a pass).
 */
export function setDebugNaN(on: boolean): void {
  debugNaN = on;
}

export function isDebugNaN(): boolean {
  return debugNaN;
}

function checkFinite(name: string, inputs: readonly Tensor[], out: Tensor): void {
  if (out.dtype === 'int32') return;
  const d = out.contiguousData();
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v - v !== 0) {
      const ins = inputs.map((t) => `${fmt(t.shape)}${t.name ? ` '${t.name}'` : ''}`).join(', ');
      throw new HopgradError(`debugNaN: op '${name}' produced ${Number.isNaN(v) ? 'NaN' : v} at flat index ${i} of its output ${fmt(out.shape)} (inputs ${ins})`);
    }
  }
}

/** Run op `name` (defined by `def`) on `inputs`; record a tape node when any input needs a gradient. */
export function applyOp<A, S>(name: string, def: OpDef<A, S>, inputs: readonly Tensor[], attrs: A): Tensor {
  const track = gradEnabled && inputs.some((t) => t.requiresGrad);
  const needs = inputs.map((t) => track && t.requiresGrad);
  const ctx: ForwardCtx<S> = { needs };
  const prev = gradEnabled;
  gradEnabled = false; // a forward built from other ops must not record their nodes
  let out: Tensor;
  try {
    out = def.forward(inputs, attrs, ctx);
  } finally {
    gradEnabled = prev;
  }
  // an op always returns a fresh Tensor object, so the node never overwrites an input's node
  if (inputs.includes(out)) out = new Tensor(out._storage, out.shape, out._strides, out._offset);
  if (debugNaN) checkFinite(name, inputs, out);
  if (track) {
    const saved = ctx.saved as S;
    const o = out;
    out.requiresGrad = true;
    out._node = {
      op: name,
      inputs,
      saved,
      backward: (dy) => def.backward(dy, { inputs, out: o, attrs, needs, saved }),
    };
  }
  return out;
}

/** Bind a table of op definitions to a typed `apply(name, inputs, attrs)` for the module that owns it. */
export function binder<Attrs>(table: OpTable<Attrs>) {
  return <K extends keyof Attrs & string>(name: K, inputs: readonly Tensor[], attrs: Attrs[K]): Tensor =>
    applyOp(name, table[name], inputs, attrs);
}
