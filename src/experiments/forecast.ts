// The forecasting experiment of `hopgrad forecast` (paper Table 6, Appendix E.4): a univariate series, input
// length = horizon, chronological 70/10/20 split, standardized on the training part, sliding windows; the
// ForecastModel (./forecast-model.ts) trained with AdamW + per-step cosine annealing on the MSE; MSE and MAE in
// the standardized space on validation and test after every epoch; the reported test numbers are those of the
// epoch with the best validation MSE. Free of CLI concerns: options + hooks (log, progress, stop check,
// checkpoint save/restore) in, plain JSON-able results out. Browser-safe.
import { check } from '../tensor/errors.js';
import { Generator, defaultGenerator } from '../tensor/random.js';
import { tensor } from '../tensor/creation.js';
import { noGrad } from '../autograd/engine.js';
import { mseLoss } from '../nn/losses.js';
import { AdamW } from '../optim/adam.js';
import { LRScheduler, cosineAnnealing } from '../optim/schedules.js';
import { chronologicalSplit, slidingWindows, standardize, type Windows } from '../io/datasets/timeseries.js';
import { ForecastModel, type ForecastModelOptions } from './forecast-model.js';
import type { RetrieveKind } from '../hopfield/retrieve.js';

/** The input lengths = horizons of the paper's Table 6. */
export const PAPER_HORIZONS = [96, 192, 336, 720] as const;

/**
 * Paper Table 6, ETTh1 block (univariate, mean of 5 runs): [MSE, MAE] per column and horizon. Columns:
 * Dense, Sparse (sparsemax), Top20%/50%/80% (topk with k = 0.2/0.5/0.8), Window, RF (prf), Linear.
 */
export const PAPER_TABLE6_ETTH1: Readonly<Record<string, Readonly<Record<number, readonly [number, number]>>>> = {
  Dense: { 96: [0.137, 0.307], 192: [0.153, 0.326], 336: [0.148, 0.319], 720: [0.169, 0.331] },
  Sparse: { 96: [0.144, 0.314], 192: [0.152, 0.325], 336: [0.146, 0.319], 720: [0.148, 0.314] },
  'Top20%': { 96: [0.148, 0.319], 192: [0.146, 0.318], 336: [0.156, 0.327], 720: [0.184, 0.345] },
  'Top50%': { 96: [0.153, 0.321], 192: [0.161, 0.333], 336: [0.122, 0.286], 720: [0.161, 0.327] },
  'Top80%': { 96: [0.147, 0.318], 192: [0.150, 0.320], 336: [0.160, 0.333], 720: [0.123, 0.287] },
  Window: { 96: [1.043, 0.881], 192: [1.003, 0.870], 336: [0.889, 0.767], 720: [0.756, 0.761] },
  RF: { 96: [0.147, 0.312], 192: [0.158, 0.332], 336: [0.151, 0.322], 720: [0.141, 0.271] },
  Linear: { 96: [0.149, 0.320], 192: [0.141, 0.313], 336: [0.138, 0.307], 720: [0.171, 0.333] },
};

/** The Table 6 (ETTh1) entry matching a kind (topk by its fraction k), or null when the paper has none. */
export function paperTable6(kind: RetrieveKind, k: number | undefined, horizon: number): { column: string; mse: number; mae: number } | null {
  const topk = k === 0.2 ? 'Top20%' : k === 0.5 ? 'Top50%' : k === 0.8 ? 'Top80%' : undefined;
  const column = { dense: 'Dense', sparsemax: 'Sparse', window: 'Window', prf: 'RF', linear: 'Linear', topk, entmax: undefined, random: undefined }[kind];
  const row = column === undefined ? undefined : PAPER_TABLE6_ETTH1[column]?.[horizon];
  return row && column ? { column, mse: row[0], mae: row[1] } : null;
}

/** Everything a run depends on (stored in results.json and the checkpoint). */
export interface ForecastConfig {
  /** Input length L (the paper: = horizon). */
  inputLength: number;
  horizon: number;
  /** The model (kind, sizes, …; inputLength / horizon / generator are filled in by the run). */
  model: Omit<ForecastModelOptions, 'inputLength' | 'horizon' | 'generator'>;
  epochs: number;
  batchSize: number;
  evalBatchSize: number;
  lr: number;
  weightDecay: number;
  /** Training windows start every `stride` steps (1 = all windows); validation / test every `evalStride`. */
  stride: number;
  evalStride: number;
  seed: number;
  /** Test window shown in the forecast plot (default: the middle one). */
  plotWindow?: number;
}

