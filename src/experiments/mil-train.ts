// The training loop of one MIL "unit" (one association kind on MNIST bags, or one kind × fold of a CSV
// dataset): AdamW with per-step cosine annealing, BCE on bag logits, evaluation on the held-out bags after
// every epoch, a checkpoint at every epoch end through a caller-supplied store (so the loop stays free of
// files and CLI), and a cooperative stop after any batch. Also the hooks and records the drivers share.
import { check } from '../tensor/errors.js';
import { Generator, lowbias32 } from '../tensor/random.js';
import { noGrad } from '../autograd/engine.js';
import { backward } from '../autograd/tape.js';
import { bceWithLogits } from '../nn/losses.js';
import { AdamW } from '../optim/adam.js';
import { LRScheduler, cosineAnnealing } from '../optim/schedules.js';
import { type BagSet } from './mil-bags.js';
import { MilNet, type MilNetOptions, bagLogits } from './mil-model.js';
import { bceOfLogits, binaryAccuracy, rocAuc } from './metrics.js';

/** A JSON value (what checkpoints carry besides tensors). */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A progress display (the CLI's Progress fits). */
export interface ProgressSink {
  tick(n?: number, fields?: Record<string, number | string>): void;
  finish(fields?: Record<string, number | string>): void;
}

/** The live objects of a unit, as a checkpoint store saves and restores them. */
export interface LiveParts {
  model: MilNet;
  optimizer: AdamW;
  scheduler: LRScheduler;
  rng: Record<string, Generator>;
}

/** What a checkpoint holds besides the live objects. */
export interface SavedRun {
  /** Epochs done in the unit being trained. */
  epoch: number;
  history: Json[];
  extra: Json;
}

/** Where checkpoints go (the CLI: src/cli/checkpoint.ts on the run folder). */
export interface CheckpointStore {
  /** The checkpoint to resume from, or null to start fresh. */
  peek(): Promise<SavedRun | null>;
  /** Load the checkpoint's tensors and states into `parts` (all or nothing). */
  restore(parts: LiveParts): Promise<void>;
  /** Write a checkpoint (at an epoch end). */
  save(parts: LiveParts & SavedRun): Promise<void>;
}

/** Callbacks of the experiment drivers; all optional. */
export interface MilHooks {
  /** Status lines (what is being loaded / trained). */
  log?(line: string): void;
  /** A progress display of `total` steps. */
  progress?(total: number, label: string): ProgressSink;
  /** Checked after every batch: true stops at once (the last epoch-end checkpoint stays). */
  shouldStop?(): boolean;
  /** Called after every finished epoch. */
  onEpoch?(rec: EpochRecord, unit: UnitInfo): void;
  /** Called when a unit (a kind, or a kind × fold) has trained all its epochs. */
  onUnitEnd?(unit: UnitInfo, history: readonly EpochRecord[]): void;
  /** Checkpointing (none when absent). */
  checkpoint?: CheckpointStore;
  /** Stop (as if asked to) once this many epochs are done in the whole run, counting resumed ones. */
  stopAfterEpochs?: number;
}

/** Which unit a record belongs to. */
export interface UnitInfo {
  kind: string;
  /** CSV mode: the fold (0-based). */
  fold?: number;
}

/** Metrics after one epoch. AUCs are null when the evaluated bags hold a single class. */
export interface EpochRecord {
  epoch: number;
  /** Learning rate of the epoch's last step. */
  lr: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  testAuc: number | null;
  valLoss?: number;
  valAccuracy?: number;
  valAuc?: number | null;
}

/** Optimization settings of a unit. */
export interface TrainSettings {
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
}

/** One unit to train. */
export interface UnitSpec extends UnitInfo {
  net: Omit<MilNetOptions, 'generator'>;
  train: BagSet;
  val?: BagSet;
  test: BagSet;
  settings: TrainSettings;
  /** Seed of this unit's generators (weights/dropout/random masks, and batch order). */
  seed: number;
}

/** How a unit ended. */
export interface UnitOutcome {
  history: EpochRecord[];
  /** True when it stopped early (hooks.shouldStop or stopAfterEpochs); the last checkpoint is the resume point. */
  stopped: boolean;
}

/** An integer seed mixed from a base seed and indices (lowbias32 chain). */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = lowbias32(seed >>> 0);
  for (const p of parts) h = lowbias32((h ^ Math.imul((p + 1) >>> 0, 0x9e3779b1)) >>> 0);
  return h & 0x7fffffff;
}

