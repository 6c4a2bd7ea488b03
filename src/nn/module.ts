// Module: the base class of layers and models (PyTorch's nn.Module). A module owns named parameters, buffers
// and submodules, registered explicitly and kept in registration order; the tree gives parameters(),
// namedParameters(), train/eval, zeroGrad, dtype conversion and state dicts (see ./state-dict.ts).
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import type { DType } from '../tensor/dtype.js';
import { kernels } from '../tensor/backend/index.js';
import { keep } from '../tensor/tidy.js';
import { type LoadResult, type StateDictOptions, collectState, loadState } from './state-dict.js';
import { checkBuffer, checkParameter, describeValue as describe } from './validate.js';

export type { LoadResult, StateDictOptions } from './state-dict.js';

/** Any module, whatever its forward signature (for tree walks and containers). */
export type AnyModule = Module<never, unknown>;

/** Options of `registerParameter`. */
export interface ParameterOptions {
  /** Whether the parameter is trainable (default true: `requiresGrad` is set on it). */
  requiresGrad?: boolean;
}

/** Options of `registerBuffer`. */
export interface BufferOptions {
  /** Whether the buffer is part of the state dict (default true). */
  persistent?: boolean;
}

type Kind = 'parameter' | 'buffer' | 'module';

function cast(t: Tensor, dtype: DType): Tensor {
  return new Tensor(kernels().cast(t.contiguousData(), dtype), t.shape);
}

/**
 * The base class of every layer and model.
 *
 * Registration is explicit, as in PyTorch's `register_parameter` / `register_buffer` / `add_module`:
 * a subclass calls `this.registerParameter('weight', t)`, `this.registerBuffer('runningMean', t)` or
 * `this.registerModule('encoder', m)` in its constructor. Each call also defines an accessor property of that
 * name on the instance, so `this.weight` always reads the current entry (also after `to('float64')` or
 * `loadStateDict`) and `this.weight = t` replaces it (validated). In TypeScript declare such fields with
 * `declare weight: Tensor;` (not a field initializer, which would shadow the accessor).
 *
 * Order is deterministic: registration order, a module's own parameters before its children's.
 * Call a module with `m.forward(x)` or `m.call(x)` (the same thing; `call` mirrors PyTorch's `m(x)`).
 */
