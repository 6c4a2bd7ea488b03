// Optimizer state dicts: building the safetensors-shaped form (flat tensors + JSON meta) and validating one
// completely before anything is loaded (loadStateDict is all-or-nothing).
import { Tensor } from '../tensor/tensor.js';
import { HopgradError, check } from '../tensor/errors.js';
import { shapeEq, fmt } from '../tensor/shape.js';
import { checkCount, describe } from './validate.js';

/** The state dict format tag written to `meta.format`. */
export const OPTIMIZER_STATE_FORMAT = 'hopgrad.optim.v1';

/** What state a parameter may carry, as an optimizer declares it for loadStateDict's checks. */
export interface StateSchema {
  /** Counters every state entry must have (non-negative integers), e.g. `['step']`. */
  readonly scalars: readonly string[];
  /** Buffers every state entry must have. */
  readonly buffers: readonly string[];
  /** Buffers a state entry may have. */
  readonly optionalBuffers: readonly string[];
}

/**
 * The JSON-able half of an optimizer state dict. Parameters are numbered 0, 1, ... through all groups in order;
 * `state` is keyed by that index (as a string) and lists each parameter's counters and buffer names; each buffer
 * is the tensor `state.<index>.<name>` of the dict's `tensors`.
 */
export interface OptimizerStateMeta {
  format: typeof OPTIMIZER_STATE_FORMAT;
  /** Class name of the optimizer that saved it; loading into another class is refused. */
  optimizer: string;
  paramGroups: { params: number[]; hyperparams: Record<string, number | boolean | number[]> }[];
  state: Record<string, { scalars: Record<string, number>; buffers: string[] }>;
}

/** An optimizer state dict: flat tensors (save them with safetensors) plus JSON metadata. */
export interface OptimizerStateDict {
  tensors: Record<string, Tensor>;
  meta: OptimizerStateMeta;
}

type FloatArray = Float32Array | Float64Array;
interface StateEntry { scalars: Record<string, number>; buffers: Record<string, FloatArray> }

