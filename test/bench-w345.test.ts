// Guards workloads W3–W5 and compare mode against measuring the wrong thing (never timings): the quick cases
// computed once through hopgrad's public API give the check values of bench-workloads.md §4 (W3 L=256 loss and all
// four gradients, W4 loss0, W5 top-20 % L=1024, W5 window32 L=4096); the float64 W5 references; FLOP formulas;
// TensorFlow.js (compare mode) on the same cases and the same W4 trajectory (its hand-written AdamW vs optim.AdamW);
// the compare table's targets; and a --quick end-to-end run of the tfjs child process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getBackend } from '../src/index.js';
import type { CaseResult } from '../bench/child.js';
import { compareMarkdown, compareRows, targetOf } from '../bench/compare.js';
import { apiImpl, loadApi } from '../bench/impl-api.js';
import { TFJS, tfjsImpl } from '../bench/impl-tfjs.js';
import type { Impl } from '../bench/impl.js';
import { checkMatches, expectedChecks, REFERENCE } from '../bench/reference.js';
import { bestOfRounds, roundOrder } from '../bench/rounds.js';
import { buildW4Model, W4_LOSS0, w4Flops } from '../bench/w4-model.js';
import { topkReference, windowReference } from '../bench/w5-reference.js';
import { CASES, w3Flops } from '../bench/workloads.js';

const loaded = await loadApi();
if (!('api' in loaded)) throw new Error(`public API incomplete: ${loaded.missing.join(', ')}`);
const hopgrad = apiImpl(loaded.api, getBackend());

function expectChecks(impl: Impl, id: string, calls = 1): void {
  const c = CASES.find((x) => x.id === id)!;
  const call = c.prepare(impl);
  let first = call();
  for (let i = 1; i < calls; i++) call();
  if (!c.checkFirstCall) first = call();
  const got = c.checks(first);
  const want = expectedChecks(REFERENCE[id])!;
  expect(got.length, id).toBe(want.length);
  got.forEach((g, i) => expect(checkMatches(g, want[i]!), `${id} via ${impl.kind}: check ${i} = ${g}, expected ${want[i]}`).toBe(true));
}

describe('W3–W5 through the public API (check values)', () => {
  it('the quick set', () => {
    expect(CASES.filter((c) => c.quick).map((c) => c.id)).toEqual([
      'W1/n=256', 'W2/B=1,L=M=256', 'W3/fwd,L=M=256', 'W3/fwd+bwd,L=M=256', 'W4/step', 'W5/topk20,L=M=1024',
    ]);
  });
  it('W3 L=256: fwd loss, and fwd+bwd loss plus mean|dWq|, |dWk|, |dWv|, |dWo|', () => {
    expectChecks(hopgrad, 'W3/fwd,L=M=256');
    expectChecks(hopgrad, 'W3/fwd+bwd,L=M=256', 2); // gradients do not accumulate across calls
  });
  it('W4: loss0 of the initial parameters, from the first step', () => {
    expectChecks(hopgrad, 'W4/step');
    const m = buildW4Model();
    expect(m.paramList).toHaveLength(13);
    expect(Math.abs(m.step() - W4_LOSS0)).toBeLessThan(1e-5);
    expect(m.step()).toBeLessThan(W4_LOSS0); // the optimizer moved the parameters
  });
  it('W5: top-20 % at L=1024 and window 32 at L=4096 via hopfield.retrieve', () => {
    expectChecks(hopgrad, 'W5/topk20,L=M=1024');
    expectChecks(hopgrad, 'W5/window32,L=M=4096');
  });
});

