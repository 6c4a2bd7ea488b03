// Unit tests of the gpujs backend in Node: renderer classification on real renderer strings, detection and
// setBackend('auto') without headless-gl, registration, modes, per-call cpu fallback (float64, int32,
// non-finite, unsupported modes) and fresh result arrays. Kernel parity is property-tested in property-tests/.
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import '../src/tensor/backend/gpujs/index.js';
import { backendKernels, getBackend, listBackends, setBackend } from '../src/tensor/backend/index.js';
import { cpuBackend } from '../src/tensor/backend/cpu/index.js';
import {
  DEFAULT_MIN_WORK, classifyRenderer, configureGpujs, detectGpu, gpujsFailures, gpujsStats, gpujsStatus, resetGpujsStats,
} from '../src/tensor/backend/gpujs/index.js';
import { runKernel } from '../src/tensor/backend/gpujs/runtime.js';
import type { MatmulSpec } from '../src/tensor/backend/backend.js';
import type { GpujsMode } from '../src/tensor/backend/gpujs/index.js';

const SOFTWARE = [
  'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
  'Google SwiftShader',
  'ANGLE (Google, Vulkan 1.1.0 (SwiftShader Device (LLVM 10.0.0) (0x0000C0DE)), SwiftShader driver-5.0.0)',
  'llvmpipe (LLVM 15.0.6, 256 bits)',
  'ANGLE (Mesa, llvmpipe (LLVM 15.0.7, 256 bits), OpenGL 4.5)',
  'ANGLE (Mesa/X.org, Vulkan 1.3.255 (llvmpipe (LLVM 16.0.6, 256 bits) (0x00000000)), llvmpipe)',
  'softpipe',
  'Mesa OffScreen',
  'Microsoft Basic Render Driver',
  'ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)',
  'Apple Software Renderer',
  'GDI Generic',
];
const HARDWARE = [
  'ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 Direct3D11 vs_5_0 ps_5_0, D3D11)',
  'ANGLE (Intel, Intel(R) UHD Graphics 620 Direct3D11 vs_5_0 ps_5_0, D3D11)',
  'ANGLE (AMD, AMD Radeon RX 6800 XT (0x000073BF) Direct3D11 vs_5_0 ps_5_0, D3D11)',
  'ANGLE (Apple, ANGLE Metal Renderer: Apple M1, Unspecified Version)',
  'ANGLE (Intel, Mesa Intel(R) Xe Graphics (TGL GT2), OpenGL 4.6)',
  'Mesa Intel(R) UHD Graphics 620 (KBL GT2)',
  'NVIDIA GeForce GTX 1080/PCIe/SSE2',
  'AMD Radeon Pro 5500M OpenGL Engine',
  'Apple GPU',
  'Apple M2',
  'Mali-G78',
  'Adreno (TM) 650',
  'PowerVR Rogue GE8320',
];
const UNKNOWN = ['WebKit WebGL', 'ANGLE', 'Mozilla', '', '  '];

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const spec = (m: number, k: number, n: number): MatmulSpec =>
  ({ batch: 1, m, k, n, transA: false, transB: false, aIndex: new Int32Array(1), bIndex: new Int32Array(1) });

/** Same dtype, same length, same values (NaN and ±0 included). */
function expectIdentical(got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.constructor).toBe(want.constructor);
  expect(Array.from(got).map(String)).toEqual(Array.from(want).map(String));
}

afterAll(() => { configureGpujs({ mode: 'gpu', minWork: DEFAULT_MIN_WORK }); setBackend('cpu'); });

describe('classifyRenderer', () => {
  it.each(SOFTWARE)('software: %s', (r) => expect(classifyRenderer(r)).toBe('software'));
  it.each(HARDWARE)('hardware: %s', (r) => expect(classifyRenderer(r)).toBe('hardware'));
  it.each(UNKNOWN)('unknown: %j', (r) => expect(classifyRenderer(r)).toBe('unknown'));
});

describe('detection and registration in Node without headless-gl', () => {
  it('detectGpu explains that no GPU is reachable', () => {
    const d = detectGpu({ refresh: true });
    expect(d).toMatchObject({ available: false, renderer: null, software: false });
    expect(d.reason).toMatch(/gl/);
  });

  it("registers 'gpujs'; auto keeps cpu; gpujs can still be chosen explicitly", () => {
    expect(listBackends()).toContain('gpujs');
    expect(setBackend('auto').name).toBe('cpu');
    expect(setBackend('gpujs').name).toBe('gpujs');
    expect(getBackend()).toBe('gpujs');
    setBackend('cpu');
  });

  it('importing the module again never throws', async () => {
    vi.resetModules();
    await expect(import('../src/tensor/backend/gpujs/index.js')).resolves.toHaveProperty('detectGpu');
  });
});

