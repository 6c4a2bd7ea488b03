// Unit tests of the wasm backend: the generated module, registration and public ops through setBackend('wasm'),
// options validation, per-call cpu fallback (float64, int32, unsupported ops and broadcasts), memory reuse once
// warm, the exp accuracy bound the parity tolerances rely on, the thread pool (workers start, jobs split, a
// worker that never joins costs no wait; the claiming protocol: every task of a job runs exactly once whatever
// the workers' delays and however many of them the job is offered to; the back-off after dispatches that lost
// time) and a process with running workers exiting by itself. Kernel parity on random shapes is property-tested
// in property-tests/wasm-parity.test.ts.
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import '../src/tensor/backend/wasm/index.js';
import { backendKernels, listBackends, setBackend, withBackend } from '../src/tensor/backend/index.js';
import { cpuBackend } from '../src/tensor/backend/cpu/index.js';
import type { MatmulSpec } from '../src/tensor/backend/backend.js';
import { HopgradError } from '../src/tensor/errors.js';
import { tensor } from '../src/tensor/creation.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { layerNorm, logSoftmax, matmul, softmax } from '../src/autograd/ops/index.js';
import {
  WASM_DEFAULTS, configureWasm, resetWasmStats, stopWasmThreads, wasmAvailable, wasmModuleBytes, wasmOptions,
  wasmStats, wasmStatus,
} from '../src/tensor/backend/wasm/index.js';
import { DispatchBackoff, POOL_LAYOUT, type Spawner, ThreadPool } from '../src/tensor/backend/wasm/threads.js';
import { BINARY_ARGS, WASM_BINARY_OPS } from '../src/tensor/backend/wasm/gen-elementwise.js';
import { COUNTER } from '../src/tensor/backend/wasm/gen-common.js';
import { JOB } from '../src/tensor/backend/wasm/module.js';
import { platformSpawner } from '../src/tensor/backend/wasm/platform.js';
import { relaxedSimdSupported } from '../src/tensor/backend/wasm/module.js';

const wasm = backendKernels('wasm');
const rand = (n: number, seed: number): Float32Array => {
  let s = seed;
  return Float32Array.from({ length: n }, () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 1073741824 - 1; });
};
const spec = (m: number, k: number, n: number, batch = 1, transA = false, transB = false): MatmulSpec =>
  ({ batch, m, k, n, transA, transB, aIndex: new Int32Array(batch), bIndex: new Int32Array(batch) });
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

afterAll(() => {
  configureWasm({ ...WASM_DEFAULTS });
  setBackend('cpu');
});