/** Build a state dict (buffers copied, so later steps do not change it). */
export function buildStateDict(
  name: string,
  groups: readonly { params: readonly Tensor[]; hyper: Record<string, number | boolean | readonly number[]> }[],
  state: ReadonlyMap<Tensor, StateEntry>,
): OptimizerStateDict {
  const tensors: Record<string, Tensor> = {};
  const meta: OptimizerStateMeta = { format: OPTIMIZER_STATE_FORMAT, optimizer: name, paramGroups: [], state: {} };
  let index = 0;
  for (const g of groups) {
    const ids: number[] = [];
    for (const p of g.params) {
      const i = index++;
      ids.push(i);
      const st = state.get(p);
      if (st === undefined) continue;
      const names = Object.keys(st.buffers);
      for (const b of names) tensors[`state.${i}.${b}`] = new Tensor(st.buffers[b]!.slice(), p.shape);
      meta.state[String(i)] = { scalars: { ...st.scalars }, buffers: names };
    }
    const hyperparams: Record<string, number | boolean | number[]> = {};
    for (const [k, v] of Object.entries(g.hyper)) hyperparams[k] = typeof v === 'object' ? [...v] : v;
    meta.paramGroups.push({ params: ids, hyperparams });
  }
  return { tensors, meta };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/**
 * Validate a state dict against the optimizer's groups and return the hyperparameters and state to commit.
 * `checkGroup` validates one group's hyperparameters (throwing on bad values) and returns its state schema.
 */
export function prepareLoad(
  where: string,
  name: string,
  sd: unknown,
  groups: readonly (readonly Tensor[])[],
  hyperKeys: readonly string[],
  checkGroup: (hyper: Record<string, unknown>, ctx: string) => StateSchema,
): { hyper: Record<string, unknown>[]; state: Map<Tensor, StateEntry> } {
  check(isRecord(sd) && isRecord(sd.tensors) && isRecord(sd.meta), where,
    () => `stateDict must be { tensors, meta } as stateDict() returns, got ${describe(sd)}`);
  const tensors = sd.tensors;
  const meta = sd.meta;
  check(meta.format === OPTIMIZER_STATE_FORMAT, where,
    () => `meta.format must be '${OPTIMIZER_STATE_FORMAT}', got ${describe(meta.format)}`);
  check(meta.optimizer === name, where, () => `meta.optimizer must be '${name}' (state saved by another optimizer class?), got ${describe(meta.optimizer)}`);
  const savedGroups = meta.paramGroups;
  check(Array.isArray(savedGroups) && savedGroups.length === groups.length, where,
    () => `meta.paramGroups must list ${groups.length} param group(s), got ${Array.isArray(savedGroups) ? savedGroups.length : describe(savedGroups)}`);

  const byIndex = new Map<number, { param: Tensor; schema: StateSchema }>();
  const hyper: Record<string, unknown>[] = [];
  groups.forEach((params, gi) => {
    const ctx = ` (param group ${gi})`;
    const sg: unknown = savedGroups[gi];
    check(isRecord(sg) && Array.isArray(sg.params) && isRecord(sg.hyperparams), where,
      () => `meta.paramGroups[${gi}] must be { params, hyperparams }, got ${describe(sg)}`);
    const ids = sg.params as unknown[];
    check(ids.length === params.length, where,
      () => `meta.paramGroups[${gi}].params has ${ids.length} parameter(s) but the optimizer's group has ${params.length}`);
    const h = sg.hyperparams as Record<string, unknown>;
    for (const k of hyperKeys) check(k in h, where, () => `meta.paramGroups[${gi}].hyperparams lacks '${k}'`);
    for (const k of Object.keys(h)) {
      check(hyperKeys.includes(k), where, () => `meta.paramGroups[${gi}].hyperparams has unknown hyperparameter '${k}'`);
    }
    const schema = checkGroup(h, ctx);
    hyper.push(h);
    ids.forEach((id, j) => {
      checkCount(where, `meta.paramGroups[${gi}].params[${j}]`, id);
      check(!byIndex.has(id), where, () => `meta.paramGroups[${gi}].params[${j}]: parameter index ${id} appears twice`);
      byIndex.set(id, { param: params[j]!, schema });
    });
  });

  check(isRecord(meta.state), where, () => `meta.state must be an object keyed by parameter index, got ${describe(meta.state)}`);
  const used = new Set<string>();
  const state = new Map<Tensor, StateEntry>();
  for (const [key, entry] of Object.entries(meta.state)) {
    const id = Number(key);
    const target = String(id) === key ? byIndex.get(id) : undefined;
    check(target !== undefined, where, () => `meta.state has an entry for '${key}', which is not a parameter index of meta.paramGroups`);
    const { param, schema } = target;
    check(isRecord(entry) && isRecord(entry.scalars) && Array.isArray(entry.buffers), where,
      () => `meta.state['${key}'] must be { scalars, buffers }, got ${describe(entry)}`);
    const scalars: Record<string, number> = {};
    for (const s of schema.scalars) {
      checkCount(where, `meta.state['${key}'].scalars.${s}`, entry.scalars[s]);
      scalars[s] = entry.scalars[s];
    }
    for (const s of Object.keys(entry.scalars)) {
      check(schema.scalars.includes(s), where, () => `meta.state['${key}'].scalars has unknown entry '${s}'`);
    }
    const names = entry.buffers as unknown[];
    for (const b of schema.buffers) check(names.includes(b), where, () => `meta.state['${key}'].buffers lacks '${b}'`);
    const buffers: Record<string, FloatArray> = {};
    for (const b of names) {
      check(typeof b === 'string' && (schema.buffers.includes(b) || schema.optionalBuffers.includes(b)), where,
        () => `meta.state['${key}'].buffers has unknown buffer ${describe(b)}`);
      check(!(b in buffers), where, () => `meta.state['${key}'].buffers lists '${b}' twice`);
      const tk = `state.${key}.${b}`;
      const t = tensors[tk];
      check(t instanceof Tensor, where, () => `tensors['${tk}'] must be a Tensor, got ${describe(t)}`);
      check(shapeEq(t.shape, param.shape), where, () => `tensors['${tk}'] has shape ${fmt(t.shape)}, expected ${fmt(param.shape)} (the parameter's)`);
      check(t.dtype === param.dtype, where, () => `tensors['${tk}'] has dtype ${t.dtype}, expected ${param.dtype} (the parameter's)`);
      buffers[b] = t.contiguousData().slice() as FloatArray;
      used.add(tk);
    }
    state.set(param, { scalars, buffers });
  }
  for (const k of Object.keys(tensors)) {
    if (!used.has(k)) throw new HopgradError(`${where}: tensors has unexpected entry '${k}' (not listed in meta.state)`);
  }
  return { hyper, state };
}
