// tidy / keep / dispose: scoped release of tensors (tfjs's model, made safe). Every Tensor created while a
// tidy() function runs is tracked; when it returns, the tracked tensors that nothing the result can reach
// still needs are marked released and their storage goes back to the buffer pool (src/tensor/pool.ts),
// where the next allocations reuse it. Outside tidy() nothing is tracked and the GC works as always.
import { Tensor, setTensorCreateHook } from './tensor.js';
import { HopgradError } from './errors.js';
import type { TypedArray } from './dtype.js';
import { reclaimScratch, setAllocationSink, setScopeClosing } from './pool.js';

/** Anything tidy() may return or dispose() may take: tensors, possibly inside arrays, objects, Maps and Sets. */
export type TensorContainer = unknown;

interface Scope {
  /** Tensors created in the scope (and survivors of inner scopes). */
  tracked: Tensor[];
  /** Arrays `allocate` handed out in the scope (kernel outputs and scratch). */
  arrays: TypedArray[];
}

const scopes: Scope[] = [];

/** What the most recently closed tidy() scope saw (for benchmarks and tests). */
export interface TidyScopeStats {
  /** Tensors created in the scope (plus survivors of its inner scopes). */
  tensors: number;
  /** Arrays `allocate` handed out in the scope. */
  allocations: number;
  /** Tensors released at its end. */
  released: number;
}

let last: TidyScopeStats = { tensors: 0, allocations: 0, released: 0 };

/** @internal Counts of the most recently closed tidy() scope. */
export function lastTidyStats(): TidyScopeStats {
  return { ...last };
}

function track(t: Tensor): void {
  scopes[scopes.length - 1]!.tracked.push(t);
}

function isThenable(x: unknown): boolean {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as { then?: unknown }).then === 'function';
}

/**
 * Mark as live every tensor `root` can reach: tensors inside arrays / objects / Maps / Sets, and for each tensor
 * its gradient and its autograd graph (the inputs and saved values of the ops that made it), so backward after
 * tidy() still works. Raw typed arrays found on the way are collected in `arrays` (never pooled).
 */
function markLive(root: unknown, live: Set<Tensor>, arrays: Set<unknown>, seen: Set<object>): void {
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Tensor) {
      live.add(v);
      if (v.grad !== null) stack.push(v.grad);
      const node = v._node;
      if (node !== null) {
        for (const x of node.inputs) stack.push(x);
        if (node.saved !== undefined) stack.push(node.saved);
      }
    } else if (ArrayBuffer.isView(v)) {
      arrays.add(v);
    } else if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object') stack.push(x);
    } else if (v instanceof Map) {
      for (const [k, x] of v) { stack.push(k); stack.push(x); }
    } else if (v instanceof Set) {
      for (const x of v) stack.push(x);
    } else {
      for (const x of Object.values(v)) if (x !== null && typeof x === 'object') stack.push(x);
    }
  }
}

/** Close the innermost scope: release what `result` does not need; hand the survivors to the enclosing scope. */
function closeScope(scope: Scope, result: unknown): void {
  // released tensors first, so their storages count as free when the scratch arrays are looked at
  const live = new Set<Tensor>();
  const arrays = new Set<unknown>();
  const seen = new Set<object>();
  markLive(result, live, arrays, seen);
  for (const t of scope.tracked) {
    // parameters (leaves that require gradients) and kept tensors survive with everything they reach
    if (t._kept || (t.requiresGrad && t._node === null)) markLive(t, live, arrays, seen);
  }
  const outer = scopes.length > 0 ? scopes[scopes.length - 1]! : null;
  let released = 0;
  setScopeClosing(true); // what is released now is reserved for allocations inside tidy() (see pool.ts)
  try {
    for (const t of scope.tracked) {
      if (live.has(t)) {
        if (outer !== null && !t._kept) outer.tracked.push(t);
      } else if (t._disposed === 0) {
        t._release(1, arrays);
        released++;
      }
    }
    last = { tensors: scope.tracked.length, allocations: scope.arrays.length, released };
    for (const a of scope.arrays) reclaimScratch(a, arrays);
  } finally {
    setScopeClosing(false);
  }
}