/** Loss, accuracy and AUC of `model` on every bag of `set` (evaluation mode, no gradients). */
export function evaluateBags(model: MilNet, set: BagSet, chunk = 128): { loss: number; accuracy: number; auc: number | null; scores: Float64Array } {
  const n = set.bags.length;
  check(n > 0, 'evaluateBags', 'no bags to evaluate');
  const was = model.training;
  model.eval();
  const scores = new Float64Array(n);
  // chunks of similar sizes pad little; each bag's logit does not depend on its chunk
  const bySize = Array.from({ length: n }, (_, i) => i).sort((a, b) => set.bags[a]!.length - set.bags[b]!.length || a - b);
  noGrad(() => {
    for (let s = 0; s < n; s += chunk) {
      const idx = bySize.slice(s, s + chunk);
      const { logits, order } = bagLogits(model, set, idx);
      const v = logits.dataSync();
      order.forEach((b, i) => { scores[b] = v[i]!; });
    }
  });
  model.train(was);
  const labels = set.labels;
  let pos = 0;
  for (const y of labels) pos += y;
  return {
    loss: bceOfLogits(labels, scores), accuracy: binaryAccuracy(labels, scores),
    auc: pos > 0 && pos < n ? rocAuc(labels, scores) : null, scores,
  };
}

/**
 * Train one unit from scratch, or resume it from `resume` (the store's checkpoint of this unit). `epochsBefore`
 * counts the epochs of earlier units (for `stopAfterEpochs`); `extra` builds the checkpoint's extra JSON.
 */
export async function trainUnit(
  spec: UnitSpec, hooks: MilHooks, opts: { resume?: SavedRun; epochsBefore?: number; extra?: () => Json; label?: string } = {},
): Promise<UnitOutcome> {
  const { settings: st } = spec;
  const nTrain = spec.train.bags.length;
  check(nTrain > 0, 'trainUnit', 'no training bags');
  const modelGen = new Generator(deriveSeed(spec.seed, 1));
  const dataGen = new Generator(deriveSeed(spec.seed, 2));
  const model = new MilNet({ ...spec.net, generator: modelGen });
  const optimizer = new AdamW(model.parameters(), { lr: st.lr, weightDecay: st.weightDecay });
  const steps = Math.ceil(nTrain / st.batchSize);
  const scheduler = new LRScheduler(optimizer, cosineAnnealing({ baseLr: st.lr, tMax: st.epochs * steps }));
  const parts: LiveParts = { model, optimizer, scheduler, rng: { model: modelGen, data: dataGen } };
  let history: EpochRecord[] = [];
  if (opts.resume) {
    await hooks.checkpoint!.restore(parts);
    history = opts.resume.history as unknown as EpochRecord[];
  }
  const before = opts.epochsBefore ?? 0;
  const limitHit = (): boolean => hooks.stopAfterEpochs !== undefined && before + history.length >= hooks.stopAfterEpochs;
  if (history.length >= st.epochs) return { history, stopped: false };
  if (limitHit()) return { history, stopped: true };
  const bar = hooks.progress?.((st.epochs - history.length) * steps, opts.label ?? spec.kind);
  for (let epoch = history.length + 1; epoch <= st.epochs; epoch++) {
    model.train();
    const perm = dataGen.permutation(nTrain);
    let lossSum = 0;
    let right = 0;
    for (let s = 0; s < steps; s++) {
      const idx = perm.subarray(s * st.batchSize, Math.min(nTrain, (s + 1) * st.batchSize));
      optimizer.zeroGrad();
      const { logits, labels } = bagLogits(model, spec.train, idx);
      const loss = bceWithLogits(logits, labels);
      backward(loss);
      optimizer.step();
      scheduler.step();
      const l = loss.item();
      lossSum += l * idx.length;
      const lv = logits.dataSync();
      const yv = labels.dataSync();
      for (let i = 0; i < lv.length; i++) if ((lv[i]! > 0 ? 1 : 0) === yv[i]) right++;
      bar?.tick(1, { epoch, loss: l });
      if (hooks.shouldStop?.()) {
        bar?.finish();
        return { history, stopped: true };
      }
    }
    const test = evaluateBags(model, spec.test);
    const rec: EpochRecord = {
      epoch, lr: optimizer.paramGroups[0]!.lr, trainLoss: lossSum / nTrain, trainAccuracy: right / nTrain,
      testLoss: test.loss, testAccuracy: test.accuracy, testAuc: test.auc,
    };
    if (spec.val && spec.val.bags.length > 0) {
      const val = evaluateBags(model, spec.val);
      Object.assign(rec, { valLoss: val.loss, valAccuracy: val.accuracy, valAuc: val.auc });
    }
    history.push(rec);
    hooks.onEpoch?.(rec, spec.fold === undefined ? { kind: spec.kind } : { kind: spec.kind, fold: spec.fold });
    if (hooks.checkpoint) {
      await hooks.checkpoint.save({ ...parts, epoch, history: history as unknown as Json[], extra: opts.extra?.() ?? null });
    }
    if (epoch < st.epochs && limitHit()) {
      bar?.finish({ testAcc: rec.testAccuracy });
      return { history, stopped: true };
    }
  }
  bar?.finish({ testAcc: history.at(-1)!.testAccuracy });
  return { history, stopped: false };
}
