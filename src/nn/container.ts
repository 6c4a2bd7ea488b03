// Containers: Sequential (modules applied in order) and ModuleList (an indexable list of submodules).
import { Tensor } from '../tensor/tensor.js';
import { HopgradError, check } from '../tensor/errors.js';
import { type AnyModule, Module } from './module.js';

/** A module mapping one tensor to one tensor, the kind Sequential chains. */
export type TensorModule = Module<[Tensor], Tensor>;

function indexOf(i: unknown, n: number, where: string): number {
  check(Number.isInteger(i) && (i as number) >= -n && (i as number) < n, where, () => `index ${String(i)} is out of range for ${n} modules`);
  return (i as number) < 0 ? (i as number) + n : (i as number);
}

/**
 * Applies its modules in order: `new Sequential(new Linear(2, 16), new Tanh(), new Linear(16, 1))`.
 * The submodules are named '0', '1', … so parameters are `0.weight`, `2.bias`, ….
 */
export class Sequential extends Module {
  private count = 0;

  constructor(...modules: TensorModule[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Add a module at the end. Returns this. */
  append(module: TensorModule): this {
    check(module instanceof Module, 'Sequential', () => `module ${this.count} must be a Module, got ${module === null ? 'null' : typeof module}`);
    this.registerModule(String(this.count), module as unknown as AnyModule);
    this.count++;
    return this;
  }

  /** Number of modules. */
  get length(): number {
    return this.count;
  }

  /** The module at index i (negative counts from the end). */
  at(i: number): TensorModule {
    return this.getModule(String(indexOf(i, this.count, 'Sequential.at'))) as unknown as TensorModule;
  }

  /** Run every module in order. */
  forward(x: Tensor): Tensor {
    let y = x;
    for (let i = 0; i < this.count; i++) {
      const m = this.getModule(String(i));
      if (!m) throw new HopgradError(`Sequential: module ${i} is null`);
      y = (m as unknown as TensorModule).forward(y);
    }
    return y;
  }

  *[Symbol.iterator](): IterableIterator<TensorModule> {
    for (let i = 0; i < this.count; i++) yield this.at(i);
  }
}

/**
 * An indexable list of submodules (registered as '0', '1', …) for models whose forward loops over layers
 * itself. It has no forward of its own.
 */
export class ModuleList<M extends AnyModule = AnyModule> extends Module<never, never> {
  private count = 0;

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Add a module at the end. Returns this. */
  append(module: M): this {
    check(module instanceof Module, 'ModuleList', () => `module ${this.count} must be a Module, got ${module === null ? 'null' : typeof module}`);
    this.registerModule(String(this.count), module);
    this.count++;
    return this;
  }

  /** Number of modules. */
  get length(): number {
    return this.count;
  }

  /** The module at index i (negative counts from the end). */
  at(i: number): M {
    return this.getModule(String(indexOf(i, this.count, 'ModuleList.at'))) as M;
  }

  forward(): never {
    throw new HopgradError('ModuleList: has no forward; iterate over its modules in the parent module\'s forward');
  }

  *[Symbol.iterator](): IterableIterator<M> {
    for (let i = 0; i < this.count; i++) yield this.at(i);
  }
}
