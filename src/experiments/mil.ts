// The multiple-instance-learning experiments of the paper (Appendix E.2 and E.3), free of CLI concerns:
// `runMnistBags` (MNIST bags, test accuracy per epoch per association kind — Fig. 4/5, Table 2) and
// `runMilCsv` (a MIL benchmark CSV, stratified k-fold ROC-AUC — Table 5). Both take a config, hooks for
// logging / progress / stopping / checkpoints, train each unit (kind, or kind × fold) with mil-train.ts, and
// resume a stopped run from its last epoch-end checkpoint so that the result equals an uninterrupted run.
import { check } from '../tensor/errors.js';
import { Generator } from '../tensor/random.js';
import { stratifiedKFold } from '../io/datasets/mil.js';
import { type LoadedImages, loadMilCsv, loadMnist, loadMnistDigits } from '../node/datasets.js';
import { type BagSet, type LabelledImages, makeDigitBags, standardizedBags, stratifiedHoldout, subsetBags } from './mil-bags.js';
import {
  type MilCommonConfig, type MilCsvConfig, type MnistBagsConfig, QUICK_MNIST_BAGS, associationFor, resolveMilCsvConfig, resolveMnistBagsConfig,
} from './mil-config.js';
import { type EpochRecord, type Json, type MilHooks, type SavedRun, type UnitSpec, deriveSeed, trainUnit } from './mil-train.js';
import type { MilNetOptions } from './mil-model.js';

export * from './mil-config.js';
export type { EpochRecord, MilHooks, CheckpointStore, LiveParts, SavedRun, ProgressSink, UnitInfo, Json } from './mil-train.js';

/** Tag of the checkpoints' `extra` JSON. */
export const MIL_CHECKPOINT_FORMAT = 'hopgrad.mil.v1';

/** One finished (or, in a stopped run, partial) unit. */
interface UnitRun {
  kind: string;
  fold?: number;
  history: EpochRecord[];
}

/** Result of `runMnistBags`. */
export interface MnistBagsResult {
  experiment: 'mnist-bags';
  config: MnistBagsConfig;
  data: { source: string; trainPool: number; testPool: number; trainBags: number; testBags: number; trainPositives: number; testPositives: number };
  /** Per kind: the per-epoch history and the last epoch's test metrics. */
  kinds: { kind: string; history: EpochRecord[]; final: EpochRecord | null; bestTestAccuracy: number | null }[];
  /** False when the run stopped early (resume it from its checkpoint). */
  complete: boolean;
}

/** One fold's outcome: the epoch chosen by validation AUC (or the last) and its test metrics. */
export interface FoldResult {
  fold: number;
  selectedEpoch: number;
  valAuc: number | null;
  testAuc: number | null;
  testAccuracy: number;
  history: EpochRecord[];
}

/** Result of `runMilCsv`. */
export interface MilCsvResult {
  experiment: 'mil-csv';
  config: MilCsvConfig;
  data: { source: string; bags: number; positives: number; instances: number; features: number };
  kinds: { kind: string; folds: FoldResult[]; auc: { mean: number; std: number; n: number } | null; accuracy: { mean: number; std: number; n: number } | null }[];
  complete: boolean;
}

/** Mean and sample std (n − 1) of the finite values; null when there are none. */
export function meanStdOf(values: readonly (number | null)[]): { mean: number; std: number; n: number } | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  if (v.length === 0) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const ss = v.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, std: v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0, n: v.length };
}

function netOptions(c: MilCommonConfig, inputSize: number, kind: MilCommonConfig['kinds'][number], postNorm: boolean): Omit<MilNetOptions, 'generator'> {
  return {
    inputSize, embedSize: c.embedSize, numHeads: c.numHeads, headDim: c.headDim, quantity: c.quantity, beta: c.beta,
    association: associationFor(c, kind), dropout: c.dropout, postNorm,
  };
}

/** Rows `idx` of an image set as a new set. */
function pick(set: LabelledImages, idx: ArrayLike<number>): LabelledImages {
  const f = set.images.length / set.count;
  const images = new Float32Array(idx.length * f);
  const labels = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    images.set(set.images.subarray(idx[i]! * f, (idx[i]! + 1) * f), i * f);
    labels[i] = set.labels[idx[i]!]!;
  }
  return { images, labels, count: idx.length };
}

/**
 * The digit pools bags are drawn from: an MNIST folder's train and t10k splits when it has both; otherwise (the
 * embedded mnist-package digits, or one images file) a seeded 80 / 20 split of the digits, so test bags never
 * reuse a training digit. Pixels in [0, 1].
 */
