// Configuration of the memory-retrieval experiment (paper Appendix E.1, Fig. 3): the paper's settings as
// defaults (M from 10 to 200, noise scales 0.1 … 1.4 at M = 100, β = 0.01 MNIST / 0.1 CIFAR-10, one update
// step, success when the relative sum-of-squares error is below 20 %, 10 trials), the per-kind defaults
// (k = 20 % of M, window ⌈√M / 2⌉, 256 random features), the main job's small run, and validation that
// names the offending option.
import { check } from '../tensor/errors.js';
import { KINDS, type RetrieveKind, type TopkReading } from '../hopfield/retrieve.js';

/** Which images are the memories. */
export type RetrievalDataset = 'mnist' | 'cifar';

/**
 * How patterns are prepared before scoring (memories and queries alike; the retrieved image is always the
 * association weights applied to the raw memories, so errors are measured on raw pixels):
 * - 'none': raw pixel vectors in [0, 1] (the paper as printed: scores β·⟨x, ξ⟩);
 * - 'unit': each vector divided by its L2 norm (scores β·cos(x, ξ));
 * - 'center': each vector minus its own mean pixel, then divided by its L2 norm (scores β·Pearson correlation).
 */
export type Normalization = 'none' | 'unit' | 'center';
/** The normalizations, in --help order. */
export const NORMALIZATIONS: readonly Normalization[] = ['none', 'unit', 'center'];

/**
 * The retrieval error of x̂ against its memory ξ: 'relative' = ‖x̂ − ξ‖² / ‖ξ‖² (the paper's "sum-of-squares
 * similarity error", relative to the memory's own sum of squares); 'centered' = ‖x̂ − ξ‖² / ‖ξ − ξ̄‖² with ξ̄ the
 * memory set's mean image (answering every query with ξ̄ scores exactly 1, so a success must beat it).
 */
export type ErrorMeasure = 'relative' | 'centered';
/** The error measures. */
export const ERROR_MEASURES: readonly ErrorMeasure[] = ['relative', 'centered'];

/** The two sweeps of Fig. 3: half-masked queries against M (capacity), noisy queries against σ (robustness). */
export type RetrievalSweep = 'capacity' | 'noise';
/** The sweeps, in order. */
export const SWEEPS: readonly RetrievalSweep[] = ['capacity', 'noise'];

/** Everything the experiment needs. */
export interface RetrievalConfig {
  dataset: RetrievalDataset;
  /** MNIST idx folder / images file, or CIFAR-10 batch file / folder (MNIST default: the embedded digits). */
  data?: string;
  /** Association kinds, each run on the same memories, queries and noise (paired comparison). */
  kinds: RetrieveKind[];
  /** Which sweeps to run. */
  sweeps: RetrievalSweep[];
  /** Capacity sweep: memory-set sizes M (queries: the memories with the lower half of the image set to 0). */
  mValues: number[];
  /** Noise sweep: standard deviations σ of the Gaussian noise added to every pixel of the query. */
  noise: number[];
  /** Noise sweep: the memory-set size (paper: 100). */
  noiseM: number;
  /** Inverse temperature β > 0 (default: the paper's, 0.01 MNIST / 0.1 CIFAR-10). */
  beta: number;
  normalize: Normalization;
  /** Update steps x ← T(x) (paper: 1). */
  steps: number;
  /** Independent draws of the memory set (and noise, masks, random features) per configuration. */
  trials: number;
  seed: number;
  /** Success when the error is below this (the paper: "sum-of-squares … error thresholds … 20 %"). */
  threshold: number;
  /** Which error (default 'relative', the paper's). */
  error: ErrorMeasure;
  /** topk / random: support size, a fraction in (0, 1) of M or a count (default 0.2: the paper's "Top 20 %"). */
  k: number;
  /** window: half-width w (default ⌈√M / 2⌉, a window of ≥ √M memories as the paper's O(L√L) model). */
  window?: number;
  /** prf: number of random features m_f (default 256; the library default ⌈d ln d⌉ is 5k–25k here). */
  features: number;
  /** entmax: α ∈ (1, 2] (default 1.5). */
  alpha: number;
  /** topk: how (3.9) weighs the kept memories (default 'renormalized'; see hopfield.retrieve). */
  reading: TopkReading;
  /** Clip noisy queries to the pixel range [0, 1] (default false: x = ξ + σ·n unclipped). */
  clip: boolean;
  /**
   * Present the queries in a random order instead of query i = memory i. The window model sees memories
   * |i − j| ≤ w around the query's position, so with aligned order its support always holds the target.
   */
  shuffleQueries: boolean;
}

