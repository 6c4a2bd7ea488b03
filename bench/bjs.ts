// Benchmark.js (the `benchmark` package) as an independent cross-check of the harness, never the primary figure.
// Why not primary: Benchmark.js reports the mean of cycles that each run the function many times (amortising
// timer resolution), whereas bench-workloads.md requires the median of individually timed complete calls, so
// the reported median always comes from harness.ts. What it adds: for fast cases (sub-ms to a few ms) its
// calibrated multi-iteration cycles give a mean with a relative margin of error (rme, Student-t 95 %) that
// confirms the per-call median is not a timer artefact; and Benchmark.platform describes the runtime.
// Slow cases (> SLOW_MS) are skipped: there a single call is far above timer resolution and re-running it
// would only double the run time. Only synchronous calls are cross-checked.
import Benchmark from 'benchmark';

export interface BjsResult {
  mean_ms: number;
  rme_pct: number;
  samples: number;
  hz: number;
}

export const SLOW_MS = 250;

/** Run `fn` through a one-benchmark Benchmark.js Suite (synchronously); null when it errors. */
export function benchmarkJs(name: string, fn: () => unknown, maxTimeS = 0.5): BjsResult | null {
  const suite = new Benchmark.Suite(name);
  let result: BjsResult | null = null;
  suite.add(name, fn, { minSamples: 5, maxTime: maxTimeS, initCount: 1 });
  suite.on('cycle', (ev: Benchmark.Event) => {
    const b = ev.target as unknown as Benchmark;
    if (b.error || !b.stats.sample.length) return;
    result = { mean_ms: b.stats.mean * 1e3, rme_pct: b.stats.rme, samples: b.stats.sample.length, hz: b.hz };
  });
  suite.run({ async: false });
  return result;
}

/** "Node.js 20.x on Linux 64-bit" — the runtime, as Benchmark.js describes it. */
export function platformDescription(): string {
  return Benchmark.platform.description ?? 'unknown';
}
