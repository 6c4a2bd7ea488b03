// `hopgrad forecast` end to end on the real ETTh1 file (tiny settings: horizon 24, a few strided windows, a
// small model): results, plots and checkpoint; Ctrl-C after an epoch then --resume gives exactly the results
// of an uninterrupted run; --help and the errors (unknown column, horizon off the paper's grid, missing file).
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type CliIO, runCli } from '../src/cli/main.js';
import type { SignalTarget } from '../src/cli/progress.js';
import { patchStarts } from '../src/experiments/forecast-model.js';
import { paperTable6 } from '../src/experiments/forecast.js';
import { loadTimeSeriesCsv } from '../src/node/datasets.js';

const root = resolve(import.meta.dirname, '..');
const ett = resolve(root, '../shared/data/ett/ETTh1.csv');
const tiny = ['--data', ett, '--horizon', '24', '--any-horizon', '--stride', '48', '--eval-stride', '12', '--hidden', '16', '--patch', '8', '--batch-size', '64'];

/** A captured stream that can react to what is written. */
function sink(onWrite?: (text: string) => void): { text: string; write(s: string): boolean; isTTY: boolean } {
  return { text: '', isTTY: false, write(s: string) { this.text += s; onWrite?.(this.text); return true; } };
}

async function cli(argv: string[], io: Partial<CliIO> = {}, onErr?: (text: string) => void) {
  const stdout = sink();
  const stderr = sink(onErr);
  const code = await runCli(['forecast', ...argv], { stdout, stderr, signals: null, cwd: root, ...io });
  return { code, out: stdout.text, err: stderr.text };
}

const results = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as {
  history: { epoch: number; valMse: number; testMse: number; testMae: number }[];
  best: { epoch: number; testMse: number; testMae: number; forecast: { window: number; truth: number[]; prediction: number[]; input: number[] } };
  baselines: { lastValue: { mse: number } }; epochsDone: number; stopped: boolean; windows: { train: number; val: number; test: number }; paper: unknown;
};

