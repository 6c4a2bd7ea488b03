// wasm-vs-cpu parity cases shared by the browser page (wasm-checks.ts) and property-tests/wasm-parity.test.ts:
// fast-check arbitraries of matmul, row-kernel (softmax, layerNorm, ...) and binary calls (odd sizes, sizes off
// the 4×8 micro-tile, transposes, batch broadcasting, masked rows, row / column / scalar / random broadcasts and
// permuted operands), the comparison that applies the float32 tolerances, and those tolerances for the page's
// kernels, derived in property-tests/wasm-parity.test.ts's header (EPS = 2^-23, TINY = 2^-125):
// - matmul: matmulTolerance (2(k + 2)·EPS·Σ_p|A_ip||B_pj| + k·TINY, shared with the gpujs parity tests);
// - softmax: (10 + |x − max| + cols/4)·EPS·|ref| + TINY;
// - layerNorm (out, mean, rstd): EPS·|ref| + 2^-40·(rstd·Σ_row|x| + cols·|ref|);
// - binary add/sub/mul/div: 0 (wasm and the cpu both round the exact result once to float32).
// Non-finite values must match exactly. Browser-safe: bundled into the page (imports only types from src/).
import fc from 'fast-check';
import type { Backend, BinaryOp, MatmulSpec } from '../../src/tensor/backend/backend.js';
import type { TypedArray } from '../../src/tensor/dtype.js';
import { mulberry32 as rng } from '../helpers/rng.js';
import { layoutStrides } from './parity-cases.js';
import { describeMatmul, matmulTolerance } from './parity-tolerance.js';

/** float32 machine epsilon, 2^-23. */
export const EPS = 2 ** -23;
/** Absorbs subnormal results, 2^-125. */
export const TINY = 2 ** -125;

/** A matmul call. */
export interface MatmulCase { kernel: 'matmul'; a: Float32Array; b: Float32Array; spec: MatmulSpec }
/** A call of a kernel over the rows of a [rows, cols] matrix (one case type per kernel name). */
export type RowsCase<K extends string> = K extends string ? { kernel: K; x: Float32Array; rows: number; cols: number } : never;
/** A binary elementwise call on strided operands. */
export interface BinaryCase { kernel: 'binary'; op: BinaryOp; a: Float32Array; aStrides: number[]; b: Float32Array; bStrides: number[]; outShape: number[] }

/** One wasm kernel call of the page. */
export type WasmCase = MatmulCase | RowsCase<'softmax' | 'layerNorm'> | BinaryCase;

/** The kernels the page checks. */
export const WASM_PAGE_KERNELS = ['matmul', 'softmax', 'layerNorm', 'binary'] as const;
/** A kernel the page checks. */
export type WasmPageKernel = (typeof WASM_PAGE_KERNELS)[number];

/** How values are drawn: uniform, small integers (exact products, ties), a wide exponent range, some NaN/±∞. */
export type Kind = 'uniform' | 'ints' | 'wide' | 'nonfinite';

/** n float32 values of `kind` following from seed `s` (uniform ones in [−scale, scale)). */
export function fill(n: number, kind: Kind, s: number, scale = 1): Float32Array {
  const r = rng(s);
  return Float32Array.from({ length: n }, (_, i) => {
    const u = r();
    if (kind === 'ints') return Math.floor(u * 9) - 4;
    if (kind === 'wide') return (r() < 0.5 ? -1 : 1) * 2 ** (40 * u - 20);
    if (kind === 'nonfinite' && u < 0.08) return [NaN, Infinity, -Infinity][i % 3]!;
    return (2 * r() - 1) * scale;
  });
}

/** A size in [1, max], often one around the 4-lane / 4×8 tile boundaries. */
export const dim = (max: number): fc.Arbitrary<number> =>
  fc.oneof(fc.constantFrom(...[1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 33].filter((d) => d <= max)), fc.integer({ min: 1, max }));
/** A data seed. */
export const seedArb = fc.integer({ min: 0, max: 0x7fffffff });
const kindArb = fc.constantFrom<Kind>('uniform', 'uniform', 'ints', 'wide');

