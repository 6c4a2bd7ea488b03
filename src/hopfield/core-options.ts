// Validation of the Hopfield layers' association options (shared by the functional core and the layer
// constructors, so bad options fail when a layer is built), per-head β / α values, and the key padding mask.
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import { type DType, allocate } from '../tensor/dtype.js';
import { fmt } from '../tensor/shape.js';
import { Generator } from '../tensor/random.js';
import { reshape } from '../autograd/ops/index.js';
import { KINDS, type RetrieveKind, type TopkReading } from './retrieve.js';
import { checkWindow } from './masks.js';
import type { HopfieldCoreOptions } from './hopfield-core.js';

/** The core's options, validated, with defaults filled in. */
export interface ResolvedOptions {
  kind: RetrieveKind;
  numHeads: number;
  beta: number | readonly number[] | undefined;
  alpha: number | readonly number[] | undefined;
  k: number | undefined;
  reading: TopkReading | undefined;
  window: number | undefined;
  features: number | undefined;
  seed: number | undefined;
  omega: Tensor | undefined;
  updateSteps: number;
  tol: number;
  dropout: number;
  training: boolean;
  generator: Generator | undefined;
  keyPaddingMask: Tensor | undefined;
  returnAssociation: boolean;
}

const show = (v: unknown): string => (Array.isArray(v) ? `[${v.join(', ')}]` : String(v));

/** A number or one number per head, each satisfying `ok`. */
function perHead(v: unknown, h: number, name: string, where: string, ok: (x: number) => boolean, rule: string): void {
  if (typeof v === 'number') {
    check(ok(v), where, () => `${name} must be ${rule}, got ${v}`);
    return;
  }
  check(Array.isArray(v), where, () => `${name} must be a number or an array of one number per head, got ${show(v)}`);
  check(v.length === h, where, () => `${name} has ${v.length} entries but there are numHeads = ${h} heads (give one number, or one per head)`);
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as unknown;
    check(typeof x === 'number' && ok(x), where, () => `${name}[${i}] must be ${rule}, got ${String(x)}`);
  }
}

/** Validate the association options of a Hopfield layer or of `hopfieldCore`; throws naming the option. */
export function checkAssociationOptions(opts: HopfieldCoreOptions, where: string): ResolvedOptions {
  check(opts !== null && typeof opts === 'object', where, () => `options must be an object, got ${String(opts)}`);
  const kind = opts.kind ?? 'dense';
  check((KINDS as readonly string[]).includes(kind), where, () => `unknown kind '${String(kind)}' (kinds: ${KINDS.join(', ')})`);
  const h = opts.numHeads ?? 1;
  check(Number.isInteger(h) && h >= 1, where, () => `numHeads must be an integer >= 1, got ${String(h)}`);
  if (opts.beta !== undefined) perHead(opts.beta, h, 'beta', where, (x) => Number.isFinite(x) && x > 0, 'a finite number > 0');
  if (opts.alpha !== undefined) {
    check(kind === 'entmax', where, () => `alpha is an option of kind 'entmax', not of kind '${kind}'`);
    perHead(opts.alpha, h, 'alpha', where, (x) => x > 1 && x <= 2, 'in (1, 2]');
  }
  if (kind === 'topk' || kind === 'random') {
    check(opts.k !== undefined, where, () => `kind '${kind}' needs k (a count of memories, or a fraction in (0, 1) of M)`);
    check(typeof opts.k === 'number' && Number.isFinite(opts.k) && opts.k > 0 && (opts.k < 1 || Number.isInteger(opts.k)), where,
      () => `k must be a positive integer count or a fraction in (0, 1), got ${String(opts.k)}`);
  }
  if (opts.reading !== undefined) {
    check(opts.reading === 'renormalized' || opts.reading === 'paper', where, () => `reading must be 'renormalized' or 'paper', got '${String(opts.reading)}'`);
  }
  if (opts.window !== undefined) checkWindow(opts.window, where);
  if (opts.features !== undefined) {
    check(Number.isInteger(opts.features) && opts.features >= 1, where, () => `features must be an integer >= 1, got ${String(opts.features)}`);
  }
  if (opts.seed !== undefined) check(Number.isInteger(opts.seed), where, () => `seed must be an integer, got ${String(opts.seed)}`);
  if (opts.omega !== undefined) check(opts.omega instanceof Tensor, where, () => `omega must be a Tensor [features, headDim], got ${typeof opts.omega}`);
  const updateSteps = opts.updateSteps ?? 1;
  check(Number.isInteger(updateSteps) && updateSteps >= 1, where, () => `updateSteps must be an integer >= 1 (1 = one association), got ${String(updateSteps)}`);
  const tol = opts.tol ?? 0;
  check(typeof tol === 'number' && tol >= 0, where, () => `tol must be a number >= 0, got ${String(tol)}`);
  const p = opts.dropout ?? 0;
  check(typeof p === 'number' && p >= 0 && p <= 1, where, () => `dropout must be a probability in [0, 1], got ${String(p)}`);
  const training = opts.training ?? false;
  check(typeof training === 'boolean', where, () => `training must be a boolean, got ${String(training)}`);
  const ret = opts.returnAssociation ?? false;
  check(typeof ret === 'boolean', where, () => `returnAssociation must be a boolean, got ${String(ret)}`);
  check(opts.generator === undefined || opts.generator instanceof Generator, where, () => `generator must be a Generator, got ${typeof opts.generator}`);
  return {
    kind, numHeads: h, beta: opts.beta, alpha: opts.alpha, k: opts.k, reading: opts.reading, window: opts.window,
    features: opts.features, seed: opts.seed, omega: opts.omega, updateSteps, tol, dropout: p, training,
    generator: opts.generator, keyPaddingMask: opts.keyPaddingMask, returnAssociation: ret,
  };
}

/** One value for all heads (a number), or a tensor [H] of `dtype` when the heads differ. */
export function headValues(v: number | readonly number[], h: number, name: string, dtype: DType, where: string): number | Tensor {
  if (typeof v === 'number') return v;
  check(v.length === h, where, () => `${name} has ${v.length} entries but there are numHeads = ${h} heads`);
  if (v.every((x) => x === v[0])) return v[0]!;
  const data = allocate(dtype, h);
  for (let i = 0; i < h; i++) data[i] = v[i]!;
  return new Tensor(data, [h]);
}

/**
 * The key padding mask, validated against B and M, shaped to broadcast over the heads: [B, M] → [B, 1, M],
 * [M] stays. (A batch element whose every memory is padded retrieves zeros, as `retrieve` defines it.)
 */
export function maskForHeads(mask: unknown, batch: number | undefined, m: number, where: string): Tensor {
  check(mask instanceof Tensor, where, () => `keyPaddingMask must be a Tensor [B, M] (true / nonzero = padded memory), got ${mask === null ? 'null' : typeof mask}`);
  const s = mask.shape;
  const okShape = (s.length === 1 && s[0] === m) || (s.length === 2 && s[1] === m && (s[0] === batch || s[0] === 1));
  check(okShape, where, () => `keyPaddingMask of shape ${fmt(s)} must be ${batch === undefined ? `[${m}] (M)` : `[${batch}, ${m}] ([B, M])`}, one flag per stored pattern`);
  if (s.length === 1) return mask;
  return batch === undefined ? reshape(mask, [m]) : reshape(mask, [s[0]!, 1, m]);
}
