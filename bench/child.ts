// One benchmark process for one backend configuration (bench-workloads.md: one process per framework
// configuration). Picks the implementation (public API, else kernels), times every selected case and
// returns plain JSON-able results. Progress goes to stderr.
import type { TypedArray } from '../src/tensor/dtype.js';
import { type BackendConfig, configureBackend, paths, resetPaths } from './backends.js';
import { benchmarkJs, type BjsResult, SLOW_MS } from './bjs.js';
import { timeCase, type Timing } from './harness.js';
import type { Impl } from './impl.js';
import { apiImpl, loadApi } from './impl-api.js';
import { kernelsImpl } from './impl-kernels.js';
import { checkMatches, REFERENCE } from './reference.js';
import { meanAbs, selectCases } from './workloads.js';

export type ImplChoice = 'auto' | 'api' | 'kernels';

export interface CaseResult {
  id: string;
  workload: string;
  size: string;
  backend: string;
  impl: 'api' | 'kernels';
  flops: number;
  timing: Timing | null;
  check: number | null;
  checkExpected: number | null;
  checkOk: boolean;
  bjs: BjsResult | null;
  /** gpujs: how many kernel calls ran in gpu.js vs fell back to the cpu during this case (warm-up + timed calls). */
  paths?: ReturnType<typeof paths>;
  error?: string;
}

export interface ChildReport {
  backend: string;
  /** backend status after configuration (gpujs: requested mode, gpu.js kernel mode, start error). */
  status?: Record<string, unknown> | null;
  impl: 'api' | 'kernels' | null;
  /** why the public API was not used (missing exports), when it was not. */
  apiMissing?: string[];
  skipped?: string;
  cases: CaseResult[];
}

const log = (s: string): void => void process.stderr.write(`[bench ${process.pid}] ${s}\n`);

/** Threads the backend really uses: the CPU backend is single-threaded JS; others are estimated from process CPU. */
function threadsOf(backend: string): number | null {
  return backend === 'cpu' ? 1 : null;
}

async function pickImpl(backend: string, choice: ImplChoice): Promise<{ impl: Impl; apiMissing?: string[] }> {
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
    const out = impl.gemm(a, b, n)();
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
    status = await configureBackend(cfg);
    picked = await pickImpl(cfg.name, choice);
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
  for (const c of selectCases(workloads, quick)) {
    const expected = REFERENCE[c.id]?.check ?? null;
    const res: CaseResult = {
      id: c.id, workload: c.workload, size: c.size, backend, impl: impl.kind, flops: c.flops,
      timing: null, check: null, checkExpected: expected, checkOk: false, bjs: null,
    };
    try {
      const call = c.prepare(impl); // inputs created and placed before timing
      resetPaths();
      let last: TypedArray | null = null;
      const timed = (): TypedArray => (last = call());
      log(`${c.id} on ${backend} (${impl.kind}) ...`);
      res.timing = await timeCase(timed, { flops: c.flops, threads: threadsOf(cfg.name), contention });
      const p = paths();
      if (p) res.paths = p;
      res.check = last ? meanAbs(last) : null; // checked on the output of the last timed call
      res.checkOk = res.check !== null && expected !== null && checkMatches(res.check, expected);
      if (!res.checkOk) log(`CHECK FAILED ${c.id}: mean|out| = ${res.check} (expected ${expected})`);
      if (bjs && res.timing.median <= SLOW_MS) res.bjs = benchmarkJs(`${c.id} ${backend}`, call);
      log(`${c.id}: median ${res.timing.median.toFixed(2)} ms, ${res.timing.count} calls, foreign ${res.timing.foreign_cpu?.toFixed(3)}`);
    } catch (e) {
      res.error = (e as Error).stack ?? String(e);
      log(`${c.id} failed: ${(e as Error).message}`);
    }
    report.cases.push(res);
  }
  return report;
}
