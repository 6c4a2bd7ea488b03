// Unit tests of the fused attention op (src/autograd/ops/attention.ts): values and gradients against the unfused
// composition matmul → mul → where(mask, −∞) → softmax → matmul, masks and fully padded rows, batch broadcasting,
// number and tensor scales, float32 on the active backend, extreme scores, and the error messages.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  Generator, HopgradError, Tensor, backendKernels, hopfield, matmul, mul, noGrad, randn, registerBackend, scaledDotProductAttention,
  softmax, sum, tensor, transpose, unsqueeze, where, withBackend, zeros,
} from '../src/index.js';

const fcOpts = (numRuns: number) => ({ numRuns, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) });

interface Opts { scale?: number | Tensor; mask?: Tensor }

/** The unfused reference: softmax(scale · q kᵀ with padded keys at −∞) v. */
function unfused(q: Tensor, k: Tensor, v: Tensor, o: Opts = {}): Tensor {
  const d = q.shape[q.ndim - 1]!;
  let s = mul(matmul(q, transpose(k, -2, -1)), o.scale ?? 1 / Math.sqrt(d));
  if (o.mask) s = where(unsqueeze(o.mask, -2), -Infinity, s);
  return matmul(softmax(s, -1), v);
}

function expectClose(a: Tensor, b: Tensor, tol: number): void {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync(), y = b.dataSync();
  for (let i = 0; i < x.length; i++) {
    const err = Math.abs(x[i]! - y[i]!);
    if (!(err <= tol * Math.max(1, Math.abs(y[i]!)))) throw new Error(`entry ${i}: ${x[i]} vs ${y[i]} (|Δ| = ${err} > ${tol})`);
  }
}

/** Gradients of Σ f(...xs) ⊙ w with respect to every input. */
function gradsOf(f: (...xs: Tensor[]) => Tensor, xs: Tensor[], seed = 3): Tensor[] {
  const leaves = xs.map((x) => x.detach().requiresGrad_());
  const y = f(...leaves);
  const w = randn(y.shape, { dtype: y.dtype, generator: new Generator(seed) });
  sum(mul(y, w)).backward();
  return leaves.map((l) => l.grad!);
}

const gen = (seed: number) => ({ dtype: 'float64' as const, generator: new Generator(seed) });

describe('scaledDotProductAttention: values and gradients vs the unfused composition', () => {
  it('matches on random shapes with masks and number / per-row / shared tensor scales (float64)', () => {
    const arb = fc.record({
      batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
      l: fc.integer({ min: 1, max: 7 }), m: fc.integer({ min: 1, max: 9 }),
      d: fc.integer({ min: 1, max: 6 }), dv: fc.integer({ min: 1, max: 5 }),
      scaleKind: fc.constantFrom('default', 'number', 'row', 'shared'),
      masked: fc.boolean(), seed: fc.integer({ min: 0, max: 1 << 20 }),
    });
    fc.assert(fc.property(arb, ({ batch, l, m, d, dv, scaleKind, masked, seed }) => {
      const q = randn([...batch, l, d], gen(seed)), k = randn([...batch, m, d], gen(seed + 1)), v = randn([...batch, m, dv], gen(seed + 2));
      const g = new Generator(seed + 3);
      const mask = masked ? new Tensor(Int32Array.from({ length: batch.reduce((a, b) => a * b, 1) * m }, () => (g.uniform() < 0.4 ? 1 : 0)), [...batch, m]) : undefined;
      const scaleT = scaleKind === 'row' ? randn([...batch, l, 1], gen(seed + 4)) : scaleKind === 'shared' ? tensor([0.7], { dtype: 'float64' }) : undefined;
      const o: Opts = {};
      if (scaleT) o.scale = scaleT; else if (scaleKind === 'number') o.scale = 1.3;
      if (mask) o.mask = mask;
      expectClose(scaledDotProductAttention(q, k, v, o), unfused(q, k, v, o), 1e-12);
      const withScale = (f: typeof unfused) => (a: Tensor, b: Tensor, c: Tensor, s?: Tensor) => f(a, b, c, { ...o, ...(s ? { scale: s } : {}) });
      const ins = scaleT ? [q, k, v, scaleT] : [q, k, v];
      const gf = gradsOf(withScale(scaledDotProductAttention), ins, seed);
      const gu = gradsOf(withScale(unfused), ins, seed);
      gf.forEach((t, i) => expectClose(t, gu[i]!, 1e-10));
    }), fcOpts(60));
  });

  it('broadcasts batch dimensions of query, key, value, mask and scale', () => {
    const q = randn([2, 1, 3, 4], gen(1)), k = randn([5, 4], gen(2)), v = randn([3, 5, 2], gen(3));
    const mask = tensor([[0, 1, 0, 0, 0], [0, 0, 0, 0, 1], [1, 1, 0, 0, 0]], { dtype: 'int32' });
    const scale = randn([2, 1, 1, 1], gen(4));
    const out = scaledDotProductAttention(q, k, v, { mask, scale });
    expect(out.shape).toEqual([2, 3, 3, 2]);
    expectClose(out, unfused(q, k, v, { mask, scale }), 1e-12);
    const gf = gradsOf((a, b, c, s) => scaledDotProductAttention(a!, b!, c!, { mask, scale: s! }), [q, k, v, scale]);
    const gu = gradsOf((a, b, c, s) => unfused(a!, b!, c!, { mask, scale: s! }), [q, k, v, scale]);
    gf.forEach((t, i) => { expect(t.shape).toEqual([q, k, v, scale][i]!.shape); expectClose(t, gu[i]!, 1e-10); });
  });

  it('uses 1/√d by default', () => {
    const q = randn([3, 9], gen(5)), k = randn([4, 9], gen(6)), v = randn([4, 2], gen(7));
    expectClose(scaledDotProductAttention(q, k, v), scaledDotProductAttention(q, k, v, { scale: 1 / 3 }), 0);
  });
});

