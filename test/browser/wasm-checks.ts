// The page's checks of the wasm backend (run by page.ts): the default backend is wasm; wasm-vs-cpu parity of
// matmul/softmax/layerNorm/binary on random cases; on a cross-origin isolated page, the Web Workers boot after
// the first large call and then really take part in large matmuls (wasmStats().parallel / joined, wasmStatus());
// on a page without COOP/COEP, wasm runs single-threaded on unshared memory and is still correct. Plus an
// in-page timing of W1 (n = 512, 1024) on 1 and 2 threads (?wasmbench=1; reported, never asserted).
import fc from 'fast-check';
import type { Backend, MatmulSpec } from '../../src/tensor/backend/backend.js';
import type { WasmOptions, WasmStats, WasmStatus } from '../../src/tensor/backend/wasm/index.js';
import type { TypedArray } from '../../src/tensor/dtype.js';
import { WASM_PAGE_KERNELS, compareWasm, runWasmCase, wasmCases } from './wasm-cases.js';
import { coverageSample } from './parity-cases.js';
import { matmulTolerance } from './parity-tolerance.js';

/** What the wasm checks need from the public entry. */
export interface WasmPageApi {
  backendKernels(name: string): Backend;
  getBackend(): string;
  wasmAvailable(): boolean;
  wasmReady(): Promise<boolean>;
  wasmStatus(): WasmStatus;
  wasmStats(): WasmStats;
  resetWasmStats(): void;
  configureWasm(opts: WasmOptions): void;
  wasmOptions(): Readonly<Required<WasmOptions>>;
  Generator: new (seed: number) => { fillNormal(out: Float32Array, scale?: number): void };
}
/** The members of WasmPageApi (checked at run time). */
export const WASM_REQUIRED: readonly (keyof WasmPageApi)[] = [
  'backendKernels', 'getBackend', 'wasmAvailable', 'wasmReady', 'wasmStatus', 'wasmStats', 'resetWasmStats', 'configureWasm', 'wasmOptions', 'Generator',
];

/** Runs one named check: `fn` returns null on success or what went wrong. */
export type CheckFn = (name: string, fn: () => string | null | Promise<string | null>) => Promise<void>;

/** Threads the checks configure (fixed, so the checks do not depend on the machine's core count). */
const THREADS = 2;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function spec(m: number, k: number, n: number): MatmulSpec {
  return { batch: 1, m, k, n, transA: false, transB: false, aIndex: new Int32Array(1), bIndex: new Int32Array(1) };
}

/** The doc's normal(seed, shape): the same generator as bench/data.ts. */
function normal(api: WasmPageApi, seed: number, n: number): Float32Array {
  const out = new Float32Array(n);
  new api.Generator(seed).fillNormal(out, 1);
  return out;
}

/** The first element where `got` misses the cpu result by more than the GEMM tolerance, or null. */
function matmulMiss(a: Float32Array, b: Float32Array, s: MatmulSpec, got: TypedArray, want: TypedArray): string | null {
  const tol = matmulTolerance(s, a, b);
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    if (!(d <= tol(i))) return `C[${i}] wasm ${got[i]} vs cpu ${want[i]}, |Δ| = ${d} > ${tol(i)}`;
  }
  return null;
}

/**
 * Check the default backend and wait for the module; then large matmuls start the pool (on an isolated page its
 * workers boot while the later checks run: a Web Worker starts only after this thread yields) and, in the same
 * synchronous stretch, must run on this thread alone and match cpu.
 */
