// The Optimizer base class (PyTorch semantics): param groups with writable hyperparameters, lazily created
// per-parameter state, step / zeroGrad, and a state dict shaped for safetensors (flat tensors + JSON meta).
import { Tensor } from '../tensor/tensor.js';
import { HopgradError, check } from '../tensor/errors.js';
import { shapeEq, fmt } from '../tensor/shape.js';
import { describe } from './validate.js';
import {
  type OptimizerStateDict, type StateSchema, buildStateDict, prepareLoad,
} from './state-dict.js';

export type { OptimizerStateDict, OptimizerStateMeta, StateSchema } from './state-dict.js';

/** A hyperparameter value: a number, a flag, or a pair such as Adam's `betas`. */
export type HyperValue = number | boolean | readonly [number, number];
/**
 * The hyperparameters of one param group: every optimizer has at least `lr`; each value is a HyperValue.
 * `Optimizer<Hyperparams>` is the type any optimizer is assignable to.
 */
export type Hyperparams = { lr: number };
/** The float typed arrays parameters and optimizer state live in. */
export type FloatArray = Float32Array | Float64Array;

/** One param group as the optimizer holds it: its tensors plus its (writable) hyperparameters. */
export type ParamGroup<H extends Hyperparams> = H & { params: Tensor[] };
/** A param group as passed in: its tensors plus any hyperparameters that override the optimizer's defaults. */
export type ParamGroupInput<H extends Hyperparams> = Partial<H> & { params: Tensor | Iterable<Tensor> };
/** What an optimizer's constructor accepts: tensors (one group) or param groups. */
export type ParamsInput<H extends Hyperparams> = Iterable<Tensor> | Iterable<ParamGroupInput<H>>;

/**
 * Per-parameter optimizer state: counters (`scalars`, e.g. Adam's `step`) and buffers shaped like the
 * parameter, stored in the parameter's dtype (e.g. `exp_avg`). Created on the first step that sees a grad.
 */
export interface ParamState {
  scalars: Record<string, number>;
  buffers: Record<string, FloatArray>;
}

/** The tensors of a group. */
function paramsOf(g: { params: Tensor[] } | object): Tensor[] {
  return (g as { params: Tensor[] }).params;
}

/**
 * Base class of the optimizers. Subclasses supply the defaults, the hyperparameter check, the update of one
 * parameter, and the schema of their per-parameter state.
 *
 * Parameters are updated in place: `param._storage` is rewritten, as PyTorch's `step()` does.
 */
export abstract class Optimizer<H extends Hyperparams> {
  /** The class name used in error messages and stored in the state dict (e.g. `'AdamW'`). */
  readonly optimizerName: string;
  /** The hyperparameters a group gets for any key it does not set. */
  readonly defaults: Readonly<H>;
  /** The param groups; hyperparameters are writable (schedulers write `lr`). Do not edit `params` arrays. */
  readonly paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state, created lazily by `step()`. */
  readonly state = new Map<Tensor, ParamState>();

  /**
   * @param name class name for messages and the state dict
   * @param defaults the subclass's default hyperparameters (complete)
   * @param options the user's overrides of `defaults` (unknown keys throw; undefined values are ignored)
   */
  protected constructor(name: string, params: ParamsInput<H>, defaults: H, options: Partial<H> | undefined) {
    this.optimizerName = name;
    const merged = copyHyper(defaults);
    if (options !== undefined) {
      check(options !== null && typeof options === 'object', name, () => `options must be an object, got ${describe(options)}`);
      for (const [k, v] of Object.entries(options)) {
        if (v === undefined) continue;
        check(Object.hasOwn(defaults, k), name, () => `unknown option '${k}'; known: ${Object.keys(defaults).join(', ')}`);
        (merged as Record<string, unknown>)[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
      }
    }
    this.checkHyper(merged, '');
    this.defaults = Object.freeze(merged);
    check(params !== null && typeof params === 'object' && Symbol.iterator in params, name,
      () => `params must be an array of tensors or of param groups, got ${describe(params)}`);
    const list: unknown[] = [...(params as Iterable<unknown>)];
    check(list.length > 0, name, 'params must not be empty (got an empty list)');
    if (list.every((x) => x instanceof Tensor)) {
      this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupInput<H>);
    } else {
      list.forEach((g, i) => {
        check(!(g instanceof Tensor), name, `params mixes tensors and param groups (params[${i}] is a Tensor)`);
        this.addParamGroup(g as ParamGroupInput<H>);
      });
    }
  }

