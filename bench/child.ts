// One benchmark process for one backend configuration (bench-workloads.md: one process per framework
// configuration). Picks the implementation (public API, else kernels; TensorFlow.js for the `tfjs-wasm`
// configuration of compare mode), times every selected case, checks its values (all of them: W3 fwd+bwd has five;
// W4 from the first call, loss0) and returns plain JSON-able results. Progress goes to stderr.
import { type BackendConfig, configureBackend, paths, resetPaths } from './backends.js';
import { benchmarkJs, type BjsResult, SLOW_MS } from './bjs.js';
import { timeCase, type Timing } from './harness.js';
import type { Impl } from './impl.js';
import { apiImpl, loadApi } from './impl-api.js';
import { wasmStatus } from '../src/index.js';
import { kernelsImpl } from './impl-kernels.js';
import { TFJS, tfjsImpl, tfjsStatus } from './impl-tfjs.js';
import { checkMatches, expectedChecks, REFERENCE } from './reference.js';
import { selectCases } from './workloads.js';
import type { CallOutput } from './impl.js';

export type ImplChoice = 'auto' | 'api' | 'kernels';

export interface CaseResult {
  id: string;
  workload: string;
  size: string;
  backend: string;
  impl: Impl['kind'];
  flops: number;
  timing: Timing | null;
  check: number | null;
  checkExpected: number | null;
  checkOk: boolean;
  /** every check value when the case has several (W3 fwd+bwd: loss and mean |dW*|), and their expectations. */
  checks?: number[];
  checksExpected?: readonly number[];
  bjs: BjsResult | null;
  /** gpujs: how many kernel calls ran in gpu.js vs fell back to the cpu during this case (warm-up + timed calls). */
  paths?: ReturnType<typeof paths>;
  /** compare mode with --rounds N > 1: every round's median in run order (this result is the fastest round). */
  roundMedians?: number[];
  error?: string;
}

export interface ChildReport {
  backend: string;
  /** backend status after configuration (gpujs: requested mode, gpu.js kernel mode, start error). */
  status?: Record<string, unknown> | null;
  impl: Impl['kind'] | null;
  /** why the public API was not used (missing exports), when it was not. */
  apiMissing?: string[];
  skipped?: string;
  cases: CaseResult[];
}

const log = (s: string): void => void process.stderr.write(`[bench ${process.pid}] ${s}\n`);

/** Threads the backend really uses: the CPU backend is single-threaded JS; others are estimated from process CPU. */
let tfjsThreads: number | null = null;
function threadsOf(cfg: BackendConfig): number | null {
  if (cfg.name === 'wasm' && cfg.mode === '1') return 1;
  return cfg.name === 'cpu' ? 1 : cfg.name === TFJS ? tfjsThreads : null;
}

async function pickImpl(backend: string, choice: ImplChoice): Promise<{ impl: Impl; apiMissing?: string[] }> {
  if (backend === TFJS) {
    const t = await tfjsImpl();
    tfjsThreads = t.threads;
    return { impl: t.impl };
  }
  if (choice !== 'kernels') {
    const r = await loadApi();
    if ('api' in r) return { impl: apiImpl(r.api, backend) };
    if (choice === 'api') throw new Error(`public API lacks: ${r.missing.join(', ')}`);
    return { impl: kernelsImpl(backend), apiMissing: r.missing };
  }
  return { impl: kernelsImpl(backend) };
}

/**
 * Can this backend start and compute a product correctly? A 256×256 GEMM of small integers (exact in float32),
 * big enough that size thresholds do not route it to a cpu fallback; compared with a float64 reference.
 */
function probe(impl: Impl): string | null {
  const n = 256;
  const a = Float32Array.from({ length: n * n }, (_, t) => ((t * 7) % 5) - 2);
  const b = Float32Array.from({ length: n * n }, (_, t) => ((t * 3) % 7) - 3);
  try {
    const out = impl.gemm(a, b, n)() as Float32Array;
    for (const [i, j] of [[0, 0], [1, 2], [n - 1, n - 1], [100, 37]] as const) {
      let s = 0;
      for (let p = 0; p < n; p++) s += a[i * n + p]! * b[p * n + j]!;
      if (out[i * n + j] !== s) return `probe matmul: C[${i},${j}] = ${out[i * n + j]}, expected ${s}`;
    }
    return out.length === n * n ? null : `probe matmul returned ${out.length} elements`;
  } catch (e) {
    return `cannot start: ${(e as Error).message}`;
  }
}