describe('the generated module', () => {
  it('is WebAssembly with SIMD, built here, in a shared and an unshared variant that both validate', () => {
    expect(wasmAvailable()).toBe(true);
    for (const shared of [false, true]) {
      const bytes = wasmModuleBytes(shared);
      expect([...bytes.subarray(0, 8)]).toEqual([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
      expect(WebAssembly.validate(bytes)).toBe(true);
      const mod = new WebAssembly.Module(bytes);
      expect(WebAssembly.Module.exports(mod).map((e) => e.name)).toContain('run');
      expect(WebAssembly.Module.imports(mod)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    }
    expect(wasmModuleBytes(true)).not.toEqual(wasmModuleBytes(false)); // only the memory import's flags differ
  });
});

describe('registration and public ops', () => {
  it("registers 'wasm' and runs matmul, softmax, logSoftmax and layerNorm like cpu", () => {
    expect(listBackends()).toContain('wasm');
    const a = tensor(Array.from(rand(2 * 3 * 37 * 45, 1)), { dtype: 'float32' }).reshape([2, 3, 37, 45]);
    const b = tensor(Array.from(rand(45 * 29, 2)), { dtype: 'float32' }).reshape([45, 29]);
    const ops: [string, () => Tensor][] = [
      ['matmul', () => matmul(a, b)],
      ['matmul of transposes', () => matmul(b.transpose(0, 1), a.transpose(-1, -2))],
      ['softmax', () => softmax(a, -1)],
      ['logSoftmax', () => logSoftmax(a, 2)],
      ['layerNorm', () => layerNorm(a, [45])],
    ];
    configureWasm({ minWork: 0 });
    for (const [name, f] of ops) {
      const want = withBackend('cpu', f);
      resetWasmStats();
      const got = withBackend('wasm', f);
      expect(got.shape, name).toEqual(want.shape);
      expect(maxAbsDiff(got.dataSync(), want.dataSync()), name).toBeLessThan(1e-5);
      expect(Object.values(wasmStats().wasm).reduce((s, v) => s + v, 0), name).toBeGreaterThan(0);
    }
    configureWasm({ minWork: WASM_DEFAULTS.minWork });
  });

  it('validates configureWasm options with HopgradError, leaving the options unchanged', () => {
    const before = wasmOptions();
    expect(() => configureWasm({ threads: 0 })).toThrow(HopgradError);
    expect(() => configureWasm({ threads: 1.5 })).toThrow(/threads must be an integer/);
    expect(() => configureWasm({ blockM: 6 })).toThrow(/blockM must be a multiple of 4/);
    expect(() => configureWasm({ minWork: -1 })).toThrow(HopgradError);
    expect(() => configureWasm(null as unknown as object)).toThrow(/options must be an object/);
    expect(() => configureWasm({ relaxedSimd: 1 as unknown as boolean })).toThrow(/relaxedSimd must be a boolean/);
    expect(() => configureWasm({ loadAware: 'yes' as unknown as boolean })).toThrow(/loadAware must be a boolean/);
    expect(wasmOptions()).toEqual(before);
  });
});

describe('fallbacks and fresh results', () => {
  it('uses the cpu kernel for float64/int32 data, unsupported ops and broadcasts, and tiny calls', () => {
    configureWasm({ minWork: 0 });
    resetWasmStats();
    const a64 = Float64Array.from(rand(12, 3)), b64 = Float64Array.from(rand(12, 4));
    expect(wasm.matmul(a64, b64, spec(3, 4, 3))).toEqual(cpuBackend.matmul(a64, b64, spec(3, 4, 3)));
    const i32 = Int32Array.from([1, -2, 3, 4]);
    expect(wasm.unary('neg', i32, 'int32')).toEqual(Int32Array.from([-1, 2, -3, -4]));
    const x = rand(24, 5);
    expect(wasm.unary('tanh', x, 'float32')).toEqual(cpuBackend.unary('tanh', x, 'float32'));
    expect(wasm.binary('pow', x, [1], x, [1], [24], 'float32')).toEqual(cpuBackend.binary('pow', x, [1], x, [1], [24], 'float32'));
    // a permuted operand is not a [rows, cols] view
    expect(wasm.binary('add', x, [1, 4], x, [6, 1], [4, 6], 'float32')).toEqual(cpuBackend.binary('add', x, [1, 4], x, [6, 1], [4, 6], 'float32'));
    expect(wasmStats().fallback).toEqual({ matmul: 1, unary: 2, binary: 2 });
    configureWasm({ minWork: WASM_DEFAULTS.minWork });
    resetWasmStats();
    wasm.softmax(x, 4, 6);
    expect(wasmStats()).toEqual({ wasm: {}, parallel: {}, fallback: { softmax: 1 } });
  });

  it('returns a fresh array each call', () => {
    const x = rand(5000, 6);
    const r1 = wasm.unary('exp', x, 'float32');
    const r2 = wasm.unary('exp', x, 'float32');
    expect(r1).not.toBe(r2);
    expect(r1).toEqual(r2);
    r1[0] = 42;
    expect(r2[0]).not.toBe(42);
  });
});

describe('memory', () => {
  it('stops growing once warm: repeated calls of one size allocate no wasm memory', () => {
    const a = rand(200 * 300, 7), b = rand(300 * 150, 8);
    wasm.matmul(a, b, spec(200, 300, 150));
    wasm.softmax(a, 200, 300);
    const warm = wasmStatus().memoryBytes;
    for (let i = 0; i < 10; i++) {
      wasm.matmul(a, b, spec(200, 300, 150));
      wasm.softmax(a, 200, 300);
      wasm.binary('mul', a, [1], a, [1], [a.length], 'float32');
    }
    expect(wasmStatus().memoryBytes).toBe(warm);
  });
});

describe('exp', () => {
  it('errs by less than 1 ulp on a sample of float32 inputs in [−104, 89] (the bound the tolerances use)', () => {
    const n = 1 << 18;
    const x = Float32Array.from({ length: n }, (_, i) => -104 + (193 * (i + 0.5)) / n + ((i * 7919) % 97) * 1e-6);
    const y = wasm.unary('exp', x, 'float32');
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const t = Math.exp(x[i]!);
      if (Math.fround(t) === Infinity) { expect(y[i]).toBe(Infinity); continue; }
      const ulp = t < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(t)) - 23);
      worst = Math.max(worst, Math.abs(y[i]! - t) / ulp);
    }
    expect(worst).toBeLessThan(1);
    expect(wasm.unary('exp', Float32Array.from([-Infinity, Infinity, NaN, 0, -0]), 'float32')).toEqual(Float32Array.from([0, Infinity, NaN, 1, 1]));
  });
});

