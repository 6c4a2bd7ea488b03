import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { BinaryOp, MatmulSpec, UnaryOp } from '../src/tensor/backend/backend.js';
import { WASM_DEFAULTS } from '../src/tensor/backend/wasm/index.js';
import {
  type BinaryCase, type Kind, type MatmulCase, type RowsCase, binaryArb, dim,
  fill, matmulCase, matmulFields, rowsArb, seedArb, wasmCases,
} from './browser/wasm-cases.js';
import { oldArbs, oldMatmulB, oldBinaryB } from './tmpdupF-old.js';
type Case = any; type Arbs = any;
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


const canon = (x: any): any => ArrayBuffer.isView(x) ? ['TA', (x as any).constructor.name, Array.from(x as any).map((v: number) => Object.is(v, -0) ? '-0' : String(v))] : Array.isArray(x) ? x.map(canon) : typeof x === 'number' ? (Object.is(x, -0) ? '-0' : String(x)) : x && typeof x === 'object' ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, canon(x[k])])) : x;
const norm = (v: unknown): string => { const s = JSON.stringify(canon(v)); return s.length + ':' + s.slice(0, 0) + hash(s); };
const hash = (s: string): number => { let h = 0; for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0; return h; };
describe('same cases', () => {
  for (const name of Object.keys(oldArbs)) it(name, () => {
    for (const seed of [1, 2, 3, 42, 1234]) expect(norm(fc.sample(arbs[name], { seed, numRuns: 200 }))).toBe(norm(fc.sample(oldArbs[name], { seed, numRuns: 200 })));
  });
  it('browser', () => {
    for (const seed of [1, 2, 3, 42, 1234]) {
      expect(norm(fc.sample(wasmCases.matmul, { seed, numRuns: 200 }))).toBe(norm(fc.sample(oldMatmulB, { seed, numRuns: 200 })));
      expect(norm(fc.sample(wasmCases.binary, { seed, numRuns: 200 }))).toBe(norm(fc.sample(oldBinaryB, { seed, numRuns: 200 })));
      expect(norm(fc.sample(wasmCases.softmax, { seed, numRuns: 200 }))).toBe(norm(fc.sample(oldArbs.softmax, { seed, numRuns: 200 })));
      expect(norm(fc.sample(wasmCases.layerNorm, { seed, numRuns: 200 }))).toBe(norm(fc.sample(oldArbs.layerNorm, { seed, numRuns: 200 })));
    }
  });
});