describe('W5 float64 references and FLOP formulas', () => {
  it('the top-k reference reproduces the doc at L=1024; the window reference is the stored check value', () => {
    expect(checkMatches(topkReference(1024, 1024, 204), 0.183183)).toBe(true);
    expect(windowReference(4096, 4096, 32)).toBeCloseTo(REFERENCE['W5/window32,L=M=4096']!.check, 12);
    expect(windowReference(8, 8, 100)).toBeCloseTo(topkReference(8, 8, 8), 12); // a window covering everything is dense
  });
  it('W3 and W4 FLOPs follow §2', () => {
    const B = 4, L = 256, D = 64;
    expect(w3Flops(L, L, false)).toBe(2 * B * L * D * D + 4 * B * L * D * D + 4 * B * L * L * D + 2 * B * L * D * D);
    expect(w3Flops(L, L, true) - w3Flops(L, L, false)).toBe(2 * B * L * D * D + 4 * B * L * D * D + 8 * B * L * L * D + 4 * B * L * D * D);
    expect(w4Flops()).toBe(2_560_737_280);
    expect(CASES.filter((c) => c.workload === 'W5').every((c) => c.flops === 0)).toBe(true);
  });
});

describe('compare mode: TensorFlow.js wasm', async () => {
  const tf = await tfjsImpl();
  it('runs on 1 thread and reproduces the quick check values', () => {
    expect(tf.threads).toBe(1);
    for (const id of ['W1/n=256', 'W2/B=1,L=M=256', 'W3/fwd,L=M=256', 'W3/fwd+bwd,L=M=256', 'W4/step', 'W5/topk20,L=M=1024']) expectChecks(tf.impl, id);
  });
  it('its hand-written AdamW follows the same trajectory as optim.AdamW', () => {
    const a = tf.impl.milStep!();
    const m = buildW4Model();
    for (let i = 0; i < 3; i++) {
      const lt = (a() as Float32Array[])[0]![0]!;
      const lh = m.step();
      expect(Math.abs(lt - lh), `step ${i}: tfjs ${lt}, hopgrad ${lh}`).toBeLessThan(1e-3 * Math.max(1, lh) + 2e-5);
    }
  });
  it('the window band formulation matches the stored check value', () => {
    expectChecks(tf.impl, 'W5/window32,L=M=4096');
  });
});

