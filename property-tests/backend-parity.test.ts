// Parity of the gpujs backend with the cpu reference: for every kernel gpujs overrides (GPUJS_KERNELS, so a new
// gpujs kernel is covered automatically), random shapes and float32 data give cpu results within the float32
// tolerances derived in test/browser/parity-tolerance.ts. Runs gpu.js in the modes that work in Node without
// the native `gl` module: 'cpu' (transpiled JavaScript) and 'webasm' (WebAssembly, float32 arithmetic).
// FC_SEED=<seed> replays a run (fast-check prints the seed of a failure); FC_RUNS=<n> sets runs per kernel.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import '../src/tensor/backend/gpujs/index.js';
import { backendKernels } from '../src/tensor/backend/index.js';
import { cpuBackend } from '../src/tensor/backend/cpu/index.js';
import {
  DEFAULT_MIN_WORK, GPUJS_BINARY_OPS, GPUJS_KERNELS, GPUJS_REDUCE_OPS, GPUJS_UNARY_OPS, type GpujsMode,
  configureGpujs, gpujsFailures, gpujsStats, gpujsStatus, resetGpujsStats,
} from '../src/tensor/backend/gpujs/index.js';
import { type ParityCase, checkParity, coverageSample, parityCases, runCase } from '../test/browser/parity-cases.js';
import type { Backend } from '../src/tensor/backend/backend.js';

const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
const numRuns = Number(process.env.FC_RUNS ?? 150);
const cases = parityCases({ unary: GPUJS_UNARY_OPS, binary: GPUJS_BINARY_OPS, reduce: GPUJS_REDUCE_OPS });
const MODES: readonly GpujsMode[] = ['cpu', 'webasm'];

afterAll(() => configureGpujs({ mode: 'gpu', minWork: DEFAULT_MIN_WORK }));

describe('gpujs kernel list', () => {
  it('lists exactly the kernels whose implementation differs from cpu', () => {
    const gpujs = backendKernels('gpujs');
    const overridden = (Object.keys(cpuBackend) as (keyof Backend)[]).filter((k) => k !== 'name' && gpujs[k] !== cpuBackend[k]);
    expect([...overridden].sort()).toEqual([...GPUJS_KERNELS].sort());
  });
});

for (const mode of MODES) {
  describe(`gpujs (gpu.js mode '${mode}') matches cpu`, () => {
    it(`starts gpu.js in '${mode}' mode`, () => {
      configureGpujs({ mode, minWork: 0 });
      expect(gpujsStatus()).toMatchObject({ mode, kernelMode: mode, started: true, error: null });
    });

    for (const name of GPUJS_KERNELS) {
      it(`${name}`, () => {
        configureGpujs({ mode, minWork: 0 }); // every size on gpu.js; recompiles: a kernel's first call on each mode is part of the test
        resetGpujsStats();
        const gpujs = backendKernels('gpujs');
        fc.assert(fc.property(cases[name], (c) => {
          const msg = checkParity(c, runCase(c, gpujs), runCase(c, cpuBackend));
          if (msg) throw new Error(msg);
        }), { numRuns, ...seed });
        // most calls of the fixed coverage sample must really run on gpu.js (the rest check the cpu fallback:
        // cpu-only ops, ±∞, NaN, ...)
        resetGpujsStats();
        const sample = coverageSample<ParityCase>(cases[name]);
        for (const c of sample) runCase(c, gpujs);
        expect(gpujsFailures()).toEqual({});
        const st = gpujsStats();
        const onGpu = st.gpu[name] ?? 0, fell = st.fallback[name] ?? 0;
        expect(onGpu, `${name}: ${onGpu} gpu.js calls, ${fell} fallbacks on the coverage sample of ${sample.length}`).toBeGreaterThan(fell);
      });
    }
  });
}
