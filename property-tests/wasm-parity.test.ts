// Parity of the wasm backend with the cpu reference: for every kernel wasm overrides (WASM_KERNELS; a kernel
// added there without an arbitrary below is a compile error), random shapes — odd sizes, sizes that are not
// multiples of the 4×8 micro-tile or of the cache blocks (blockK/blockM drawn small too), transposes, batch
// broadcasting, row/column/scalar broadcasts, masked and non-finite rows — give the cpu result within the float32
// tolerances derived below, on 1 thread and on 2 threads (every call split, minParallelWork 0), and the GEMM
// also with the relaxedSimd option on.
//
// Tolerances (EPS = 2^-23; u = EPS/2 is one rounding; TINY = 2^-125 absorbs subnormal results; the cpu rounds
// its float64 result once, u·|ref|):
// - binary add/sub/mul/div and unary neg/abs/square/sqrt/reciprocal/relu: 0. wasm rounds each op once in
//   float32; the cpu rounds the float64 result, which for + − × ÷ √ of float32 operands is the same correctly
//   rounded value (double rounding is innocuous when 53 ≥ 2·24 + 2).
// - leakyRelu: 2·EPS·|ref| + TINY (wasm multiplies by the slope rounded to float32).
// - exp: 2·EPS·|ref| + TINY: the wasm exp errs < 1 ulp (max 0.98 ulp measured over every 4th float32 in
//   [−104, 89]), the reference ≤ 0.5 ulp, 1 ulp ≤ EPS·|ref|. sigmoid: 4·EPS·|ref| + TINY (measured 2.8 ulp).
// - matmul: 2(k + 2)·EPS·Σ_p|A_ip||B_pj| + k·TINY: float32 accumulation over k products plus one addition per k
//   block errs by γ_{2k}·Σ|a||b| ≤ k·EPS·Σ|a||b| (Higham §3.1; a fused multiply-add only removes roundings);
//   factor 2 of headroom.
// - softmax: (10 + |x − max| + cols/4)·EPS·|ref| + TINY: exp (EPS), rounding of x − max (|x − max|·u), the
//   4-lane float32 sum ((cols/4 + 5)·u), the reciprocal and product (2u), the reference (u); factor 2 headroom.
// - logsumexp: (8 + cols)·EPS + 2·EPS·|ref|: relative error of Σexp ≤ 2u + u·Σe|d|/Σe + (cols/4 + 5)u with
//   Σe|d| ≤ cols/e and Σe ≥ 1, i.e. ≤ (3.5 + 0.31·cols)·EPS absolute after log; two final roundings; ×2.
// - logSoftmax: the row's logsumexp tolerance + 2·EPS·|ref| (x − lse rounded on both sides).
// - layerNorm (out, mean, rstd): EPS·|ref| + 2^-40·(rstd·Σ_row|x| + cols·|ref|): both round a float64 value once
//   (≤ 1 ulp apart) and the float64 statistics differ only by summation order.
// FC_SEED=<seed> replays a run; FC_RUNS=<n> sets runs per kernel and thread count.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backendKernels } from '../src/tensor/backend/index.js';
import { cpuBackend } from '../src/tensor/backend/cpu/index.js';
import type { Backend, UnaryOp } from '../src/tensor/backend/backend.js';
import type { TypedArray } from '../src/tensor/dtype.js';
import {
  WASM_DEFAULTS, WASM_KERNELS, type WasmKernelName, configureWasm, resetWasmStats, wasmStats,
} from '../src/tensor/backend/wasm/index.js';
import {
  type BinaryCase, type Kind, type MatmulCase, type RowsCase, EPS, TINY, binaryArb, compareOutputs, describeWasmCase, dim,
  fill, matmulCase, matmulFields, rowStats, rowsArb, runWasmCase, seedArb, wasmTolerance,
} from '../test/browser/wasm-cases.js';
import { coverageSample } from '../test/browser/parity-cases.js';

const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
const numRuns = Number(process.env.FC_RUNS ?? 150);

