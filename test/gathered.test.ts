// Fused gathered attention (src/autograd/ops/gathered.ts, cpu kernels in src/tensor/backend/cpu/gathered.ts):
// output and gradients equal the same computation composed of public ops (indexSelect, matmul, where, softmax) in
// float64, for per-row and shared index sets, excluded slots, fully excluded rows and a per-row scale; the sparse
// retrieve kinds (window, random, top-K renormalized) give the same outputs and gradients on the fused path as on
// the composed path (taken when the weights are requested); and bad arguments throw HopgradError naming the problem.
import { describe, expect, it } from 'vitest';
import { Generator, HopgradError, Tensor, randn, setBackend, getBackend } from '../src/index.js';
import { gatheredAttention, type GatheredIndex } from '../src/autograd/ops/gathered.js';
import {
  expand, indexSelect, matmul, mul, reshape, softmax, transpose, where,
} from '../src/autograd/ops/index.js';
import { retrieve, retrieveDetailed, type RetrieveOptions } from '../src/hopfield/retrieve.js';
import { gatheredRows } from '../src/tensor/backend/cpu/gathered.js';
import { resetWasmStats, wasmStats } from '../src/tensor/backend/wasm/index.js';
import { expectAllclose } from './helpers/allclose.js';

const rn = (shape: number[], seed: number): Tensor => randn(shape, { dtype: 'float64', generator: new Generator(seed) });
const f64 = (t: Tensor): Tensor => new Tensor(Float64Array.from(t.dataSync()), t.shape);
const f32 = (t: Tensor): Tensor => new Tensor(Float32Array.from(t.dataSync()), t.shape);

/** The same attention composed of public ops: gather the rows, scores, −∞ at excluded slots, softmax, weighted sum. */
function composed(q: Tensor, keys: Tensor, values: Tensor, scale: number | Tensor, ix: GatheredIndex): Tensor {
  const rows = q.shape[0]!, d = q.shape[1]!, dv = values.shape[1]!, w = ix.width;
  const spec = { rows, width: w, d, dv, index: ix.index, excluded: ix.excluded, period: ix.period, groupRows: ix.groupRows, groupStride: ix.groupStride, scale: 1 };
  const g = gatheredRows(spec);
  const safe = new Tensor(Int32Array.from(g, (v) => Math.max(v, 0)), [rows * w]);
  const kG = reshape(indexSelect(keys, 0, safe), [rows, w, d]);
  const vG = reshape(indexSelect(values, 0, safe), [rows, w, dv]);
  let s = reshape(matmul(reshape(q, [rows, 1, d]), transpose(kG, -2, -1)), [rows, w]);
  s = mul(s, typeof scale === 'number' ? scale : reshape(scale, [rows, 1]));
  const bad = new Tensor(Int32Array.from(g, (v) => (v < 0 ? 1 : 0)), [rows, w]);
  const p = softmax(where(bad, -Infinity, s), -1);
  return reshape(matmul(reshape(p, [rows, 1, w]), vG), [rows, dv]);
}

function leaves(ts: Tensor[]): Tensor[] {
  return ts.map((t) => new Tensor(t.dataSync(), t.shape).requiresGrad_());
}

/**
 * `f` and `g`, each run on fresh leaf copies of `inputs`, give the same output (rtol 1e-12) and the same gradients
 * (rtol `gradRtol`) of Σ out ⊙ probe, the probe drawn with seed `probeSeed` in the output's shape.
 */
function expectSameOutputAndGrads(inputs: Tensor[], f: (ins: Tensor[]) => Tensor, g: (ins: Tensor[]) => Tensor, probeSeed: number, gradRtol: number): void {
  const run = (h: (ins: Tensor[]) => Tensor): { out: Tensor; grads: Tensor[] } => {
    const ins = leaves(inputs);
    const out = h(ins);
    out.mul(rn(out.shape as number[], probeSeed)).sum().backward();
    return { out, grads: ins.map((t) => t.grad!) };
  };
  const a = run(f);
  const b = run(g);
  expectAllclose(a.out, b.out, { rtol: 1e-12, atol: 1e-12 });
  a.grads.forEach((gr, i) => expectAllclose(gr, b.grads[i]!, { rtol: gradRtol, atol: 1e-12 }));
}