/** Metrics after one epoch (standardized space). */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valMse: number;
  valMae: number;
  testMse: number;
  testMae: number;
  /** Learning rate after the epoch's last step. */
  lr: number;
}

/** The epoch with the best validation MSE, its test metrics and one test window's forecast. */
export interface BestRecord {
  epoch: number;
  valMse: number;
  valMae: number;
  testMse: number;
  testMae: number;
  forecast: { window: number; input: number[]; truth: number[]; prediction: number[] };
}

/** The live objects of a run, for checkpointing (matches the CLI's TrainingParts). */
export interface ForecastParts {
  model: ForecastModel;
  optimizer: AdamW;
  scheduler: LRScheduler;
  rng: Record<string, Generator>;
}

/** What is carried between epochs (saved with the checkpoint). */
export interface ForecastState {
  epoch: number;
  history: EpochRecord[];
  best: BestRecord | null;
}

/** A progress bar (the CLI's Progress fits). */
export interface ProgressLike {
  tick(n?: number, fields?: Record<string, number | string>): void;
  finish(fields?: Record<string, number | string>): void;
}

/** Callbacks of a run; all optional. */
export interface ForecastHooks {
  log?(line: string): void;
  progress?(total: number, label: string): ProgressLike;
  /** Polled after every batch: true stops the run after that batch (Ctrl-C). */
  shouldStop?(): boolean;
  /** Restore a checkpoint into `parts` and return the state to continue from (null: start fresh). */
  restore?(parts: ForecastParts): Promise<ForecastState | null>;
  /** After each finished epoch (save a checkpoint here). */
  epochEnd?(parts: ForecastParts, state: ForecastState): Promise<void>;
}

/** The results of a run (JSON-able). */
export interface ForecastResult {
  config: ForecastConfig;
  rows: number;
  scaler: { mean: number; std: number };
  split: { train: [number, number]; val: [number, number]; test: [number, number] };
  windows: { train: number; val: number; test: number };
  parameters: number;
  tokens: number;
  epochsDone: number;
  stopped: boolean;
  history: EpochRecord[];
  best: BestRecord | null;
  /** The same test windows forecast naively (last input value repeated; input mean), for scale. */
  baselines: ReturnType<typeof naiveBaselines>;
  /** The paper's Table 6 (ETTh1) numbers for this kind and horizon, when it has them. */
  paper: { column: string; mse: number; mae: number } | null;
  /** Wall-clock seconds per epoch of this process (not reproducible; kept out of results.json by the CLI). */
  timing: { secondsPerEpoch: number[] };
}

/** Mean squared and absolute error of `model` over every window of `w` (float64 sums). */
function evaluate(model: ForecastModel, w: Windows, batchSize: number, tick: () => void): { mse: number; mae: number } {
  model.eval();
  let se = 0;
  let ae = 0;
  noGrad(() => {
    for (let s = 0; s < w.count; s += batchSize) {
      const idx = Int32Array.from({ length: Math.min(batchSize, w.count - s) }, (_, j) => s + j);
      const { inputs, targets } = w.batch(idx);
      const pred = model.forward(tensor(inputs, { shape: [idx.length, w.inputLength] })).contiguousData();
      for (let i = 0; i < pred.length; i++) {
        const e = pred[i]! - targets[i]!;
        se += e * e;
        ae += Math.abs(e);
      }
      tick();
    }
  });
  const n = w.count * w.horizon;
  return { mse: se / n, mae: ae / n };
}

