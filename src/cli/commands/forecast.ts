// `hopgrad forecast`: univariate forecasting on an ETT-layout CSV with a Hopfield model (paper Table 6,
// Appendix E.4) — the experiment is src/experiments/forecast.ts; this file maps flags to its config, wires
// progress, Ctrl-C and checkpoints (resume), and writes results.json, timing.json and the SVG plots.
import nodePath from 'node:path';
import { loadTimeSeriesCsv } from '../../node/datasets.js';
import { KINDS } from '../../hopfield/retrieve.js';
import {
  type ForecastConfig, type ForecastResult, type ForecastState, PAPER_HORIZONS, runForecast,
} from '../../experiments/forecast.js';
import { UsageError } from '../args.js';
import { COMMON, defineCommand } from '../command.js';
import { type Json, readCheckpoint, resumeCheckpoint, saveCheckpoint } from '../checkpoint.js';
import { linePlot } from '../svg.js';
import { formatTable } from '../table.js';

/** The plots of a forecast run: validation/test curves per epoch, and the best epoch's forecast of one test window. */
export function forecastPlots(r: ForecastResult): { name: string; svg: string }[] {
  const out: { name: string; svg: string }[] = [];
  const kind = r.config.model.kind ?? 'dense';
  const ep = r.history.map((h) => h.epoch);
  if (ep.length > 0) {
    out.push({
      name: 'curves.svg',
      svg: linePlot({
        title: `ETT forecast, ${kind}, H = ${r.config.horizon}: MSE per epoch (standardized)`,
        xLabel: 'epoch', yLabel: 'MSE',
        series: [
          { name: 'train loss', x: ep, y: r.history.map((h) => h.trainLoss), dashed: true },
          { name: 'validation MSE', x: ep, y: r.history.map((h) => h.valMse) },
          { name: 'test MSE', x: ep, y: r.history.map((h) => h.testMse) },
        ],
      }),
    });
  }
  if (r.best) {
    const f = r.best.forecast;
    const L = f.input.length;
    out.push({
      name: 'forecast.svg',
      svg: linePlot({
        title: `Test window ${f.window}: forecast vs truth (epoch ${r.best.epoch}, ${kind})`,
        xLabel: 'step (0 = first forecast step)', yLabel: 'value (standardized)', width: 800,
        series: [
          { name: 'input', x: f.input.map((_, i) => i - L), y: f.input, color: '#888888' },
          { name: 'truth', x: f.truth.map((_, i) => i), y: f.truth },
          { name: 'forecast', x: f.prediction.map((_, i) => i), y: f.prediction, dashed: true },
        ],
      }),
    });
  }
  return out;
}

/** What the checkpoint's `extra` holds besides the training parts. */
interface Extra {
  config: ForecastConfig;
  data: string;
  column: string;
  best: ForecastState['best'];
}

const fmt = (v: number): string => v.toFixed(4);

