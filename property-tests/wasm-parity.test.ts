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
import type { Backend, BinaryOp, MatmulSpec, UnaryOp } from '../src/tensor/backend/backend.js';
import type { TypedArray } from '../src/tensor/dtype.js';
import {
  WASM_DEFAULTS, WASM_KERNELS, type WasmKernelName, configureWasm, resetWasmStats, wasmStats,
} from '../src/tensor/backend/wasm/index.js';
import { matmulTolerance } from '../test/browser/parity-tolerance.js';

const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
const numRuns = Number(process.env.FC_RUNS ?? 150);
const EPS = 2 ** -23;
const TINY = 2 ** -125;

type Case =
  | { kernel: 'matmul'; a: Float32Array; b: Float32Array; spec: MatmulSpec; blockK: number; blockM: number }
  | { kernel: 'softmax' | 'logSoftmax' | 'logsumexp' | 'layerNorm'; x: Float32Array; rows: number; cols: number }
  | { kernel: 'unary'; op: UnaryOp; x: Float32Array; param: number }
  | { kernel: 'binary'; op: BinaryOp; a: Float32Array; aStrides: number[]; b: Float32Array; bStrides: number[]; outShape: number[] };
type Arbs = { [K in WasmKernelName]: fc.Arbitrary<Extract<Case, { kernel: K }>> };

/** mulberry32, so data follows from one shrinkable seed. */
function rng(s0: number): () => number {
  let s = s0 >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
type Kind = 'uniform' | 'ints' | 'wide' | 'nonfinite';
function fill(n: number, kind: Kind, s: number, scale = 1): Float32Array {
  const r = rng(s);
  return Float32Array.from({ length: n }, (_, i) => {
    const u = r();
    if (kind === 'ints') return Math.floor(u * 9) - 4;
    if (kind === 'wide') return (r() < 0.5 ? -1 : 1) * 2 ** (40 * u - 20);
    if (kind === 'nonfinite' && u < 0.08) return [NaN, Infinity, -Infinity][i % 3]!;
    return (2 * r() - 1) * scale;
  });
}
const dim = (max: number): fc.Arbitrary<number> =>
  fc.oneof(fc.constantFrom(...[1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 33].filter((d) => d <= max)), fc.integer({ min: 1, max }));
const seedArb = fc.integer({ min: 0, max: 0x7fffffff });
const kindArb = fc.constantFrom<Kind>('uniform', 'uniform', 'ints', 'wide');

const matmulArb = fc.record({
  m: dim(70), k: dim(100), n: dim(70), transA: fc.boolean(), transB: fc.boolean(), kind: kindArb, seed: seedArb,
  batching: fc.constantFrom('none', 'same', 'bcastA', 'bcastB', 'random'), batch: fc.integer({ min: 1, max: 3 }),
  blockK: fc.constantFrom(8, 32, WASM_DEFAULTS.blockK), blockM: fc.constantFrom(4, 8, WASM_DEFAULTS.blockM),
}).map(({ m, k, n, transA, transB, kind, seed: s, batching, batch, blockK, blockM }): Extract<Case, { kernel: 'matmul' }> => {
  const r = rng(s ^ 0x5bd1e995);
  const B = batching === 'none' ? 1 : batch;
  const na = batching === 'bcastA' || batching === 'none' ? 1 : batching === 'random' ? 1 + Math.floor(r() * 3) : B;
  const nb = batching === 'bcastB' || batching === 'none' ? 1 : batching === 'random' ? 1 + Math.floor(r() * 3) : B;
  const pick = (count: number): Int32Array =>
    Int32Array.from({ length: B }, (_, i) => (count === 1 ? 0 : batching === 'random' ? Math.floor(r() * count) : i));
  return {
    kernel: 'matmul', a: fill(na * m * k, kind, s), b: fill(nb * k * n, kind, s + 1), blockK, blockM,
    spec: { batch: B, m, k, n, transA, transB, aIndex: pick(na), bIndex: pick(nb) },
  };
});

function rowsArb<K extends 'softmax' | 'logSoftmax' | 'logsumexp' | 'layerNorm'>(kernel: K): fc.Arbitrary<Extract<Case, { kernel: K }>> {
  return fc.record({
    rows: dim(40), cols: fc.oneof(dim(90), fc.constantFrom(64, 65, 127, 256, 300)), scale: fc.constantFrom(1, 10, 40),
    mask: fc.constantFrom('none', 'none', 'some', 'rows', 'nonfinite'), seed: seedArb,
  }).map(({ rows, cols, scale, mask, seed: s }) => {
    const x = fill(rows * cols, mask === 'nonfinite' ? 'nonfinite' : 'uniform', s, scale);
    const r = rng(s ^ 0x1234567);
    if (mask === 'some' || mask === 'rows') for (let i = 0; i < x.length; i++) if (r() < 0.2) x[i] = -Infinity;
    if (mask === 'rows') for (let i = 0; i < cols; i++) x[Math.floor(r() * rows) * cols + i] = -Infinity;
    return { kernel, x, rows, cols } as Extract<Case, { kernel: K }>;
  });
}

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

/** An operand over `shape`: contiguous, scalar, broadcast on some axes, or permuted (the cpu fallback). */
function operand(shape: number[], layout: string, kind: Kind, s: number): { x: Float32Array; strides: number[] } {
  const r = rng(s);
  const rank = shape.length;
  if (layout === 'scalar') return { x: fill(1, kind, s, 4), strides: new Array<number>(rank).fill(0) };
  const own = layout === 'bcast' ? shape.map((d) => (r() < 0.5 ? 1 : d)) : layout === 'row' ? shape.map((d, i) => (i < rank - 1 ? 1 : d))
    : layout === 'col' ? shape.map((d, i) => (i === rank - 1 ? 1 : d)) : [...shape];
  const order = Array.from({ length: rank }, (_, i) => i);
  if (layout === 'perm') for (let i = rank - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [order[i], order[j]] = [order[j]!, order[i]!]; }
  const strides = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let p = rank - 1; p >= 0; p--) { const ax = order[p]!; strides[ax] = own[ax] === 1 ? 0 : acc; acc *= own[ax]!; }
  return { x: fill(acc, kind, s, 4), strides };
}

