// functionalCall (torch.func.functional_call): run a module with some of its parameters or buffers replaced
// by given tensors, e.g. to gradient-check a layer's parameters or to differentiate through substituted weights.
import { Tensor } from '../tensor/tensor.js';
import { HopgradError, check } from '../tensor/errors.js';
import { type AnyModule, Module } from './module.js';
import { describeValue } from './validate.js';

/**
 * Run `module.forward(...inputs)` with the parameters/buffers named in `params` (dotted names, as in
 * `namedParameters()`) replaced by the given tensors, restoring the originals afterwards (also on error).
 * Substitutes may be results of ops; each must have the dtype of what it replaces. Example:
 * `gradcheck((w, b) => functionalCall(lin, { weight: w, bias: b }, x), [lin.weight, lin.bias!])`.
 */
export function functionalCall<In extends unknown[], Out>(module: Module<In, Out>, params: Record<string, Tensor>, ...inputs: In): Out {
  const where = 'functionalCall';
  check(module instanceof Module, where, () => `module must be a Module, got ${describeValue(module)}`);
  check(params !== null && typeof params === 'object' && !Array.isArray(params), where, () => `params must be an object of tensors, got ${describeValue(params)}`);
  const undo: (() => void)[] = [];
  try {
    for (const [path, t] of Object.entries(params)) {
      check(t instanceof Tensor, where, () => `'${path}' must be a Tensor, got ${describeValue(t)}`);
      const parts = path.split('.');
      const leaf = parts.pop()!;
      let m: AnyModule = module as unknown as AnyModule;
      for (const p of parts) {
        const c = m.getModule(p);
        if (!c) throw new HopgradError(`${where}: '${path}' names no parameter or buffer (no submodule '${p}')`);
        m = c;
      }
      const table = m._slot(leaf);
      if (!table) throw new HopgradError(`${where}: '${path}' names no parameter or buffer`);
      const old = table.get(leaf) ?? null;
      check(old === null || old.dtype === t.dtype, where, () => `'${path}' is ${old!.dtype} in the module but ${t.dtype} in the substitutes`);
      table.set(leaf, t);
      undo.push(() => table.set(leaf, old));
    }
    return module.forward(...inputs);
  } finally {
    for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
  }
}
