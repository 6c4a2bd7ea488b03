// Configurations of the MIL experiments: the paper's settings as defaults (Appendix E.2 Table 2 for MNIST
// bags; E.3 / Table 4's search space, one point of it, for the CSV benchmarks), the small `QUICK_MNIST_BAGS`
// run of the main job, and validation that names the offending option.
import { check } from '../tensor/errors.js';
import { KINDS, type RetrieveKind, type TopkReading } from '../hopfield/retrieve.js';
import type { PoolingAssociation } from './mil-model.js';

/** Settings shared by both MIL experiments. */
export interface MilCommonConfig {
  /** Association kinds of the pooling, each trained separately on the same data. */
  kinds: RetrieveKind[];
  /** topk / random: support size, a count or a fraction in (0, 1) of the bag (default 0.2). */
  k?: number;
  /** entmax: α ∈ (1, 2] (default 1.5). */
  alpha?: number;
  /** topk: 'renormalized' (default) or 'paper'. */
  reading?: TopkReading;
  /** window: half-width w ≥ 0. */
  window?: number;
  /** prf: random features per head. */
  features?: number;
  /** Inverse temperature β (Table 2 "scaling"). */
  beta: number;
  numHeads: number;
  /** Association width per head (Table 2 "head dimension"). */
  headDim: number;
  /** Instance embedding width (Table 2 "embedding dimension"; Table 4 "layer width"). */
  embedSize: number;
  /** Learned query prototypes of the pooling (Table 2 "num of pattern"). */
  quantity: number;
  /** Bag dropout after the embedding and the pooling. */
  dropout: number;
  epochs: number;
  batchSize: number;
  lr: number;
  /** AdamW's decoupled weight decay. */
  weightDecay: number;
  seed: number;
}

/** MNIST bags (paper E.2, Fig. 4/5, Table 2). */
export interface MnistBagsConfig extends MilCommonConfig {
  /** MNIST idx folder or images file (default: the embedded mnist-package digits). */
  data?: string;
  /** The signal digit: a bag is positive iff it holds it (the authors' code: 9). */
  target: number;
  /** Instances per bag (mean when bagSizeStd > 0); the paper sweeps 5 … 100. */
  bagSize: number;
  /** Standard deviation of the bag size (0: fixed size, as the authors' code). */
  bagSizeStd: number;
  /** Target digits in a positive bag (the authors' code: 1). */
  posPerBag: number;
  trainBags: number;
  testBags: number;
}

/** A MIL benchmark CSV with stratified k-fold cross-validation (paper E.3, Table 5). */
export interface MilCsvConfig extends MilCommonConfig {
  /** The CSV file (no header: bag label, bag id, features…). */
  data: string;
  folds: number;
  /** Fraction of each training fold held out (stratified) to pick the epoch by validation AUC (0: last epoch). */
  valSplit: number;
}

/** Paper E.2 / Table 2: batch 256, lr 1e-3, embedding 256, 4 heads × 64, β 0.1, 2 patterns, 150 epochs, 2000 / 500 bags. */
export const MNIST_BAGS_DEFAULTS: Readonly<Omit<MnistBagsConfig, 'data'>> = Object.freeze({
  kinds: ['dense'] as RetrieveKind[], beta: 0.1, numHeads: 4, headDim: 64, embedSize: 256, quantity: 2, dropout: 0,
  epochs: 150, batchSize: 256, lr: 1e-3, weightDecay: 0.01, seed: 0,
  target: 9, bagSize: 10, bagSizeStd: 0, posPerBag: 1, trainBags: 2000, testBags: 500,
});

/**
 * E.3: one point of Table 4's search space (batch 8 ∈ {4, 8, 16}, lr 1e-3, weight decay 1e-4, width 256,
 * 4 heads, β 0.1, dropout 0) — no random search — and 50 epochs, stratified 10-fold, validation split 0.1.
 */
