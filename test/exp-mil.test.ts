// `hopgrad mil` and its parts: ROC-AUC against hand-computed values and a brute-force pair count / trapezoid
// (ties included), MNIST-bag generation properties (positives hold the target, negatives do not, balanced,
// seeded), padding with a key mask equals each bag alone, the CSV fold helpers, and the real CLI on tiny
// configurations (embedded MNIST digits, the MNIST idx subset, musk1 k-fold): results, plots, checkpoints,
// --stop-after / Ctrl-C + --resume giving exactly the uninterrupted results, --help and the errors.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type CliIO, runCli } from '../src/cli/main.js';
import type { SignalTarget } from '../src/cli/progress.js';
import { Generator } from '../src/tensor/random.js';
import { bceOfLogits, binaryAccuracy, rocAuc } from '../src/experiments/metrics.js';
import { bagBatch, groupBySize, makeDigitBags, standardizedBags, stratifiedHoldout } from '../src/experiments/mil-bags.js';
import { MilNet, bagLogits } from '../src/experiments/mil-model.js';
import { selectEpoch } from '../src/experiments/mil.js';
import type { EpochRecord } from '../src/experiments/mil-train.js';
import { loadMilCsv } from '../src/node/datasets.js';

const root = resolve(import.meta.dirname, '..');
const data = resolve(root, '../shared/data');
const musk1 = join(data, 'mil/musk1.csv');
const seedOpt = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {};

/** A captured stream that can react to what is written. */
function sink(onWrite?: (text: string) => void): { text: string; write(s: string): boolean; isTTY: boolean } {
  return { text: '', isTTY: false, write(s: string) { this.text += s; onWrite?.(this.text); return true; } };
}
async function cli(argv: string[], io: Partial<CliIO> = {}, onOut?: (text: string) => void) {
  const stdout = sink(onOut);
  const stderr = sink();
  const code = await runCli(['mil', ...argv], { stdout, stderr, signals: null, cwd: root, ...io });
  return { code, out: stdout.text, err: stderr.text };
}
const tmp = (): string => mkdtempSync(join(tmpdir(), 'hopgrad-mil-'));
const results = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Record<string, unknown> & {
  complete: boolean; kinds: { kind: string; history?: EpochRecord[]; folds?: { fold: number; testAuc: number | null; history: EpochRecord[] }[] }[];
};
/** A tiny MNIST-bags run: 12 / 8 bags of 4 digits, a 16-wide model. */
const tinyMnist = ['--train-bags', '12', '--test-bags', '8', '--bag-size', '4', '--batch-size', '4', '--embed', '16', '--head-dim', '4', '-q'];
const tinyCsv = ['--data', musk1, '--folds', '2', '--embed', '16', '--head-dim', '4', '--batch-size', '16', '-q'];

/** Brute force: P(score⁺ > score⁻) + ½ P(tie) over all pairs. */
function pairAuc(labels: number[], scores: number[]): number {
  let s = 0;
  let n = 0;
  labels.forEach((yi, i) => labels.forEach((yj, j) => {
    if (yi !== 1 || yj !== 0) return;
    n++;
    s += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
  }));
  return s / n;
}
/** Trapezoidal area under the ROC curve swept over distinct thresholds (tied scores move diagonally). */
function trapezoidAuc(labels: number[], scores: number[]): number {
  const P = labels.filter((y) => y === 1).length;
  const N = labels.length - P;
  const thresholds = [...new Set(scores)].sort((a, b) => b - a);
  let area = 0;
  let tp = 0;
  let fp = 0;
  for (const t of thresholds) {
    const dtp = labels.filter((y, i) => y === 1 && scores[i] === t).length;
    const dfp = labels.filter((y, i) => y === 0 && scores[i] === t).length;
    area += ((dfp / N) * (tp / P + (tp + dtp) / P)) / 2;
    tp += dtp;
    fp += dfp;
  }
  return area;
}