describe('modes', () => {
  beforeEach(() => resetGpujsStats());

  it.each<[GpujsMode, string]>([['cpu', 'cpu'], ['webasm', 'webasm'], ['gpu', 'webasm']])("mode '%s' runs gpu.js's %s kernels", (mode, kernelMode) => {
    configureGpujs({ mode, minWork: 0 });
    expect(gpujsStatus()).toMatchObject({ mode, kernelMode, started: true, error: null });
    const out = backendKernels('gpujs').matmul(f32(1, 2, 3, 4), f32(5, 6, 7, 8), spec(2, 2, 2));
    expectIdentical(out, f32(19, 22, 43, 50));
    expect(gpujsStats().gpu['matmul']).toBe(1);
  });

  it.each<GpujsMode>(['headlessgl', 'webgl2', 'webgl'])("mode '%s' cannot start here: every kernel uses cpu", (mode) => {
    configureGpujs({ mode, minWork: 0 });
    expect(gpujsStatus()).toMatchObject({ mode, started: false, kernelMode: null });
    expect(gpujsStatus().error).toMatch(/not supported/);
    const x = f32(1, -2, 3);
    expectIdentical(backendKernels('gpujs').unary('exp', x, 'float32'), cpuBackend.unary('exp', x, 'float32'));
    expect(gpujsStats().fallback['unary']).toBe(1);
  });

  it('rejects unknown modes and negative thresholds', () => {
    expect(() => configureGpujs({ mode: 'metal' as GpujsMode })).toThrow(/unknown mode/);
    expect(() => configureGpujs({ minWork: -1 })).toThrow(/minWork/);
    expect(() => configureGpujs({ minWork: NaN })).toThrow(/minWork/);
  });

  it('sends calls below minWork to the cpu kernel', () => {
    configureGpujs({ mode: 'cpu', minWork: 64 });
    expect(gpujsStatus().minWork).toBe(64);
    const g = backendKernels('gpujs');
    g.unary('neg', new Float32Array(63), 'float32');
    g.unary('neg', new Float32Array(64), 'float32');
    g.matmul(new Float32Array(16), new Float32Array(16), spec(4, 4, 4)); // 64 multiply-adds
    g.matmul(new Float32Array(9), new Float32Array(9), spec(3, 3, 3)); // 27
    expect(gpujsStats()).toMatchObject({ gpu: { unary: 1, matmul: 1 }, fallback: { unary: 1, matmul: 1 } });
    configureGpujs({ mode: 'cpu' }); // keeps minWork
    expect(gpujsStatus().minWork).toBe(64);
    configureGpujs({ minWork: DEFAULT_MIN_WORK });
    expect(gpujsStatus()).toMatchObject({ mode: 'cpu', minWork: DEFAULT_MIN_WORK });
  });
});

