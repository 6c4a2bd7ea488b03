// Guards the benchmark against measuring the wrong thing: W1 n=256 and W2 L=M=256 computed once (untimed) through
// the bench's own code paths must give the check values of bench-workloads.md §4; plus the harness's
// call-count rules (warm-up ≥ 2 calls and ≥ 0.3 s, ≤ 10; timed ≥ 7 calls until 1.0 s or 25) and statistics.
import { describe, expect, it } from 'vitest';
import { timeCase } from '../bench/harness.js';
import { apiImpl, loadApi } from '../bench/impl-api.js';
import { kernelsImpl } from '../bench/impl-kernels.js';
import type { Impl } from '../bench/impl.js';
import { checkMatches, REFERENCE } from '../bench/reference.js';
import { toMarkdown } from '../bench/report.js';
import { summarize } from '../bench/stats.js';
import { CASES, meanAbs, outputs } from '../bench/workloads.js';

const loaded = await loadApi();
const api = 'api' in loaded ? loaded.api : null;

function checkQuickCases(impl: Impl): void {
  const quick = CASES.filter((c) => c.quick && (c.workload === 'W1' || c.workload === 'W2'));
  expect(quick.map((c) => c.id)).toEqual(['W1/n=256', 'W2/B=1,L=M=256']);
  for (const c of quick) {
    const out = c.prepare(impl)();
    const expected = REFERENCE[c.id]!.check;
    const got = meanAbs(outputs(out)[0]!);
    expect(checkMatches(got, expected), `${c.id} via ${impl.kind}: mean|out| ${got} vs ${expected}`).toBe(true);
  }
}

describe('bench check values', () => {
  it('kernels path: W1 n=256 and W2 L=256 match the reference check values', () => {
    checkQuickCases(kernelsImpl('cpu'));
  });

  it.skipIf(!api)('public API path: W1 n=256 and W2 L=256 match the reference check values', () => {
    checkQuickCases(apiImpl(api!, 'cpu'));
  });

  it('output shapes and FLOP counts follow the doc', () => {
    const impl = kernelsImpl('cpu');
    const w1 = CASES.find((c) => c.id === 'W1/n=256')!;
    const w2 = CASES.find((c) => c.id === 'W2/B=4,L=M=1024')!;
    expect(outputs(w1.prepare(impl)())[0]!.length).toBe(256 * 256);
    expect(w1.flops).toBe(2 * 256 ** 3);
    expect(w2.flops).toBe(4 * 4 * 1024 * 1024 * 64);
  });

  it('a wrong value is rejected at 1e-3 relative tolerance', () => {
    expect(checkMatches(12.7587 * 1.0005, 12.7587)).toBe(true);
    expect(checkMatches(12.7587 * 1.002, 12.7587)).toBe(false);
    expect(checkMatches(Number.NaN, 12.7587)).toBe(false);
  });
});

const busy = (ms: number) => (): Float32Array => {
  const t0 = performance.now();
  while (performance.now() - t0 < ms);
  return new Float32Array(1);
};

describe('bench harness rules', () => {
  it('fast calls: 10 warm-up calls, then 25 timed calls', async () => {
    const t = await timeCase(busy(0.01), { flops: 1e6, threads: 1, contention: false });
    expect(t.warmupCalls).toBe(10);
    expect(t.count).toBe(25);
    expect(t.times.length).toBe(25);
  });

  it('slow calls: warm-up until 0.3 s (≥ 2 calls), timed until 1.0 s (≥ 7 calls)', async () => {
    const t = await timeCase(busy(60), { flops: 2e9, threads: 1, contention: false });
    expect(t.warmupCalls).toBeGreaterThanOrEqual(2);
    expect(t.warmupMs).toBeGreaterThanOrEqual(300);
    expect(t.count).toBeGreaterThanOrEqual(7);
    const sum = t.times.reduce((a, b) => a + b, 0);
    expect(sum).toBeGreaterThanOrEqual(1000);
    expect(sum - t.times[t.times.length - 1]!).toBeLessThan(1000); // stopped as soon as 1.0 s was reached
    expect(t.gflops).toBeCloseTo(2e9 / (t.median * 1e6), 9);
    expect(t.median).toBeGreaterThanOrEqual(60);
  });

  it('summary statistics', () => {
    expect(summarize([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, mean: 2, count: 3 });
    expect(summarize([4, 1, 3, 2]).median).toBe(2.5);
  });
});

describe('bench report', () => {
  const timing = { ...summarize([5, 6, 7]), times: [5, 6, 7], warmupCalls: 2, warmupMs: 300, gflops: 1, threads: 1,
    foreign_cpu: 0.2, process_cpu: 1, disturbed: true, attempts: 3, attemptForeign: [0.3, 0.2, 0.25], idleWaitMs: 0 };
  const meta = { date: 'd', command: 'c', platform: 'p', cpu: 'x', cores: 2, quick: true };
  const base = { id: 'W1/n=256', workload: 'W1', size: 'n=256', backend: 'cpu', impl: 'api' as const, flops: 1,
    timing, checkExpected: 12.7587, bjs: null };

  it('marks a wrong check value loudly and flags a disturbed case with *', () => {
    const md = toMarkdown(meta, [{ backend: 'cpu', impl: 'api', cases: [{ ...base, check: 13.1, checkOk: false }] }]);
    expect(md).toContain('**CHECK FAILED** 13.1000 (expected 12.7587)');
    expect(md).toContain('0.200 *');
    expect(md).toContain(`${(6 / 2.31).toFixed(2)}×`); // ratio to tfjs-wasm tuned
  });

  it('a correct case shows its check value with a tick', () => {
    const md = toMarkdown(meta, [{ backend: 'cpu', impl: 'api', cases: [{ ...base, check: 12.75871, checkOk: true }] }]);
    expect(md).toContain('12.7587 ✓');
    expect(md).not.toContain('CHECK FAILED');
  });
});