describe('compare table', () => {
  const timing = (median: number) => ({ median, min: median, max: median, mean: median, count: 7, times: [], warmupCalls: 2,
    warmupMs: 300, gflops: 1, threads: 1, foreign_cpu: 0, process_cpu: 1, disturbed: false, attempts: 1, attemptForeign: [0], idleWaitMs: 0 });
  const cas = (id: string, backend: string, median: number): CaseResult => ({ id, workload: id.split('/')[0]!, size: '', backend,
    impl: 'api', flops: 1, timing: timing(median), check: 1, checkExpected: 1, checkOk: true, bjs: null });
  it('targets per workload and the met verdicts', () => {
    expect(targetOf('W1/n=1024')).toMatchObject({ kind: 'speedup', min: 1.5 });
    expect(targetOf('W1/n=256')).toBeNull();
    expect(targetOf('W3/fwd+bwd,L=M=1024')).toMatchObject({ kind: 'speedup', min: 2 });
    expect(targetOf('W4/step')).toMatchObject({ kind: 'speedup', min: 3 });
    expect(targetOf('W5/window32,L=M=4096')).toMatchObject({ kind: 'maxMs', max: 30 });
    const rows = compareRows([
      { backend: 'wasm', impl: 'api', cases: [cas('W1/n=1024', 'wasm', 40), cas('W4/step', 'wasm', 100), cas('W5/window32,L=M=4096', 'wasm', 12)] },
      { backend: TFJS, impl: 'tfjs', cases: [cas('W1/n=1024', TFJS, 90), cas('W4/step', TFJS, 200), cas('W5/window32,L=M=4096', TFJS, 700)] },
    ]);
    expect(rows.map((r) => [r.id, r.speedup, r.met])).toEqual([['W1/n=1024', 2.25, true], ['W4/step', 2, false], ['W5/window32,L=M=4096', 700 / 12, true]]);
    const md = compareMarkdown(rows);
    expect(md).toContain('| W4/step | 100 | 200 | 2.00× | ≥ 3× | **no** |');
    expect(md).toContain('| W1/n=1024 | 40.0 | 90.0 | 2.25× | ≥ 1.5× | yes |');
  });
  it('a wasm:1 report adds the like-for-like 1-thread columns', () => {
    const md = compareMarkdown(compareRows([
      { backend: 'wasm', impl: 'api', cases: [cas('W2/B=1,L=M=1024', 'wasm', 10)] },
      { backend: 'wasm:1', impl: 'api', cases: [cas('W2/B=1,L=M=1024', 'wasm:1', 16)] },
      { backend: TFJS, impl: 'tfjs', cases: [cas('W2/B=1,L=M=1024', TFJS, 20)] },
    ]));
    expect(md).toContain('hopgrad 1 thread ms | speed-up 1 thread |');
    expect(md).toContain('| W2/B=1,L=M=1024 | 10.0 | 20.0 | 2.00× | ≥ 2× | yes | 1.00000 ✓ | 1.00000 ✓ | 16.0 | 1.25× |');
  });
  it('--rounds: the order flips every round; each side keeps its fastest round, a failed check wins, all medians listed', () => {
    expect([0, 1, 2, 3].map((r) => roundOrder(['a', 'b'], r).join(''))).toEqual(['ab', 'ba', 'ab', 'ba']);
    const merged = bestOfRounds([cas('W1/n=1024', 'wasm', 50), cas('W4/step', 'wasm', 90), cas('W1/n=1024', 'wasm', 40), cas('W4/step', 'wasm', 120)]);
    expect(merged.map((c) => [c.id, c.timing!.median, c.roundMedians])).toEqual([['W1/n=1024', 40, [50, 40]], ['W4/step', 90, [90, 120]]]);
    const bad = { ...cas('W4/step', 'wasm', 150), checkOk: false, check: 0.5 };
    const m2 = bestOfRounds([cas('W4/step', 'wasm', 90), bad]);
    expect(m2).toHaveLength(1);
    expect([m2[0]!.checkOk, m2[0]!.check, m2[0]!.timing!.median, m2[0]!.roundMedians]).toEqual([false, 0.5, 150, [90, 150]]);
    expect(bestOfRounds([cas('W1/n=256', 'wasm', 3)])[0]!.roundMedians).toBeUndefined(); // one round: unchanged
    const md = compareMarkdown(compareRows([
      { backend: 'wasm', impl: 'api', cases: bestOfRounds([cas('W4/step', 'wasm', 100), cas('W4/step', 'wasm', 80)]) },
      { backend: TFJS, impl: 'tfjs', cases: bestOfRounds([cas('W4/step', TFJS, 200), cas('W4/step', TFJS, 240)]) },
    ]));
    expect(md).toContain('rounds: hopgrad ms | rounds: tfjs ms |');
    expect(md).toContain('| W4/step | 80.0 | 200 | 2.50× | ≥ 3× | **no** | 1.00000 ✓ | 1.00000 ✓ | 100, 80.0 | 200, 240 |');
  });
});

describe('compare mode end to end', () => {
  it('a --quick tfjs child times W1 and reports its thread count and check value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hopgrad-bench-test-'));
    try {
      const out = join(dir, 'tfjs.json');
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--child', '--backend', TFJS, '--workloads', 'W1',
        '--quick', '--no-bjs', '--no-contention', '--child-out', out], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      const rep = JSON.parse(readFileSync(out, 'utf8')) as { impl: string; status: { threads: number }; cases: CaseResult[] };
      expect(rep.impl).toBe('tfjs');
      expect(rep.status.threads).toBe(1);
      expect(rep.cases.map((c) => [c.id, c.checkOk, c.timing!.threads])).toEqual([['W1/n=256', true, 1]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
