// Forecast ETTh1's oil temperature with a Hopfield model, as `hopgrad forecast` does (paper Table 6): load the
// ETT-layout CSV, run the same experiment function (src/experiments/forecast.ts), print the test MSE / MAE at
// the best validation epoch next to the paper's. Library API: 'hopgrad' + 'hopgrad/node' (src/index.ts,
// src/node/index.ts) and the experiment module. Flags: --data FILE (default ../shared/data/ett/ETTh1.csv),
// --horizon N (96), --kind K (dense), --epochs N (2), --stride N (training windows every N steps; 4), --seed S (0).
import { HopgradError, hopfield } from '../src/index.js';
import { experiments, loadTimeSeriesCsv } from '../src/node/index.js';

type RetrieveKind = (typeof hopfield.KINDS)[number];
const KINDS: readonly string[] = hopfield.KINDS;
const { runForecast } = experiments.forecast;

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : (process.argv[i + 1] ?? '');
}
function num(name: string, fallback: number): number {
  const v = Number(flag(name, String(fallback)));
  if (!Number.isInteger(v) || v < 0) {
    console.error(`forecast example: --${name} needs a non-negative integer, got '${flag(name, '')}'`);
    process.exit(2);
  }
  return v;
}

const kind = flag('kind', 'dense') as RetrieveKind;
if (!KINDS.includes(kind)) {
  console.error(`forecast example: --kind must be one of ${KINDS.join(', ')}, got '${kind}'`);
  process.exit(2);
}
const horizon = num('horizon', 96);
try {
  const series = loadTimeSeriesCsv(flag('data', '../shared/data/ett/ETTh1.csv'), { column: 'OT' });
  const r = await runForecast(series.values, {
    inputLength: horizon, horizon, epochs: num('epochs', 2), batchSize: 32, evalBatchSize: 256, lr: 1e-3, weightDecay: 0.01,
    stride: num('stride', 4), evalStride: 1, seed: num('seed', 0),
    model: { kind, hiddenSize: 64, numHeads: 4, patchLength: 16, patchStride: 8, quantity: 2, instanceNorm: true, ...(kind === 'topk' || kind === 'random' ? { k: 0.2 } : {}) },
  }, { log: (line) => console.log(line) });
  const b = r.best!;
  console.log(`best epoch ${b.epoch}: test MSE ${b.testMse.toFixed(4)}, MAE ${b.testMae.toFixed(4)} (standardized)` +
    (r.paper ? `; paper Table 6 ETTh1 ${r.paper.column}: MSE ${r.paper.mse}, MAE ${r.paper.mae}` : ''));
} catch (e) {
  if (!(e instanceof HopgradError)) throw e;
  console.error(`forecast example: ${e.message}`);
  process.exit(1);
}