/** The paper's β per dataset (Fig. 3 caption: "β = .01/0.1 (for MNIST/CIFAR10)"). */
export const PAPER_BETA: Readonly<Record<RetrievalDataset, number>> = Object.freeze({ mnist: 0.01, cifar: 0.1 });

/** σ = 0.1, 0.2, …, 1.4 (Appendix E.1: "Gaussian noise … ranging from 0.1 to 1.4"). */
export const PAPER_NOISE: readonly number[] = Object.freeze(Array.from({ length: 14 }, (_, i) => (i + 1) / 10));

/** M = 10, 20, 50, 100, 200 (Appendix E.1: "varied from 10 to 200"). */
export const PAPER_M: readonly number[] = Object.freeze([10, 20, 50, 100, 200]);

/** The defaults: the paper's setting on MNIST (β filled in per dataset by resolveRetrievalConfig). */
export const RETRIEVAL_DEFAULTS: Readonly<Omit<RetrievalConfig, 'beta' | 'data' | 'window'>> = Object.freeze({
  dataset: 'mnist' as RetrievalDataset,
  kinds: [...KINDS] as RetrieveKind[],
  sweeps: [...SWEEPS] as RetrievalSweep[],
  mValues: [...PAPER_M],
  noise: [...PAPER_NOISE],
  noiseM: 100,
  normalize: 'none' as Normalization,
  steps: 1,
  trials: 10,
  seed: 0,
  threshold: 0.2,
  error: 'relative' as ErrorMeasure,
  k: 0.2,
  features: 256,
  alpha: 1.5,
  reading: 'renormalized' as TopkReading,
  clip: false,
  shuffleQueries: false,
});

/**
 * The main job's run (about 30–60 s on 2 cores): six kinds on the embedded MNIST digits, M ∈ {10, 50, 100,
 * 200}, σ ∈ {0.1, 0.4, 0.7, 1.0, 1.4} at M = 100, 3 trials. Unit-normalized patterns with β = 10: on raw
 * pixels the paper's β = 0.01 leaves the softmax nearly uniform (every dense retrieval fails), and no β makes
 * raw dot products retrieve every stored digit (see the command's --help).
 */
export const QUICK_RETRIEVAL: Readonly<Partial<RetrievalConfig>> = Object.freeze({
  kinds: ['dense', 'sparsemax', 'topk', 'window', 'linear', 'prf'] as RetrieveKind[],
  mValues: [10, 50, 100, 200],
  noise: [0.1, 0.4, 0.7, 1.0, 1.4],
  trials: 3,
  normalize: 'unit' as Normalization,
  beta: 10,
});

const isInt = (v: unknown, min: number): boolean => Number.isSafeInteger(v) && (v as number) >= min;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkList(where: string, name: string, v: unknown, ok: (x: unknown) => boolean, what: string): void {
  check(Array.isArray(v) && v.length > 0, where, () => `${name} must be a non-empty list, got ${JSON.stringify(v)}`);
  (v as unknown[]).forEach((x, i) => check(ok(x), where, () => `${name}[${i}] must be ${what}, got ${String(x)}`));
  check(new Set(v as unknown[]).size === (v as unknown[]).length, where, () => `${name} lists a value twice: ${(v as unknown[]).join(', ')}`);
}

