// Run the browser tests by hand and print the page's report: `npx tsx test/browser/run.ts [--runs N] [--seed S]
// [--bench] [--wasm-bench] [--no-plain] [--entry path/to/built/index.js]`; --bench also times matmul on gpu.js,
// --wasm-bench W1 on 1 and 2 wasm threads (bench/browser-probe.ts prints it as a table), --no-plain skips the page
// served without COOP/COEP. Exits 1 when a check fails.
// (npm test runs browser.test.ts.)
import { runBrowserTests } from './harness.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runs = arg('runs');
const seed = arg('seed');
const entry = arg('entry');
const t0 = Date.now();
const r = await runBrowserTests({
  bench: process.argv.includes('--bench'), wasmBench: process.argv.includes('--wasm-bench'), plain: !process.argv.includes('--no-plain'),
  ...(runs ? { runs: Number(runs) } : {}), ...(seed ? { seed: Number(seed) } : {}), ...(entry ? { entry } : {}),
});
for (const c of r.report.checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name} (${c.ms} ms)${c.ok ? '' : `\n     ${c.detail}`}`);
console.log(JSON.stringify({ ...r.report.info, bundleBytes: r.bundleBytes, totalMs: Date.now() - t0 }, null, 2));
if (r.console.length > 0) console.log(`browser console:\n${r.console.join('\n')}`);
process.exitCode = r.report.checks.every((c) => c.ok) ? 0 : 1;