// the matmul, row-kernel and binary cases and the comparison are shared with the browser page (test/browser/wasm-cases.ts)
type Case =
  | (MatmulCase & { blockK: number; blockM: number })
  | RowsCase<'softmax' | 'logSoftmax' | 'logsumexp' | 'layerNorm'>
  | { kernel: 'unary'; op: UnaryOp; x: Float32Array; param: number }
  | BinaryCase;
/**
 * Fused kernels whose parity is property-tested in their own files (wasm-attention-parity.test.ts,
 * wasm-gathered-parity.test.ts, test/topk-scores.test.ts); every other kernel in WASM_KERNELS needs an arbitrary here (compile error otherwise).
 */
const ELSEWHERE = ['attention', 'attentionBackward', 'gatheredAttention', 'gatheredAttentionBackward', 'topk', 'topkScores'] as const satisfies readonly WasmKernelName[];
type CoreKernel = Exclude<WasmKernelName, (typeof ELSEWHERE)[number]>;
type Arbs = { [K in CoreKernel]: fc.Arbitrary<Extract<Case, { kernel: K }>> };
const CORE_KERNELS = WASM_KERNELS.filter((k): k is CoreKernel => !(ELSEWHERE as readonly string[]).includes(k));

const matmulArb = fc.record({
  ...matmulFields, blockK: fc.constantFrom(8, 32, WASM_DEFAULTS.blockK), blockM: fc.constantFrom(4, 8, WASM_DEFAULTS.blockM),
}).map((p): Extract<Case, { kernel: 'matmul' }> => ({ ...matmulCase(p), blockK: p.blockK, blockM: p.blockM }));

const unaryArb = fc.record({
  // tanh and isnan are cpu-only: they check the fallback returns the cpu result
  op: fc.constantFrom<UnaryOp>('neg', 'abs', 'square', 'sqrt', 'reciprocal', 'relu', 'leakyRelu', 'exp', 'exp', 'sigmoid', 'tanh', 'isnan'),
  n: fc.oneof(dim(40), fc.integer({ min: 1, max: 5000 })), kind: fc.constantFrom<Kind>('uniform', 'uniform', 'wide', 'nonfinite'),
  scale: fc.constantFrom(1, 8, 100), param: fc.constantFrom(0.01, 0.2, 1.7), seed: seedArb,
}).map(({ op, n, kind, scale, param, seed: s }) => {
  const x = fill(n, kind, s, scale);
  if (op === 'sqrt') for (let i = 0; i < n; i++) x[i] = Math.abs(x[i]!);
  return { kernel: 'unary' as const, op, x, param };
});

// pow and maximum are cpu-only (fallback check); 'perm' and random 'bcast' layouts mostly fall back too
const binary = binaryArb(
  ['add', 'sub', 'mul', 'div', 'add', 'sub', 'mul', 'div', 'pow', 'maximum'],
  ['full', 'full', 'full', 'scalar', 'row', 'col', 'bcast', 'perm'],
  ['full', 'full', 'full', 'scalar', 'row', 'col', 'row', 'col', 'bcast', 'perm'],
);

const arbs: Arbs = {
  matmul: matmulArb, softmax: rowsArb('softmax'), logSoftmax: rowsArb('logSoftmax'), logsumexp: rowsArb('logsumexp'),
  layerNorm: rowsArb('layerNorm'), unary: unaryArb, binary,
};

/** The outputs of a case on a backend (layerNorm: out, mean, rstd). */
function run(c: Case, be: Backend): TypedArray[] {
  switch (c.kernel) {
    case 'logSoftmax': return [be.logSoftmax(c.x, c.rows, c.cols)];
    case 'logsumexp': return [be.logsumexp(c.x, c.rows, c.cols)];
    case 'unary': return [be.unary(c.op, c.x, 'float32', c.param)];
    default: return runWasmCase(c, be);
  }
}

const EXACT_UNARY: readonly UnaryOp[] = ['neg', 'abs', 'square', 'sqrt', 'reciprocal', 'relu', 'tanh', 'isnan'];