const binaryArb = fc.record({
  // pow and maximum are cpu-only (fallback check); 'perm' and random 'bcast' layouts mostly fall back too
  op: fc.constantFrom<BinaryOp>('add', 'sub', 'mul', 'div', 'add', 'sub', 'mul', 'div', 'pow', 'maximum'),
  shape: fc.oneof(fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }), fc.tuple(dim(40), dim(300)), fc.tuple(fc.integer({ min: 4000, max: 9000 }))),
  la: fc.constantFrom('full', 'full', 'full', 'scalar', 'row', 'col', 'bcast', 'perm'),
  lb: fc.constantFrom('full', 'full', 'full', 'scalar', 'row', 'col', 'row', 'col', 'bcast', 'perm'),
  kind: fc.constantFrom<Kind>('uniform', 'uniform', 'ints', 'wide', 'nonfinite'), seed: seedArb,
}).map(({ op, shape, la, lb, kind, seed: s }) => {
  const a = operand(shape, la, kind, s);
  const b = operand(shape, lb, kind, s + 7);
  return { kernel: 'binary' as const, op, a: a.x, aStrides: a.strides, b: b.x, bStrides: b.strides, outShape: shape };
});

const arbs: Arbs = {
  matmul: matmulArb, softmax: rowsArb('softmax'), logSoftmax: rowsArb('logSoftmax'), logsumexp: rowsArb('logsumexp'),
  layerNorm: rowsArb('layerNorm'), unary: unaryArb, binary: binaryArb,
};

/** The outputs of a case on a backend (layerNorm: out, mean, rstd). */
function run(c: Case, be: Backend): TypedArray[] {
  switch (c.kernel) {
    case 'matmul': return [be.matmul(c.a, c.b, c.spec)];
    case 'softmax': return [be.softmax(c.x, c.rows, c.cols)];
    case 'logSoftmax': return [be.logSoftmax(c.x, c.rows, c.cols)];
    case 'logsumexp': return [be.logsumexp(c.x, c.rows, c.cols)];
    case 'layerNorm': { const r = be.layerNorm(c.x, c.rows, c.cols, 1e-5); return [r.out, r.mean, r.rstd]; }
    case 'unary': return [be.unary(c.op, c.x, 'float32', c.param)];
    case 'binary': return [be.binary(c.op, c.a, c.aStrides, c.b, c.bStrides, c.outShape, 'float32')];
    default: return c satisfies never;
  }
}

/** Per row of [rows, cols]: max, log-sum-exp and Σ|x| in float64 (finite entries). */
function rowStats(x: Float32Array, rows: number, cols: number): { mx: number[]; lse: number[]; l1: number[] } {
  const mx: number[] = [], lse: number[] = [], l1: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
    const m = row.reduce((a, v) => (v > a ? v : a), -Infinity);
    mx.push(m);
    lse.push(m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)));
    l1.push(row.reduce((a, v) => a + (Number.isFinite(v) ? Math.abs(v) : 0), 0));
  }
  return { mx, lse, l1 };
}