describe('metrics', () => {
  it('rocAuc matches hand-computed values, ties counting ½', () => {
    expect(rocAuc([1, 0, 1, 0], [0.9, 0.1, 0.4, 0.4])).toBe(0.875); // pairs: 1, 1, 1, ½ of 4
    expect(rocAuc([0, 0, 1, 1], [1, 2, 3, 4])).toBe(1);
    expect(rocAuc([1, 1, 0, 0], [1, 2, 3, 4])).toBe(0);
    expect(rocAuc([1, 0, 1, 0, 0], [5, 5, 5, 5, 5])).toBe(0.5);
    expect(rocAuc([1, 0, 0], [0.3, 0.3, 0.1])).toBe(0.75); // (½ + 1) / 2
  });

  it('rocAuc equals the pair count and the trapezoidal ROC area (property, many ties)', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 4 })), { minLength: 2, maxLength: 30 })
        .filter((p) => p.some(([y]) => y === 1) && p.some(([y]) => y === 0)),
      (pairs) => {
        const y = pairs.map(([l]) => l);
        const s = pairs.map(([, v]) => v);
        const auc = rocAuc(y, s);
        expect(auc).toBeCloseTo(pairAuc(y, s), 12);
        expect(auc).toBeCloseTo(trapezoidAuc(y, s), 12);
      },
    ), { numRuns: 200, ...seedOpt });
  });

  it('accuracy and BCE of logits, and clear errors', () => {
    expect(binaryAccuracy([1, 0, 1, 0], [2, -1, -0.5, 0])).toBe(0.75); // score > 0 ⇔ 1: right, right, wrong, right
    expect(bceOfLogits([1, 0], [0, 0])).toBeCloseTo(Math.log(2), 12);
    expect(bceOfLogits([1], [40])).toBeCloseTo(Math.log1p(Math.exp(-40)), 20);
    expect(() => rocAuc([1, 1], [0.1, 0.2])).toThrow(/rocAuc: needs both classes, got 2 positive\(s\) and 0 negative\(s\)/);
    expect(() => rocAuc([1, 0], [0.1])).toThrow(/labels has 2 entries but scores has 1/);
    expect(() => rocAuc([2, 0], [0.1, 0.2])).toThrow(/labels\[0\] is 2/);
    expect(() => rocAuc([1, 0], [NaN, 0.2])).toThrow(/scores\[0\] is NaN/);
  });
});

/** A synthetic labelled pool: `n` items of classes 0..9 (item i has class i % 10), 3 features. */
function pool(n: number) {
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  const images = Float32Array.from({ length: n * 3 }, (_, j) => Math.floor(j / 3) + (j % 3) / 10);
  return { images, labels, count: n };
}

describe('MNIST bags', () => {
  it('positives hold exactly posPerBag targets, negatives none; balanced; distinct rows; seeded (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 9 }), fc.integer({ min: 2, max: 40 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 3 }),
      fc.constantFrom(0, 0, 2.5), fc.integer({ min: 0, max: 1000 }),
      (target, count, bagSize, pos, std, seed) => {
        fc.pre(pos <= bagSize);
        const set = pool(60);
        const opts = { target, count, bagSize, bagSizeStd: std, posPerBag: pos, seed };
        const b = makeDigitBags(set, opts);
        expect(b.bags).toHaveLength(count);
        expect(b.labels.reduce((a, y) => a + y, 0)).toBe(Math.floor(count / 2));
        b.bags.forEach((rows, i) => {
          const hits = Array.from(rows).filter((r) => set.labels[r] === target).length;
          expect(hits).toBe(b.labels[i] === 1 ? pos : 0);
          expect(new Set(rows).size).toBe(rows.length);
          if (std === 0) expect(rows.length).toBe(bagSize);
          else expect(rows.length).toBeGreaterThanOrEqual(Math.max(1, b.labels[i] === 1 ? pos : 1));
        });
        expect(b.pool).toBe(set.images);
        const again = makeDigitBags(set, opts);
        expect(again.bags).toEqual(b.bags);
        expect(again.labels).toEqual(b.labels);
      },
    ), { numRuns: 60, ...seedOpt });
  });

  it('different seeds give different bags; variable sizes vary; bad options are named', () => {
    const set = pool(100);
    const a = makeDigitBags(set, { target: 9, count: 20, bagSize: 5, seed: 1 });
    const b = makeDigitBags(set, { target: 9, count: 20, bagSize: 5, seed: 2 });
    expect(a.bags).not.toEqual(b.bags);
    const v = makeDigitBags(set, { target: 9, count: 50, bagSize: 8, bagSizeStd: 3, seed: 1 });
    expect(new Set(v.bags.map((r) => r.length)).size).toBeGreaterThan(3);
    expect(() => makeDigitBags(set, { target: 9, count: 4, bagSize: 3, posPerBag: 4, seed: 0 })).toThrow(/posPerBag must be an integer in \[1, bagSize = 3\]/);
    expect(() => makeDigitBags(pool(9), { target: 9, count: 4, bagSize: 3, seed: 0 })).toThrow(/holds 0 instance\(s\) of target 9/);
    expect(() => makeDigitBags(set, { target: 9, count: 4, bagSize: 95, seed: 0 })).toThrow(/a bag of 95 needs 94 non-target instances, but the set holds only 90/);
  });

  it('padded batches carry a mask, and every kind gives each bag the logit it gets alone', () => {
    const set = pool(60);
    const bags = makeDigitBags(set, { target: 3, count: 6, bagSize: 4, bagSizeStd: 2, seed: 5 });
    const sizes = bags.bags.map((r) => r.length);
    const idx = [0, 1, 2, 3, 4, 5];
    const batch = bagBatch(bags, idx);
    const m = Math.max(...sizes);
    expect(batch.x.shape).toEqual([6, m, 3]);
    expect(Array.from(batch.mask!.dataSync())).toEqual(sizes.flatMap((s) => Array.from({ length: m }, (_, j) => (j < s ? 0 : 1))));
    expect(groupBySize(bags, idx).flat().sort()).toEqual(idx);
    for (const kind of ['dense', 'sparsemax', 'entmax', 'topk', 'linear', 'prf'] as const) {
      const net = new MilNet({ inputSize: 3, embedSize: 8, numHeads: 2, headDim: 4, quantity: 2, beta: 0.5, association: kind === 'topk' ? { kind, k: 0.5 } : { kind }, generator: new Generator(1) });
      const all = bagLogits(net, bags, idx);
      const got = new Map(Array.from(all.order, (b, i) => [b, all.logits.dataSync()[i]!]));
      for (const b of idx) expect(got.get(b), `${kind} bag ${b}`).toBeCloseTo(bagLogits(net, bags, [b]).logits.item(), 5);
    }
    expect(() => new MilNet({ inputSize: 3, embedSize: 8, numHeads: 2, headDim: 4, quantity: 2, beta: 0.5, association: { kind: 'linear' } }).forward(batch.x, batch.mask))
      .toThrow(/kind 'linear' cannot take a padding mask/);
  });
});