/** The allowed |wasm − cpu| of element i of output `out` (see the header for the derivations). */
function tolerance(c: Case, ref: TypedArray[], out: number): (i: number) => number {
  const fin = (v: number): number => (Number.isFinite(v) ? Math.abs(v) : 0);
  const R = ref[out]!;
  switch (c.kernel) {
    case 'logsumexp': return (t) => (8 + c.cols) * EPS + 2 * EPS * fin(R[t]!);
    case 'logSoftmax': {
      const { lse } = rowStats(c.x, c.rows, c.cols);
      return (t) => (8 + c.cols) * EPS + 2 * EPS * fin(lse[Math.floor(t / c.cols)]!) + 2 * EPS * fin(R[t]!);
    }
    case 'unary': {
      if (EXACT_UNARY.includes(c.op)) return () => 0;
      const f = c.op === 'sigmoid' ? 4 : 2;
      return (t) => f * EPS * Math.abs(R[t]!) + TINY;
    }
    default: return wasmTolerance(c, ref, out); // matmul, softmax, layerNorm, binary
  }
}

function describeCase(c: Case): string {
  switch (c.kernel) {
    case 'matmul': return `${describeWasmCase(c)} blockK=${c.blockK} blockM=${c.blockM}`;
    case 'logSoftmax': case 'logsumexp': return `${c.kernel} rows=${c.rows} cols=${c.cols}`;
    case 'unary': return `unary ${c.op}(param=${c.param}) n=${c.x.length}`;
    default: return describeWasmCase(c);
  }
}

afterAll(() => configureWasm({ ...WASM_DEFAULTS }));

describe('wasm kernel list', () => {
  it('lists exactly the kernels whose implementation differs from cpu', () => {
    const wasm = backendKernels('wasm');
    const overridden = (Object.keys(cpuBackend) as (keyof Backend)[]).filter((k) => k !== 'name' && wasm[k] !== cpuBackend[k]);
    expect([...overridden].sort()).toEqual([...WASM_KERNELS].sort());
  });
});

// the GEMM is checked with relaxedSimd off (f32x4.mul + add) and on (relaxed_madd where the engine supports it;
// Node 20 does not by default — test/wasm.test.ts checks that kernel in a child process with the V8 flag)
const configs = [
  ...[1, 2].map((threads) => ({ threads, relaxedSimd: false, kernels: CORE_KERNELS })),
  { threads: 2, relaxedSimd: true, kernels: ['matmul'] as const },
];
for (const { threads, relaxedSimd, kernels } of configs) {
  describe(`wasm on ${threads} thread(s)${relaxedSimd ? ' with relaxedSimd on' : ''} matches cpu`, () => {
    for (const name of kernels) {
      it(name, () => {
        configureWasm({ threads, minWork: 0, minParallelWork: 0, relaxedSimd });
        resetWasmStats();
        const wasm = backendKernels('wasm');
        const arb: fc.Arbitrary<Case> = arbs[name];
        fc.assert(fc.property(arb, (c) => {
          if (c.kernel === 'matmul') configureWasm({ blockK: c.blockK, blockM: c.blockM });
          const got = run(c, wasm), want = run(c, cpuBackend);
          const msg = compareOutputs(describeCase(c), got, want, (o) => tolerance(c, want, o));
          if (msg) throw new Error(msg);
        }), { numRuns, ...seed });
        configureWasm({ blockK: WASM_DEFAULTS.blockK, blockM: WASM_DEFAULTS.blockM });
        // calls split when threads > 1; most calls of the fixed coverage sample really run in wasm (the rest check
        // the cpu fallback)
        if (threads > 1) expect(wasmStats().parallel[name] ?? 0).toBeGreaterThan(0);
        resetWasmStats();
        const sample = coverageSample(arb);
        for (const c of sample) run(c, wasm);
        const st = wasmStats();
        const inWasm = st.wasm[name] ?? 0, fell = st.fallback[name] ?? 0;
        expect(inWasm, `${name}: ${inWasm} wasm calls, ${fell} fallbacks on the coverage sample of ${sample.length}`).toBeGreaterThan(fell);
      });
    }
  });
}