export interface ChildOptions {
  workloads: string[];
  quick: boolean;
  choice: ImplChoice;
  /** run the Benchmark.js cross-check. */
  bjs: boolean;
  /** wait for an idle machine and retry disturbed cases (off: measure foreign_cpu only, e.g. CI smoke). */
  contention: boolean;
}

export async function runChild(cfg: BackendConfig, opts: ChildOptions): Promise<ChildReport> {
  const { workloads, quick, choice, bjs, contention } = opts;
  const backend = cfg.label;
  let picked: { impl: Impl; apiMissing?: string[] };
  let status: Record<string, unknown> | null = null;
  try {
    status = cfg.name === TFJS ? null : await configureBackend(cfg);
    picked = await pickImpl(cfg.name, choice);
    if (cfg.name === TFJS) status = tfjsStatus();
  } catch (e) {
    return { backend, status, impl: null, skipped: (e as Error).message, cases: [] };
  }
  const { impl, apiMissing } = picked;
  const report: ChildReport = { backend, status, impl: impl.kind, ...(apiMissing ? { apiMissing } : {}), cases: [] };
  resetPaths();
  let bad = probe(impl);
  const pp = paths();
  if (!bad && pp && !pp.gpu['matmul']) bad = `gpu.js did not run the probe matmul (paths ${JSON.stringify(pp)})`;
  if (bad) return { ...report, skipped: bad };
  if (cfg.name === 'wasm') report.status = { ...(status ?? {}), ...wasmStatus() };
  for (const c of selectCases(workloads, quick)) {
    const expectedAll = expectedChecks(REFERENCE[c.id]);
    const expected = expectedAll?.[0] ?? null;
    const res: CaseResult = {
      id: c.id, workload: c.workload, size: c.size, backend, impl: impl.kind, flops: c.flops,
      timing: null, check: null, checkExpected: expected, checkOk: false, bjs: null,
    };
    try {
      const call = c.prepare(impl); // inputs created and placed before timing
      resetPaths();
      let first: CallOutput | null = null;
      let last: CallOutput | null = null;
      const timed = (): CallOutput => {
        last = call();
        first ??= last;
        return last;
      };
      log(`${c.id} on ${backend} (${impl.kind}) ...`);
      res.timing = await timeCase(timed, { flops: c.flops, threads: threadsOf(cfg), contention });
      // wasm: the threads its pool really ran (the caller's included), not an estimate from process CPU
      if (cfg.name === 'wasm') res.timing.threads = wasmStatus().activeThreads;
      const p = paths();
      if (p) res.paths = p;
      // checked on the output of the last timed call (W4: the first call's loss, loss0)
      const checked = c.checkFirstCall ? first : last;
      const got = checked ? c.checks(checked) : null;
      res.check = got?.[0] ?? null;
      if (got && got.length > 1) { res.checks = got; if (expectedAll) res.checksExpected = expectedAll; }
      res.checkOk = got !== null && expectedAll !== null && got.length === expectedAll.length && got.every((g, i) => checkMatches(g, expectedAll[i]!));
      if (!res.checkOk) log(`CHECK FAILED ${c.id}: ${JSON.stringify(got)} (expected ${JSON.stringify(expectedAll)})`);
      if (bjs && res.timing.median <= SLOW_MS && !c.checkFirstCall) res.bjs = benchmarkJs(`${c.id} ${backend}`, call);
      log(`${c.id}: median ${res.timing.median.toFixed(2)} ms, ${res.timing.count} calls, foreign ${res.timing.foreign_cpu?.toFixed(3)}`);
    } catch (e) {
      res.error = (e as Error).stack ?? String(e);
      log(`${c.id} failed: ${(e as Error).message}`);
    }
    report.cases.push(res);
  }
  return report;
}