/** Forward and gradients (of Σ out ⊙ probe) of both implementations agree. */
function agree(q: Tensor, k: Tensor, v: Tensor, scale: number | Tensor, ix: GatheredIndex): void {
  const via = (f: typeof composed) => (ins: Tensor[]): Tensor => f(ins[0]!, ins[1]!, ins[2]!, typeof scale === 'number' ? scale : ins[3]!, ix);
  expectSameOutputAndGrads(typeof scale === 'number' ? [q, k, v] : [q, k, v, scale], via(gatheredAttention), via(composed), 99, 1e-11);
}

describe('gatheredAttention (cpu, float64) equals the composed ops', () => {
  it('per-row index sets with excluded slots and a fully excluded row, number and tensor scale', () => {
    const [rows, width, n, d, dv] = [7, 4, 9, 5, 3];
    const g = new Generator(5);
    const index = Int32Array.from({ length: rows * width }, () => g.int(n));
    const excluded = Uint8Array.from({ length: rows * width }, (_, i) => (Math.floor(i / width) === 2 || i % 5 === 1 ? 1 : 0));
    const ix: GatheredIndex = { index, width, period: rows, groupRows: rows, groupStride: 0, excluded };
    agree(rn([rows, d], 1), rn([n, d], 2), rn([n, dv], 3), 0.7, ix);
    agree(rn([rows, d], 1), rn([n, d], 2), rn([n, dv], 3), rn([rows], 4).abs(), ix);
    const out = gatheredAttention(rn([rows, d], 1), rn([n, d], 2), rn([n, dv], 3), 0.7, ix);
    expect(Array.from(out.dataSync().slice(2 * dv, 3 * dv))).toEqual([0, 0, 0]);
  });

  it('an index set shared by every batch element (period = L, per-batch memory offsets), invalid slots in its layout', () => {
    const [nb, l, m, width, d, dv] = [3, 4, 5, 3, 2, 4];
    const index = Int32Array.from({ length: l * width }, (_, i) => (i * 7) % m);
    const excluded = Uint8Array.from({ length: l * width }, (_, i) => (i % 4 === 3 ? 1 : 0));
    const ix: GatheredIndex = { index, width, period: l, groupRows: l, groupStride: m, excluded };
    agree(rn([nb * l, d], 11), rn([nb * m, d], 12), rn([nb * m, dv], 13), 1.3, ix);
  });

  it('all-excluded rows give 0 and zero gradients (never NaN)', () => {
    const ix: GatheredIndex = { index: new Int32Array([0, 1, 1, 0]), width: 2, period: 2, groupRows: 2, groupStride: 0, excluded: new Uint8Array([1, 1, 0, 1]) };
    const [q, k, v] = leaves([rn([2, 3], 21), rn([2, 3], 22), rn([2, 2], 23)]);
    const out = gatheredAttention(q!, k!, v!, 2, ix);
    out.sum().backward();
    expect(Array.from(out.dataSync().slice(0, 2))).toEqual([0, 0]);
    expect(Array.from(q!.grad!.dataSync().slice(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(out.dataSync().slice(2))).toEqual(Array.from(v!.dataSync().slice(2)));
    for (const t of [q!, k!, v!]) expect(t.grad!.dataSync().every((x) => Number.isFinite(x))).toBe(true);
  });

  it('rejects bad arguments with HopgradError naming the problem', () => {
    const ix: GatheredIndex = { index: new Int32Array([0, 1]), width: 1, period: 2, groupRows: 2, groupStride: 0, excluded: null };
    const [q, k, v] = [rn([2, 3], 1), rn([2, 3], 2), rn([2, 4], 3)];
    const bad = (f: () => unknown, msg: RegExp): void => {
      expect(f).toThrow(HopgradError);
      expect(f).toThrow(msg);
    };
    bad(() => gatheredAttention(q, rn([2, 4], 5), v, 1, ix), /gatheredAttention: keys \[2,\s?4\] must have q's feature size 3/);
    bad(() => gatheredAttention(q, k, rn([3, 4], 5), 1, ix), /values \[3,\s?4\] must have as many rows as keys/);
    bad(() => gatheredAttention(q, k, v, rn([3], 5), ix), /scale must be a number or a float64 tensor of 2 entries/);
    bad(() => gatheredAttention(q, k, v, NaN, ix), /scale must be a finite number/);
    bad(() => gatheredAttention(q, k, v, 1, { ...ix, index: new Int32Array([0, 2]) }), /index reads memory rows 0\.\.2 .* outside the 2 rows/);
    bad(() => gatheredAttention(q, k, v, 1, { ...ix, index: new Int32Array([0, 1, 1]) }), /index has 3 entries, expected period·width = 2·1/);
    bad(() => gatheredAttention(q, k, v, 1, { ...ix, period: 3, index: new Int32Array([0, 1, 1]) }), /2 query rows are not a multiple of the index set's 3 rows/);
    bad(() => gatheredAttention(q, f32(k), v, 1, ix), /one dtype, got float64, float32, float64/);
  });
});

describe('sparse retrieve kinds: the fused path equals the composed path', () => {
  const cases: [string, RetrieveOptions][] = [
    ['window', { kind: 'window', window: 2 }],
    ['window, masked', { kind: 'window', window: 1 }],
    ['random', { kind: 'random', k: 3, seed: 4 }],
    ['topk renormalized', { kind: 'topk', k: 3 }],
    ['topk, masked', { kind: 'topk', k: 4 }],
  ];
  for (const [name, o] of cases) {
    it(`${name}: output and gradients to query, stored, values and β`, () => {
      const q = rn([2, 5, 3], 31);
      const s = rn([2, 6, 3], 32);
      const v = rn([2, 6, 4], 33);
      const beta = rn([2, 5, 1], 34).abs().add(0.1);
      const mask = name.includes('masked') ? new Tensor(new Int32Array([0, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1]), [2, 6]) : undefined;
      const path = (fused: boolean) => (ins: Tensor[]): Tensor => {
        const opts: RetrieveOptions = { ...o, values: ins[2]!, beta: ins[3]!, ...(mask ? { mask } : {}) };
        return fused ? retrieve(ins[0]!, ins[1]!, opts) : retrieveDetailed(ins[0]!, ins[1]!, { ...opts, returnWeights: true }).output;
      };
      expectSameOutputAndGrads([q, s, v, beta], path(true), path(false), 35, 1e-10);
    });
  }

  it('memories without batch axes are read in place by every batch element; the wasm backend agrees in float32', () => {
    const q = randn([3, 64, 16], { generator: new Generator(41) });
    const s = randn([80, 16], { generator: new Generator(42) });
    const prev = getBackend();
    resetWasmStats();
    for (const o of [{ kind: 'window', window: 5 }, { kind: 'random', k: 9, seed: 1 }, { kind: 'topk', k: 12 }] as RetrieveOptions[]) {
      setBackend('cpu');
      const ref = retrieveDetailed(f64(q), f64(s), { ...o, beta: 0.3, returnWeights: true }).output;
      const cpu = retrieve(q, s, { ...o, beta: 0.3 });
      setBackend('wasm');
      const wasm = retrieve(q, s, { ...o, beta: 0.3 });
      setBackend(prev);
      expectAllclose(cpu, ref, { rtol: 1e-5, atol: 1e-6 });
      expectAllclose(wasm, ref, { rtol: 1e-5, atol: 1e-6 });
    }
    expect(wasmStats().wasm['gatheredAttention']).toBe(3);
  });
});