export async function wasmStart(api: WasmPageApi, check: CheckFn, initialBackend: string, info: Record<string, unknown>): Promise<void> {
  info['wasmDefaults'] = api.wasmOptions();
  await check('the default backend is wasm (WebAssembly SIMD)', () =>
    (api.wasmAvailable() && initialBackend === 'wasm' ? null : `default backend '${initialBackend}', wasmAvailable ${api.wasmAvailable()}`));
  await check('the wasm module compiles (wasmReady)', async () => {
    const ok = await api.wasmReady();
    return ok ? null : `wasmReady() false: ${JSON.stringify(api.wasmStatus())}`;
  });
  api.configureWasm({ threads: THREADS });
  await check('large calls before the workers booted run on the calling thread and match cpu', () => {
    // the first call large enough to split (2·10^6 multiply-adds ≥ minParallelWork) starts the pool; workers
    // boot once this thread yields, so until then every call runs here
    const n = 128, s = spec(n, n, n);
    const a = normal(api, 1, n * n), b = normal(api, 2, n * n);
    const want = api.backendKernels('cpu').matmul(a, b, s);
    api.resetWasmStats();
    const wasm = api.backendKernels('wasm');
    for (let i = 0; i < 3; i++) {
      const miss = matmulMiss(a, b, s, wasm.matmul(a, b, s), want);
      if (miss) return `call ${i + 1}: ${miss}`;
    }
    const active = api.wasmStatus().activeThreads, st = api.wasmStats();
    info['activeThreads before yielding'] = active;
    if ((st.wasm['matmul'] ?? 0) !== 3) return `expected 3 wasm matmul calls: ${JSON.stringify(st)}`;
    return active === 1 && Object.keys(st.parallel).length > 0 ? `jobs dispatched before any worker was ready: ${JSON.stringify(st)}` : null;
  });
}

/** wasm vs cpu on random cases of each kernel (every call split over threads where the page has them). */
export async function wasmParity(api: WasmPageApi, check: CheckFn, numRuns: number, seed: number, threaded: boolean): Promise<void> {
  const wasm = api.backendKernels('wasm');
  const cpu = api.backendKernels('cpu');
  const keep = api.wasmOptions();
  for (const name of WASM_PAGE_KERNELS) {
    await check(`parity wasm vs cpu (${threaded ? `${THREADS} threads` : 'one thread'}): ${name}`, () => {
      api.configureWasm({ threads: THREADS, minWork: 0, minParallelWork: 0 });
      api.resetWasmStats();
      try {
        const r = fc.check(fc.property(wasmCases[name], (c) => {
          const msg = compareWasm(c, runWasmCase(c, wasm), runWasmCase(c, cpu));
          if (msg) throw new Error(msg);
        }), { numRuns, seed });
        if (r.failed) return `seed ${seed}, counterexample path ${r.counterexamplePath ?? '?'}: ${r.errorInstance instanceof Error ? r.errorInstance.message : String(r.errorInstance)}`;
      } finally {
        api.configureWasm({ minWork: keep.minWork, minParallelWork: keep.minParallelWork });
      }
      // calls split over the workers exactly when the page has them; most calls of the fixed coverage sample
      // really run in wasm (the rest check the cpu fallback)
      const st = api.wasmStats();
      const parallel = st.parallel[name] ?? 0;
      api.configureWasm({ threads: THREADS, minWork: 0, minParallelWork: 0 });
      api.resetWasmStats();
      const sample = coverageSample(wasmCases[name]);
      try { for (const c of sample) runWasmCase(c, wasm); } finally {
        api.configureWasm({ minWork: keep.minWork, minParallelWork: keep.minParallelWork });
      }
      const cov = api.wasmStats();
      const inWasm = cov.wasm[name] ?? 0, fell = cov.fallback[name] ?? 0;
      if (inWasm <= fell) return `${name}: ${inWasm} wasm calls, ${fell} fallbacks on the coverage sample of ${sample.length} cases`;
      if (threaded && parallel === 0) return `${name}: no call ran on the workers (${JSON.stringify(st)}, status ${JSON.stringify(api.wasmStatus())})`;
      if (!threaded && parallel !== 0) return `${name}: ${parallel} jobs dispatched to workers on a page without shared memory`;
      return null;
    });
  }
}

/** Wait (yielding) until `threads` threads are active, up to `ms`; returns the ms waited. */
async function waitForThreads(api: WasmPageApi, threads: number, ms: number): Promise<number> {
  const t0 = performance.now();
  while (api.wasmStatus().activeThreads < threads && performance.now() - t0 < ms) await sleep(10);
  return Math.round(performance.now() - t0);
}

/**
 * Large matmuls (n = 256) on wasm with the workers up: each must match cpu and be dispatched to the workers, and
 * a worker must have taken a share. A worker takes one unless it is descheduled for the whole call (a busy
 * machine), so this calls until one did (bounded), yielding between calls like a page would.
 */
