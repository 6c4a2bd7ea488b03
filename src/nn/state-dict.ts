// Module state dicts: collecting parameters and buffers by dotted name, and the all-or-nothing load that
// validates names, shapes and dtypes before copying anything.
import { Tensor } from '../tensor/tensor.js';
import { HopgradError } from '../tensor/errors.js';
import { fmt, shapeEq } from '../tensor/shape.js';

/** Options of `Module.stateDict`. */
export interface StateDictOptions {
  /** Return copies instead of views sharing the module's storage (default false, like PyTorch). */
  copy?: boolean;
}

/** What `Module.loadStateDict` reports (with `strict: false` these may be non-empty). */
export interface LoadResult {
  /** Keys the module has but the dict lacks (left unchanged). */
  missingKeys: string[];
  /** Keys the dict has but the module lacks (ignored). */
  unexpectedKeys: string[];
}

/** @internal the state dict of a module's entries. */
export function collectState(entries: readonly [string, Tensor][], opts: StateDictOptions): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, t] of entries) {
    out[k] = opts.copy ? new Tensor(t.dataSync(), t.shape) : t.detach();
  }
  return out;
}

function listKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, 20).map((k) => `'${k}'`).join(', ');
  return keys.length > 20 ? `${shown}, … (${keys.length} in all)` : shown;
}

/** @internal validate `dict` against the module's entries, then copy every value in place. */
export function loadState(entries: readonly [string, Tensor][], dict: Record<string, Tensor>, strict: boolean, where: string): LoadResult {
  if (dict === null || typeof dict !== 'object' || Array.isArray(dict) || dict instanceof Tensor) {
    throw new HopgradError(`${where}: the state dict must be an object mapping names to tensors, got ${dict === null ? 'null' : Array.isArray(dict) ? 'an array' : typeof dict}`);
  }
  if (typeof strict !== 'boolean') throw new HopgradError(`${where}: strict must be a boolean, got ${String(strict)}`);
  const expected = new Map(entries);
  const problems: string[] = [];
  const missingKeys = entries.map(([k]) => k).filter((k) => !Object.prototype.hasOwnProperty.call(dict, k));
  const unexpectedKeys = Object.keys(dict).filter((k) => !expected.has(k));
  if (strict && missingKeys.length) problems.push(`missing keys: ${listKeys(missingKeys)}`);
  if (strict && unexpectedKeys.length) problems.push(`unexpected keys: ${listKeys(unexpectedKeys)}`);
  const copies: [Tensor, Tensor][] = [];
  for (const [k, target] of entries) {
    if (!Object.prototype.hasOwnProperty.call(dict, k)) continue;
    const src: unknown = dict[k];
    if (!(src instanceof Tensor)) {
      problems.push(`'${k}' is ${src === null ? 'null' : typeof src}, not a Tensor`);
      continue;
    }
    if (!shapeEq(src.shape, target.shape)) {
      problems.push(`shape mismatch for '${k}': the dict has ${fmt(src.shape)}, the module has ${fmt(target.shape)}`);
      continue;
    }
    if (src.dtype !== target.dtype) {
      problems.push(`dtype mismatch for '${k}': the dict has ${src.dtype}, the module has ${target.dtype} (convert with module.to('${src.dtype}') first)`);
      continue;
    }
    copies.push([src, target]);
  }
  if (problems.length) {
    throw new HopgradError(`${where}: nothing was loaded: ${problems.join('; ')}`);
  }
  // read every source before writing any target, so overlapping storages cannot corrupt each other
  const data = copies.map(([src]) => src.dataSync());
  copies.forEach(([, target], i) => target._storage.set(data[i]!, target._offset));
  return { missingKeys, unexpectedKeys };
}