describe('relaxed SIMD', () => {
  it('relaxedSimd: false rebuilds the module with mul + add; true uses relaxed_madd exactly where the engine has it', () => {
    const a = rand(40 * 50, 11), b = rand(50 * 30, 12);
    const want = cpuBackend.matmul(a, b, spec(40, 50, 30));
    for (const relaxedSimd of [false, true, false, true]) {
      configureWasm({ relaxedSimd });
      expect(maxAbsDiff(wasm.matmul(a, b, spec(40, 50, 30)), want)).toBeLessThan(1e-4);
      expect(wasmStatus().relaxedSimd).toBe(relaxedSimd && relaxedSimdSupported());
    }
  });

  it('the relaxed_madd GEMM matches cpu within the matmul tolerance (Node 20: in a child with the V8 flag)', () => {
    const entry = fileURLToPath(new URL('../src/tensor/backend/index.ts', import.meta.url));
    const cpuEntry = fileURLToPath(new URL('../src/tensor/backend/cpu/index.ts', import.meta.url));
    const wasmEntry = fileURLToPath(new URL('../src/tensor/backend/wasm/index.ts', import.meta.url));
    const script = `
      import { backendKernels } from ${JSON.stringify(entry)};
      import { cpuBackend } from ${JSON.stringify(cpuEntry)};
      import { configureWasm, wasmStatus } from ${JSON.stringify(wasmEntry)};
      configureWasm({ minWork: 0, blockK: 32 });
      const w = backendKernels('wasm');
      let worst = 0, s = 7;
      const r = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 1073741824 - 1; };
      for (const [m, k, n, tA, tB, batch] of [[5, 7, 9, 0, 0, 1], [67, 100, 45, 1, 0, 2], [64, 64, 64, 0, 1, 1], [33, 57, 17, 1, 1, 3]]) {
        const a = Float32Array.from({ length: batch * m * k }, r), b = Float32Array.from({ length: k * n }, r);
        const spec = { batch, m, k, n, transA: !!tA, transB: !!tB, aIndex: Int32Array.from({ length: batch }, (_, i) => i), bIndex: new Int32Array(batch) };
        const got = w.matmul(a, b, spec), want = cpuBackend.matmul(a, b, spec);
        for (let t = 0; t < got.length; t++) {
          const bt = Math.floor(t / (m * n)), i = Math.floor(t / n) % m, j = t % n;
          let sum = 0;
          for (let p = 0; p < k; p++) sum += Math.abs(a[bt * m * k + (tA ? p * m + i : i * k + p)]) * Math.abs(b[tB ? j * k + p : p * n + j]);
          worst = Math.max(worst, Math.abs(got[t] - want[t]) / (2 * (k + 2) * 2 ** -23 * sum + k * 2 ** -125));
        }
      }
      console.log(JSON.stringify({ relaxed: wasmStatus().relaxedSimd, worst }));`;
    const flags = relaxedSimdSupported() ? [] : ['--experimental-wasm-relaxed-simd'];
    const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { relaxed: boolean; worst: number };
    expect(out.relaxed).toBe(true);
    expect(out.worst).toBeLessThanOrEqual(1);
  });
});