/** The fields of a matmul case's record (extend it with more fields, then map with `matmulCase`). */
export const matmulFields = {
  m: dim(70), k: dim(100), n: dim(70), transA: fc.boolean(), transB: fc.boolean(), kind: kindArb, seed: seedArb,
  batching: fc.constantFrom('none', 'same', 'bcastA', 'bcastB', 'random'), batch: fc.integer({ min: 1, max: 3 }),
};
/** A drawn record of `matmulFields`. */
export type MatmulParams = { [F in keyof typeof matmulFields]: (typeof matmulFields)[F] extends fc.Arbitrary<infer T> ? T : never };

/** The matmul case of drawn parameters: operand data, batch sizes and batch index maps from the seed. */
export function matmulCase({ m, k, n, transA, transB, kind, seed: s, batching, batch }: MatmulParams): MatmulCase {
  const r = rng(s ^ 0x5bd1e995);
  const B = batching === 'none' ? 1 : batch;
  const na = batching === 'bcastA' || batching === 'none' ? 1 : batching === 'random' ? 1 + Math.floor(r() * 3) : B;
  const nb = batching === 'bcastB' || batching === 'none' ? 1 : batching === 'random' ? 1 + Math.floor(r() * 3) : B;
  const pick = (count: number): Int32Array =>
    Int32Array.from({ length: B }, (_, i) => (count === 1 ? 0 : batching === 'random' ? Math.floor(r() * count) : i));
  return {
    kernel: 'matmul', a: fill(na * m * k, kind, s), b: fill(nb * k * n, kind, s + 1),
    spec: { batch: B, m, k, n, transA, transB, aIndex: pick(na), bIndex: pick(nb) },
  };
}

/** Calls of a row kernel: scaled uniform rows, some entries or whole rows −∞, or NaN/±∞ data. */
export function rowsArb<K extends string>(kernel: K): fc.Arbitrary<RowsCase<K>> {
  return fc.record({
    rows: dim(40), cols: fc.oneof(dim(90), fc.constantFrom(64, 65, 127, 256, 300)), scale: fc.constantFrom(1, 10, 40),
    mask: fc.constantFrom('none', 'none', 'some', 'rows', 'nonfinite'), seed: seedArb,
  }).map(({ rows, cols, scale, mask, seed: s }) => {
    const x = fill(rows * cols, mask === 'nonfinite' ? 'nonfinite' : 'uniform', s, scale);
    const r = rng(s ^ 0x1234567);
    if (mask === 'some' || mask === 'rows') for (let i = 0; i < x.length; i++) if (r() < 0.2) x[i] = -Infinity;
    if (mask === 'rows') for (let i = 0; i < cols; i++) x[Math.floor(r() * rows) * cols + i] = -Infinity;
    return { kernel, x, rows, cols } as RowsCase<K>;
  });
}

/** How a binary operand covers the output shape. */
export type Layout = 'full' | 'scalar' | 'row' | 'col' | 'bcast' | 'perm';

/** An operand over `shape`: contiguous, scalar, a row / column / random broadcast, or permuted (the cpu fallback). */
function operand(shape: number[], layout: Layout, kind: Kind, s: number): { x: Float32Array; strides: number[] } {
  const { size, strides } = layoutStrides(shape, layout, rng(s));
  return { x: fill(size, kind, s, 4), strides };
}

/** Binary calls of `ops` with operand layouts drawn from `aLayouts` / `bLayouts` (repeats weight them). */
export function binaryArb(ops: readonly BinaryOp[], aLayouts: readonly Layout[], bLayouts: readonly Layout[]): fc.Arbitrary<BinaryCase> {
  return fc.record({
    op: fc.constantFrom(...ops),
    shape: fc.oneof(fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }), fc.tuple(dim(40), dim(300)), fc.tuple(fc.integer({ min: 4000, max: 9000 }))),
    la: fc.constantFrom(...aLayouts), lb: fc.constantFrom(...bLayouts),
    kind: fc.constantFrom<Kind>('uniform', 'uniform', 'ints', 'wide', 'nonfinite'), seed: seedArb,
  }).map(({ op, shape, la, lb, kind, seed: s }) => {
    const a = operand(shape, la, kind, s);
    const b = operand(shape, lb, kind, s + 7);
    return { kernel: 'binary' as const, op, a: a.x, aStrides: a.strides, b: b.x, bStrides: b.strides, outShape: shape };
  });
}

const PAGE_LAYOUTS: readonly Layout[] = ['full', 'full', 'scalar', 'row', 'col'];