export function loadDigitPools(data: string | undefined, seed: number): { train: LabelledImages; test: LabelledImages; source: string } {
  let all: LoadedImages;
  if (data !== undefined) {
    const full = loadMnist(data);
    let test: LoadedImages | undefined;
    try {
      test = loadMnist(data, { split: 'test' });
    } catch {
      test = undefined; // a single images file, or a folder without t10k files: split the training digits
    }
    if (test !== undefined && test.count > 0 && full.source !== test.source) return { train: full, test, source: full.source };
    all = full;
  } else {
    all = loadMnistDigits();
  }
  const perm = new Generator(deriveSeed(seed, 100)).permutation(all.count);
  const nTest = Math.round(all.count * 0.2);
  return { train: pick(all, perm.subarray(nTest)), test: pick(all, perm.subarray(0, nTest)), source: `${all.source} (seeded 80/20 split)` };
}

/**
 * Train every unit in order, resuming from the hooks' checkpoint when it has one (its config must equal
 * `config`). `unit(u)` builds unit u; units that were finished before the checkpoint are taken from it.
 */
async function runUnits(config: MilCommonConfig, count: number, unit: (u: number) => UnitSpec, label: (u: number) => string, hooks: MilHooks): Promise<{ runs: UnitRun[]; complete: boolean }> {
  const runs: UnitRun[] = [];
  let start = 0;
  let resume: SavedRun | undefined;
  const saved = (await hooks.checkpoint?.peek()) ?? null;
  if (saved) {
    const ex = saved.extra as { format?: unknown; config?: unknown; unit?: unknown; done?: unknown } | null;
    check(ex !== null && typeof ex === 'object' && ex.format === MIL_CHECKPOINT_FORMAT && Number.isInteger(ex.unit) && Array.isArray(ex.done), 'mil',
      () => `the checkpoint is not one of a MIL run (its extra is ${JSON.stringify(ex)?.slice(0, 80)})`);
    const same = JSON.stringify(ex.config) === JSON.stringify(config);
    check(same, 'mil', () => `the checkpoint was made with a different configuration: ${JSON.stringify(ex.config)}; this run has ${JSON.stringify(config)}`);
    runs.push(...(ex.done as unknown as UnitRun[]));
    start = ex.unit as number;
    check(start === runs.length && start < count, 'mil', () => `the checkpoint is at unit ${start} with ${runs.length} done of ${count}`);
    if (saved.epoch >= config.epochs) {
      const u = unit(start);
      runs.push({ kind: u.kind, ...(u.fold === undefined ? {} : { fold: u.fold }), history: saved.history as unknown as EpochRecord[] });
      start++;
    } else {
      resume = saved;
    }
    hooks.log?.(`resuming at ${label(Math.min(start, count - 1))}, epoch ${resume ? saved.epoch : 0} (${runs.length} of ${count} done)`);
  }
  for (let u = start; u < count; u++) {
    const spec = unit(u);
    const done = runs.slice();
    const out = await trainUnit(spec, hooks, {
      ...(u === start && resume ? { resume } : {}), epochsBefore: done.length * config.epochs, label: label(u),
      extra: () => ({ format: MIL_CHECKPOINT_FORMAT, config: config as unknown as Json, unit: u, done: done as unknown as Json }),
    });
    const info = spec.fold === undefined ? { kind: spec.kind } : { kind: spec.kind, fold: spec.fold };
    runs.push({ ...info, history: out.history });
    if (out.stopped) return { runs, complete: false };
    hooks.onUnitEnd?.(info, out.history);
  }
  return { runs, complete: true };
}

/**
 * MNIST-bags multiple-instance learning (paper E.2): bags of `bagSize` digits, positive iff they hold `target`,
 * balanced, `trainBags` / `testBags` drawn from disjoint digit pools; the Table 2 network per kind, trained
 * with AdamW + cosine annealing; test loss / accuracy after every epoch. All kinds see the same bags, initial
 * weights and batch order.
 */
export async function runMnistBags(partial: Partial<MnistBagsConfig> = {}, hooks: MilHooks = {}): Promise<MnistBagsResult> {
  const config = resolveMnistBagsConfig(partial);
  const pools = loadDigitPools(config.data, config.seed);
  const bagOpts = { target: config.target, bagSize: config.bagSize, bagSizeStd: config.bagSizeStd, posPerBag: config.posPerBag };
  const train = makeDigitBags(pools.train, { ...bagOpts, count: config.trainBags, seed: deriveSeed(config.seed, 101) });
  const test = makeDigitBags(pools.test, { ...bagOpts, count: config.testBags, seed: deriveSeed(config.seed, 102) });
  const positives = (s: BagSet): number => s.labels.reduce((a, b) => a + b, 0);
  hooks.log?.(`MNIST bags: ${config.trainBags} train / ${config.testBags} test bags of ${config.bagSize}${config.bagSizeStd > 0 ? ` ± ${config.bagSizeStd}` : ''} ` +
    `(target ${config.target}), from ${pools.train.count} / ${pools.test.count} digits of ${pools.source}`);
  const settings = { epochs: config.epochs, batchSize: config.batchSize, lr: config.lr, weightDecay: config.weightDecay };
  const unit = (u: number): UnitSpec => {
    const kind = config.kinds[u]!;
    return { kind, net: netOptions(config, train.features, kind, true), train, test, settings, seed: deriveSeed(config.seed, 7) };
  };
  const { runs, complete } = await runUnits(config, config.kinds.length, unit, (u) => config.kinds[u]!, hooks);
  return {
    experiment: 'mnist-bags', config,
    data: {
      source: pools.source, trainPool: pools.train.count, testPool: pools.test.count, trainBags: train.bags.length, testBags: test.bags.length,
      trainPositives: positives(train), testPositives: positives(test),
    },
    kinds: runs.map((r) => ({
      kind: r.kind, history: r.history, final: r.history.at(-1) ?? null,
      bestTestAccuracy: r.history.length ? Math.max(...r.history.map((h) => h.testAccuracy)) : null,
    })),
    complete,
  };
}