export const MIL_CSV_DEFAULTS: Readonly<Omit<MilCsvConfig, 'data'>> = Object.freeze({
  kinds: ['dense'] as RetrieveKind[], beta: 0.1, numHeads: 4, headDim: 64, embedSize: 256, quantity: 1, dropout: 0,
  epochs: 50, batchSize: 8, lr: 1e-3, weightDecay: 1e-4, seed: 0, folds: 10, valSplit: 0.1,
});

/** The main job's short MNIST-bags run (about a minute on 2 cores): 300 training bags of 10, 4 epochs. */
export const QUICK_MNIST_BAGS: Readonly<Partial<MnistBagsConfig>> = Object.freeze({
  trainBags: 300, testBags: 200, bagSize: 10, epochs: 4, batchSize: 8, lr: 1e-3,
});

/** The kind options of `cfg` that apply to `kind` (so several kinds can share one option set). */
export function associationFor(cfg: MilCommonConfig, kind: RetrieveKind): PoolingAssociation {
  const a: PoolingAssociation = { kind };
  if (kind === 'topk' || kind === 'random') a.k = cfg.k ?? 0.2;
  if (kind === 'topk' && cfg.reading !== undefined) a.reading = cfg.reading;
  if (kind === 'entmax' && cfg.alpha !== undefined) a.alpha = cfg.alpha;
  if (kind === 'window' && cfg.window !== undefined) a.window = cfg.window;
  if (kind === 'prf' && cfg.features !== undefined) a.features = cfg.features;
  return a;
}

const intAtLeast = (v: unknown, min: number): boolean => Number.isSafeInteger(v) && (v as number) >= min;

/** Validate the shared settings; `where` names the experiment in messages. */
function checkCommon(c: MilCommonConfig, where: string): void {
  check(Array.isArray(c.kinds) && c.kinds.length > 0, where, 'kinds must list at least one association kind');
  c.kinds.forEach((k) => check((KINDS as readonly string[]).includes(k), where, () => `unknown kind '${String(k)}' (kinds: ${KINDS.join(', ')})`));
  check(new Set(c.kinds).size === c.kinds.length, where, () => `kinds lists a kind twice: ${c.kinds.join(', ')}`);
  for (const name of ['numHeads', 'headDim', 'embedSize', 'quantity', 'epochs', 'batchSize'] as const) {
    check(intAtLeast(c[name], 1), where, () => `${name} must be an integer ≥ 1, got ${String(c[name])}`);
  }
  check(Number.isSafeInteger(c.seed) && c.seed >= 0, where, () => `seed must be an integer ≥ 0, got ${String(c.seed)}`);
  for (const name of ['beta', 'lr'] as const) {
    check(typeof c[name] === 'number' && Number.isFinite(c[name]) && c[name] > 0, where, () => `${name} must be a number > 0, got ${String(c[name])}`);
  }
  check(typeof c.weightDecay === 'number' && c.weightDecay >= 0 && Number.isFinite(c.weightDecay), where, () => `weightDecay must be a number ≥ 0, got ${String(c.weightDecay)}`);
  check(typeof c.dropout === 'number' && c.dropout >= 0 && c.dropout < 1, where, () => `dropout must be in [0, 1), got ${String(c.dropout)}`);
  if (c.k !== undefined) {
    check(typeof c.k === 'number' && c.k > 0 && (c.k < 1 || Number.isInteger(c.k)), where, () => `k must be a fraction in (0, 1) or an integer count ≥ 1, got ${String(c.k)}`);
  }
  if (c.alpha !== undefined) check(typeof c.alpha === 'number' && c.alpha > 1 && c.alpha <= 2, where, () => `alpha must be in (1, 2], got ${String(c.alpha)}`);
  if (c.window !== undefined) check(intAtLeast(c.window, 0), where, () => `window must be an integer ≥ 0, got ${String(c.window)}`);
  if (c.features !== undefined) check(intAtLeast(c.features, 1), where, () => `features must be an integer ≥ 1, got ${String(c.features)}`);
  if (c.reading !== undefined) check(c.reading === 'renormalized' || c.reading === 'paper', where, () => `reading must be 'renormalized' or 'paper', got ${String(c.reading)}`);
}