describe('per-call fallback to the cpu kernels', () => {
  const gpujs = (): ReturnType<typeof backendKernels> => backendKernels('gpujs');
  beforeEach(() => { configureGpujs({ mode: 'cpu', minWork: 0 }); resetGpujsStats(); });

  it('float64 and int32 data never reach gpu.js', () => {
    const a = Float64Array.from([1e-300, 2, 3, 4]);
    expectIdentical(gpujs().matmul(a, a, spec(2, 2, 2)), cpuBackend.matmul(a, a, spec(2, 2, 2)));
    expectIdentical(gpujs().softmax(a, 2, 2), cpuBackend.softmax(a, 2, 2));
    expectIdentical(gpujs().reduce('sum', a, 1, 4, 1), cpuBackend.reduce('sum', a, 1, 4, 1));
    const i = Int32Array.from([2 ** 30 + 1, -7, 3]);
    expectIdentical(gpujs().unary('neg', i, 'int32'), cpuBackend.unary('neg', i, 'int32'));
    expectIdentical(gpujs().binary('add', i, [1], i, [1], [3], 'int32'), cpuBackend.binary('add', i, [1], i, [1], [3], 'int32'));
    expect(gpujsStats().gpu).toEqual({});
  });

  it('NaN and ±Infinity keep the cpu semantics', () => {
    const x = f32(NaN, Infinity, -Infinity, 1, 0, -0);
    for (const op of ['exp', 'neg', 'sign', 'relu'] as const) expectIdentical(gpujs().unary(op, x, 'float32'), cpuBackend.unary(op, x, 'float32'));
    expectIdentical(gpujs().reduce('max', x, 1, 6, 1), cpuBackend.reduce('max', x, 1, 6, 1));
    expectIdentical(gpujs().binary('maximum', x, [1], f32(2), [0], [6], 'float32'), cpuBackend.binary('maximum', x, [1], f32(2), [0], [6], 'float32'));
    expectIdentical(gpujs().matmul(f32(0, Infinity), f32(1, 1), spec(1, 2, 1)), cpuBackend.matmul(f32(0, Infinity), f32(1, 1), spec(1, 2, 1)));
    expectIdentical(gpujs().binary('div', f32(1, -1, 0), [1], f32(0), [0], [3], 'float32'), cpuBackend.binary('div', f32(1, -1, 0), [1], f32(0), [0], [3], 'float32'));
    expect(gpujsStats().gpu).toEqual({});
  });

  it('−Infinity masks run on gpu.js with the cpu results (masked rows included)', () => {
    const x = f32(1, -Infinity, 2, -Infinity, -Infinity, -Infinity);
    for (const k of ['softmax', 'logSoftmax', 'logsumexp'] as const) {
      const got = gpujs()[k](x, 2, 3), want = cpuBackend[k](x, 2, 3);
      expect(got.length).toBe(want.length);
      want.forEach((w, i) => (Number.isFinite(w) ? expect(got[i]).toBeCloseTo(w, 6) : expect(got[i]).toBe(w)));
    }
    expect(gpujsStats().fallback).toEqual({});
  });

  it('out-of-domain inputs and cpu-only ops use the cpu kernel', () => {
    const x = f32(-1, 0, 4);
    for (const op of ['log', 'sqrt', 'rsqrt', 'reciprocal', 'isnan', 'sin'] as const) {
      expectIdentical(gpujs().unary(op, x, 'float32'), cpuBackend.unary(op, x, 'float32'));
    }
    expectIdentical(gpujs().unary('powScalar', x, 'float32', 1.5), cpuBackend.unary('powScalar', x, 'float32', 1.5));
    expectIdentical(gpujs().binary('pow', x, [1], x, [1], [3], 'float32'), cpuBackend.binary('pow', x, [1], x, [1], [3], 'float32'));
    expectIdentical(gpujs().reduce('prod', x, 1, 3, 1), cpuBackend.reduce('prod', x, 1, 3, 1));
    expect(gpujsStats().gpu).toEqual({});
  });

  it('empty shapes use the cpu kernel', () => {
    const e = new Float32Array(0);
    expectIdentical(gpujs().matmul(e, e, spec(0, 3, 0)), cpuBackend.matmul(e, e, spec(0, 3, 0)));
    expectIdentical(gpujs().matmul(e, e, spec(2, 0, 2)), cpuBackend.matmul(e, e, spec(2, 0, 2)));
    expectIdentical(gpujs().softmax(e, 0, 4), cpuBackend.softmax(e, 0, 4));
    expectIdentical(gpujs().reduce('sum', e, 2, 0, 3), cpuBackend.reduce('sum', e, 2, 0, 3));
  });
});

describe('results and kernel cache', () => {
  beforeEach(() => { configureGpujs({ mode: 'webasm', minWork: 0 }); resetGpujsStats(); });

  it('returns fresh, exactly sized Float32Arrays', () => {
    const g = backendKernels('gpujs');
    const x = f32(1, 2, 3, 4, 5);
    const r1 = g.unary('square', x, 'float32');
    const r2 = g.unary('square', x, 'float32');
    expect(r1).toBeInstanceOf(Float32Array);
    expect(r1.buffer).not.toBe(r2.buffer);
    expect(r1.buffer.byteLength).toBe(20);
    r1[0] = 99;
    expectIdentical(r2, f32(1, 4, 9, 16, 25));
    expect(gpujsStats().gpu['unary']).toBe(2);
  });

  it('compiles one kernel per op and reuses it across shapes', () => {
    const g = backendKernels('gpujs');
    for (const n of [1, 3, 17, 64]) {
      const a = new Float32Array(n * n).fill(1);
      expectIdentical(g.matmul(a, a, spec(n, n, n)), new Float32Array(n * n).fill(n));
    }
    expect(gpujsStatus().kernels).toBe(1);
    expect(gpujsFailures()).toEqual({});
  });
});

describe('gpu.js failures', () => {
  it('a failing kernel falls back per call and is given up after 3 consecutive failures', () => {
    configureGpujs({ mode: 'cpu', minWork: 0 });
    resetGpujsStats();
    const bad = (): string => 'function (a) { return notAFunction(a[this.thread.x]); }';
    for (let i = 0; i < 5; i++) expect(runKernel('test', 'test:bad', bad, 2, [f32(1, 2)])).toBeNull();
    expect(gpujsStats().failures['test']).toBe(3);
    expect(Object.keys(gpujsFailures())).toEqual(['test:bad']);
    configureGpujs({ mode: 'cpu', minWork: 0 });
    expect(gpujsFailures()).toEqual({});
  });
});
