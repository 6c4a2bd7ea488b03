// Training checkpoints: everything needed to continue a run bit-for-bit — the model's state dict, the optimizer's
// (tensors + meta), the LR scheduler's state, the epochs done, the random generators' positions and the metrics
// history — in one safetensors file `<dir>/checkpoint.safetensors` (tensors `model.*` and `optimizer.*`; the rest
// as JSON in `__metadata__`), written atomically. `resumeCheckpoint` restores all of it or, on any error, none.
//
// The loop of a training command (ctx from ../command.ts; dir = ctx.runDir().path):
//   const parts = { model, optimizer, scheduler, rng: { shuffle } };
//   let start = 0, history: Json[] = [];
//   if (ctx.flags.resume) ({ epoch: start, history } = await resumeCheckpoint(ctx.flags.resume, parts));
//   for (let epoch = start; epoch < ctx.flags.epochs; epoch++) {
//     const bar = ctx.progress(batches, `epoch ${epoch + 1}`);
//     for (...) { step(); bar.tick(1, { loss }); if (ctx.interrupt.requested) break; }   // finish the batch
//     ctx.interrupt.stopIfRequested(`stopped in epoch ${epoch + 1}; resume with --resume ${dir}`); // exit 130
//     bar.finish();
//     history.push(metrics);
//     await saveCheckpoint(dir, { ...parts, epoch: epoch + 1, history });                  // every epoch end
//   }
// Ctrl-C then exits with 130 after its batch and --resume continues from the last epoch end, bit for bit like
// an uninterrupted run. To keep a partial epoch as well, save it (batch position and the epoch's shuffle order)
// in `extra` and write the checkpoint before stopIfRequested.
import nodePath from 'node:path';
import { HopgradError, check } from '../tensor/errors.js';
import { type Generator, defaultGenerator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { OptimizerStateDict } from '../optim/state-dict.js';
import type { LRSchedulerState } from '../optim/schedules.js';
import { loadSafetensors, saveSafetensors } from '../node/fs.js';

/** File name of a checkpoint inside a run folder. */
export const CHECKPOINT_FILE = 'checkpoint.safetensors';
/** The format tag stored in the checkpoint's metadata. */
export const CHECKPOINT_FORMAT = 'hopgrad.checkpoint.v1';
const META_KEY = 'hopgrad.checkpoint';

/** A JSON value (what history and extra may hold). */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** What a checkpoint saves the model through (nn.Module has these). */
export interface ModelLike {
  stateDict(opts?: { copy?: boolean }): Record<string, Tensor>;
  loadStateDict(dict: Record<string, Tensor>, opts?: { strict?: boolean }): unknown;
}
/** What a checkpoint saves the optimizer through (every optim.Optimizer). */
export interface OptimizerLike {
  stateDict(): OptimizerStateDict;
  loadStateDict(sd: OptimizerStateDict): void;
}
/** What a checkpoint saves the LR scheduler through (optim.LRScheduler). */
export interface SchedulerLike {
  stateDict(): LRSchedulerState;
  loadStateDict(state: LRSchedulerState): void;
}

/** The live objects of a run: what `saveCheckpoint` reads and `resumeCheckpoint` writes into. */
export interface TrainingParts {
  model?: ModelLike;
  optimizer?: OptimizerLike;
  scheduler?: SchedulerLike;
  /**
   * Named random generators (e.g. the data-shuffling one). The process-wide default generator (randn, dropout,
   * initializers) is always saved and restored as 'default' unless this names a 'default' itself.
   */
  rng?: Record<string, Generator>;
}

/** The plain values of a checkpoint. */
export interface CheckpointInfo {
  /** Epochs completed when it was written. */
  epoch: number;
  /** Metrics so far (e.g. one object per epoch). */
  history: Json[];
  /** Anything else the run needs to continue (step within the epoch, best validation score, config, …). */
  extra: Json;
}

interface Meta {
  format: typeof CHECKPOINT_FORMAT;
  epoch: number;
  history: Json[];
  extra: Json;
  model: boolean;
  optimizer: OptimizerStateDict['meta'] | null;
  scheduler: LRSchedulerState | null;
  rng: Record<string, { seed: number; counter: number }>;
}

/** Path of the checkpoint file for a run folder (or the file itself when given one). */
export function checkpointPath(dir: string): string {
  return dir.endsWith('.safetensors') ? dir : nodePath.join(dir, CHECKPOINT_FILE);
}

function generators(parts: TrainingParts): Record<string, Generator> {
  return { default: defaultGenerator, ...parts.rng };
}

/**
 * Write `<dir>/checkpoint.safetensors` atomically (the folder must exist; a crash leaves the previous checkpoint
 * intact). Returns the file's path.
 */
export async function saveCheckpoint(dir: string, parts: TrainingParts & Partial<CheckpointInfo> & { epoch: number }): Promise<string> {
  const where = 'saveCheckpoint';
  check(Number.isSafeInteger(parts.epoch) && parts.epoch >= 0, where, () => `epoch must be an integer ≥ 0, got ${parts.epoch}`);
  const tensors: Record<string, Tensor> = {};
  if (parts.model) for (const [k, t] of Object.entries(parts.model.stateDict())) tensors[`model.${k}`] = t;
  let optimizer: Meta['optimizer'] = null;
  if (parts.optimizer) {
    const sd = parts.optimizer.stateDict();
    for (const [k, t] of Object.entries(sd.tensors)) tensors[`optimizer.${k}`] = t;
    optimizer = sd.meta;
  }
  const rng: Meta['rng'] = {};
  for (const [name, g] of Object.entries(generators(parts))) rng[name] = g.state;
  const meta: Meta = {
    format: CHECKPOINT_FORMAT, epoch: parts.epoch, history: parts.history ?? [], extra: parts.extra ?? null,
    model: parts.model !== undefined, optimizer, scheduler: parts.scheduler?.stateDict() ?? null, rng,
  };
  let json: string;
  try {
    json = JSON.stringify(meta);
  } catch (e) {
    throw new HopgradError(`${where}: history and extra must be JSON-serializable (${(e as Error).message})`);
  }
  const path = checkpointPath(dir);
  await saveSafetensors(path, tensors, { [META_KEY]: json });
  return path;
}

/** Read and validate a checkpoint without applying it: its info, metadata and tensors by part. */
export async function readCheckpoint(dir: string): Promise<CheckpointInfo & { path: string; meta: Meta; model: Record<string, Tensor>; optimizer: Record<string, Tensor> }> {
  const path = checkpointPath(dir);
  const where = `readCheckpoint: '${path}'`;
  const { tensors, metadata } = await loadSafetensors(path).catch((e: unknown) => {
    throw e instanceof HopgradError ? new HopgradError(e.message.replace(/^loadSafetensors: /, 'readCheckpoint: ')) : e;
  });
  const text = metadata[META_KEY];
  check(text !== undefined, where, `no '${META_KEY}' metadata: not a hopgrad checkpoint`);
  let meta: Meta;
  try {
    meta = JSON.parse(text) as Meta;
  } catch (e) {
    throw new HopgradError(`${where}: its metadata is not valid JSON (${(e as Error).message})`);
  }
  check(meta !== null && typeof meta === 'object' && meta.format === CHECKPOINT_FORMAT, where,
    () => `metadata format is ${JSON.stringify((meta as { format?: unknown } | null)?.format)}, expected '${CHECKPOINT_FORMAT}'`);
  check(Number.isSafeInteger(meta.epoch) && meta.epoch >= 0, where, () => `epoch ${JSON.stringify(meta.epoch)} is not an integer ≥ 0`);
  check(Array.isArray(meta.history), where, 'history is not an array');
  check(meta.rng !== null && typeof meta.rng === 'object', where, 'rng is not an object');
  const model: Record<string, Tensor> = {};
  const optimizer: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(tensors)) {
    if (k.startsWith('model.')) model[k.slice(6)] = t;
    else if (k.startsWith('optimizer.')) optimizer[k.slice(10)] = t;
    else throw new HopgradError(`${where}: unexpected tensor '${k}' (expected model.* or optimizer.*)`);
  }
  return { path, meta, epoch: meta.epoch, history: meta.history, extra: meta.extra ?? null, model, optimizer };
}

