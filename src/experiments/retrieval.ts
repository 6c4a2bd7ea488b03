// The memory-retrieval experiment of the paper (Appendix E.1, Fig. 3), free of CLI concerns. For each point of
// the two sweeps — half-masked queries against the memory-set size M (capacity), noisy queries against the
// noise σ at fixed M (robustness) — and each trial, M memories are drawn from the image pool, every memory is
// queried once, and every association kind retrieves from the same memories and queries; a query succeeds when
// the retrieved image's relative sum-of-squares error is below the threshold. Reports the success rate per
// (point, kind) as mean ± std over trials, with the trivial "mean image" baseline. `runRetrievalOn` works on an
// in-memory pool; `runRetrieval` loads the dataset first (Node).
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import { Generator } from '../tensor/random.js';
import { noGrad } from '../autograd/engine.js';
import { type RetrieveKind, type RetrieveOptions, retrieve } from '../hopfield/retrieve.js';
import { loadCifar10, loadMnistDigits } from '../node/datasets.js';
import { type RetrievalConfig, type RetrievalSweep, resolveRetrievalConfig } from './retrieval-config.js';
import {
  type ImagePool, addNoise, checkPool, deriveSeed, gatherRows, halfMask, meanImage, normalizeRows, orthogonalOmega, permuteRows, repeatRow,
  retrievalErrors,
} from './retrieval-data.js';

export * from './retrieval-config.js';
export type { ImagePool } from './retrieval-data.js';

/** One point of a sweep: the memory-set size and the query corruption. */
export interface RetrievalPoint {
  sweep: RetrievalSweep;
  /** 'half-mask' (capacity sweep) or 'noise' (noise sweep). */
  query: 'half-mask' | 'noise';
  /** Memories per set. */
  m: number;
  /** Noise standard deviation σ (null for half-masked queries). */
  noise: number | null;
}

/** Success over trials at one point: per-trial rates, their mean and sample std, the mean relative error. */
export interface PointStats extends RetrievalPoint {
  /** Trials finished (fewer than configured in a stopped run). */
  trials: number;
  /** Success rate (fraction of the M queries retrieved) of each finished trial. */
  rates: number[];
  mean: number;
  /** Sample standard deviation over trials (0 for one trial). */
  std: number;
  /** The run's seed (every draw of this point derives from it). */
  seed: number;
  /** Mean over trials of the mean error (‖x̂ − ξ‖² / ‖ξ‖², or / ‖ξ − ξ̄‖² for the 'centered' measure). */
  meanError: number;
}

/** One kind at one point. */
export interface KindResult extends PointStats {
  kind: RetrieveKind;
}

/** Wall-clock times (kept apart from the results, which are a deterministic function of the config). */
export interface RetrievalTiming {
  /** The whole run. */
  seconds: number;
  /** Seconds spent in retrieval per kind, summed over points and trials. */
  perKind: Record<string, number>;
}

/** What `runRetrieval` returns (and the command writes as results.json). */
export interface RetrievalResult {
  experiment: 'retrieval';
  config: RetrievalConfig;
  data: { source: string; pool: number; dim: number; imageShape: number[] };
  /** Every (point, kind), points in sweep order, kinds in config order. */
  results: KindResult[];
  /** Per point: returning the mean of the memories for every query (what dense tends to as β → 0). */
  baselines: PointStats[];
  /** False when the run was stopped before every trial finished. */
  complete: boolean;
  /** Not reproducible: write it apart from results.json (see `splitTiming`). */
  timing: RetrievalTiming;
}

/** The reproducible part of a result (results.json) and its timing (timing.json). */
export function splitTiming(result: RetrievalResult): { results: Omit<RetrievalResult, 'timing'>; timing: RetrievalTiming } {
  const { timing, ...rest } = result;
  return { results: rest, timing };
}

/** Callbacks: progress after each retrieval, a stop check between retrievals, status lines. */
export interface RetrievalHooks {
  /** `done` of `total` retrievals (point × trial × kind) finished; `status` names the last one. */
  progress?(done: number, total: number, status: string): void;
  /** Return true to stop at the next retrieval boundary (the result then holds the finished trials). */
  shouldStop?(): boolean;
  log?(line: string): void;
}

/** The sweep points of `config`, in run order. */
export function retrievalPoints(config: RetrievalConfig): RetrievalPoint[] {
  const pts: RetrievalPoint[] = [];
  if (config.sweeps.includes('capacity')) for (const m of config.mValues) pts.push({ sweep: 'capacity', query: 'half-mask', m, noise: null });
  if (config.sweeps.includes('noise')) for (const s of config.noise) pts.push({ sweep: 'noise', query: 'noise', m: config.noiseM, noise: s });
  return pts;
}