describe('MIL CSV folds', () => {
  it('standardizes on the fitted bags, holds out a stratified validation part, picks the epoch by validation AUC', () => {
    const ds = loadMilCsv(musk1);
    const fit = Int32Array.from({ length: 40 }, (_, i) => i * 2);
    const s = standardizedBags(ds, fit);
    const rows = Array.from(fit).flatMap((b) => Array.from(s.bags[b]!));
    for (const j of [0, 17, 165]) {
      const v = rows.map((r) => s.pool[r * ds.features + j]!);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      expect(mean).toBeCloseTo(0, 4);
      expect(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length).toBeCloseTo(1, 3);
    }
    const idx = Int32Array.from({ length: 92 }, (_, i) => i);
    const h = stratifiedHoldout(ds.labels, idx, 0.1, new Generator(3));
    expect(h.train.length + h.val.length).toBe(92);
    expect(Array.from(h.val).filter((i) => ds.labels[i] === 1).length).toBe(5); // round(0.1 · 47)
    expect(Array.from(h.val).filter((i) => ds.labels[i] === 0).length).toBe(5); // round(0.1 · 45) = 5 (4.5 rounds up)
    const rec = (epoch: number, valAuc: number, valLoss: number): EpochRecord =>
      ({ epoch, lr: 0, trainLoss: 0, trainAccuracy: 0, testLoss: 0, testAccuracy: 0, testAuc: epoch / 10, valAuc, valLoss, valAccuracy: 0 });
    expect(selectEpoch([rec(1, 0.5, 1), rec(2, 0.9, 0.7), rec(3, 0.9, 0.6), rec(4, 0.8, 0.1)])!.epoch).toBe(3);
  });
});