  /**
   * Validate a complete set of hyperparameters (types and ranges); throw a HopgradError naming the
   * hyperparameter and value, with `ctx` (e.g. ` (param group 1)`) appended.
   */
  protected abstract checkHyper(h: H, ctx: string): void;

  /** Update one parameter in place from its gradient; `state` is this parameter's (possibly fresh) state. */
  protected abstract updateParam(param: FloatArray, grad: ArrayLike<number>, state: ParamState, group: H): void;

  /** The state entries a parameter in a group with these hyperparameters may have (used by loadStateDict). */
  protected abstract stateSchema(group: H): StateSchema;

  /**
   * Add a param group; hyperparameters it leaves out (or sets to undefined) come from `defaults`.
   * Throws if a tensor is not a float Tensor, is not contiguous, or already belongs to this optimizer.
   */
  addParamGroup(group: ParamGroupInput<H>): void {
    const where = this.optimizerName;
    const gi = this.paramGroups.length;
    const ctx = ` (param group ${gi})`;
    check(group !== null && typeof group === 'object' && 'params' in group, where,
      () => `param group ${gi} must be an object with a params field, got ${describe(group)}`);
    const raw: unknown = group.params;
    let params: unknown[];
    if (raw instanceof Tensor) params = [raw];
    else if (raw !== null && typeof raw === 'object' && Symbol.iterator in raw) params = [...(raw as Iterable<unknown>)];
    else throw new HopgradError(`${where}: params of param group ${gi} must be a Tensor or an array of tensors, got ${describe(raw)}`);
    const known = Object.keys(this.defaults);
    const overrides: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(group)) {
      if (k === 'params' || v === undefined) continue;
      check(known.includes(k), where, () => `unknown hyperparameter '${k}'${ctx}; known: ${known.join(', ')}`);
      overrides[k] = v;
    }
    const existing = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of paramsOf(g)) existing.add(p);
    const seen = new Set<Tensor>();
    params.forEach((p, j) => {
      const name = `params[${j}]${ctx}`;
      check(p instanceof Tensor, where, () => `${name} must be a Tensor, got ${describe(p)}`);
      check(p.dtype !== 'int32', where, () => `${name} must have a float dtype, got ${p.dtype}${tensorName(p)}`);
      check(p.isContiguous(), where, () => `${name} must be contiguous (a leaf parameter), got a strided view${tensorName(p)}`);
      check(!seen.has(p), where, () => `${name} appears twice in the same param group${tensorName(p)}`);
      check(!existing.has(p), where, () => `${name} already belongs to another param group${tensorName(p)}`);
      seen.add(p);
    });
    const merged = copyHyper({ ...this.defaults, ...overrides } as H);
    this.checkHyper(merged, ctx);
    this.paramGroups.push({ ...merged, params: params as Tensor[] } as ParamGroup<H>);
  }

  /**
   * Update every parameter that has a gradient (parameters whose `grad` is null are skipped and get no state).
   * Hyperparameters and gradient shapes are checked for all groups before any parameter changes.
   * If `closure` is given it is called first (it should recompute the loss and gradients) and its value returned.
   */
  step(closure?: () => number): number | undefined {
    const loss = closure ? closure() : undefined;
    const where = `${this.optimizerName}.step`;
    this.paramGroups.forEach((g, gi) => {
      this.checkHyper(g, ` (param group ${gi})`);
      paramsOf(g).forEach((p, j) => {
        if (p.grad === null) return;
        check(p.isContiguous(), where, () => `params[${j}] (param group ${gi}) must be contiguous${tensorName(p)}`);
        check(shapeEq(p.grad.shape, p.shape), where,
          () => `grad of params[${j}] (param group ${gi}) has shape ${fmt(p.grad!.shape)}, expected ${fmt(p.shape)}${tensorName(p)}`);
      });
    });
    for (const g of this.paramGroups) {
      for (const p of paramsOf(g)) {
        if (p.grad === null) continue;
        let st = this.state.get(p);
        if (st === undefined) {
          st = { scalars: {}, buffers: {} };
          this.state.set(p, st);
        }
        this.updateParam(p._storage as FloatArray, p.grad.contiguousData(), st, g);
      }
    }
    return loss;
  }

  /**
   * Drop the gradients of every parameter (set `grad` to null), like PyTorch's `zero_grad(set_to_none=True)`.
   * With `{ setToNone: false }` each existing gradient is zero-filled in place instead (a strided one is replaced
   * by zeros), so a training loop inside tidy() reuses the same gradient memory every step.
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    check(options !== null && typeof options === 'object', `${this.optimizerName}.zeroGrad`, () => `options must be an object, got ${describe(options)}`);
    const setToNone = options.setToNone ?? true;
    check(typeof setToNone === 'boolean', `${this.optimizerName}.zeroGrad`, () => `setToNone must be a boolean, got ${describe(setToNone)}`);
    for (const g of this.paramGroups) {
      for (const p of paramsOf(g)) {
        if (setToNone || p.grad === null) p.grad = null;
        else if (p.grad.isContiguous() && !p.grad.isDisposed) p.grad._storage.fill(0);
        else p.grad = new Tensor(new (p._storage.constructor as new (n: number) => FloatArray)(p.size), p.shape);
      }
    }
  }

  /**
   * The optimizer's state, ready for safetensors: `tensors` maps `state.<i>.<buffer>` (i = the parameter's
   * index counting through all groups in order, buffer names as in PyTorch: `exp_avg`, `momentum_buffer`, ...)
   * to a copy of the buffer; `meta` is JSON-able (groups' hyperparameters and param indices, state counters).
   */
  stateDict(): OptimizerStateDict {
    return buildStateDict(this.optimizerName, this.paramGroups.map((g) => ({ params: paramsOf(g), hyper: hyperOf(g) })), this.state);
  }

  /**
   * Restore a state dict from `stateDict()` (possibly after a JSON round trip of `meta`). Parameters are matched
   * by position: group sizes must agree, buffers must have the parameter's shape and dtype. Groups' hyperparameters
   * are replaced by the saved ones. All-or-nothing: on any mismatch it throws and changes nothing.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const where = `${this.optimizerName}.loadStateDict`;
    const loaded = prepareLoad(where, this.optimizerName, sd, this.paramGroups.map((g) => paramsOf(g)),
      Object.keys(this.defaults), (h, ctx) => {
        const hyper = copyHyper(h as H);
        this.checkHyper(hyper, ctx);
        return this.stateSchema(hyper);
      });
    // Everything validated: commit.
    this.paramGroups.forEach((g, gi) => Object.assign(g, copyHyper(loaded.hyper[gi] as H)));
    this.state.clear();
    for (const [p, st] of loaded.state) this.state.set(p, st);
  }
}

/** A group's hyperparameters without its tensors. */
function hyperOf(g: object): Record<string, HyperValue> {
  const out: Record<string, HyperValue> = {};
  for (const [k, v] of Object.entries(g)) if (k !== 'params') out[k] = Array.isArray(v) ? [v[0], v[1]] : v;
  return out;
}

/** A copy of hyperparameters with pairs copied (so callers' arrays are never aliased). */
function copyHyper<H extends Hyperparams>(h: H): H {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) out[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
  return out as H;
}

function tensorName(p: Tensor): string {
  return p.name ? ` (tensor '${p.name}')` : '';
}
