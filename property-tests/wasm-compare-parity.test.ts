// Parity of the wasm binary kernel's comparison ops (gt, lt, ge, le, eq, ne: 1/0 as float32) with the cpu
// reference, on 1 and 2 threads with every call split (minWork 0, minParallelWork 0): random shapes, full / scalar /
// row / column / strided-broadcast / permuted operand layouts, integer data (ties) and NaN / ±Infinity. Tolerance
// 0: a comparison of two float32 values is exact on both sides (NaN compares false except for ne, on both).
// FC_SEED=<seed> replays a run; FC_RUNS=<n> sets runs per op set and thread count.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backendKernels } from '../src/tensor/backend/index.js';
import { cpuBackend } from '../src/tensor/backend/cpu/index.js';
import { WASM_DEFAULTS, configureWasm, resetWasmStats, wasmStats } from '../src/tensor/backend/wasm/index.js';
import { WASM_BINARY_OPS } from '../src/tensor/backend/wasm/gen-elementwise.js';
import { binaryArb, compareOutputs, describeWasmCase, runWasmCase } from '../test/browser/wasm-cases.js';
import { coverageSample } from '../test/browser/parity-cases.js';

const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
const numRuns = Number(process.env.FC_RUNS ?? 150);

const COMPARES = ['gt', 'lt', 'ge', 'le', 'eq', 'ne'] as const;
const cases = binaryArb(
  COMPARES,
  ['full', 'full', 'full', 'scalar', 'row', 'col', 'bcast', 'perm'],
  ['full', 'full', 'full', 'scalar', 'row', 'col', 'row', 'col', 'bcast', 'perm'],
);

afterAll(() => configureWasm({ ...WASM_DEFAULTS }));

describe('wasm comparison ops', () => {
  it('are in the wasm binary kernel', () => {
    for (const op of COMPARES) expect(WASM_BINARY_OPS).toContain(op);
  });

  for (const threads of [1, 2]) {
    it(`match the cpu exactly on ${threads} thread(s)`, () => {
      configureWasm({ threads, minWork: 0, minParallelWork: 0 });
      resetWasmStats();
      const wasm = backendKernels('wasm');
      fc.assert(fc.property(cases, (c) => {
        const got = runWasmCase(c, wasm), want = runWasmCase(c, cpuBackend);
        const msg = compareOutputs(describeWasmCase(c), got, want, () => () => 0);
        if (msg) throw new Error(msg);
      }), { numRuns, ...seed });
      if (threads > 1) expect(wasmStats().parallel.binary ?? 0).toBeGreaterThan(0);
      // most calls of the fixed coverage sample really run in wasm (permuted / random broadcasts check the fallback)
      resetWasmStats();
      const sample = coverageSample(cases);
      for (const c of sample) runWasmCase(c, wasm);
      const st = wasmStats();
      const inWasm = st.wasm.binary ?? 0, fell = st.fallback.binary ?? 0;
      expect(inWasm, `${inWasm} wasm calls, ${fell} fallbacks on the coverage sample of ${sample.length}`).toBeGreaterThan(fell);
    });
  }

  it('give 1/0 with NaN and infinities in the vector body and the scalar tail', () => {
    configureWasm({ threads: 1, minWork: 0, minParallelWork: 0 });
    const a = Float32Array.from([1, NaN, -Infinity, 2, 0, -0, Infinity, NaN, 3]); // 9: two vectors + a 1-element tail
    const b = Float32Array.from([1, 1, -Infinity, NaN, -0, 0, 5, NaN, 2]);
    const wasm = backendKernels('wasm');
    const want: Record<(typeof COMPARES)[number], number[]> = {
      gt: [0, 0, 0, 0, 0, 0, 1, 0, 1], lt: [0, 0, 0, 0, 0, 0, 0, 0, 0], ge: [1, 0, 1, 0, 1, 1, 1, 0, 1],
      le: [1, 0, 1, 0, 1, 1, 0, 0, 0], eq: [1, 0, 1, 0, 1, 1, 0, 0, 0], ne: [0, 1, 0, 1, 0, 0, 1, 1, 1],
    };
    for (const op of COMPARES) {
      const out = wasm.binary(op, a, [1], b, [1], [9], 'float32');
      expect(out).toBeInstanceOf(Float32Array);
      expect(Array.from(out), op).toEqual(want[op]);
      expect(Array.from(cpuBackend.binary(op, a, [1], b, [1], [9], 'float32')), `cpu ${op}`).toEqual(want[op]);
    }
  });
});