/** The options of `hopfield.retrieve` for `kind` under `config` (omega: prf's random features). */
export function kindOptions(config: RetrievalConfig, kind: RetrieveKind, maskSeed: number, omega: Tensor | undefined): RetrieveOptions {
  const o: RetrieveOptions = { kind, beta: config.beta };
  if (kind === 'topk' || kind === 'random') o.k = config.k;
  if (kind === 'topk') o.reading = config.reading;
  if (kind === 'random') o.seed = maskSeed;
  if (kind === 'window' && config.window !== undefined) o.window = config.window;
  if (kind === 'entmax') o.alpha = config.alpha;
  if (kind === 'prf') o.omega = omega;
  return o;
}

/**
 * Retrieve every query row: `steps − 1` update steps in the normalized space, then one step whose weights
 * are applied to the raw memories (so the retrieved image is in pixel space). Returns [L·dim] values.
 */
function retrieveRows(query: Float32Array, keys: Float32Array, raw: Float32Array, m: number, dim: number, steps: number, opts: RetrieveOptions): ArrayLike<number> {
  return noGrad(() => {
    const k = new Tensor(keys, [m, dim]);
    let x = new Tensor(query, [query.length / dim, dim]);
    if (steps > 1) x = retrieve(x, k, { ...opts, steps: steps - 1 });
    const values = keys === raw ? undefined : new Tensor(raw, [m, dim]);
    return retrieve(x, k, { ...opts, steps: 1, ...(values ? { values } : {}) }).contiguousData();
  });
}

