// Unit tests of the wasm backend: the generated module, registration and public ops through setBackend('wasm'),
// options validation, per-call cpu fallback (float64, int32, unsupported ops and broadcasts), memory reuse once
// warm, the exp accuracy bound the parity tolerances rely on, the thread pool (workers start, jobs split, a
// worker that never joins costs no wait) and a process with running workers exiting by itself. Kernel parity on
// random shapes is property-tested in property-tests/wasm-parity.test.ts.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
import { ThreadPool } from '../src/tensor/backend/wasm/threads.js';
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
    configureWasm({ threads: 2, minParallelWork: 0 });
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