/** Test MSE / MAE of two naive forecasts: repeat the input's last value, and the input window's mean. */
export function naiveBaselines(w: Windows): { lastValue: { mse: number; mae: number }; windowMean: { mse: number; mae: number } } {
  let sl = 0, al = 0, sm = 0, am = 0;
  for (let i = 0; i < w.count; i++) {
    const x = w.input(i);
    const last = x[x.length - 1]!;
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    for (const y of w.target(i)) {
      sl += (y - last) ** 2;
      al += Math.abs(y - last);
      sm += (y - mean) ** 2;
      am += Math.abs(y - mean);
    }
  }
  const n = w.count * w.horizon;
  return { lastValue: { mse: sl / n, mae: al / n }, windowMean: { mse: sm / n, mae: am / n } };
}

/** One window's input, truth and forecast (standardized), for the forecast-vs-truth plot. */
function forecastOf(model: ForecastModel, w: Windows, i: number): { window: number; input: number[]; truth: number[]; prediction: number[] } {
  model.eval();
  const { inputs, targets } = w.batch([i]);
  const pred = noGrad(() => model.forward(tensor(inputs, { shape: [1, w.inputLength] })).contiguousData());
  return { window: i, input: Array.from(inputs), truth: Array.from(targets), prediction: Array.from(pred) };
}

/** Validate the configuration; throws HopgradError naming the option. */
function checkConfig(c: ForecastConfig, n: number): void {
  const where = 'runForecast';
  const int = (v: number, name: string, min: number): void =>
    check(Number.isSafeInteger(v) && v >= min, where, () => `${name} must be an integer >= ${min}, got ${v}`);
  int(c.horizon, 'horizon', 1);
  int(c.inputLength, 'inputLength', 1);
  int(c.epochs, 'epochs', 1);
  int(c.batchSize, 'batchSize', 1);
  int(c.stride, 'stride', 1);
  int(c.evalStride, 'evalStride', 1);
  check(Number.isFinite(c.lr) && c.lr > 0, where, () => `lr must be > 0, got ${c.lr}`);
  check(Number.isFinite(c.weightDecay) && c.weightDecay >= 0, where, () => `weightDecay must be >= 0, got ${c.weightDecay}`);
  const span = c.inputLength + c.horizon;
  const parts = chronologicalSplit(n);
  const [tr, va, te] = parts as [{ start: number; end: number }, { start: number; end: number }, { start: number; end: number }];
  check(tr.end - tr.start >= span && va.end - va.start >= c.horizon && te.end - te.start >= c.horizon, where,
    () => `a series of ${n} steps is too short for input length ${c.inputLength} + horizon ${c.horizon} (split ${tr.end - tr.start} / ${va.end - va.start} / ${te.end - te.start})`);
}

/**
 * Train and evaluate the forecasting model on the series `values` (raw units; standardized here on the
 * training part). Resumable: `hooks.restore` may load a checkpoint into the live parts before training,
 * `hooks.epochEnd` saves one after every epoch. Stops after the current batch when `hooks.shouldStop()`
 * turns true (then `stopped` is set and the results cover the finished epochs). Deterministic given `seed`.
 */