/** `hopgrad forecast`. */
export const forecast = defineCommand({
  name: 'forecast',
  summary: 'univariate forecasting on an ETT-layout CSV with a Hopfield model (paper Table 6)',
  description: [
    'Input length = horizon ∈ {96, 192, 336, 720}; chronological 70/10/20 split; standardized on the training',
    'part; sliding windows. Model: patch embedding + positions → Hopfield self-association (residual) →',
    'HopfieldPooling → Linear to the horizon, any association kind. AdamW + cosine annealing per step. Reports',
    'MSE and MAE (standardized) on the test split at the epoch with the best validation MSE.',
    'Checkpoints after every epoch; --resume DIR continues a stopped run with the configuration saved in DIR',
    '(the other flags are then ignored). Example:',
    '  hopgrad forecast --data ../shared/data/ett/ETTh1.csv --column OT --horizon 96 --kind dense',
  ].join('\n'),
  flags: {
    data: { ...COMMON.data, type: 'file', help: 'ETT-layout CSV (header with a date column), e.g. ../shared/data/ett/ETTh1.csv; required unless --resume' },
    column: { type: 'string', meta: 'NAME', default: 'OT', help: 'the value column' },
    horizon: { type: 'int', meta: 'N', default: 96, min: 1, help: 'forecast horizon = input length (96, 192, 336 or 720)' },
    anyHorizon: { type: 'boolean', help: 'allow a horizon outside the paper\'s {96, 192, 336, 720} (tests, exploration)' },
    kind: { ...COMMON.kind, choices: KINDS, default: 'dense', help: 'association of the Hopfield layer (and of the pooling)' },
    poolKind: { type: 'string', meta: 'K', choices: KINDS, help: 'association of the pooling (default: --kind)' },
    k: { type: 'number', meta: 'X', default: 0.2, validate: (v) => ((v as number) > 0 ? undefined : `must be > 0, got ${String(v)}`), help: 'topk / random: kept memories, a fraction in (0, 1) or a count' },
    window: { type: 'int', meta: 'W', min: 0, help: 'window: half-width (default ⌈√tokens / 2⌉)' },
    features: { type: 'int', meta: 'N', min: 1, help: 'prf: random features per head (default ⌈d ln d⌉)' },
    epochs: { ...COMMON.epochs, default: 10 },
    batchSize: { type: 'int', meta: 'N', default: 32, min: 1, help: 'training batch size' },
    lr: { type: 'number', meta: 'X', default: 1e-3, min: 0, help: 'AdamW peak learning rate (cosine-annealed to 0 per step)' },
    weightDecay: { type: 'number', meta: 'X', default: 0.01, min: 0, help: 'AdamW decoupled weight decay' },
    hidden: { type: 'int', meta: 'N', default: 64, min: 1, help: 'token width d' },
    heads: { type: 'int', meta: 'N', default: 4, min: 1, help: 'heads of both Hopfield layers (must divide --hidden)' },
    patch: { type: 'int', meta: 'N', default: 16, min: 1, help: 'patch length (tokens are patches of the input)' },
    patchStride: { type: 'int', meta: 'N', min: 1, help: 'patch stride (default patch / 2)' },
    quantity: { type: 'int', meta: 'N', default: 2, min: 1, help: 'learned pooling queries' },
    dropout: { type: 'number', meta: 'P', default: 0, min: 0, max: 1, help: 'dropout on the association weights (training)' },
    instanceNorm: { type: 'boolean', default: true, help: 'subtract each input window\'s mean, add it back to the forecast (--no-instance-norm to disable)' },
    stride: { type: 'int', meta: 'N', default: 1, min: 1, help: 'training windows start every N steps (1: all windows)' },
    evalStride: { type: 'int', meta: 'N', default: 1, min: 1, help: 'validation / test windows start every N steps' },
    seed: COMMON.seed,
    out: COMMON.out,
    resume: COMMON.resume,
  },
  async run(ctx) {
    const f = ctx.flags;
    let config: ForecastConfig;
    let dataPath: string;
    let column: string;
    let saved: Extra | null = null;
    const resumeDir = f.resume === undefined ? undefined : nodePath.resolve(ctx.cwd, f.resume);
    if (resumeDir !== undefined) {
      const ck = await readCheckpoint(resumeDir);
      saved = ck.extra as unknown as Extra;
      if (saved === null || typeof saved !== 'object' || !saved.config || typeof saved.data !== 'string') {
        throw new UsageError(`--resume: '${f.resume}' holds a checkpoint of another command (no forecast configuration)`);
      }
      ({ config, data: dataPath, column } = saved);
      ctx.info(`resuming ${ck.path}: ${saved.config.model.kind ?? 'dense'}, H = ${saved.config.horizon}, ${ck.epoch}/${saved.config.epochs} epochs done`);
    } else {
      if (f.data === undefined) throw new UsageError('--data is required: an ETT-layout CSV such as ../shared/data/ett/ETTh1.csv');
      if (!f.anyHorizon && !(PAPER_HORIZONS as readonly number[]).includes(f.horizon)) {
        throw new UsageError(`--horizon must be one of ${PAPER_HORIZONS.join(', ')} (the paper's; --any-horizon allows others), got ${f.horizon}`);
      }
      if (f.hidden % f.heads !== 0) throw new UsageError(`--heads ${f.heads} must divide --hidden ${f.hidden}`);
      if (f.patch > f.horizon) throw new UsageError(`--patch ${f.patch} is longer than the input (${f.horizon} steps)`);
      dataPath = nodePath.resolve(ctx.cwd, f.data);
      column = f.column;
      const model: ForecastConfig['model'] = {
        kind: f.kind, poolKind: f.poolKind ?? f.kind, hiddenSize: f.hidden, numHeads: f.heads, patchLength: f.patch,
        patchStride: f.patchStride ?? Math.max(1, Math.floor(f.patch / 2)), quantity: f.quantity, instanceNorm: f.instanceNorm,
        ...(f.kind === 'topk' || f.kind === 'random' || f.poolKind === 'topk' || f.poolKind === 'random' ? { k: f.k } : {}),
        ...(f.window !== undefined ? { window: f.window } : {}),
        ...(f.features !== undefined ? { features: f.features } : {}),
        ...(f.dropout > 0 ? { dropout: f.dropout } : {}),
      };
      config = {
        inputLength: f.horizon, horizon: f.horizon, model, epochs: f.epochs, batchSize: f.batchSize, evalBatchSize: 256,
        lr: f.lr, weightDecay: f.weightDecay, stride: f.stride, evalStride: f.evalStride, seed: f.seed,
      };
    }
    const ts = loadTimeSeriesCsv(dataPath, { column });
    const dir = ctx.runDir();
    const result = await runForecast(ts.values, config, {
      log: (line) => ctx.info(line),
      progress: (total, label) => ctx.progress(total, label, { unit: 'batch' }),
      shouldStop: () => ctx.interrupt.requested,
      restore: async (parts) => {
        if (resumeDir === undefined) return null;
        const info = await resumeCheckpoint(resumeDir, parts);
        return { epoch: info.epoch, history: info.history as unknown as ForecastState['history'], best: (info.extra as unknown as Extra).best };
      },
      epochEnd: async (parts, state) => {
        const extra: Extra = { config, data: dataPath, column, best: state.best };
        await saveCheckpoint(dir.path, { ...parts, epoch: state.epoch, history: state.history as unknown as Json[], extra: extra as unknown as Json });
      },
    });
    const { timing, ...rest } = result;
    await dir.writeJson({ command: 'forecast', data: dataPath, column, ...rest });
    await dir.writeJson({ secondsPerEpoch: timing.secondsPerEpoch }, 'timing.json');
    for (const p of forecastPlots(result)) await dir.writeSvg(p.name, p.svg);
    if (result.best) {
      const b = result.best;
      const rows: (string | number)[][] = [[`hopgrad (${config.model.kind ?? 'dense'}, epoch ${b.epoch}/${result.epochsDone})`, b.testMse, b.testMae, b.valMse]];
      if (result.paper) rows.push([`paper Table 6 ETTh1 (${result.paper.column})`, result.paper.mse, result.paper.mae, '']);
      const { lastValue, windowMean } = result.baselines;
      rows.push(['naive: repeat the last input value', lastValue.mse, lastValue.mae, ''], ['naive: input window mean', windowMean.mse, windowMean.mae, '']);
      ctx.print(`forecast ${nodePath.basename(dataPath)} column ${column}, H = L = ${config.horizon}: test at the best validation epoch`);
      ctx.print(formatTable(['model', 'test MSE', 'test MAE', 'val MSE'], rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))));
    } else {
      ctx.print('forecast: no epoch finished');
    }
    ctx.print(`results in ${dir.path}:`);
    for (const line of dir.summary(ctx.cwd)) ctx.print(line);
    if (result.stopped) {
      ctx.interrupt.stopIfRequested(result.epochsDone > 0
        ? `stopped after epoch ${result.epochsDone}; continue with: hopgrad forecast --resume ${dir.path}`
        : 'stopped before the first epoch ended (no checkpoint written)');
    }
  },
});