/** Defaults filled in (β from the dataset when not given) and every value checked; throws HopgradError. */
export function resolveRetrievalConfig(partial: Partial<RetrievalConfig> = {}): RetrievalConfig {
  const where = 'retrieval';
  check(partial !== null && typeof partial === 'object', where, () => `config must be an object, got ${String(partial)}`);
  const given = stripUndefined(partial);
  const dataset = given.dataset ?? RETRIEVAL_DEFAULTS.dataset;
  check(dataset === 'mnist' || dataset === 'cifar', where, () => `dataset must be 'mnist' or 'cifar', got '${String(dataset)}'`);
  const c = { ...RETRIEVAL_DEFAULTS, beta: PAPER_BETA[dataset], ...given, dataset } as RetrievalConfig;
  checkList(where, 'kinds', c.kinds, (k) => (KINDS as readonly unknown[]).includes(k), `one of ${KINDS.join(', ')}`);
  checkList(where, 'sweeps', c.sweeps, (s) => (SWEEPS as readonly unknown[]).includes(s), `one of ${SWEEPS.join(', ')}`);
  checkList(where, 'mValues', c.mValues, (m) => isInt(m, 2), 'an integer ≥ 2 (memories per set)');
  checkList(where, 'noise', c.noise, (s) => isNum(s) && s >= 0, 'a standard deviation ≥ 0');
  check(isInt(c.noiseM, 2), where, () => `noiseM must be an integer ≥ 2, got ${String(c.noiseM)}`);
  check(isNum(c.beta) && c.beta > 0, where, () => `beta must be a number > 0, got ${String(c.beta)}`);
  check(NORMALIZATIONS.includes(c.normalize), where, () => `normalize must be one of ${NORMALIZATIONS.join(', ')}, got '${String(c.normalize)}'`);
  check(isInt(c.steps, 1), where, () => `steps must be an integer ≥ 1, got ${String(c.steps)}`);
  check(isInt(c.trials, 1), where, () => `trials must be an integer ≥ 1, got ${String(c.trials)}`);
  check(isInt(c.seed, 0), where, () => `seed must be an integer ≥ 0, got ${String(c.seed)}`);
  check(isNum(c.threshold) && c.threshold > 0, where, () => `threshold must be a number > 0, got ${String(c.threshold)}`);
  check(ERROR_MEASURES.includes(c.error), where, () => `error must be one of ${ERROR_MEASURES.join(', ')}, got '${String(c.error)}'`);
  check(isNum(c.k) && c.k > 0 && (c.k < 1 || Number.isInteger(c.k)), where, () => `k must be a fraction in (0, 1) of M or an integer count ≥ 1, got ${String(c.k)}`);
  if (c.k >= 1 && c.kinds.some((kd) => kd === 'topk' || kd === 'random')) {
    const ms = [...(c.sweeps.includes('capacity') ? c.mValues : []), ...(c.sweeps.includes('noise') ? [c.noiseM] : [])];
    const small = ms.filter((m) => m < c.k);
    check(small.length === 0, where, () => `k = ${c.k} memories exceeds M = ${small.join(', ')}; give k as a fraction of M (e.g. 0.2)`);
  }
  if (c.window !== undefined) check(isInt(c.window, 0), where, () => `window must be an integer half-width ≥ 0, got ${String(c.window)}`);
  check(isInt(c.features, 1), where, () => `features must be an integer ≥ 1, got ${String(c.features)}`);
  check(isNum(c.alpha) && c.alpha > 1 && c.alpha <= 2, where, () => `alpha must be in (1, 2], got ${String(c.alpha)}`);
  check(c.reading === 'renormalized' || c.reading === 'paper', where, () => `reading must be 'renormalized' or 'paper', got '${String(c.reading)}'`);
  check(typeof c.clip === 'boolean' && typeof c.shuffleQueries === 'boolean', where, 'clip and shuffleQueries must be booleans');
  return { ...c, kinds: [...c.kinds], sweeps: [...c.sweeps], mValues: [...c.mValues], noise: [...c.noise] };
}
