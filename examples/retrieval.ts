// Memory retrieval (paper Fig. 3) as a program: the small run of the main job — dense, sparsemax, top-k, window,
// linear and prf on the embedded MNIST digits, half-masked queries against M and noisy queries against σ, a few
// seeded trials — printing the success tables and writing results.json + capacity.svg + noise.svg to --out.
// The same function `hopgrad retrieve` calls. Flags: --trials N (default 3), --seed S (default 0),
// --out DIR (default runs/retrieval-example).
import fs from 'node:fs';
import nodePath from 'node:path';
import { experiments, writeFileAtomic } from '../src/node/index.js';

const { QUICK_RETRIEVAL, runRetrieval, splitTiming } = experiments.retrieval;
const { retrievalPlots, retrievalSummary } = experiments.retrievalReport;

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) {
    console.error(`retrieval: --${name} needs a value`);
    process.exit(2);
  }
  return v;
}

function intFlag(name: string, fallback: number, min: number): number {
  const text = flag(name, String(fallback));
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) {
    console.error(`retrieval: --${name} needs an integer ≥ ${min}, got '${text}'`);
    process.exit(2);
  }
  return v;
}

const trials = intFlag('trials', QUICK_RETRIEVAL.trials ?? 3, 1);
const seed = intFlag('seed', 0, 0);
const out = nodePath.resolve(flag('out', 'runs/retrieval-example'));

let stop = false;
process.once('SIGINT', () => {
  stop = true;
  console.error('Ctrl-C: stopping after the current retrieval');
});

let lastPercent = -1;
const result = await runRetrieval({ ...QUICK_RETRIEVAL, trials, seed }, {
  progress(done, total, status) {
    const pct = Math.floor((100 * done) / total);
    if (pct >= lastPercent + 10 || done === total) {
      lastPercent = pct;
      console.error(`retrieval ${String(pct).padStart(3)}%  ${status}`);
    }
  },
  shouldStop: () => stop,
  log: (line) => console.error(line),
});

for (const line of retrievalSummary(result)) console.log(line);
const { results, timing } = splitTiming(result);
fs.mkdirSync(out, { recursive: true });
await writeFileAtomic(nodePath.join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
for (const p of retrievalPlots(result)) await writeFileAtomic(nodePath.join(out, p.name), p.svg);
console.log(`\n${timing.seconds.toFixed(1)} s; results.json, capacity.svg and noise.svg in ${out}`);
if (!result.complete) process.exitCode = 130;