/** The arbitrary of each checked kernel. */
export const wasmCases: { readonly [K in WasmPageKernel]: fc.Arbitrary<WasmCase> } = {
  matmul: fc.record(matmulFields).map(matmulCase), softmax: rowsArb('softmax'), layerNorm: rowsArb('layerNorm'),
  binary: binaryArb(['add', 'sub', 'mul', 'div'], PAGE_LAYOUTS, PAGE_LAYOUTS),
};

/** The outputs of a case on a backend (layerNorm: out, mean, rstd). */
export function runWasmCase(c: WasmCase, be: Backend): TypedArray[] {
  switch (c.kernel) {
    case 'matmul': return [be.matmul(c.a, c.b, c.spec)];
    case 'softmax': return [be.softmax(c.x, c.rows, c.cols)];
    case 'layerNorm': { const r = be.layerNorm(c.x, c.rows, c.cols, 1e-5); return [r.out, r.mean, r.rstd]; }
    case 'binary': return [be.binary(c.op, c.a, c.aStrides, c.b, c.bStrides, c.outShape, 'float32')];
    default: return c satisfies never;
  }
}

/** Per row of [rows, cols]: max, log-sum-exp and Σ|x| in float64 (Σ|x| over finite entries). */
export function rowStats(x: Float32Array, rows: number, cols: number): { mx: number[]; lse: number[]; l1: number[] } {
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

/** The allowed |wasm − cpu| of element i of output `out` of a page kernel's case, given the cpu outputs `ref`. */
export function wasmTolerance(c: WasmCase, ref: TypedArray[], out: number): (i: number) => number {
  const fin = (v: number): number => (Number.isFinite(v) ? Math.abs(v) : 0);
  const R = ref[out]!;
  switch (c.kernel) {
    case 'matmul': return matmulTolerance(c.spec, c.a, c.b);
    case 'softmax': {
      const { mx } = rowStats(c.x, c.rows, c.cols);
      return (t) => (10 + fin(c.x[t]! - mx[Math.floor(t / c.cols)]!) + c.cols / 4) * EPS * Math.abs(R[t]!) + TINY;
    }
    case 'layerNorm': {
      const { l1 } = rowStats(c.x, c.rows, c.cols);
      const rstd = ref[2]!;
      return (t) => {
        const row = out === 0 ? Math.floor(t / c.cols) : t;
        return EPS * Math.abs(R[t]!) + 2 ** -40 * (rstd[row]! * l1[row]! + c.cols * Math.abs(R[t]!));
      };
    }
    case 'binary': return () => 0;
    default: return c satisfies never;
  }
}

/** A one-line description of a case. */
export function describeWasmCase(c: WasmCase): string {
  switch (c.kernel) {
    case 'matmul': return describeMatmul(c.spec);
    case 'binary': return `binary ${c.op} out=[${c.outShape.join(',')}] aStrides=[${c.aStrides.join(',')}] bStrides=[${c.bStrides.join(',')}]`;
    default: return `${c.kernel} rows=${c.rows} cols=${c.cols}`;
  }
}

/**
 * null when every output of `got` (wasm) matches `want` (cpu) within `tol(out)(i)` (non-finite values exactly),
 * else the first miss, prefixed with `head`.
 */
export function compareOutputs(head: string, got: TypedArray[], want: TypedArray[], tol: (out: number) => (i: number) => number): string | null {
  for (let o = 0; o < want.length; o++) {
    const g = got[o]!, w = want[o]!;
    if (g.constructor !== w.constructor || g.length !== w.length) return `${head}: output ${o} is ${g.constructor.name}[${g.length}], cpu ${w.constructor.name}[${w.length}]`;
    const t = tol(o);
    for (let i = 0; i < g.length; i++) {
      const x = g[i]!, y = w[i]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        if (!(Object.is(x, y) || x === y)) return `${head}: output ${o}[${i}] wasm ${x} vs cpu ${y} (special values must match)`;
        continue;
      }
      if (Math.abs(x - y) > t(i)) return `${head}: output ${o}[${i}] wasm ${x} vs cpu ${y}, |Δ| = ${Math.abs(x - y)} > ${t(i)}`;
    }
  }
  return null;
}

/** null when every output matches within tolerance (non-finite values exactly), else the first miss. */
export function compareWasm(c: WasmCase, got: TypedArray[], want: TypedArray[]): string | null {
  return compareOutputs(describeWasmCase(c), got, want, (o) => wasmTolerance(c, want, o));
}