function stats(point: RetrievalPoint, seed: number, rates: number[], errors: number[]): PointStats {
  const n = rates.length;
  const mean = n ? rates.reduce((a, b) => a + b, 0) / n : NaN;
  const std = n > 1 ? Math.sqrt(rates.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : n === 1 ? 0 : NaN;
  const meanError = n ? errors.reduce((a, b) => a + b, 0) / n : NaN;
  return { ...point, trials: n, rates: [...rates], mean, std, seed, meanError };
}

/** Integer tags naming a point by its values (not its position), so a point's draws do not depend on the other points. */
const pointTags = (p: RetrievalPoint): number[] => [p.m, p.noise === null ? 0 : 1 + Math.round(p.noise * 1e6)];

const successRate = (errors: Float64Array, threshold: number): number => errors.reduce((a, e) => a + (e < threshold ? 1 : 0), 0) / errors.length;
const meanOf = (a: Float64Array): number => a.reduce((s, v) => s + v, 0) / a.length;

/** Let pending events (Ctrl-C, timers) run between retrievals. */
const yieldToEvents = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Run the experiment on an in-memory image pool (see the file header). Reproducible from config.seed: the
 * memory draws (trial t: the first M of one permutation of the pool, nested across M), noise, query order,
 * random masks and random features derive from it per trial and per point value (M, σ), independently of the
 * kinds and of the other points chosen. Yields to the event loop between retrievals so that Ctrl-C is noticed.
 */
export async function runRetrievalOn(pool: ImagePool, partial: Partial<RetrievalConfig>, hooks: RetrievalHooks = {}): Promise<RetrievalResult> {
  const where = 'retrieval';
  const config = resolveRetrievalConfig(partial);
  checkPool(pool, where);
  const points = retrievalPoints(config);
  const maxM = Math.max(...points.map((p) => p.m));
  check(maxM <= pool.count, where, () => `M = ${maxM} memories requested but the dataset holds only ${pool.count} images (${pool.source})`);
  const t0 = performance.now();
  const { kinds, trials, seed } = config;
  const dim = pool.dim;
  const total = points.length * trials * kinds.length;
  const perKind = points.map(() => kinds.map(() => ({ rates: [] as number[], errors: [] as number[], seconds: 0 })));
  const base = points.map(() => ({ rates: [] as number[], errors: [] as number[] }));
  const perms = new Map<number, Int32Array>();
  let done = 0;
  let stopped = false;
  outer: for (const [pi, p] of points.entries()) {
    for (let t = 0; t < trials; t++) {
      if (hooks.shouldStop?.()) {
        stopped = true;
        break outer;
      }
      let perm = perms.get(t);
      if (!perm) perms.set(t, (perm = new Generator(deriveSeed(seed, 1, t)).permutation(pool.count)));
      const memories = gatherRows(pool, perm, p.m);
      const corrupted = p.noise === null ? halfMask(memories, pool) : addNoise(memories, p.noise, new Generator(deriveSeed(seed, 2, t, ...pointTags(p))), config.clip);
      const target = config.shuffleQueries ? new Generator(deriveSeed(seed, 3, t, ...pointTags(p))).permutation(p.m) : Int32Array.from({ length: p.m }, (_, i) => i);
      const queries = permuteRows(corrupted, target, dim);
      const keys = normalizeRows(memories, dim, config.normalize);
      const q = normalizeRows(queries, dim, config.normalize);
      const mean = meanImage(memories, dim);
      const center = config.error === 'centered' ? mean : null;
      const baseErr = retrievalErrors(repeatRow(mean, p.m), memories, target, dim, center);
      base[pi]!.rates.push(successRate(baseErr, config.threshold));
      base[pi]!.errors.push(meanOf(baseErr));
      const omega = kinds.includes('prf') ? orthogonalOmega(dim, config.features, new Generator(deriveSeed(seed, 4, t))) : undefined;
      for (const [ki, kind] of kinds.entries()) {
        if (ki > 0 && hooks.shouldStop?.()) {
          stopped = true;
          break outer;
        }
        const start = performance.now();
        const out = retrieveRows(q, keys, memories, p.m, dim, config.steps, kindOptions(config, kind, deriveSeed(seed, 5, t, ...pointTags(p)), omega));
        const errs = retrievalErrors(out, memories, target, dim, center);
        const acc = perKind[pi]![ki]!;
        acc.seconds += (performance.now() - start) / 1000;
        acc.rates.push(successRate(errs, config.threshold));
        acc.errors.push(meanOf(errs));
        done++;
        const at = p.noise === null ? `M=${p.m}` : `σ=${p.noise}`;
        hooks.progress?.(done, total, `${p.sweep} ${at} trial ${t + 1}/${trials} ${kind}`);
        await yieldToEvents();
      }
    }
  }
  // A stopped run keeps only whole trials: drop the kinds of an unfinished trial so every kind has the same draws.
  for (const [pi] of points.entries()) {
    const n = Math.min(...perKind[pi]!.map((a) => a.rates.length));
    for (const a of perKind[pi]!) {
      a.rates.length = n;
      a.errors.length = n;
    }
    base[pi]!.rates.length = n;
    base[pi]!.errors.length = n;
  }
  const results: KindResult[] = [];
  const baselines: PointStats[] = [];
  for (const [pi, p] of points.entries()) {
    if (base[pi]!.rates.length === 0) continue;
    baselines.push(stats(p, seed, base[pi]!.rates, base[pi]!.errors));
    for (const [ki, kind] of kinds.entries()) {
      const a = perKind[pi]![ki]!;
      results.push({ ...stats(p, seed, a.rates, a.errors), kind });
    }
  }
  if (stopped) hooks.log?.(`retrieval: stopped after ${done} of ${total} retrievals; keeping ${results.length} finished (point, kind) results`);
  return {
    experiment: 'retrieval',
    config,
    data: { source: pool.source, pool: pool.count, dim, imageShape: [pool.channels, pool.rows, pool.cols] },
    results,
    baselines,
    complete: !stopped,
    timing: {
      seconds: (performance.now() - t0) / 1000,
      perKind: Object.fromEntries(kinds.map((k, ki) => [k, perKind.reduce((a, row) => a + row[ki]!.seconds, 0)])),
    },
  };
}

/** Load the images `config` names: the CIFAR-10 file(s) at config.data, or MNIST (config.data, else the embedded digits). */
export function loadRetrievalPool(config: Pick<RetrievalConfig, 'dataset' | 'data'>): ImagePool {
  if (config.dataset === 'cifar') {
    check(config.data !== undefined, 'retrieval', 'the CIFAR-10 dataset needs a data path (a batch file or folder, e.g. ../shared/data/cifar10/data_batch_first1000.bin.gz)');
    const c = loadCifar10(config.data);
    return { images: c.images, count: c.count, dim: 3 * 32 * 32, channels: 3, rows: 32, cols: 32, source: c.source };
  }
  const d = loadMnistDigits(config.data === undefined ? {} : { data: config.data });
  return { images: d.images, count: d.count, dim: d.rows * d.cols, channels: 1, rows: d.rows, cols: d.cols, source: d.source };
}

/** Load the dataset, then `runRetrievalOn` (the function `hopgrad retrieve` and the main job call). */
export function runRetrieval(partial: Partial<RetrievalConfig> = {}, hooks: RetrievalHooks = {}): Promise<RetrievalResult> {
  const config = resolveRetrievalConfig(partial);
  return runRetrievalOn(loadRetrievalPool(config), config, hooks);
}