/** Open a scope: new tensors and allocations are reported to it. */
function open(): Scope {
  const scope: Scope = { tracked: [], arrays: [] };
  scopes.push(scope);
  setTensorCreateHook(track);
  setAllocationSink(scope.arrays);
  return scope;
}

/** Pop the innermost scope and point the hooks at the enclosing one (or turn them off). */
function pop(): void {
  scopes.pop();
  const outer = scopes[scopes.length - 1];
  setTensorCreateHook(outer ? track : null);
  setAllocationSink(outer ? outer.arrays : null);
}

/** Close the innermost scope without releasing anything: its tensors pass to the enclosing scope (or the GC). */
function abandon(scope: Scope): void {
  pop();
  const outer = scopes[scopes.length - 1];
  if (outer) for (const t of scope.tracked) outer.tracked.push(t);
}

/**
 * Run `fn` and release the tensors it created that its result does not need: when `fn` returns, every tensor
 * created meanwhile is released (its storage goes back to the buffer pool; using it afterwards throws) unless
 * it is reachable from the returned value (tensors in returned arrays / objects / Maps / Sets, and everything
 * their autograd graph references, so `backward()` after tidy works), was `keep()`-ed, is a leaf that requires
 * gradients (a parameter), or is a gradient the tape stored in `.grad`. Views share storage: a storage is
 * reused only once no surviving tensor uses it. Arrays `allocate` handed out during `fn` that no surviving tensor
 * uses (kernel scratch) are reused too, so do not keep raw arrays from backend kernels past the scope; raw typed
 * arrays found in the returned value are never reused. What a scope releases is reused only by allocations inside
 * tidy() scopes, so an untracked step between tidy() steps cannot drain the pool. Scopes nest: an inner tidy's survivors belong to the outer one.
 * If `fn` throws, nothing is released (the tensors pass to the enclosing scope, or to the GC). `fn` must be
 * synchronous. Returns what `fn` returns.
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new HopgradError(`tidy: fn must be a function, got ${fn === null ? 'null' : typeof fn}`);
  const scope = open();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    abandon(scope);
    throw e;
  }
  if (isThenable(result)) {
    abandon(scope);
    throw new HopgradError('tidy: fn returned a Promise; tidy() needs a synchronous function (tensors created after an await cannot be tracked)');
  }
  pop();
  closeScope(scope, result);
  return result;
}

/**
 * Exempt tensors from release by every tidy() scope (inside tidy, a kept tensor survives it with its autograd
 * graph). Takes a tensor or a container of tensors and returns it. Free a kept tensor with `dispose()`.
 */
export function keep<T>(x: T): T {
  visitTensors(x, 'keep', (t) => {
    t._kept = true;
  });
  return x;
}

/**
 * Release tensors now (a tensor, or the tensors inside arrays / objects / Maps / Sets): each is marked disposed
 * (later use throws) and its storage returns to the buffer pool once no live tensor (view) uses it.
 */
export function dispose(x: TensorContainer): void {
  visitTensors(x, 'dispose', (t) => t._release(2));
}

/** Whether a tidy() scope is open now. */
export function isTidying(): boolean {
  return scopes.length > 0;
}

function visitTensors(x: unknown, where: string, fn: (t: Tensor) => void): void {
  if (x instanceof Tensor) {
    fn(x);
    return;
  }
  if (x === null || typeof x !== 'object') {
    throw new HopgradError(`${where}: expected a Tensor or a container of tensors, got ${x === null ? 'null' : typeof x}`);
  }
  const seen = new Set<object>();
  const stack: unknown[] = [x];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Tensor) fn(v);
    else if (ArrayBuffer.isView(v)) continue;
    else if (Array.isArray(v)) for (const e of v) stack.push(e);
    else if (v instanceof Map) for (const e of v.values()) stack.push(e);
    else if (v instanceof Set) for (const e of v) stack.push(e);
    else for (const e of Object.values(v)) stack.push(e);
  }
}