describe('scaledDotProductAttention: masks and edge cases', () => {
  it('gives 0 and zero gradients to a query whose keys are all padded, as the unfused composition does', () => {
    const q = randn([2, 3, 2], gen(8)), k = randn([2, 4, 2], gen(9)), v = randn([2, 4, 3], gen(10));
    const mask = tensor([[1, 1, 1, 1], [0, 1, 0, 1]], { dtype: 'int32' });
    const out = scaledDotProductAttention(q, k, v, { mask });
    expect(Array.from(out.dataSync().slice(0, 9))).toEqual(new Array(9).fill(0));
    expectClose(out, unfused(q, k, v, { mask }), 1e-12);
    const [dq, dk, dv] = gradsOf((a, b, c) => scaledDotProductAttention(a!, b!, c!, { mask }), [q, k, v]);
    expect(Array.from(dq!.dataSync().slice(0, 6))).toEqual(new Array(6).fill(0));
    expect(Array.from(dk!.dataSync().slice(0, 8))).toEqual(new Array(8).fill(0));
    expect(Array.from(dv!.dataSync().slice(0, 12))).toEqual(new Array(12).fill(0));
    // padded keys of the other batch element get no gradient either
    expect(Array.from(dv!.dataSync().slice(15, 18))).toEqual([0, 0, 0]);
  });

  it('returns zeros for M = 0 and an empty result for L = 0', () => {
    const z = (shape: number[]) => zeros(shape, { dtype: 'float64' });
    const out = scaledDotProductAttention(randn([3, 2], gen(1)), z([0, 2]), z([0, 4]));
    expect(out.shape).toEqual([3, 4]);
    expect(Array.from(out.dataSync())).toEqual(new Array(12).fill(0));
    expect(scaledDotProductAttention(z([0, 2]), randn([3, 2], gen(2)), randn([3, 1], gen(3))).shape).toEqual([0, 1]);
  });

  it('stays finite for huge scores (online softmax is shifted by the row max)', () => {
    const q = tensor([[100, -100]], { dtype: 'float64' }), k = tensor([[10, 0], [0, 10], [9, 0]], { dtype: 'float64' });
    const v = tensor([[1], [2], [3]], { dtype: 'float64' });
    const out = scaledDotProductAttention(q, k, v, { scale: 1 });
    expectClose(out, tensor([[1]], { dtype: 'float64' }), 1e-12);
    const [dq] = gradsOf((a, b, c) => scaledDotProductAttention(a!, b!, c!, { scale: 1 }), [q, k, v]);
    expect(Array.from(dq!.dataSync()).every(Number.isFinite)).toBe(true);
  });

  it('agrees in float32 on the active backend with the float64 reference', () => {
    const q = randn([2, 33, 13], gen(11)), k = randn([2, 70, 13], gen(12)), v = randn([2, 70, 7], gen(13));
    const mask = new Tensor(Int32Array.from({ length: 140 }, (_, i) => (i % 9 === 0 ? 1 : 0)), [2, 70]);
    const ref = scaledDotProductAttention(q, k, v, { mask });
    const f32 = (t: Tensor) => new Tensor(Float32Array.from(t.dataSync()), t.shape);
    const got = noGrad(() => scaledDotProductAttention(f32(q), f32(k), f32(v), { mask }));
    expect(got.dtype).toBe('float32');
    expectClose(got, ref, 1e-5);
    // gradients through the backend's attentionBackward (wasm where it exists) against float64
    const scale = randn([2, 33, 1], gen(14));
    const f = (a: Tensor, b: Tensor, c: Tensor, s: Tensor) => scaledDotProductAttention(a, b, c, { mask, scale: s });
    const g64 = gradsOf(f as (...xs: Tensor[]) => Tensor, [q, k, v, scale]);
    const g32 = gradsOf(f as (...xs: Tensor[]) => Tensor, [f32(q), f32(k), f32(v), f32(scale)]);
    g32.forEach((g, i) => {
      expect(g.dtype).toBe('float32');
      const ref64 = g64[i]!.dataSync();
      let big = 0;
      for (let j = 0; j < ref64.length; j++) big = Math.max(big, Math.abs(ref64[j]!));
      const d = g.dataSync();
      for (let j = 0; j < d.length; j++) expect(Math.abs(d[j]! - ref64[j]!)).toBeLessThanOrEqual(1e-4 * big);
    });
  });

  it('runs the backend attention kernels (the cpu reference exists on every backend)', () => {
    expect(typeof backendKernels('cpu').attention).toBe('function');
    expect(typeof backendKernels('cpu').attentionBackward).toBe('function');
  });
});