async function parallelMatmuls(api: WasmPageApi, info: Record<string, unknown>): Promise<string | null> {
  const wasm = api.backendKernels('wasm');
  const n = 256, s = spec(n, n, n);
  const a = normal(api, 101, n * n), b = normal(api, 102, n * n);
  const want = api.backendKernels('cpu').matmul(a, b, s);
  api.resetWasmStats();
  let calls = 0;
  const t0 = performance.now();
  while (calls < 3 || ((api.wasmStats().joined?.['matmul'] ?? 0) === 0 && performance.now() - t0 < 5000)) {
    const miss = matmulMiss(a, b, s, wasm.matmul(a, b, s), want);
    calls++;
    if (miss) return `call ${calls}: ${miss}`;
    await sleep(0);
  }
  const st = api.wasmStats();
  info['wasmStats after threaded matmuls'] = { calls, ...st };
  if ((st.parallel['matmul'] ?? 0) !== 2 * calls) return `expected ${2 * calls} parallel jobs (pack + gemm per call), got ${JSON.stringify(st)}`;
  return (st.joined?.['matmul'] ?? 0) > 0 ? null : `no worker took a share of ${calls} calls: ${JSON.stringify(st)}`;
}

/** Cross-origin isolated page: the workers boot, then large matmuls run on them and match cpu. */
export async function wasmThreads(api: WasmPageApi, check: CheckFn, info: Record<string, unknown>): Promise<void> {
  await check(`Web Workers boot and report ready (${THREADS} threads)`, async () => {
    const waited = await waitForThreads(api, THREADS, 15_000);
    const st = api.wasmStatus();
    info['wasmStatus'] = st;
    info['workerWaitMs (after the gpu.js checks)'] = waited;
    if (!st.sharedMemory) return `wasm memory is not shared on an isolated page: ${JSON.stringify(st)}`;
    return st.threads === THREADS && st.activeThreads === THREADS ? null : `workers did not start within 15 s: ${JSON.stringify(st)}`;
  });
  await check('large matmuls run in parallel on the Web Workers and match cpu', () => parallelMatmuls(api, info));
}

/**
 * Inside a dedicated Web Worker (where Atomics.wait is allowed): wasm is the default, its own nested Web Workers
 * boot on shared memory, and large matmuls run on them and match cpu. Returns the failure or null, with info.
 */
export async function insideWorker(api: WasmPageApi): Promise<{ detail: string | null; info: Record<string, unknown> }> {
  const info: Record<string, unknown> = {};
  const initial = api.getBackend();
  if (initial !== 'wasm') return { detail: `default backend in a worker is '${initial}'`, info };
  if (!globalThis.crossOriginIsolated) return { detail: 'the worker is not cross-origin isolated', info };
  if (!(await api.wasmReady())) return { detail: `wasmReady() false: ${JSON.stringify(api.wasmStatus())}`, info };
  api.configureWasm({ threads: THREADS });
  const n = 128;
  const a = normal(api, 1, n * n);
  api.backendKernels('wasm').matmul(a, a, spec(n, n, n)); // starts the nested workers
  info['bootMs'] = await waitForThreads(api, THREADS, 15_000);
  const st = api.wasmStatus();
  info['wasmStatus'] = st;
  if (!st.sharedMemory || st.activeThreads !== THREADS) return { detail: `nested workers did not start within 15 s: ${JSON.stringify(st)}`, info };
  return { detail: await parallelMatmuls(api, info), info };
}

/** Post `message` ('run' or 'bench') to a fresh module Web Worker (worker.js, from worker-page.ts) and await its answer. */
export async function askWorker(message: 'run' | 'bench', timeoutMs: number): Promise<{ detail: string | null; info: Record<string, unknown> }> {
  const worker = new Worker('./worker.js', { type: 'module', name: 'hopgrad-worker-check' });
  try {
    return await new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`the worker sent no result within ${timeoutMs} ms`)), timeoutMs);
      worker.onmessage = (e: MessageEvent<{ detail: string | null; info: Record<string, unknown> }>) => { clearTimeout(timer); ok(e.data); };
      worker.onerror = (e) => { clearTimeout(timer); fail(new Error(`worker error: ${e.message}`)); };
      worker.postMessage(message);
    });
  } finally {
    worker.terminate();
  }
}

