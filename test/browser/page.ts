// The in-page browser test: imports the built hopgrad bundle (the bare specifier 'hopgrad', mapped by the page's
// import map; the harness rewrites this file's import of src/index.js to it), then checks gpu detection, that
// setBackend('auto') picks wasm, not gpu.js, on a software renderer, gpujs-vs-cpu parity in gpu.js's WebGL2 mode (the same
// arbitraries and tolerances as the Node property test), the wasm backend (wasm-checks.ts: default backend, parity,
// Web Workers on shared memory), and measures matmul. With ?coi=0 the page is served without COOP/COEP and runs
// only the wasm checks, single-threaded. Results go to window.__hopgrad.
import fc from 'fast-check';
import * as hopgrad from '../../src/index.js';
import type * as GpujsModule from '../../src/tensor/backend/gpujs/index.js';
import type { Backend, MatmulSpec } from '../../src/tensor/backend/backend.js';
import { type ParityCase, checkParity, coverageSample, parityCases, runCase, worstRatio } from './parity-cases.js';
import { WASM_REQUIRED, type WasmPageApi, askWorker, wasmInWorker, wasmParity, wasmSingle, wasmStart, wasmThreads, wasmTiming } from './wasm-checks.js';

/** What the page needs from the public entry (checked at run time, so a missing export is a clear failure). */
type Api = Pick<typeof GpujsModule, 'DEFAULT_MIN_WORK' | 'configureGpujs' | 'detectGpu' | 'gpujsStatus' | 'gpujsStats' | 'resetGpujsStats' |
  'gpujsFailures' | 'GPUJS_KERNELS' | 'GPUJS_UNARY_OPS' | 'GPUJS_BINARY_OPS' | 'GPUJS_REDUCE_OPS'> & {
  backendKernels(name: string): Backend;
  setBackend(name: string): unknown;
  getBackend(): string;
} & WasmPageApi;
const REQUIRED: readonly (keyof Api)[] = ['backendKernels', 'setBackend', 'getBackend', 'DEFAULT_MIN_WORK', 'configureGpujs', 'detectGpu',
  'gpujsStatus', 'gpujsStats', 'resetGpujsStats', 'gpujsFailures', 'GPUJS_KERNELS', 'GPUJS_UNARY_OPS', 'GPUJS_BINARY_OPS', 'GPUJS_REDUCE_OPS',
  ...WASM_REQUIRED];

/** One named check of the page's report. */
export interface PageCheck { name: string; ok: boolean; detail: string; ms: number }
/** The page's report, read by the harness from window.__hopgrad. */
export interface PageReport { done: true; checks: PageCheck[]; info: Record<string, unknown> }

const params = new URLSearchParams(location.search);
const numRuns = Number(params.get('runs') ?? 30);
const seed = params.has('seed') ? Number(params.get('seed')) : Date.now() % 2147483647;
/** ?coi=0: the harness served this page without COOP/COEP. */
const isolatedSuite = params.get('coi') !== '0';
const checks: PageCheck[] = [];
const info: Record<string, unknown> = { seed, numRuns, userAgent: navigator.userAgent };

async function check(name: string, fn: () => string | null | Promise<string | null>): Promise<void> {
  const t0 = performance.now();
  let detail: string | null;
  try { detail = await fn(); } catch (e) { detail = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e); }
  checks.push({ name, ok: detail === null, detail: detail ?? 'ok', ms: Math.round(performance.now() - t0) });
  await new Promise((r) => setTimeout(r, 0)); // let the harness see progress
}

function randomF32(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

/** Median wall time of `reps` calls (after one warm-up call that also compiles). */
function time(fn: () => unknown, reps: number): number {
  fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) { const t0 = performance.now(); fn(); ts.push(performance.now() - t0); }
  ts.sort((x, y) => x - y);
  return Math.round(ts[Math.floor(reps / 2)]! * 10) / 10;
}