/** Defaults filled in and every value checked. */
export function resolveMnistBagsConfig(partial: Partial<MnistBagsConfig> = {}): MnistBagsConfig {
  const where = 'mnistBags';
  const c = { ...MNIST_BAGS_DEFAULTS, ...stripUndefined(partial) } as MnistBagsConfig;
  checkCommon(c, where);
  check(Number.isInteger(c.target) && c.target >= 0 && c.target <= 9, where, () => `target must be a digit 0–9, got ${String(c.target)}`);
  check(intAtLeast(c.bagSize, 1), where, () => `bagSize must be an integer ≥ 1, got ${String(c.bagSize)}`);
  check(typeof c.bagSizeStd === 'number' && c.bagSizeStd >= 0 && Number.isFinite(c.bagSizeStd), where, () => `bagSizeStd must be a number ≥ 0, got ${String(c.bagSizeStd)}`);
  check(intAtLeast(c.posPerBag, 1) && c.posPerBag <= c.bagSize, where, () => `posPerBag must be an integer in [1, bagSize = ${c.bagSize}], got ${String(c.posPerBag)}`);
  check(intAtLeast(c.trainBags, 2), where, () => `trainBags must be an integer ≥ 2, got ${String(c.trainBags)}`);
  check(intAtLeast(c.testBags, 2), where, () => `testBags must be an integer ≥ 2, got ${String(c.testBags)}`);
  return { ...c, kinds: [...c.kinds] };
}

/** Defaults filled in and every value checked (`data` is required). */
export function resolveMilCsvConfig(partial: Partial<MilCsvConfig> & { data: string }): MilCsvConfig {
  const where = 'milCsv';
  const c = { ...MIL_CSV_DEFAULTS, ...stripUndefined(partial) } as MilCsvConfig;
  checkCommon(c, where);
  check(typeof c.data === 'string' && c.data !== '', where, () => `data must be the path of a MIL CSV file, got ${String(c.data)}`);
  check(intAtLeast(c.folds, 2), where, () => `folds must be an integer ≥ 2, got ${String(c.folds)}`);
  check(typeof c.valSplit === 'number' && c.valSplit >= 0 && c.valSplit < 0.5, where, () => `valSplit must be in [0, 0.5), got ${String(c.valSplit)}`);
  return { ...c, kinds: [...c.kinds] };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The paper's Table 5 (ROC-AUC, E.3 protocol with a random hyperparameter search; mean of 5 runs), keyed by this
 * library's kind names (topk by its k). MUSK1/MUSK2 are not in the table.
 */
export const PAPER_TABLE5_AUC: Readonly<Record<string, Readonly<Record<'tiger' | 'fox' | 'elephant' | 'ucsb', number>>>> = Object.freeze({
  dense: { tiger: 0.813, fox: 0.563, elephant: 0.877, ucsb: 0.524 },
  sparsemax: { tiger: 0.830, fox: 0.573, elephant: 0.893, ucsb: 0.585 },
  'topk k=0.2': { tiger: 0.824, fox: 0.562, elephant: 0.848, ucsb: 0.586 },
  'topk k=0.5': { tiger: 0.812, fox: 0.566, elephant: 0.852, ucsb: 0.572 },
  'topk k=0.8': { tiger: 0.812, fox: 0.560, elephant: 0.872, ucsb: 0.551 },
  prf: { tiger: 0.802, fox: 0.508, elephant: 0.875, ucsb: 0.566 },
  linear: { tiger: 0.797, fox: 0.571, elephant: 0.869, ucsb: 0.561 },
});
