// `hopgrad efficiency`: the multiply-add counter is exact (known matmuls, and one Hopfield layer against its
// closed form), the log-log slope fit recovers synthetic power laws on the upper half of the range, every
// kind is measured, and the CLI smoke run (L up to 256) writes the table, plots and results, skipping what
// exceeds the memory cap.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getBackend, listBackends, randn, matmul, Generator } from '../src/index.js';
import { runCli } from '../src/cli/main.js';
import { KINDS } from '../src/hopfield/retrieve.js';
import { countOps, fitLogLogSlope, runEfficiency, scoreWidth, type EfficiencyConfig } from '../src/experiments/efficiency.js';

const root = resolve(import.meta.dirname, '..');
const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

function sink(): { text: string; write(s: string): boolean; isTTY: boolean } {
  return { text: '', isTTY: false, write(s: string) { this.text += s; return true; } };
}

const base: EfficiencyConfig = {
  kinds: KINDS, lengths: [16, 32], batch: 4, dim: 16, heads: 4, topkK: 0.2, randomK: 8, warmup: 0, repeats: 1,
  minSampleMs: 0, maxDenseElements: 2 ** 27, maxCallMs: Infinity, seed: 0,
};

describe('multiply-add counter', () => {
  it('counts a known matmul exactly, broadcast batches included, and restores the backend', () => {
    const g = new Generator(1);
    const before = getBackend();
    const a = countOps(() => matmul(randn([2, 3, 4], { generator: g }), randn([4, 5], { generator: g })));
    expect(a.counts.macs).toBe(2 * 3 * 4 * 5);
    expect(a.counts.calls.matmul).toBe(1);
    const b = countOps(() => matmul(randn([3, 1, 2, 7], { generator: g }), randn([5, 7, 6], { generator: g })));
    expect(b.counts.macs).toBe(3 * 5 * 2 * 7 * 6);
    expect(getBackend()).toBe(before);
    // the result is the real product (the counter forwards to the real kernels)
    const x = randn([3, 4], { generator: g });
    const y = randn([4, 2], { generator: g });
    expect(Array.from(countOps(() => matmul(x, y)).result.dataSync())).toEqual(Array.from(matmul(x, y).dataSync()));
    expect(listBackends()).toContain('hopgrad-efficiency-counter');
  });

  it('counts one Hopfield layer per kind exactly as its closed form (dense, linear)', () => {
    const r = runEfficiency({ ...base, lengths: [16, 32] });
    expect(r.rows).toHaveLength(KINDS.length * 2);
    for (const row of r.rows) {
      expect(row.skipped).toBeNull();
      expect(row.timeMs).toBeGreaterThan(0);
      expect(row.macs).toBeGreaterThan(0);
    }
    // projections W_Q, W_K, W_V, W_O: 4·B·L·16·16; dense: scores and readout B·H·L·L·4 each
    const at = (kind: string, l: number) => r.rows.find((x) => x.kind === kind && x.L === l)!;
    for (const l of [16, 32]) {
      expect(at('dense', l).macs).toBe(4 * 4 * l * 256 + 2 * 4 * 4 * l * l * 4);
      expect(at('sparsemax', l).macs).toBe(at('dense', l).macs);
      // linear: φ(K)ᵀV and φ(Q)(φ(K)ᵀV), B·H·L·4·4 multiply-adds each (its normalizer is elementwise)
      expect(at('linear', l).macs).toBe(4 * 4 * l * 256 + 2 * 4 * 4 * l * 4 * 4);
    }
    expect(at('linear', 32).macs).toBe(2 * at('linear', 16).macs!);
    expect(at('random', 32).macs).toBe(2 * at('random', 16).macs!);
    expect(r.slopes.dense!.macs!.slope).toBeGreaterThan(1.3);
    expect(r.slopes.linear!.macs!.slope).toBeCloseTo(1, 10);
  });
});