/**
 * Restore a checkpoint into the live objects: model weights, optimizer state, scheduler state, generator
 * positions. Every part given must be in the checkpoint and match (names, shapes, dtypes, optimizer class);
 * if anything fails, the parts already restored are rolled back and a HopgradError naming the file is thrown,
 * so the objects are either fully resumed or untouched. Returns the epochs done, history and extra.
 */
export async function resumeCheckpoint(dir: string, parts: TrainingParts): Promise<CheckpointInfo & { path: string }> {
  const ck = await readCheckpoint(dir);
  const where = `resumeCheckpoint: '${ck.path}'`;
  const { meta } = ck;
  const gens = generators(parts);
  check(!parts.model || meta.model, where, 'it holds no model state, but a model was given');
  check(!parts.optimizer || meta.optimizer !== null, where, 'it holds no optimizer state, but an optimizer was given');
  check(!parts.scheduler || meta.scheduler !== null, where, 'it holds no scheduler state, but a scheduler was given');
  for (const name of Object.keys(gens)) {
    const s = meta.rng[name];
    check(s !== undefined, where, () => `it holds no state for the random generator '${name}' (it has ${Object.keys(meta.rng).join(', ') || 'none'})`);
    check(Number.isSafeInteger(s.seed) && Number.isSafeInteger(s.counter) && s.counter >= 0, where,
      () => `generator '${name}' state ${JSON.stringify(s)} is not { seed, counter } integers`);
  }
  // snapshot, then apply part by part; roll back what was applied if a later part fails
  const undo: (() => void)[] = [];
  try {
    if (parts.model) {
      const m = parts.model;
      const before = m.stateDict({ copy: true });
      m.loadStateDict(ck.model, { strict: true });
      undo.push(() => m.loadStateDict(before, { strict: true }));
    }
    if (parts.optimizer) {
      const o = parts.optimizer;
      const before = o.stateDict();
      o.loadStateDict({ tensors: ck.optimizer, meta: meta.optimizer! });
      undo.push(() => o.loadStateDict(before));
    }
    if (parts.scheduler) {
      const s = parts.scheduler;
      const before = s.stateDict();
      s.loadStateDict(meta.scheduler!);
      undo.push(() => s.loadStateDict(before));
    }
    for (const [name, g] of Object.entries(gens)) {
      const before = g.state;
      g.setState(meta.rng[name]!);
      undo.push(() => g.setState(before));
    }
  } catch (e) {
    for (const f of undo.reverse()) f();
    const msg = e instanceof Error ? e.message : String(e);
    const err = new HopgradError(`${where}: nothing was restored: ${msg}`);
    err.cause = e;
    throw err;
  }
  return { path: ck.path, epoch: ck.epoch, history: ck.history, extra: ck.extra };
}