const EXACT_UNARY: readonly UnaryOp[] = ['neg', 'abs', 'square', 'sqrt', 'reciprocal', 'relu', 'tanh', 'isnan'];

/** The allowed |wasm − cpu| of element i of output `out` (see the header for the derivations). */
function tolerance(c: Case, ref: TypedArray[], out: number): (i: number) => number {
  const fin = (v: number): number => (Number.isFinite(v) ? Math.abs(v) : 0);
  const R = ref[out]!;
  switch (c.kernel) {
    case 'matmul':
      return matmulTolerance(c.spec, c.a, c.b);
    case 'softmax': {
      const { mx } = rowStats(c.x, c.rows, c.cols);
      return (t) => (10 + fin(c.x[t]! - mx[Math.floor(t / c.cols)]!) + c.cols / 4) * EPS * Math.abs(R[t]!) + TINY;
    }
    case 'logsumexp': return (t) => (8 + c.cols) * EPS + 2 * EPS * fin(R[t]!);
    case 'logSoftmax': {
      const { lse } = rowStats(c.x, c.rows, c.cols);
      return (t) => (8 + c.cols) * EPS + 2 * EPS * fin(lse[Math.floor(t / c.cols)]!) + 2 * EPS * fin(R[t]!);
    }
    case 'layerNorm': {
      const { l1 } = rowStats(c.x, c.rows, c.cols);
      const rstd = ref[2]!;
      return (t) => {
        const row = out === 0 ? Math.floor(t / c.cols) : t;
        return EPS * Math.abs(R[t]!) + 2 ** -40 * (rstd[row]! * l1[row]! + c.cols * Math.abs(R[t]!));
      };
    }
    case 'unary': {
      if (EXACT_UNARY.includes(c.op)) return () => 0;
      const f = c.op === 'sigmoid' ? 4 : 2;
      return (t) => f * EPS * Math.abs(R[t]!) + TINY;
    }
    case 'binary': return () => 0;
    default: return c satisfies never;
  }
}

function describeCase(c: Case): string {
  switch (c.kernel) {
    case 'matmul': {
      const s = c.spec;
      return `matmul batch=${s.batch} m=${s.m} k=${s.k} n=${s.n} transA=${s.transA} transB=${s.transB} aIndex=[${s.aIndex.join(',')}] bIndex=[${s.bIndex.join(',')}] blockK=${c.blockK} blockM=${c.blockM}`;
    }
    case 'unary': return `unary ${c.op}(param=${c.param}) n=${c.x.length}`;
    case 'binary': return `binary ${c.op} out=[${c.outShape.join(',')}] aStrides=[${c.aStrides.join(',')}] bStrides=[${c.bStrides.join(',')}]`;
    default: return `${c.kernel} rows=${c.rows} cols=${c.cols}`;
  }
}

/** null when every output matches within tolerance (non-finite values must match exactly), else the worst miss. */
function compare(c: Case, got: TypedArray[], want: TypedArray[]): string | null {
  const head = describeCase(c);
  for (let o = 0; o < want.length; o++) {
    const g = got[o]!, w = want[o]!;
    if (g.constructor !== w.constructor || g.length !== w.length) return `${head}: output ${o} is ${g.constructor.name}[${g.length}], cpu ${w.constructor.name}[${w.length}]`;
    const tol = tolerance(c, want, o);
    for (let i = 0; i < g.length; i++) {
      const x = g[i]!, y = w[i]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        if (!(Object.is(x, y) || x === y)) return `${head}: output ${o}[${i}] wasm ${x} vs cpu ${y} (special values must match)`;
        continue;
      }
      if (Math.abs(x - y) > tol(i)) return `${head}: output ${o}[${i}] wasm ${x} vs cpu ${y}, |Δ| = ${Math.abs(x - y)} > ${tol(i)}`;
    }
  }
  return null;
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
  ...[1, 2].map((threads) => ({ threads, relaxedSimd: false, kernels: WASM_KERNELS })),
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
          const msg = compare(c, run(c, wasm), run(c, cpuBackend));
          if (msg) throw new Error(msg);
        }), { numRuns, ...seed });
        configureWasm({ blockK: WASM_DEFAULTS.blockK, blockM: WASM_DEFAULTS.blockM });
        // most cases must really run in wasm (the rest check the cpu fallback), and split when threads > 1
        const st = wasmStats();
        expect(st.wasm[name] ?? 0, `${name}: ${st.wasm[name] ?? 0} wasm calls, ${st.fallback[name] ?? 0} fallbacks`).toBeGreaterThan(numRuns / 2);
        if (threads > 1) expect(st.parallel[name] ?? 0).toBeGreaterThan(0);
      });
    }
  });
}