describe('log-log slope fit', () => {
  it('recovers c·L^a exactly on the paper grid', () => {
    const xs = [24, 48, 96, 192, 336, 720, 1440, 2880];
    const fit = fitLogLogSlope(xs, xs.map((x) => 3 * x ** 1.5))!;
    expect(fit.slope).toBeCloseTo(1.5, 10);
    expect(Math.exp(fit.intercept)).toBeCloseTo(3, 8);
    expect([fit.from, fit.to, fit.points]).toEqual([336, 2880, 4]);
  });

  it('recovers any power law and ignores the lower half of the range', () => {
    fc.assert(fc.property(
      fc.double({ min: 0.25, max: 3, noNaN: true }), fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
      fc.uniqueArray(fc.integer({ min: 2, max: 20000 }), { minLength: 4, maxLength: 12 }),
      (a, c, xs) => {
        const fit = fitLogLogSlope(xs, xs.map((x) => c * x ** a));
        expect(fit).not.toBeNull();
        expect(fit!.slope).toBeCloseTo(a, 6);
        // a different law below the geometric midpoint does not change the fit (when ≥ 2 points lie above it;
        // otherwise the fit falls back to the last two points)
        const mid = Math.sqrt(Math.min(...xs) * Math.max(...xs));
        if (xs.filter((x) => x >= mid).length < 2) return;
        const bent = fitLogLogSlope(xs, xs.map((x) => (x < mid ? 7 * x ** 0.1 : c * x ** a)));
        expect(bent!.slope).toBeCloseTo(a, 6);
      },
    ), { numRuns: 60, ...seed });
  });

  it('falls back to the last two points when the upper half holds one', () => {
    const fit = fitLogLogSlope([1, 2, 1000], [1, 4, 1e6])!;
    expect([fit.from, fit.to, fit.points]).toEqual([2, 1000, 2]);
    expect(fit.slope).toBeCloseTo(2, 10);
  });

  it('needs two points', () => {
    expect(fitLogLogSlope([10], [5])).toBeNull();
    expect(fitLogLogSlope([], [])).toBeNull();
    expect(() => fitLogLogSlope([1, 2], [1])).toThrow(/x has 2 values but y has 1/);
  });

  it('knows each kind\'s score width', () => {
    expect(scoreWidth('dense', 100, base)).toBe(100);
    expect(scoreWidth('random', 100, base)).toBe(8);
    expect(scoreWidth('random', 4, base)).toBe(4);
    expect(scoreWidth('window', 100, base)).toBe(11);
    expect(scoreWidth('prf', 100, base)).toBe(0);
  });
});

describe('hopgrad efficiency', () => {
  it('measures L up to 256, writes table, plots and results, and skips above the memory cap', async () => {
    const out = mkdtempSync(join(tmpdir(), 'hopgrad-eff-'));
    const stdout = sink();
    const stderr = sink();
    const code = await runCli(['efficiency', '--max-l', '256', '--kinds', 'dense,window,linear', '--repeats', '1', '--warmup', '0',
      '--min-sample-ms', '0', '--max-dense-elements', '300000', '--out', out], { stdout, stderr, signals: null, cwd: root });
    expect(stderr.text).not.toMatch(/error/);
    expect(code).toBe(0);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as EfficiencyResult;
    expect(res.rows.map((r) => r.L).filter((_, i) => i < 5)).toEqual([24, 48, 96, 192, 256]);
    expect(res.rows).toHaveLength(15);
    // dense: 4·4·L·L elements; 192² · 16 = 589,824 > 300,000 → skipped, as 256
    const dense = res.rows.filter((r) => r.kind === 'dense');
    expect(dense.map((r) => r.skipped === null)).toEqual([true, true, true, false, false]);
    expect(res.rows.filter((r) => r.kind !== 'dense').every((r) => r.skipped === null && r.macs! > 0)).toBe(true);
    expect(stdout.text).toMatch(/skipped 2 configuration\(s\)[^\n]*dense@192, dense@256/);
    expect(stdout.text).toMatch(/log-log slopes/);
    expect(res.slopes.linear!.macs!.slope).toBeCloseTo(1, 6);
    for (const f of ['results.json', 'time.svg', 'macs.svg']) expect(existsSync(join(out, f))).toBe(true);
    expect(readFileSync(join(out, 'macs.svg'), 'utf8')).toMatch(/linear \(slope 1\.00\)/);
  }, 30_000);

  it('prints --help and refuses bad values', async () => {
    const run = async (argv: string[]) => {
      const stdout = sink();
      const stderr = sink();
      const code = await runCli(['efficiency', ...argv], { stdout, stderr, signals: null, cwd: root });
      return { code, out: stdout.text, err: stderr.text };
    };
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    for (const f of ['--kinds', '--max-l', '--max-dense-elements', '--repeats']) expect(h.out).toContain(f);
    const k = await run(['--kinds', 'dense,softmax']);
    expect(k.code).toBe(2);
    expect(k.err).toMatch(/--kinds must be one of dense, sparsemax/);
    const d = await run(['--heads', '3']);
    expect(d.code).toBe(2);
    expect(d.err).toMatch(/--heads 3 must divide --dim 16/);
  });
});

type EfficiencyResult = ReturnType<typeof runEfficiency>;