describe('threads', () => {
  it('starts workers on the first large call and splits jobs over them', async () => {
    configureWasm({ threads: 2, minParallelWork: 0 }); // 0: every call split, never throttled
    const a = rand(96 * 80, 9), b = rand(80 * 72, 10);
    const want = cpuBackend.matmul(a, b, spec(96, 80, 72));
    const deadline = Date.now() + 20_000;
    while (wasmStatus().activeThreads < 2 && Date.now() < deadline) {
      wasm.matmul(a, b, spec(96, 80, 72));
      await sleep(20);
    }
    expect(wasmStatus()).toMatchObject({ sharedMemory: true, threads: 2, activeThreads: 2 });
    resetWasmStats();
    for (let i = 0; i < 5; i++) expect(maxAbsDiff(wasm.matmul(a, b, spec(96, 80, 72)), want)).toBeLessThan(1e-4);
    expect(wasmStats().parallel.matmul).toBe(10); // pack + gemm jobs of 5 calls
    stopWasmThreads();
    expect(wasmStatus().activeThreads).toBe(1);
    configureWasm({ threads: 1 });
    resetWasmStats();
    wasm.matmul(a, b, spec(96, 80, 72));
    expect(wasmStats().parallel).toEqual({});
  });

  it('never waits for a worker that does not join, and runs on one thread when workers cannot start', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
    const module = new WebAssembly.Module(wasmModuleBytes(true));
    const silent = new ThreadPool(memory, module, 16, 1, () => ({ terminate: () => undefined }));
    expect(silent.threads()).toBe(2);
    let ran = 0;
    const t0 = Date.now();
    expect(silent.dispatch(0, 0, 2, () => { ran++; })).toBe(true);
    expect(ran).toBe(1);
    expect(Date.now() - t0).toBeLessThan(1000);
    const failing = new ThreadPool(memory, module, 100, 2, () => null);
    expect(failing.threads()).toBe(1);
    expect(failing.isBroken()).toBe(true);
  });

  it('backs off from the workers after dispatches that idled longer than they worked: 2, 4, … 100 ms, reset by one that pays', () => {
    const b = new DispatchBackoff();
    expect(b.allows(0)).toBe(true);
    b.record(1, 0.2, 0); // idled less than it worked: fine
    b.record(0.01, 0.04, 0); // tiny job, idle under 50 µs: never a loss
    expect([b.allows(0), b.stepMs]).toEqual([true, 0]);
    b.record(0.5, 3, 10); // waited 3 ms for a descheduled worker after 0.5 ms of its own work
    expect([b.allows(11.9), b.allows(12), b.stepMs]).toEqual([false, true, 2]);
    const steps: number[] = [];
    for (let i = 0; i < 8; i++) { b.record(0, 1, 100 * i); steps.push(b.stepMs); } // the caller preempted: all idle
    expect(steps).toEqual([4, 8, 16, 32, 64, 100, 100, 100]);
    expect([b.allows(799), b.allows(800)]).toEqual([false, true]);
    b.record(1, 0.7, 800); // between: neither a loss nor a clear win, the step stays
    expect(b.stepMs).toBe(100);
    b.record(1, 0.5, 801); // paid: reset
    expect([b.allows(801), b.stepMs]).toEqual([true, 0]);
  });

  it('runtime: split jobs the back-off keeps from the workers run on the caller, counted as throttled', () => {
    configureWasm({ threads: 2, minParallelWork: 1, loadAware: true });
    const a = rand(96 * 80, 9), b = rand(80 * 72, 10);
    const want = cpuBackend.matmul(a, b, spec(96, 80, 72));
    resetWasmStats();
    for (let i = 0; i < 20; i++) expect(maxAbsDiff(wasm.matmul(a, b, spec(96, 80, 72)), want)).toBeLessThan(1e-4);
    expect(wasmStats().parallel.matmul).toBe(40); // pack + gemm of 20 calls, whether offered to the workers or not
    configureWasm({ loadAware: false });
    resetWasmStats();
    for (let i = 0; i < 5; i++) expect(maxAbsDiff(wasm.matmul(a, b, spec(96, 80, 72)), want)).toBeLessThan(1e-4);
    expect(wasmStats().throttled).toBeUndefined(); // loadAware: false offers every split job to the workers
    configureWasm({ ...WASM_DEFAULTS });
  });

  it('a process with running worker threads exits by itself', () => {
    const entry = fileURLToPath(new URL('../src/tensor/backend/index.ts', import.meta.url));
    const wasmEntry = fileURLToPath(new URL('../src/tensor/backend/wasm/index.ts', import.meta.url));
    const script = `
      import { backendKernels } from ${JSON.stringify(entry)};
      import { configureWasm, wasmStatus } from ${JSON.stringify(wasmEntry)};
      configureWasm({ threads: 2, minParallelWork: 0 });
      const w = backendKernels('wasm');
      const a = new Float32Array(64 * 64).fill(1);
      const s = { batch: 1, m: 64, k: 64, n: 64, transA: false, transB: false, aIndex: new Int32Array(1), bIndex: new Int32Array(1) };
      const t0 = Date.now();
      while (wasmStatus().activeThreads < 2 && Date.now() - t0 < 10000) { w.matmul(a, a, s); await new Promise((r) => setTimeout(r, 10)); }
      console.log(wasmStatus().activeThreads, w.matmul(a, a, s)[0]);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('2 64');
    expect(r.status).toBe(0);
  });
});

describe('the claiming protocol (real workers, random delays)', () => {
  // two pools of 3 workers on one shared memory: workers that claim at once, and workers that spin a random
  // 0–300 µs before each claim (late or descheduled workers); the caller runs tid 0 after its own random delay
  const memory = new WebAssembly.Memory({ initial: 80, maximum: 80, shared: true } as WebAssembly.MemoryDescriptor);
  const module = new WebAssembly.Module(wasmModuleBytes(true));
  const run = (new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as { run: (job: number, args: number, tid: number, nth: number) => void }).run;
  const i32 = new Int32Array(memory.buffer), f32 = new Float32Array(memory.buffer);
  const spawner = platformSpawner();
  const jittered = (us: number): Spawner => (init, onFail) => spawner!({ ...init, jitterUs: us }, onFail);
  const pools = spawner ? [new ThreadPool(memory, module, 16, 3, jittered(0)), new ThreadPool(memory, module, 16 + 72, 3, jittered(300))] : [];
  afterAll(() => { for (const p of pools) p.close(); });
  const ARGS = 4096, ONE = 4096 + 128, X = 8192; // data: at most 64 × 16384 floats (< 80 pages)
  const spinUs = (us: number): void => { const until = performance.now() + us / 1000; while (performance.now() < until); };

  it('runs every task of a job exactly once, whatever the delays and however many workers it is offered to', async () => {
    expect(spawner).not.toBeNull();
    const deadline = Date.now() + 20_000;
    while (pools.some((p) => p.readyWorkers() < 3) && Date.now() < deadline) await sleep(10);
    expect(pools.map((p) => p.readyWorkers())).toEqual([3, 3]);
    const B = BINARY_ARGS, a = ARGS / 4;
    f32[ONE / 4] = 1;
    let joined = 0;
    const seed = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {};
    fc.assert(fc.property(
      fc.record({ pool: fc.integer({ min: 0, max: 1 }), rows: fc.integer({ min: 1, max: 64 }), cols: fc.integer({ min: 1, max: 16384 }),
        nth: fc.integer({ min: 2, max: 4 }), helpers: fc.integer({ min: 0, max: 3 }), callerDelayUs: fc.integer({ min: 0, max: 1000 }) }),
      ({ pool, rows, cols, nth, helpers, callerDelayUs }) => {
        // the binary job adds 1 to every element in place, one task per row (long rows: a task takes a while, so a
        // worker is often still in one when the caller runs out): a row run twice gains 2, a lost one 0
        const n = rows * cols;
        for (let i = 0; i < n; i++) f32[X / 4 + i] = i;
        i32.fill(0, a, a + B.size);
        i32[a + B.op] = WASM_BINARY_OPS.indexOf('add'); i32[a + B.a] = X; i32[a + B.aStride] = cols; i32[a + B.aVec] = 1;
        i32[a + B.b] = ONE; i32[a + B.bStride] = 0; i32[a + B.bVec] = 0; i32[a + B.out] = X; i32[a + B.rows] = rows; i32[a + B.cols] = cols;
        i32[a + COUNTER] = 0;
        const p = pools[pool]!;
        const ok = p.dispatch(JOB.binary, ARGS, nth, () => { spinUs(callerDelayUs); run(JOB.binary, ARGS, 0, nth); }, helpers);
        // at once: every worker that joined has finished (its done word holds this generation), the data is final
        const gen = Atomics.load(i32, p.base + POOL_LAYOUT.GEN);
        const finished = [0, 1, 2].filter((w) => Atomics.load(i32, p.base + POOL_LAYOUT.DONE + w) === gen).length;
        const out = f32.slice(X / 4, X / 4 + n);
        expect(finished).toBeGreaterThanOrEqual(p.lastJoined);
        expect(ok).toBe(true);
        expect(p.lastJoined).toBeLessThanOrEqual(Math.min(helpers, nth - 1));
        expect(p.lastMainMs).toBeGreaterThanOrEqual(callerDelayUs / 1000);
        expect(p.lastIdleMs).toBeGreaterThanOrEqual(0);
        joined += p.lastJoined;
        for (let i = 0; i < n; i++) if (out[i] !== i + 1) expect(`element ${i} (row ${Math.floor(i / cols)}): ${out[i]}`).toBe(`element ${i} (row ${Math.floor(i / cols)}): ${i + 1}`);
      }), { numRuns: 300, ...seed });
    expect(joined).toBeGreaterThan(0); // the workers really took part
  });

  it('a job offered to no worker runs on the caller alone, and no worker joins it', () => {
    const p = pools[0]!;
    let ran = 0;
    for (let i = 0; i < 20; i++) {
      expect(p.dispatch(JOB.binary, ARGS, 4, () => { ran++; }, 0)).toBe(true);
      expect(p.lastJoined).toBe(0);
    }
    expect(ran).toBe(20);
  });
});