describe('hopgrad forecast', () => {
  it('trains on ETTh1, reports test MSE/MAE at the best validation epoch, and resumes after Ctrl-C to identical results', async () => {
    const full = mkdtempSync(join(tmpdir(), 'hopgrad-fc-'));
    const r = await cli([...tiny, '--epochs', '2', '--out', full]);
    expect(r.err).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const a = results(full);
    expect(a.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(a.windows.train).toBe(Math.floor((12194 - 48) / 48) + 1);
    expect(a.best.epoch).toBe(a.history.reduce((b, h) => (h.valMse < b.valMse ? h : b)).epoch);
    // a real forecast: well below the variance of the standardized series (≈ 1) on the test split
    expect(a.best.testMse).toBeGreaterThan(0);
    expect(a.best.testMse).toBeLessThan(0.3);
    expect(a.best.forecast.prediction).toHaveLength(24);
    // the plotted window is the right slice of the test part, standardized with the training part's mean / std
    const v = loadTimeSeriesCsv(ett, { column: 'OT' }).values;
    const nTrain = Math.floor(v.length * 0.7);
    const testStart = v.length - Math.floor(v.length * 0.2);
    const mean = v.subarray(0, nTrain).reduce((s, x) => s + x, 0) / nTrain;
    const std = Math.sqrt(v.subarray(0, nTrain).reduce((s, x) => s + (x - mean) ** 2, 0) / nTrain);
    const w = a.best.forecast.window;
    expect(w).toBe(Math.floor(a.windows.test / 2));
    a.best.forecast.truth.forEach((t, i) => expect(t).toBeCloseTo((v[testStart + 12 * w + i]! - mean) / std, 5));
    a.best.forecast.input.forEach((t, i) => expect(t).toBeCloseTo((v[testStart - 24 + 12 * w + i]! - mean) / std, 5));
    // the naive last-value baseline over the same test windows, by hand
    let se = 0;
    for (let j = 0; j < a.windows.test; j++) {
      const last = v[testStart - 1 + 12 * j]!;
      for (let i = 0; i < 24; i++) se += ((v[testStart + 12 * j + i]! - last) / std) ** 2;
    }
    expect(a.baselines.lastValue.mse).toBeCloseTo(se / (a.windows.test * 24), 10);
    expect(r.out).toMatch(/naive: repeat the last input value/);
    expect(a.paper).toBeNull();
    for (const f of ['results.json', 'timing.json', 'curves.svg', 'forecast.svg', 'checkpoint.safetensors']) expect(existsSync(join(full, f))).toBe(true);
    expect(readFileSync(join(full, 'forecast.svg'), 'utf8')).toMatch(/^<svg[^]*forecast[^]*truth/);
    expect(r.out).toMatch(/test MSE/);

    // interrupt once epoch 1 is reported: the run checkpoints epoch 1 and exits 130
    const part = mkdtempSync(join(tmpdir(), 'hopgrad-fc-'));
    let fire: (() => void) | undefined;
    const signals: SignalTarget = { on: (_e, l) => { fire = l; }, off: () => undefined };
    let fired = false;
    const s = await cli([...tiny, '--epochs', '2', '--out', part], { signals }, (text) => {
      if (!fired && text.includes('epoch 1/2:')) { fired = true; fire!(); }
    });
    expect(s.code).toBe(130);
    expect(s.err).toMatch(/stopped after epoch 1; continue with: hopgrad forecast --resume/);
    expect(results(part).history).toHaveLength(1);
    const t = await cli(['--resume', part]);
    expect(t.code).toBe(0);
    const b = results(part);
    expect(b.history).toEqual(a.history);
    expect(b.best).toEqual(a.best);
  }, 60_000);

  it('prints --help with the flags', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const f of ['--data', '--column', '--horizon', '--kind', '--epochs', '--resume', '--seed', '--out']) expect(r.out).toContain(f);
  });

  it('names the available columns for an unknown column', async () => {
    const r = await cli(['--data', ett, '--column', 'TEMP', '--out', mkdtempSync(join(tmpdir(), 'hopgrad-fc-'))]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no column 'TEMP'; its columns are 'date', 'HUFL', 'HULL', 'MUFL', 'MULL', 'LUFL', 'LULL', 'OT'/);
  });

  it('refuses a horizon off the paper grid unless --any-horizon, and a missing file', async () => {
    const h = await cli(['--data', ett, '--horizon', '100']);
    expect(h.code).toBe(2);
    expect(h.err).toMatch(/--horizon must be one of 96, 192, 336, 720/);
    const m = await cli(['--data', 'no/such/ETTh1.csv']);
    expect(m.code).toBe(2);
    expect(m.err).toMatch(/--data: no such file 'no\/such\/ETTh1.csv'/);
    const n = await cli([]);
    expect(n.code).toBe(2);
    expect(n.err).toMatch(/--data is required/);
    const k = await cli(['--data', ett, '--kind', 'softmax']);
    expect(k.code).toBe(2);
    expect(k.err).toMatch(/--kind must be one of dense, sparsemax/);
  });
});

describe('forecast pieces', () => {
  it('covers the input with patches, the last one ending at L', () => {
    expect(patchStarts(96, 16, 8)).toEqual([0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80]);
    expect(patchStarts(24, 16, 8)).toEqual([0, 8]);
    expect(patchStarts(30, 16, 8)).toEqual([0, 8, 14]);
    expect(patchStarts(5, 1, 1)).toEqual([0, 1, 2, 3, 4]);
    expect(() => patchStarts(8, 16, 8)).toThrow(/patch length must be an integer in \[1, 8\], got 16/);
  });

  it('maps kinds to the paper Table 6 ETTh1 columns', () => {
    expect(paperTable6('dense', undefined, 96)).toEqual({ column: 'Dense', mse: 0.137, mae: 0.307 });
    expect(paperTable6('topk', 0.5, 336)).toEqual({ column: 'Top50%', mse: 0.122, mae: 0.286 });
    expect(paperTable6('prf', undefined, 720)).toEqual({ column: 'RF', mse: 0.141, mae: 0.271 });
    expect(paperTable6('topk', 0.3, 96)).toBeNull();
    expect(paperTable6('entmax', undefined, 96)).toBeNull();
    expect(paperTable6('dense', undefined, 24)).toBeNull();
  });
});