describe('hopfield.retrieve takes the fused kernel for dense retrieval', () => {
  let calls = 0;
  registerBackend('attention-spy', () => {
    const cpu = backendKernels('cpu');
    return { ...cpu, name: 'attention-spy', attention: (q, k, v, spec) => { calls++; return cpu.attention(q, k, v, spec); } };
  });
  const count = (f: () => unknown): number => { calls = 0; withBackend('attention-spy', f); return calls; };
  const q = randn([2, 5, 4], gen(21)), s = randn([2, 7, 4], gen(22));
  const mask = tensor([[0, 0, 1, 0, 0, 0, 1], [1, 0, 0, 0, 0, 0, 0]], { dtype: 'int32' });

  it('dense (with masks, tensor β, two steps) runs it once per step and matches the unfused weights path', () => {
    const beta = randn([2, 5, 1], gen(23)).abs().add(0.1);
    expect(count(() => hopfield.retrieve(q, s, { mask, beta, steps: 2 }))).toBe(2);
    const fused = hopfield.retrieve(q, s, { mask, beta, steps: 2 });
    const detailed = hopfield.retrieveDetailed(q, s, { mask, beta, steps: 2, returnWeights: true }).output;
    expectClose(fused, detailed, 1e-12);
  });

  it('weights, weight dropout and the sparse separations keep the unfused path', () => {
    expect(count(() => hopfield.retrieveDetailed(q, s, { returnWeights: true }))).toBe(0);
    expect(count(() => hopfield.retrieve(q, s, { weightDropout: { p: 0.1, generator: new Generator(1) } }))).toBe(0);
    expect(count(() => hopfield.retrieve(q, s, { kind: 'sparsemax' }))).toBe(0);
    expect(count(() => hopfield.retrieve(q, s, { kind: 'entmax' }))).toBe(0);
  });
});

describe('scaledDotProductAttention: errors', () => {
  const q = randn([2, 3, 4], gen(1)), k = randn([2, 5, 4], gen(2)), v = randn([2, 5, 6], gen(3));
  const cases: [string, () => unknown, RegExp][] = [
    ['non-tensor query', () => scaledDotProductAttention([1] as unknown as Tensor, k, v), /scaledDotProductAttention: query must be a Tensor/],
    ['rank-1 key', () => scaledDotProductAttention(q, randn([4], gen(1)), v), /key needs at least 2 dimensions.*\[4\]/],
    ['feature mismatch', () => scaledDotProductAttention(q, randn([2, 5, 3], gen(1)), v), /key \[2,5,3\] must have the query's feature size 4 \(query \[2,3,4\]\), got 3/],
    ['row mismatch', () => scaledDotProductAttention(q, k, randn([2, 4, 6], gen(1))), /value \[2,4,6\] must have one row per key \(5 rows, key \[2,5,4\]\), got 4/],
    ['int32 value', () => scaledDotProductAttention(q, k, zeros([2, 5, 6], { dtype: 'int32' })), /value must be a float tensor, got int32/],
    ['dtype mix', () => scaledDotProductAttention(q, k, randn([2, 5, 6], { dtype: 'float32' })), /must have one dtype, got float64, float64 and float32/],
    ['batch mismatch', () => scaledDotProductAttention(q, randn([3, 5, 4], gen(1)), v), /batch dimensions of key \[3,5,4\] do not broadcast with those of query \[2,3,4\]/],
    ['NaN scale', () => scaledDotProductAttention(q, k, v, { scale: NaN }), /scale must be a finite number or a Tensor, got NaN/],
    ['bad scale shape', () => scaledDotProductAttention(q, k, v, { scale: randn([2, 3, 4], gen(1)) }), /scale \[2,3,4\] must broadcast to \[\.\.\., L, 1\] = \[\.\.\., 3, 1\]/],
    ['bad mask shape', () => scaledDotProductAttention(q, k, v, { mask: zeros([2, 4]) }), /mask \[2,4\] must broadcast to \[\.\.\., M\] = \[\.\.\., 5\]/],
    ['mask batch', () => scaledDotProductAttention(q, k, v, { mask: zeros([3, 5]) }), /batch dimensions of mask \[3,5\] do not broadcast/],
  ];
  for (const [name, f, re] of cases) {
    it(`throws a HopgradError for ${name}`, () => {
      expect(f).toThrow(HopgradError);
      expect(f).toThrow(re);
    });
  }
});