/** Isolated page: run insideWorker in a module Web Worker. */
export async function wasmInWorker(check: CheckFn, info: Record<string, unknown>): Promise<void> {
  await check('inside a Web Worker: wasm on nested Web Workers (Atomics.wait allowed) matches cpu', async () => {
    const r = await askWorker('run', 30_000);
    info['insideWorker'] = r.info;
    return r.detail;
  });
}

/** Page without COOP/COEP: not isolated, unshared memory, one thread, still correct. */
export async function wasmSingle(api: WasmPageApi, check: CheckFn): Promise<void> {
  await check('without COOP/COEP the page is not cross-origin isolated', () =>
    (globalThis.crossOriginIsolated ? 'crossOriginIsolated is true on a page served without COOP/COEP' : null));
  await check('wasm runs single-threaded on unshared memory, and large matmuls match cpu', async () => {
    const wasm = api.backendKernels('wasm');
    const n = 256, s = spec(n, n, n);
    const a = normal(api, 101, n * n), b = normal(api, 102, n * n);
    const want = api.backendKernels('cpu').matmul(a, b, s);
    api.resetWasmStats();
    for (let i = 0; i < 3; i++) {
      const miss = matmulMiss(a, b, s, wasm.matmul(a, b, s), want);
      if (miss) return miss;
      await sleep(20);
    }
    const st = api.wasmStatus(), stats = api.wasmStats();
    if (st.sharedMemory || st.activeThreads !== 1 || st.threads !== THREADS) return `status ${JSON.stringify(st)}`;
    if ((stats.wasm['matmul'] ?? 0) !== 3 || Object.keys(stats.parallel).length > 0) return `stats ${JSON.stringify(stats)}`;
    return null;
  });
}

/**
 * W1 (C = A·B, A = normal(101), B = normal(102)) on 1 and 2 threads: with the workers up, calls alternate between
 * one thread (minParallelWork above the call's work) and two, so both see the same machine load; median, min and
 * max of `reps` calls each after a warm-up, GFLOP/s of the median, and the check value mean|C|.
 */
export async function wasmTiming(api: WasmPageApi, info: Record<string, unknown>, reps = 9): Promise<void> {
  const wasm = api.backendKernels('wasm');
  const out: Record<string, unknown> = {};
  const keep = api.wasmOptions();
  api.configureWasm({ threads: THREADS });
  for (const n of [512, 1024]) {
    const a = normal(api, 101, n * n), b = normal(api, 102, n * n), s = spec(n, n, n);
    const t0 = performance.now();
    while (api.wasmStatus().activeThreads < THREADS && performance.now() - t0 < 15_000) { wasm.matmul(a, b, s); await sleep(20); }
    const ts: Record<number, number[]> = { 1: [], [THREADS]: [] };
    let c = wasm.matmul(a, b, s);
    api.resetWasmStats();
    for (let i = 0; i < reps; i++) {
      for (const threads of i % 2 === 0 ? [1, THREADS] : [THREADS, 1]) {
        api.configureWasm({ minParallelWork: threads === 1 ? 2 ** 52 : keep.minParallelWork });
        const t = performance.now();
        c = wasm.matmul(a, b, s);
        ts[threads]!.push(performance.now() - t);
        await sleep(0);
      }
    }
    api.configureWasm({ minParallelWork: keep.minParallelWork });
    let sum = 0;
    for (let i = 0; i < c.length; i++) sum += Math.abs(c[i]!);
    const r2 = (x: number): number => Math.round(x * 100) / 100;
    for (const threads of [1, THREADS]) {
      const t = ts[threads]!.sort((x, y) => x - y);
      const ms = t[Math.floor(t.length / 2)]!;
      out[`W1 n=${n} threads=${threads}`] = {
        medianMs: r2(ms), minMs: r2(t[0]!), maxMs: r2(t[t.length - 1]!), gflops: r2((2 * n ** 3) / ms / 1e6),
        meanAbsC: Math.round((sum / c.length) * 1e4) / 1e4, activeThreads: api.wasmStatus().activeThreads,
      };
    }
    out[`W1 n=${n} stats`] = api.wasmStats();
  }
  info['wasmTiming'] = out;
}