describe('hopgrad mil', () => {
  it('trains on MNIST bags, prints a row per epoch, writes results and plots; --stop-after + --resume equals a straight run', async () => {
    const full = tmp();
    const r = await cli([...tinyMnist, '--kind', 'dense,sparsemax', '--epochs', '2', '--out', full]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/kind\s+epoch\s+train loss\s+train acc\s+test loss\s+test acc/);
    expect(r.out.match(/^(dense|sparsemax)\s+\d\s+\d+\.\d{4}\s/gm)).toHaveLength(4);
    const a = results(full);
    expect(a.complete).toBe(true);
    expect(a.kinds.map((k) => [k.kind, k.history!.length])).toEqual([['dense', 2], ['sparsemax', 2]]);
    for (const f of ['results.json', 'timing.json', 'test-accuracy.svg', 'loss.svg', 'checkpoint.safetensors']) expect(existsSync(join(full, f))).toBe(true);
    expect(readFileSync(join(full, 'test-accuracy.svg'), 'utf8')).toMatch(/^<svg[^]*data-name="dense"[^]*data-name="sparsemax"/);

    const part = tmp();
    const s = await cli([...tinyMnist, '--kind', 'dense,sparsemax', '--epochs', '2', '--stop-after', '3', '--out', part]);
    expect(s.code).toBe(0);
    expect(results(part).complete).toBe(false);
    const t = await cli(['--resume', part, '-q']);
    expect(t.code).toBe(0);
    expect(readFileSync(join(part, 'results.json'), 'utf8')).toBe(readFileSync(join(full, 'results.json'), 'utf8'));
  });

  it('Ctrl-C after an epoch exits 130 with the checkpoint of that epoch; --resume then ends as the straight run', async () => {
    const full = tmp();
    expect((await cli([...tinyMnist, '--epochs', '3', '--seed', '4', '--out', full])).code).toBe(0);
    const part = tmp();
    let fire: (() => void) | undefined;
    const signals: SignalTarget = { on: (_e, l) => { fire = l; }, off: () => undefined };
    let fired = false;
    const s = await cli([...tinyMnist, '--epochs', '3', '--seed', '4', '--out', part], { signals }, (text) => {
      if (!fired && /^dense\s+1\s/m.test(text)) {
        fired = true;
        fire!();
      }
    });
    expect(s.code).toBe(130);
    expect(s.err).toMatch(/stopped at the last finished epoch; continue with: hopgrad mil --resume/);
    expect(results(part).kinds[0]!.history!.map((h) => h.epoch)).toEqual([1]);
    const t = await cli(['--resume', part, '-q']);
    expect(t.code).toBe(0);
    expect(readFileSync(join(part, 'results.json'), 'utf8')).toBe(readFileSync(join(full, 'results.json'), 'utf8'));
  });

  it('runs on the MNIST idx subset (train / t10k pools) with variable bag sizes', async () => {
    const out = tmp();
    const r = await cli([...tinyMnist, '--data', join(data, 'mnist/subset'), '--bag-size-std', '1.5', '--epochs', '1', '--out', out]);
    expect(r.code).toBe(0);
    const res = results(out) as unknown as { data: { trainPool: number; testPool: number; source: string } };
    expect([res.data.trainPool, res.data.testPool]).toEqual([10000, 2000]);
  });

  it('cross-validates musk1 with ROC-AUC per fold (two kinds) and resumes mid-way to identical results', async () => {
    const full = tmp();
    const r = await cli([...tinyCsv, '--kind', 'dense,linear', '--epochs', '2', '--out', full]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/musk1\.csv: test ROC-AUC[^]*dense\s+2\s+0\.\d{3} ± 0\.\d{3}[^]*linear\s+2\s/);
    const a = results(full);
    expect(a.kinds.map((k) => k.folds!.map((f) => f.fold))).toEqual([[0, 1], [0, 1]]);
    for (const k of a.kinds) for (const f of k.folds!) expect(f.testAuc).toBeGreaterThanOrEqual(0);
    expect(existsSync(join(full, 'auc.svg'))).toBe(true);
    const part = tmp();
    expect((await cli([...tinyCsv, '--kind', 'dense,linear', '--epochs', '2', '--stop-after', '5', '--out', part])).code).toBe(0);
    expect((await cli(['--resume', part, '-q'])).code).toBe(0);
    expect(readFileSync(join(part, 'results.json'), 'utf8')).toBe(readFileSync(join(full, 'results.json'), 'utf8'));
  });

  it('--help, and clear errors for bad flags, values and files', async () => {
    const h = await cli(['--help']);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/Usage: hopgrad mil[^]*--bag-size N[^]*--folds N[^]*--resume DIR/);
    const cases: [string[], number, RegExp][] = [
      [['--kind', 'softmax'], 2, /--kind must be one of dense, sparsemax/],
      [['--data', musk1, '--bag-size', '5'], 2, /--bag-size applies to MNIST bags, not to a MIL CSV/],
      [['--folds', '3'], 2, /--folds applies to a MIL CSV/],
      [['--alpha', '1.2'], 2, /--alpha applies to kind entmax, which --kind does not list/],
      [['--data', join(data, 'nope.csv')], 2, /--data: no such file or folder/],
      [['--bag-size', '3', '--pos-per-bag', '4'], 1, /posPerBag must be an integer in \[1, bagSize = 3\]/],
      [['--lr', '0'], 1, /lr must be a number > 0, got 0/],
      [['--resume', data], 2, /--resume: no checkpoint\.safetensors in/],
    ];
    for (const [argv, code, msg] of cases) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(code);
      expect(r.err, argv.join(' ')).toMatch(msg);
    }
  });
});