async function main(): Promise<void> {
  const lib = hopgrad as unknown as Partial<Api>; // narrowed below: every REQUIRED member is checked
  const initialBackend = typeof lib.getBackend === 'function' ? lib.getBackend() : '(no getBackend)';
  const missing = REQUIRED.filter((k) => lib[k] === undefined);
  await check('public entry exports the backend API', () => (missing.length === 0 ? null
    : `the bundle built from the public entry lacks: ${missing.join(', ')} (src/index.ts must re-export them from ./tensor/backend/gpujs/index.js)`));
  if (missing.length > 0) return;
  const api = lib as Api;

  if (!isolatedSuite) {
    await wasmStart(api, check, initialBackend, info);
    await wasmSingle(api, check);
    await wasmParity(api, check, numRuns, seed, false);
    return;
  }
  await check('page is cross-origin isolated (COOP/COEP)', () => (globalThis.crossOriginIsolated ? null : 'crossOriginIsolated is false'));
  await wasmStart(api, check, initialBackend, info); // starts the Web Workers, which boot during the gpu.js checks

  await check('detectGpu reports SwiftShader as software', () => {
    const d = api.detectGpu({ refresh: true });
    info['detectGpu'] = d;
    if (!d.renderer || !/swiftshader/i.test(d.renderer)) return `renderer ${JSON.stringify(d.renderer)} does not name SwiftShader (${d.reason})`;
    return d.software && !d.available ? null : `expected software && !available, got ${JSON.stringify(d)}`;
  });

  await check("setBackend('auto') skips gpu.js on a software renderer (wasm SIMD instead)", () => {
    const initial = api.getBackend();
    api.setBackend('auto');
    const b = api.getBackend();
    api.setBackend('cpu');
    if (!api.wasmAvailable()) return 'WebAssembly SIMD is not available in Chromium';
    return b === 'wasm' && initial === 'wasm' ? null : `auto chose '${b}', the default at import was '${initial}'`;
  });

  await check("gpu.js starts in 'webgl2' mode", () => {
    api.configureGpujs({ mode: 'webgl2', minWork: 0 }); // every size on gpu.js
    const s = api.gpujsStatus();
    info['gpujsStatus'] = s;
    return s.kernelMode === 'webgl2' && s.error === null ? null : `status ${JSON.stringify(s)}`;
  });

  const cases = parityCases({ unary: api.GPUJS_UNARY_OPS, binary: api.GPUJS_BINARY_OPS, reduce: api.GPUJS_REDUCE_OPS });
  const gpujs = api.backendKernels('gpujs');
  const cpu = api.backendKernels('cpu');
  const ratios: Record<string, number> = {};
  info['worst |Δ|/tolerance'] = ratios;
  for (const name of api.GPUJS_KERNELS) {
    await check(`parity webgl2 vs cpu: ${name}`, () => {
      api.resetGpujsStats();
      const r = fc.check(fc.property(cases[name], (c) => {
        const got = runCase(c, gpujs), want = runCase(c, cpu);
        ratios[name] = Math.max(ratios[name] ?? 0, worstRatio(c, got, want));
        const msg = checkParity(c, got, want);
        if (msg) throw new Error(msg);
      }), { numRuns, seed });
      if (r.failed) return `seed ${seed}, counterexample path ${r.counterexamplePath ?? '?'}: ${r.errorInstance instanceof Error ? r.errorInstance.message : String(r.errorInstance)}`;
      // most calls of the fixed coverage sample must really run on gpu.js (the rest check the cpu fallback:
      // cpu-only ops, ±∞, NaN, ...)
      api.resetGpujsStats();
      const sample = coverageSample<ParityCase>(cases[name]);
      for (const c of sample) runCase(c, gpujs);
      const failures = api.gpujsFailures();
      if (Object.keys(failures).length > 0) return `gpu.js kernel errors (calls fell back to cpu): ${JSON.stringify(failures)}`;
      const st = api.gpujsStats();
      const onGpu = st.gpu[name] ?? 0, fell = st.fallback[name] ?? 0;
      return onGpu > fell ? null : `${name}: ${onGpu} gpu.js calls, ${fell} fallbacks on the coverage sample of ${sample.length} cases`;
    });
  }

  api.configureGpujs({ mode: 'gpu', minWork: api.DEFAULT_MIN_WORK });

  await wasmThreads(api, check, info);
  await wasmParity(api, check, numRuns, seed, true);
  await wasmInWorker(check, info);

  // measurements only (never asserted): ?bench=1 matmul on WebGL2/SwiftShader vs the cpu kernel; ?wasmbench=1 W1 on
  // 1 and 2 wasm threads
  if (params.get('bench') === '1') bench(api, gpujs, cpu);
  if (params.get('wasmbench') === '1') {
    await wasmTiming(api, info);
    info['wasmTimingInWorker'] = (await askWorker('bench', 120_000)).info['wasmTiming'];
  }
}

function bench(api: Api, gpujs: Backend, cpu: Backend): void {
  const timings: Record<string, number> = {};
  for (const n of [256, 512]) {
    const a = randomF32(n * n), b = randomF32(n * n);
    const spec: MatmulSpec = { batch: 1, m: n, k: n, n, transA: false, transB: false, aIndex: new Int32Array(1), bIndex: new Int32Array(1) };
    timings[`cpu n=${n} ms`] = time(() => cpu.matmul(a, b, spec), 3);
    timings[`gpujs(webgl2) n=${n} ms`] = time(() => gpujs.matmul(a, b, spec), n === 256 ? 3 : 1);
  }
  info['matmulTimings'] = timings;
  info['gpujsStats'] = api.gpujsStats();
}

const w = window as unknown as { __hopgrad?: PageReport };
main().catch((e: unknown) => {
  checks.push({ name: 'page script', ok: false, detail: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e), ms: 0 });
}).finally(() => {
  w.__hopgrad = { done: true, checks, info };
});
