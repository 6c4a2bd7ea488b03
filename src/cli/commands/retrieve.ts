// `hopgrad retrieve`: the memory-retrieval experiment of the paper (Appendix E.1, Fig. 3) — success rate of every
// association kind against the number of memories (half-masked queries) and against the query noise, mean ± std
// over seeded trials, on MNIST (embedded digits by default) or CIFAR-10. Prints the tables, writes results.json
// and capacity.svg / noise.svg; Ctrl-C stops after the current retrieval and writes the finished part.
import nodePath from 'node:path';
import { KINDS } from '../../hopfield/retrieve.js';
import {
  ERROR_MEASURES, NORMALIZATIONS, PAPER_M, PAPER_NOISE, RETRIEVAL_DEFAULTS, SWEEPS, loadRetrievalPool, resolveRetrievalConfig,
  retrievalPoints, runRetrievalOn, splitTiming,
} from '../../experiments/retrieval.js';
import { retrievalPlots, retrievalSummary } from '../../experiments/retrieval-plot.js';
import { COMMON, defineCommand } from '../command.js';

const D = RETRIEVAL_DEFAULTS;

const positive = (v: string | number | boolean): string | undefined => (typeof v === 'number' && v > 0 ? undefined : `must be > 0, got ${String(v)}`);

/** `hopgrad retrieve`. */
export const retrieve = defineCommand({
  name: 'retrieve',
  summary: 'memory retrieval (paper Fig. 3): success rate of every kind against M (half-masked) and noise σ',
  description: [
    'Memories: M images drawn at random (per trial) from MNIST (default: the embedded mnist-package digits; or',
    '--data an idx folder / images file) or CIFAR-10 (--dataset cifar --data a batch file or folder). Every memory is',
    'queried once: with the lower half of the image set to 0 (capacity sweep, M from --m-values) or with Gaussian',
    'noise of standard deviation σ added to every pixel (noise sweep, σ from --noise, M = --noise-m). A query is',
    'retrieved when ‖x̂ − ξ‖² / ‖ξ‖² < --threshold (the paper\'s relative sum-of-squares error, 20 %); x̂ is the',
    'association weights applied to the raw memories. Success rates are mean ± std over --trials draws; every kind',
    'sees the same memories, queries and noise. The "mean image" row answers every query with the average memory.',
    '',
    'Kind defaults: topk and random keep k = 20 % of M (--k); window half-width ⌈√M/2⌉ (--window) with query i at',
    'position i, so its window always holds the target unless --shuffle-queries; prf 256 orthogonal random features',
    '(--features); entmax α = 1.5 (--alpha); topk reading renormalized (--reading).',
    '',
    'About β: scores are β·⟨x, ξ⟩. On raw [0, 1] pixels the paper\'s β = 0.01 (MNIST) leaves the softmax nearly',
    'uniform, so dense returns about the mean image and fails everywhere; and since a brighter digit can have a',
    'larger dot product with ξ than ξ itself, no β retrieves every stored MNIST digit from raw dot products.',
    '--normalize unit (cosine scores) or center (correlation) with β ≈ 10–30 makes retrieval meaningful. On CIFAR-10',
    'the mean image already passes the 20 % relative error for most queries: use --error centered to divide by',
    '‖ξ − ξ̄‖² instead (ξ̄ the memory set\'s mean image), so a success has to beat the average.',
    '',
    'Examples:',
    '  hopgrad retrieve --trials 3 --normalize unit --beta 10',
    '  hopgrad retrieve --dataset cifar --data ../shared/data/cifar10/data_batch_first1000.bin.gz --kind dense,sparsemax,topk',
  ].join('\n'),
  flags: {
    dataset: { type: 'string', meta: 'NAME', choices: ['mnist', 'cifar'], default: 'mnist', help: 'memories: mnist or cifar (CIFAR-10, needs --data)' },
    data: { ...COMMON.data, help: 'MNIST idx folder or images file, or CIFAR-10 batch file or folder (default: the embedded MNIST digits)' },
    out: COMMON.out,
    seed: COMMON.seed,
    kind: { type: 'string', meta: 'K,…', list: true, choices: KINDS, default: [...KINDS], help: 'association kinds to compare' },
    sweep: { type: 'string', meta: 'S,…', list: true, choices: SWEEPS, default: [...SWEEPS], help: 'capacity (half-masked, against M) and/or noise (against σ)' },
    mValues: { type: 'int', meta: 'M,…', list: true, min: 2, default: [...PAPER_M], help: 'capacity sweep: numbers of memories' },
    noise: { type: 'number', meta: 'σ,…', list: true, min: 0, default: [...PAPER_NOISE], help: 'noise sweep: noise standard deviations' },
    noiseM: { type: 'int', meta: 'M', min: 2, default: D.noiseM, help: 'noise sweep: number of memories' },
    beta: { type: 'number', meta: 'X', validate: positive, help: 'inverse temperature β (default: the paper\'s, 0.01 mnist, 0.1 cifar)' },
    normalize: { type: 'string', meta: 'HOW', choices: NORMALIZATIONS, default: D.normalize, help: 'patterns before scoring: none (raw pixels), unit (L2 norm 1), center (minus own mean, then unit)' },
    steps: { type: 'int', meta: 'N', min: 1, default: D.steps, help: 'update steps x ← T(x)' },
    trials: { type: 'int', meta: 'N', min: 1, default: D.trials, help: 'random memory sets (and noise) per configuration' },
    threshold: { type: 'number', meta: 'X', validate: positive, default: D.threshold, help: 'success when the error is below this' },
    error: { type: 'string', meta: 'E', choices: ERROR_MEASURES, default: D.error, help: 'relative: ‖x̂−ξ‖²/‖ξ‖²; centered: ‖x̂−ξ‖²/‖ξ−ξ̄‖²' },
    k: { type: 'number', meta: 'K', validate: positive, default: D.k, help: 'topk / random: kept memories, a fraction in (0, 1) of M or a count' },
    window: { type: 'int', meta: 'W', min: 0, help: 'window: half-width (default ⌈√M/2⌉)' },
    features: { type: 'int', meta: 'N', min: 1, default: D.features, help: 'prf: random features' },
    alpha: { type: 'number', meta: 'A', default: D.alpha, validate: (v) => (typeof v === 'number' && v > 1 && v <= 2 ? undefined : `must be in (1, 2], got ${String(v)}`), help: 'entmax: α' },
    reading: { type: 'string', meta: 'R', choices: ['renormalized', 'paper'], default: D.reading, help: 'topk: renormalized over the kept K, or (3.9) read literally' },
    clip: { type: 'boolean', help: 'clip noisy queries to [0, 1]' },
    shuffleQueries: { type: 'boolean', help: 'present the queries in random order (the window then no longer sits on the target)' },
  },
  async run(ctx) {
    const f = ctx.flags;
    const config = resolveRetrievalConfig({
      dataset: f.dataset, data: f.data === undefined ? undefined : nodePath.resolve(ctx.cwd, f.data), kinds: f.kind, sweeps: f.sweep,
      mValues: f.mValues, noise: f.noise, noiseM: f.noiseM, beta: f.beta, normalize: f.normalize, steps: f.steps, trials: f.trials, seed: f.seed,
      threshold: f.threshold, error: f.error, k: f.k, window: f.window, features: f.features, alpha: f.alpha, reading: f.reading,
      clip: f.clip, shuffleQueries: f.shuffleQueries,
    });
    const pool = loadRetrievalPool(config);
    ctx.info(`retrieve: ${pool.count} images of ${pool.dim} values from ${pool.source}; β = ${config.beta}, normalize ${config.normalize}`);
    const total = retrievalPoints(config).length * config.trials * config.kinds.length;
    const bar = ctx.progress(total, 'retrieve', { unit: 'retrievals' });
    const result = await runRetrievalOn(pool, config, {
      progress: (done, _total, status) => bar.update(done, { at: status }),
      shouldStop: () => ctx.interrupt.requested,
      log: (line) => ctx.info(line),
    });
    bar.finish();
    const dir = ctx.runDir();
    const { results, timing } = splitTiming(result);
    await dir.writeJson(results);
    await dir.writeJson(timing, 'timing.json');
    for (const p of retrievalPlots(result)) await dir.writeSvg(p.name, p.svg);
    for (const line of retrievalSummary(result)) ctx.print(line);
    ctx.print('');
    const perKind = Object.entries(timing.perKind).map(([k, t]) => `${k} ${t.toFixed(1)}`).join(', ');
    ctx.print(`Results (${timing.seconds.toFixed(1)} s; seconds per kind: ${perKind}):`);
    for (const line of dir.summary(ctx.cwd)) ctx.print(line);
    if (!result.complete) ctx.interrupt.stopIfRequested(`stopped by Ctrl-C; the finished trials are in ${dir.path}`);
  },
});
