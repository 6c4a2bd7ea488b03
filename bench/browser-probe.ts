// In-page timing of the wasm backend in headless Chromium: W1 (C = A·B, A = normal(101,[n,n]), B =
// normal(102,[n,n]), bench-workloads.md) for n = 512 and 1024 on 1 thread and on 2 threads (the calling thread +
// one Web Worker on shared memory, the page cross-origin isolated), calls alternating between 1 and 2 threads (median of 9 each after a warm-up), with the
// check value mean|C| (n=512: 18.0888, n=1024: 25.5322). Runs the browser test page (test/browser/harness.ts) with
// ?wasmbench=1 and prints a table, for the page's main thread (which spins while it waits for the worker) and for a
// dedicated Web Worker as the caller (which blocks in Atomics.wait); a probe, not the full timing rules of
// bench/harness.ts, never a test.
// Run: npx tsx bench/browser-probe.ts [--reps N]  (N page loads, each timed; default 1)
import { runBrowserTests } from '../test/browser/harness.js';

interface Timing { medianMs: number; minMs: number; maxMs: number; gflops: number; meanAbsC: number; activeThreads: number }
const CHECK: Record<string, number> = { 512: 18.0888, 1024: 25.5322 };

const i = process.argv.indexOf('--reps');
const reps = i >= 0 ? Number(process.argv[i + 1]) : 1;
for (let r = 0; r < reps; r++) {
  const res = await runBrowserTests({ runs: 5, wasmBench: true, plain: false });
  const failed = res.report.checks.filter((c) => !c.ok);
  if (failed.length > 0) console.log(`page checks failed: ${failed.map((c) => c.name).join(', ')}`);
  console.log(`\nrun ${r + 1}: ${String(res.report.info['userAgent'])}`);
  console.log('| caller | case | threads | median ms | min | max | GFLOP/s | mean|C| (check) | speedup vs 1 thread |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [key, caller] of [['wasmTiming', 'page main thread (spins)'], ['wasmTimingInWorker', 'Web Worker (Atomics.wait)']] as const) {
    const t = res.report.info[key] as Record<string, Timing> | undefined;
    if (!t) throw new Error(`the page reported no ${key}: ${JSON.stringify(res.report.info)}`);
    for (const n of [512, 1024]) {
      const one = t[`W1 n=${n} threads=1`];
      for (const th of [1, 2]) {
        const x = t[`W1 n=${n} threads=${th}`];
        if (!x || !one) continue;
        console.log(`| ${caller} | W1 n=${n} | ${th} | ${x.medianMs} | ${x.minMs} | ${x.maxMs} | ${x.gflops} | ${x.meanAbsC} (${CHECK[n]}) | ${(one.medianMs / x.medianMs).toFixed(2)}× |`);
      }
      const st = t[`W1 n=${n} stats`] as unknown as { parallel: Record<string, number>; joined?: Record<string, number> } | undefined;
      if (st) console.log(`|  |  | jobs a worker joined / dispatched | ${st.joined?.['matmul'] ?? 0} / ${st.parallel['matmul'] ?? 0} |  |  |  |  |  |`);
    }
  }
}