export async function runForecast(values: Float64Array, config: ForecastConfig, hooks: ForecastHooks = {}): Promise<ForecastResult> {
  check(values instanceof Float64Array, 'runForecast', () => `values must be a Float64Array, got ${String(values)}`);
  const c = config;
  checkConfig(c, values.length);
  const log = hooks.log ?? ((): void => undefined);
  const [tr, va, te] = chronologicalSplit(values.length) as [{ start: number; end: number }, { start: number; end: number }, { start: number; end: number }];
  const scaler = standardize(values.subarray(tr.start, tr.end));
  const z = scaler.apply(values);
  const L = c.inputLength;
  const H = c.horizon;
  const train = slidingWindows(z.subarray(tr.start, tr.end), L, H, { stride: c.stride });
  // validation / test windows look back L steps into the previous part for their inputs (Informer's borders)
  const val = slidingWindows(z.subarray(va.start - L, va.end), L, H, { stride: c.evalStride });
  const test = slidingWindows(z.subarray(te.start - L, te.end), L, H, { stride: c.evalStride });

  defaultGenerator.manualSeed(c.seed);
  const init = new Generator(c.seed);
  const shuffle = new Generator(c.seed + 1);
  const model = new ForecastModel({ ...c.model, inputLength: L, horizon: H, generator: init });
  const optimizer = new AdamW(model.parameters(), { lr: c.lr, weightDecay: c.weightDecay });
  const stepsPerEpoch = Math.ceil(train.count / c.batchSize);
  const scheduler = new LRScheduler(optimizer, cosineAnnealing({ baseLr: c.lr, tMax: c.epochs * stepsPerEpoch }));
  const parts = { model, optimizer, scheduler, rng: { init, shuffle } };
  const plotWindow = Math.min(test.count - 1, Math.max(0, c.plotWindow ?? Math.floor(test.count / 2)));

  let history: EpochRecord[] = [];
  let best: BestRecord | null = null;
  let start = 0;
  const restored = hooks.restore ? await hooks.restore(parts) : null;
  if (restored) {
    start = restored.epoch;
    history = restored.history;
    best = restored.best;
    log(`resumed after epoch ${start} of ${c.epochs}`);
  }
  log(`forecast: ${values.length} steps → train ${tr.end - tr.start} / val ${va.end - va.start} / test ${te.end - te.start}; ` +
    `windows train ${train.count} (stride ${c.stride}), val ${val.count}, test ${test.count}; model ${model.numParameters()} parameters, ${model.tokens} tokens`);

  const evalBatches = Math.ceil(val.count / c.evalBatchSize) + Math.ceil(test.count / c.evalBatchSize);
  const bar = hooks.progress?.((c.epochs - start) * (stepsPerEpoch + evalBatches), `forecast ${c.model.kind ?? 'dense'} H=${H}`);
  const seconds: number[] = [];
  let stopped = false;
  for (let epoch = start + 1; epoch <= c.epochs && !stopped; epoch++) {
    const t0 = performance.now();
    model.train();
    const perm = shuffle.permutation(train.count);
    let lossSum = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      const idx = perm.subarray(s * c.batchSize, (s + 1) * c.batchSize);
      const { inputs, targets } = train.batch(idx);
      optimizer.zeroGrad();
      const loss = mseLoss(model.forward(tensor(inputs, { shape: [idx.length, L] })), tensor(targets, { shape: [idx.length, H] }));
      loss.backward();
      optimizer.step();
      scheduler.step();
      const lv = loss.item();
      lossSum += lv * idx.length;
      bar?.tick(1, { epoch, loss: lv });
      if (hooks.shouldStop?.()) {
        stopped = true;
        break;
      }
    }
    if (stopped) break;
    const v = evaluate(model, val, c.evalBatchSize, () => bar?.tick(1));
    const t = evaluate(model, test, c.evalBatchSize, () => bar?.tick(1));
    const rec: EpochRecord = { epoch, trainLoss: lossSum / train.count, valMse: v.mse, valMae: v.mae, testMse: t.mse, testMae: t.mae, lr: optimizer.paramGroups[0]!.lr };
    history.push(rec);
    if (best === null || v.mse < best.valMse) best = { epoch, valMse: v.mse, valMae: v.mae, testMse: t.mse, testMae: t.mae, forecast: forecastOf(model, test, plotWindow) };
    seconds.push((performance.now() - t0) / 1000);
    log(`epoch ${epoch}/${c.epochs}: train ${rec.trainLoss.toFixed(4)}  val MSE ${v.mse.toFixed(4)} MAE ${v.mae.toFixed(4)}  ` +
      `test MSE ${t.mse.toFixed(4)} MAE ${t.mae.toFixed(4)}${best.epoch === epoch ? '  (best)' : ''}`);
    await hooks.epochEnd?.(parts, { epoch, history, best });
    if (hooks.shouldStop?.()) stopped = epoch < c.epochs;
  }
  bar?.finish(best ? { bestEpoch: best.epoch, testMse: best.testMse } : {});
  return {
    config: c, rows: values.length, scaler: { mean: scaler.mean, std: scaler.std },
    split: { train: [tr.start, tr.end], val: [va.start, va.end], test: [te.start, te.end] },
    windows: { train: train.count, val: val.count, test: test.count },
    parameters: model.numParameters(), tokens: model.tokens,
    epochsDone: history.length === 0 ? 0 : history[history.length - 1]!.epoch, stopped, history, best,
    baselines: naiveBaselines(test), paper: paperTable6(c.model.kind ?? 'dense', c.model.k, H), timing: { secondsPerEpoch: seconds },
  };
}
