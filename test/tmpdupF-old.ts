import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { BinaryOp, MatmulSpec, UnaryOp } from '../src/tensor/backend/backend.js';
import { WASM_DEFAULTS } from '../src/tensor/backend/wasm/index.js';
type Case = any;
type Arbs = any;
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


export { arbs as oldArbs, rng, fill, operand };

export const oldMatmulB = fc.record({
  m: dim(70), k: dim(100), n: dim(70), transA: fc.boolean(), transB: fc.boolean(), kind: kindArb, seed: seedArb,
  batching: fc.constantFrom('none', 'same', 'bcastA', 'bcastB', 'random'), batch: fc.integer({ min: 1, max: 3 }),
}).map(({ m, k, n, transA, transB, kind, seed: s, batching, batch }) => {
  const r = rng(s ^ 0x5bd1e995);
  const B = batching === 'none' ? 1 : batch;
  const na = batching === 'bcastA' || batching === 'none' ? 1 : batching === 'random' ? 1 + Math.floor(r() * 3) : B;
  const nb = batching === 'bcastB' || batching === 'none' ? 1 : batching === 'random' ? 1 + Math.floor(r() * 3) : B;
  const pick = (count: number): Int32Array =>
    Int32Array.from({ length: B }, (_, i) => (count === 1 ? 0 : batching === 'random' ? Math.floor(r() * count) : i));
  return {
    kernel: 'matmul' as const, a: fill(na * m * k, kind, s), b: fill(nb * k * n, kind, s + 1),
    spec: { batch: B, m, k, n, transA, transB, aIndex: pick(na), bIndex: pick(nb) },
  };
});
function operandB(shape: number[], layout: string, kind: Kind, s: number): { x: Float32Array; strides: number[] } {
  const rank = shape.length;
  if (layout === 'scalar') return { x: fill(1, kind, s, 4), strides: new Array<number>(rank).fill(0) };
  const own = layout === 'row' ? shape.map((d, i) => (i < rank - 1 ? 1 : d)) : layout === 'col' ? shape.map((d, i) => (i === rank - 1 ? 1 : d)) : [...shape];
  const strides = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let ax = rank - 1; ax >= 0; ax--) { strides[ax] = own[ax] === 1 ? 0 : acc; acc *= own[ax]!; }
  return { x: fill(acc, kind, s, 4), strides };
}
export const oldBinaryB = fc.record({
  op: fc.constantFrom<BinaryOp>('add', 'sub', 'mul', 'div'),
  shape: fc.oneof(fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }), fc.tuple(dim(40), dim(300)), fc.tuple(fc.integer({ min: 4000, max: 9000 }))),
  la: fc.constantFrom('full', 'full', 'scalar', 'row', 'col'), lb: fc.constantFrom('full', 'full', 'scalar', 'row', 'col'),
  kind: fc.constantFrom<Kind>('uniform', 'uniform', 'ints', 'wide', 'nonfinite'), seed: seedArb,
}).map(({ op, shape, la, lb, kind, seed: s }) => {
  const a = operandB(shape, la, kind, s);
  const b = operandB(shape, lb, kind, s + 7);
  return { kernel: 'binary' as const, op, a: a.x, aStrides: a.strides, b: b.x, bStrides: b.strides, outShape: shape };
});