/** The epoch a fold reports: best validation AUC (ties: lower validation loss, then earlier), else the last. */
export function selectEpoch(history: readonly EpochRecord[]): EpochRecord | undefined {
  let best: EpochRecord | undefined;
  for (const h of history) {
    if (h.valAuc === undefined || h.valAuc === null) return history.at(-1);
    if (!best || h.valAuc > best.valAuc! || (h.valAuc === best.valAuc && h.valLoss! < best.valLoss!)) best = h;
  }
  return best;
}

/**
 * A MIL benchmark CSV (paper E.3): stratified k-fold over bags (seeded); in each fold the features are
 * standardized on the training bags, a stratified `valSplit` of them picks the reported epoch by validation
 * ROC-AUC, and the test fold's ROC-AUC at that epoch is the fold's score; mean ± std over folds per kind.
 */
export async function runMilCsv(partial: Partial<MilCsvConfig> & { data: string }, hooks: MilHooks = {}): Promise<MilCsvResult> {
  const config = resolveMilCsvConfig(partial);
  const ds = loadMilCsv(config.data);
  const folds = stratifiedKFold(ds.labels, config.folds, config.seed);
  hooks.log?.(`MIL CSV: ${ds.bags.length} bags (${ds.positives} positive), ${ds.instanceCount} instances × ${ds.features} features; ` +
    `${config.folds}-fold CV, ${config.kinds.join(', ')}`);
  const settings = { epochs: config.epochs, batchSize: config.batchSize, lr: config.lr, weightDecay: config.weightDecay };
  const foldSets = new Map<number, { train: BagSet; val: BagSet; test: BagSet }>();
  const setsOf = (f: number): { train: BagSet; val: BagSet; test: BagSet } => {
    const hit = foldSets.get(f);
    if (hit) return hit;
    const fold = folds[f]!;
    const split = stratifiedHoldout(ds.labels, fold.train, config.valSplit, new Generator(deriveSeed(config.seed, 300, f)));
    const all = standardizedBags(ds, split.train);
    const sets = { train: subsetBags(all, split.train), val: subsetBags(all, split.val), test: subsetBags(all, fold.test) };
    foldSets.clear();
    foldSets.set(f, sets);
    return sets;
  };
  const unit = (u: number): UnitSpec => {
    const kind = config.kinds[Math.floor(u / config.folds)]!;
    const fold = u % config.folds;
    const s = setsOf(fold);
    return { kind, fold, net: netOptions(config, ds.features, kind, false), ...s, settings, seed: deriveSeed(config.seed, 7, fold) };
  };
  const label = (u: number): string => `${config.kinds[Math.floor(u / config.folds)]} fold ${(u % config.folds) + 1}/${config.folds}`;
  const { runs, complete } = await runUnits(config, config.kinds.length * config.folds, unit, label, hooks);
  const kinds = config.kinds.map((kind) => {
    const foldResults: FoldResult[] = runs.filter((r) => r.kind === kind && r.history.length === config.epochs).map((r) => {
      const sel = selectEpoch(r.history)!;
      return { fold: r.fold!, selectedEpoch: sel.epoch, valAuc: sel.valAuc ?? null, testAuc: sel.testAuc, testAccuracy: sel.testAccuracy, history: r.history };
    });
    return { kind, folds: foldResults, auc: meanStdOf(foldResults.map((f) => f.testAuc)), accuracy: meanStdOf(foldResults.map((f) => f.testAccuracy)) };
  });
  return {
    experiment: 'mil-csv', config,
    data: { source: config.data, bags: ds.bags.length, positives: ds.positives, instances: ds.instanceCount, features: ds.features },
    kinds, complete,
  };
}

/**
 * The main job's short MNIST-bags training (`QUICK_MNIST_BAGS`: 300 / 200 bags of 10 embedded digits, Table 2
 * model with dense pooling, AdamW + cosine, 4 epochs of batch 8; about a minute on 2 cores, test accuracy
 * ≈ 0.75–0.8 against 0.5 for chance). `overrides` change any setting.
 */
export function runQuickMnistBags(overrides: Partial<MnistBagsConfig> = {}, hooks: MilHooks = {}): Promise<MnistBagsResult> {
  return runMnistBags({ ...QUICK_MNIST_BAGS, ...overrides }, hooks);
}