export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** Training mode (true) or evaluation mode (false); set with `train()` / `eval()`, which recurse. */
  training = true;
  private readonly _params = new Map<string, Tensor | null>();
  private readonly _buffers = new Map<string, Tensor | null>();
  private readonly _nonPersistent = new Set<string>();
  private readonly _modules = new Map<string, AnyModule | null>();

  /** The computation of this module. */
  abstract forward(...inputs: In): Out;

  /** Run the module (PyTorch's `module(x)`): the same as `forward`. */
  call(...inputs: In): Out {
    return this.forward(...inputs);
  }

  // ---- registration --------------------------------------------------------------------------------------

  private where(): string {
    return this.constructor.name;
  }

  private checkName(name: unknown, kind: Kind): asserts name is string {
    const w = `${this.where()}.register${kind === 'module' ? 'Module' : kind === 'buffer' ? 'Buffer' : 'Parameter'}`;
    check(typeof name === 'string' && name.length > 0, w, () => `name must be a non-empty string, got ${describe(name)}`);
    check(!name.includes('.'), w, () => `name '${name}' must not contain '.' (dots separate the levels of the state dict)`);
    const owner = this._params.has(name) ? 'parameter' : this._buffers.has(name) ? 'buffer' : this._modules.has(name) ? 'module' : null;
    check(owner === null || owner === kind, w, () => `'${name}' is already registered as a ${owner}`);
    if (owner === null) {
      const own = Object.getOwnPropertyDescriptor(this, name);
      const taken = own ? own.value !== undefined || own.get !== undefined : name in this;
      check(!taken, w, () => `'${name}' is already an attribute of ${this.where()}; choose another name`);
    }
  }

  private checkModule(m: unknown, w: string, name: string): asserts m is AnyModule | null {
    check(m === null || m instanceof Module, w, () => `submodule '${name}' must be a Module or null, got ${describe(m)}`);
  }

  private defineAccessor(name: string, kind: Kind): void {
    const own = Object.getOwnPropertyDescriptor(this, name);
    if (own?.get) return;
    const table = kind === 'parameter' ? this._params : kind === 'buffer' ? this._buffers : this._modules;
    Object.defineProperty(this, name, {
      configurable: true,
      enumerable: true,
      get: () => table.get(name),
      set: (v: unknown) => {
        const w = `${this.where()}.${name}`;
        if (kind === 'parameter') {
          checkParameter(v, w, name);
          if (v) v.requiresGrad = true;
          this._params.set(name, v);
        } else if (kind === 'buffer') {
          checkBuffer(v, w, name);
          this._buffers.set(name, v === null ? v : keep(v)); // module state outlives any tidy() scope
        } else {
          this.checkModule(v, w, name);
          check(v === null || !v.modules().includes(this as unknown as AnyModule), w, () => `cannot set '${name}': it would make a cycle`);
          this._modules.set(name, v);
        }
      },
    });
  }

  /**
   * Register a parameter: a contiguous float leaf tensor that optimizers update in place. Sets its
   * `requiresGrad` (unless `{ requiresGrad: false }`, a frozen parameter). Registering a name again replaces it.
   * Returns the tensor.
   */
  registerParameter<T extends Tensor | null>(name: string, tensor: T, opts: ParameterOptions = {}): T {
    this.checkName(name, 'parameter');
    checkParameter(tensor, `${this.where()}.registerParameter`, name);
    if (tensor) tensor.requiresGrad = opts.requiresGrad ?? true;
    this._params.set(name, tensor);
    this.defineAccessor(name, 'parameter');
    return tensor;
  }

  /** Register a buffer: state that is not trained but is saved (e.g. running statistics). Returns the tensor. */
  registerBuffer<T extends Tensor | null>(name: string, tensor: T, opts: BufferOptions = {}): T {
    this.checkName(name, 'buffer');
    checkBuffer(tensor, `${this.where()}.registerBuffer`, name);
    this._buffers.set(name, tensor === null ? tensor : keep(tensor)); // module state outlives any tidy() scope
    if (opts.persistent === false) this._nonPersistent.add(name);
    else this._nonPersistent.delete(name);
    this.defineAccessor(name, 'buffer');
    return tensor;
  }

  /** Register a submodule (its parameters appear as `name.…`). Returns the module. */
  registerModule<M extends AnyModule | null>(name: string, module: M): M {
    this.checkName(name, 'module');
    this.checkModule(module, `${this.where()}.registerModule`, name);
    check(module === null || !module.modules().includes(this as unknown as AnyModule), `${this.where()}.registerModule`,
      () => `cannot register '${name}': it would make a cycle (the module contains ${this.where()} itself)`);
    this._modules.set(name, module);
    this.defineAccessor(name, 'module');
    return module;
  }

  /** This module's own parameter `name` (undefined when there is none; null when registered as null). */
  getParameter(name: string): Tensor | null | undefined {
    return this._params.get(name);
  }

  /** This module's own buffer `name`. */
  getBuffer(name: string): Tensor | null | undefined {
    return this._buffers.get(name);
  }

  /** This module's direct submodule `name`. */
  getModule(name: string): AnyModule | null | undefined {
    return this._modules.get(name);
  }

  // ---- the tree ------------------------------------------------------------------------------------------

  /** Direct submodules with their names, in registration order (each module once). */
  namedChildren(): [string, AnyModule][] {
    const seen = new Set<AnyModule>();
    const out: [string, AnyModule][] = [];
    for (const [n, m] of this._modules) if (m && !seen.has(m)) { seen.add(m); out.push([n, m]); }
    return out;
  }

  /** Direct submodules. */
  children(): AnyModule[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and all submodules, depth first (pre-order), each once, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    const seen = new Set<AnyModule>();
    const walk = (m: AnyModule, p: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
      for (const [n, c] of m._modules) if (c) walk(c, p ? `${p}.${n}` : n);
    };
    walk(this as unknown as AnyModule, prefix);
    return out;
  }

  /** This module and all submodules (pre-order, each once). */
  modules(): AnyModule[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with dotted names (`layers.0.weight`), own before children's; a shared tensor appears once. */
  namedParameters(prefix = '', opts: { recurse?: boolean } = {}): [string, Tensor][] {
    const mods: [string, AnyModule][] = opts.recurse === false ? [[prefix, this as unknown as AnyModule]] : this.namedModules(prefix);
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [p, m] of mods) {
      for (const [n, t] of m._params) if (t && !seen.has(t)) { seen.add(t); out.push([p ? `${p}.${n}` : n, t]); }
    }
    return out;
  }

  /** All parameters (each tensor once), in the order of `namedParameters()`. */
  parameters(opts: { recurse?: boolean } = {}): Tensor[] {
    return this.namedParameters('', opts).map(([, t]) => t);
  }

  /** Buffers with dotted names, own before children's; a shared tensor appears once. */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [p, m] of this.namedModules(prefix)) {
      for (const [n, t] of m._buffers) if (t && !seen.has(t)) { seen.add(t); out.push([p ? `${p}.${n}` : n, t]); }
    }
    return out;
  }

  /** All buffers. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  /** Number of parameter elements (shared tensors counted once); `trainableOnly` counts those with requiresGrad. */
  numParameters(opts: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!opts.trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  /** Call `fn` on every submodule (children first, recursively) and then on this one (like torch's apply). */
  apply(fn: (m: AnyModule) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this as unknown as AnyModule);
    return this;
  }

  // ---- modes, gradients, dtype ---------------------------------------------------------------------------

  /** Set training mode on this module and every submodule. Returns this. */
  train(mode = true): this {
    check(typeof mode === 'boolean', `${this.where()}.train`, () => `mode must be a boolean, got ${describe(mode)}`);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode (`train(false)`): Dropout becomes the identity. Returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Drop every parameter's accumulated gradient (sets `.grad` to null, like torch's set_to_none). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Turn gradients of every parameter on or off (freezing). Returns this. */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad = flag;
    return this;
  }

  /**
   * Convert every float parameter, gradient and float buffer to `dtype` (e.g. 'float64' for gradient checks),
   * keeping tied tensors tied. Parameters are replaced by new tensors, so create optimizers after calling it.
   */
  to(dtype: DType): this {
    check(dtype === 'float32' || dtype === 'float64', `${this.where()}.to`, () => `dtype must be 'float32' or 'float64', got ${String(dtype)}`);
    const done = new Map<Tensor, Tensor>();
    const conv = (t: Tensor): Tensor => {
      if (t.dtype === 'int32' || t.dtype === dtype) return t;
      let c = done.get(t);
      if (!c) {
        c = cast(t, dtype);
        c.requiresGrad = t.requiresGrad;
        c.name = t.name;
        if (t.grad) c.grad = cast(t.grad, dtype);
        done.set(t, c);
      }
      return c;
    };
    for (const m of this.modules()) {
      for (const [n, t] of m._params) if (t) m._params.set(n, conv(t));
      for (const [n, t] of m._buffers) if (t) m._buffers.set(n, conv(t));
    }
    return this;
  }

  // ---- state dicts ---------------------------------------------------------------------------------------

  /**
   * Parameters and persistent buffers by dotted name (`layers.0.weight`), in registration order.
   * Like PyTorch, the tensors are detached views sharing the module's storage (they change as the module
   * trains); pass `{ copy: true }` for a snapshot.
   */
  stateDict(opts: StateDictOptions = {}): Record<string, Tensor> {
    return collectState(this.stateEntries(), opts);
  }

  /**
   * Copy tensors from `dict` into this module's parameters and buffers, in place (optimizers keep working).
   * All-or-nothing: names (with `strict`, the default), shapes and dtypes are checked first and, if anything
   * does not match, nothing is loaded and a HopgradError lists every missing key, unexpected key and
   * mismatch. With `strict: false`, missing and unexpected keys are reported in the result instead.
   */
  loadStateDict(dict: Record<string, Tensor>, opts: { strict?: boolean } = {}): LoadResult {
    return loadState(this.stateEntries(), dict, opts.strict ?? true, `${this.where()}.loadStateDict`);
  }

  /** @internal every (dotted name, tensor) the state dict holds, tied tensors under each of their names. */
  stateEntries(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const key = (n: string) => (prefix ? `${prefix}.${n}` : n);
    for (const [n, t] of this._params) if (t) out.push([key(n), t]);
    for (const [n, t] of this._buffers) if (t && !this._nonPersistent.has(n)) out.push([key(n), t]);
    for (const [n, m] of this._modules) if (m) out.push(...m.stateEntries(key(n)));
    return out;
  }

  /** @internal the table (parameters or buffers) that holds the entry `name`, for functionalCall. */
  _slot(name: string): Map<string, Tensor | null> | null {
    return this._params.has(name) ? this._params : this._buffers.has(name) ? this._buffers : null;
  }

  // ---- printing ------------------------------------------------------------------------------------------

  /** Extra text inside the parentheses of this module's line in `toString()` (override in layers). */
  extraRepr(): string {
    return '';
  }

  /** A PyTorch-style tree: `Sequential(\n  (0): Linear(inFeatures=2, outFeatures=3, bias=true)\n …)`. */
  toString(): string {
    const kids = [...this._modules].map(([n, m]) => `(${n}): ${m ? m.toString() : 'null'}`.replace(/\n/g, '\n  '));
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    return kids.length === 0 ? `${head})` : `${head}\n  ${kids.join('\n  ')}\n)`;
  }
}
