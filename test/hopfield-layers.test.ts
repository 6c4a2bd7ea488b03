// Unit tests of the Hopfield layers (src/hopfield/hopfield-core.ts, layers.ts, pooling.ts): identity
// projections reduce to the functional `retrieve` for every kind, heads split the features, shapes of every
// layer batched and unbatched, key padding masks, association dropout, the association matrix, update steps,
// learnable entmax α, float64 gradient checks of each layer through functionalCall, and the errors.
import { describe, it, expect } from 'vitest';
import { Generator, HopgradError, Tensor, concat, gradcheck, narrow, noGrad, randn, tensor, zeros } from '../src/index.js';
import * as nn from '../src/nn/index.js';
import { functionalCall } from '../src/nn/index.js';
import * as hopfield from '../src/hopfield/index.js';
import type { RetrieveKind } from '../src/hopfield/index.js';
import { expectAllclose } from './helpers/allclose.js';
import { expectHalfDropout } from './helpers/graph.js';

const { Hopfield, HopfieldPooling, HopfieldLayer, HopfieldRetrieval, hopfieldCore, retrieve, retrieveDetailed } = hopfield;
const rn = (shape: number[], seed: number): Tensor => randn(shape, { dtype: 'float64', generator: new Generator(seed) });
/** Per-kind options that make a kind runnable (and, for random, reproducible). */
const extra = (kind: RetrieveKind): { k?: number; seed?: number; window?: number; alpha?: number } =>
  kind === 'topk' ? { k: 3 } : kind === 'random' ? { k: 3, seed: 11 } : kind === 'window' ? { window: 1 } : kind === 'entmax' ? { alpha: 1.3 } : {};
const noNorm = { normalizeStoredPattern: false, normalizeStatePattern: false, normalizePatternProjection: false };

/** Set every projection of a one-head layer to the identity (biases are zero-initialized). */
function identity(h: InstanceType<typeof Hopfield>): void {
  for (const w of [h.queryWeight, h.keyWeight, h.valueWeight, h.outWeight!]) {
    const [r, c] = w.shape as [number, number];
    w._storage.fill(0);
    for (let i = 0; i < Math.min(r, c); i++) w._storage[i * c + i] = 1;
  }
}

describe('one head with identity projections is the functional retrieve', () => {
  const r = rn([2, 5, 6], 1);
  const y = rn([2, 7, 6], 2);
  const p = rn([2, 7, 6], 3);
  for (const kind of hopfield.KINDS) {
    it(`${kind}: hopfieldCore, HopfieldRetrieval and an identity Hopfield equal retrieve`, () => {
      const o = { kind, ...extra(kind) };
      const want = retrieve(r, y, { ...o, values: p });
      expectAllclose(hopfieldCore(r, y, p, {}, o).output, want, { rtol: 1e-12, atol: 1e-12 });
      expectAllclose(new HopfieldRetrieval(o).forward([y, r, p]), want, { rtol: 1e-12, atol: 1e-12 });
      const h = new Hopfield({ inputSize: 6, ...o, ...noNorm, dtype: 'float64', generator: new Generator(4) });
      identity(h);
      expectAllclose(h.forward({ stored: y, state: r, projection: p }), want, { rtol: 1e-12, atol: 1e-12 });
    });
  }

  it('several update steps iterate the state in the key space, then map into the value space', () => {
    for (const kind of ['dense', 'sparsemax', 'topk'] as const) {
      const o = { kind, ...extra(kind) };
      const x = retrieve(r, y, { ...o, steps: 2 });
      const res = hopfieldCore(r, y, p, {}, { ...o, updateSteps: 3 });
      expect(res.steps).toBe(3);
      expectAllclose(res.output, retrieve(x, y, { ...o, values: p }), { rtol: 1e-12, atol: 1e-12 });
    }
    expect(hopfieldCore(r, y, y, {}, { updateSteps: 4, tol: 1e9 }).steps).toBe(2);
    expectAllclose(hopfieldCore(r, y, y, {}, { updateSteps: 3 }).output, retrieve(r, y, { steps: 3 }), { rtol: 1e-12, atol: 1e-12 });
  });

  it('numHeads splits the features into groups, each retrieved with its own β', () => {
    const heads = (z: Tensor, i: number) => narrow(z, -1, 3 * i, 3);
    for (const beta of [undefined, [0.5, 2]] as const) {
      const res = hopfieldCore(r, y, p, {}, { numHeads: 2, ...(beta ? { beta } : {}) });
      const want = concat([0, 1].map((i) => retrieve(heads(r, i), heads(y, i), { values: heads(p, i), beta: beta ? beta[i]! : 1 / Math.sqrt(3) })), -1);
      expectAllclose(res.output, want, { rtol: 1e-12, atol: 1e-12 });
    }
  });

  it('per-head β and α given as parameter tensors are differentiable (gradcheck)', () => {
    const beta = tensor([0.6, 1.4], { dtype: 'float64' });
    const alpha = tensor([1.3, 1.8], { dtype: 'float64' });
    const [r2, y2, p2] = [rn([2, 3, 4], 21), rn([2, 5, 4], 22), rn([2, 5, 2], 23)];
    expect(gradcheck((b, rr, yy) => hopfieldCore(rr!, yy!, p2, { beta: b! }, { numHeads: 2 }).output, [beta, r2, y2]).ok).toBe(true);
    expect(gradcheck((b, a) => hopfieldCore(r2, y2, p2, { beta: b!, alpha: a! }, { numHeads: 2, kind: 'entmax' }).output, [beta, alpha]).ok).toBe(true);
  });

  it('unbatched inputs are shared across the batch; all-unbatched inputs give an unbatched output', () => {
    const r0 = rn([5, 6], 8);
    const res = hopfieldCore(r0, y, p, {}, { returnAssociation: true });
    expect(res.output.shape).toEqual([2, 5, 6]);
    expect(res.association!.shape).toEqual([2, 1, 5, 7]);
    const y1 = narrow(y, 0, 1, 1).contiguous().detach();
    const one = hopfieldCore(r0, y1.contiguous().detach(), narrow(p, 0, 1, 1).contiguous().detach(), {});
    expectAllclose(narrow(res.output, 0, 1, 1), one.output, { rtol: 1e-12, atol: 1e-12 });
    expect(hopfieldCore(r0, rn([7, 6], 9), rn([7, 2], 10), {}).output.shape).toEqual([5, 2]);
  });
});

describe('shapes of the layers', () => {
  const g = () => new Generator(3);
  it('Hopfield: batched and unbatched, heads, sizes, tuple / object inputs, no output projection', () => {
    const h = new Hopfield({ inputSize: 8, numHeads: 2, generator: g() });
    expect(h.hiddenSize).toBe(4);
    expect(h.forward(randn([3, 5, 8])).shape).toEqual([3, 5, 8]);
    expect(h.forward(randn([5, 8])).shape).toEqual([5, 8]);
    const h2 = new Hopfield({ inputSize: 6, storedPatternSize: 4, patternProjectionSize: 3, hiddenSize: 5, patternSize: 2, numHeads: 3, outputSize: 7, generator: g() });
    expect(h2.queryWeight.shape).toEqual([15, 6]);
    expect(h2.keyWeight.shape).toEqual([15, 4]);
    expect(h2.valueWeight.shape).toEqual([6, 3]);
    expect(h2.outWeight!.shape).toEqual([7, 6]);
    const [y, r, p] = [randn([2, 9, 4]), randn([2, 5, 6]), randn([2, 9, 3])];
    expect(h2.forward([y, r, p]).shape).toEqual([2, 5, 7]);
    expect(h2.forward({ stored: y, state: r, projection: p }).shape).toEqual([2, 5, 7]);
    expect(h2.getAssociationMatrix([y, r, p]).shape).toEqual([2, 3, 5, 9]);
    const h3 = new Hopfield({ inputSize: 6, numHeads: 3, disableOutProjection: true, patternSize: 4, inputBias: false, generator: g() });
    expect(h3.outWeight).toBeNull();
    expect(h3.queryBias).toBeNull();
    expect(h3.outputSize).toBe(12);
    expect(h3.forward(randn([2, 5, 6])).shape).toEqual([2, 5, 12]);
  });

  it('HopfieldPooling: quantity prototypes, flattened (default) or not, unbatched, with a separate projection', () => {
    const pool = new HopfieldPooling({ inputSize: 6, numHeads: 2, quantity: 3, outputSize: 4, generator: g() });
    expect(pool.poolingWeights.shape).toEqual([3, 6]);
    expect(pool.forward(randn([2, 7, 6])).shape).toEqual([2, 12]);
    expect(pool.forward(randn([7, 6])).shape).toEqual([12]);
    expect(pool.getAssociationMatrix(randn([2, 7, 6])).shape).toEqual([2, 2, 3, 7]);
    const pool2 = new HopfieldPooling({ inputSize: 6, patternProjectionSize: 2, quantity: 2, flatten: false, trainable: false, generator: g() });
    expect(pool2.poolingWeights.requiresGrad).toBe(false);
    expect(pool2.forward([randn([2, 7, 6]), randn([2, 7, 2])]).shape).toEqual([2, 2, 6]);
    expect(pool2.forward({ stored: randn([7, 6]), projection: randn([7, 2]) }).shape).toEqual([2, 6]);
  });

  it('HopfieldLayer: learned memories, optionally separated targets', () => {
    const lay = new HopfieldLayer({ inputSize: 6, quantity: 10, numHeads: 2, generator: g() });
    expect(lay.lookupWeights.shape).toEqual([10, 6]);
    expect(lay.targetWeights).toBeNull();
    expect(lay.forward(randn([2, 5, 6])).shape).toEqual([2, 5, 6]);
    expect(lay.getAssociationMatrix(randn([5, 6])).shape).toEqual([2, 5, 10]);
    const sep = new HopfieldLayer({ inputSize: 6, quantity: 4, lookupWeightsAsSeparated: true, patternProjectionSize: 3, lookupTargetsAsTrainable: false, generator: g() });
    expect(sep.targetWeights!.shape).toEqual([4, 3]);
    expect(sep.targetWeights!.requiresGrad).toBe(false);
    expect(sep.forward(randn([5, 6])).shape).toEqual([5, 6]);
    expect(sep.namedParameters().map(([n]) => n)).toContain('hopfield.queryWeight');
  });

  it('initialization is hflayers-like and seeded: xavier W_Q / W_K / W_V, zero biases, N(0, 0.02²) prototypes', () => {
    const a = new HopfieldPooling({ inputSize: 16, quantity: 64, generator: new Generator(9) });
    const b = new HopfieldPooling({ inputSize: 16, quantity: 64, generator: new Generator(9) });
    expect(a.hopfield.queryWeight.toArray()).toEqual(b.hopfield.queryWeight.toArray());
    const bound = Math.sqrt(6 / 32);
    const w = Array.from(a.hopfield.keyWeight.contiguousData());
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.8 * bound);
    expect(Array.from(a.hopfield.queryBias!.contiguousData()).every((v) => v === 0)).toBe(true);
    const pw = Array.from(a.poolingWeights.contiguousData());
    const sd = Math.sqrt(pw.reduce((s, v) => s + v * v, 0) / pw.length);
    expect(sd).toBeGreaterThan(0.015);
    expect(sd).toBeLessThan(0.025);
  });
});

describe('key padding mask (true = pad)', () => {
  for (const kind of ['dense', 'sparsemax', 'entmax', 'topk', 'random', 'window'] as const) {
    it(`${kind}: changing padded memories changes nothing and their weights are 0`, () => {
      const h = new Hopfield({ inputSize: 4, numHeads: 2, kind, ...extra(kind), dtype: 'float64', generator: new Generator(5) });
      const r = rn([2, 3, 4], 1);
      const y = rn([2, 6, 4], 2);
      const mask = tensor([[0, 1, 0, 0, 1, 0], [1, 0, 0, 0, 0, 0]], { dtype: 'int32' });
      const y2 = y.dataSync() as Float64Array;
      for (const [b, j] of [[0, 1], [0, 4], [1, 0]] as const) for (let c = 0; c < 4; c++) y2[(b * 6 + j) * 4 + c]! += 10 * (c + 1);
      const yb = new Tensor(y2, y.shape);
      const res = h.forwardDetailed([y, r], { keyPaddingMask: mask, returnAssociation: true });
      expectAllclose(h.forward([yb, r], { keyPaddingMask: mask }), res.output, { rtol: 1e-12, atol: 1e-12 });
      const a = res.association!.toArray() as number[][][][];
      for (const hd of [0, 1]) for (let i = 0; i < 3; i++) expect([a[0]![hd]![i]![1], a[0]![hd]![i]![4], a[1]![hd]![i]![0]]).toEqual([0, 0, 0]);
      // without the mask the changed memories matter
      expect(Math.max(...Array.from(noGrad(() => h.forward([yb, r])).contiguousData()).map((v, i) => Math.abs(v - res.output.contiguousData()[i]!)))).toBeGreaterThan(1e-3);
    });
  }

  it('HopfieldPooling pools variable-size bags through the mask; [M] masks apply to every batch element', () => {
    const pool = new HopfieldPooling({ inputSize: 4, dtype: 'float64', generator: new Generator(2) });
    const y = rn([2, 5, 4], 3);
    const m1 = tensor([0, 0, 0, 1, 1], { dtype: 'float64' });
    const full = pool.forward(y, { keyPaddingMask: m1 });
    const cut = pool.forward(narrow(y, 1, 0, 3).contiguous());
    expectAllclose(full, cut, { rtol: 1e-12, atol: 1e-12 });
  });
});

describe('association dropout and the association matrix', () => {
  const x = rn([2, 5, 8], 7);
  const make = (p: number) => new Hopfield({ inputSize: 8, numHeads: 2, dropout: p, dtype: 'float64', generator: new Generator(3) });

  it('is the identity in eval mode and seeded in training', () => {
    const ref = make(0).eval().forward(x);
    expectAllclose(make(0.5).eval().forward(x), ref, { rtol: 0, atol: 0 });
    expectAllclose(make(0).train().forward(x), ref, { rtol: 0, atol: 0 });
    const t1 = make(0.5).train().forward(x);
    const t2 = make(0.5).train().forward(x);
    expectAllclose(t1, t2, { rtol: 0, atol: 0 });
    const diff = Math.max(...Array.from(t1.contiguousData()).map((v, i) => Math.abs(v - ref.contiguousData()[i]!)));
    expect(diff).toBeGreaterThan(1e-3);
    const h = make(0.5).train();
    expect(h.forward(x).toArray()).not.toEqual(h.forward(x).toArray());
  });

  it('dropout zeroes association weights and rescales the rest by 1/(1 − p) (checked on an identity layer)', () => {
    const y = rn([1, 6, 3], 1);
    const onehot = new Tensor(Float64Array.from({ length: 36 }, (_, i) => (i % 7 === 0 ? 1 : 0)), [1, 6, 6]);
    const h = new HopfieldRetrieval({ dropout: 0.5, generator: new Generator(1) }).train();
    const res = h.forwardDetailed([y, y, onehot], { returnAssociation: true });
    const w = res.association!.contiguousData();
    const z = res.output.contiguousData();
    expectHalfDropout(z, w, 36);
  });

  for (const kind of ['dense', 'sparsemax', 'entmax', 'window'] as const) {
    it(`${kind}: returnAssociation rows sum to 1 (before dropout)`, () => {
      const h = make(0.3).train();
      const hk = new Hopfield({ inputSize: 8, numHeads: 2, kind, ...extra(kind), dropout: 0.3, dtype: 'float64', generator: new Generator(3) });
      for (const layer of [h, hk]) {
        const a = layer.forwardDetailed(x, { returnAssociation: true }).association!;
        expect(a.shape).toEqual([2, 2, 5, 5]);
        const d = a.contiguousData();
        for (let r = 0; r < d.length / 5; r++) {
          let s = 0;
          for (let j = 0; j < 5; j++) { s += d[r * 5 + j]!; expect(d[r * 5 + j]!).toBeGreaterThanOrEqual(0); }
          expect(Math.abs(s - 1)).toBeLessThan(1e-12);
        }
      }
    });
  }

  it('sparsemax associations are sparse where dense ones are not', () => {
    const hs = new Hopfield({ inputSize: 8, kind: 'sparsemax', beta: 4, dtype: 'float64', generator: new Generator(3) });
    const a = Array.from(hs.getAssociationMatrix(x).contiguousData());
    expect(a.filter((v) => v === 0).length).toBeGreaterThan(0);
  });
});

describe('learnable per-head entmax α', () => {
  it('starts at the given α, stays in (1, 2) and receives gradients', () => {
    const h = new Hopfield({ inputSize: 4, numHeads: 2, kind: 'entmax', alpha: [1.2, 1.7], learnAlpha: true, dtype: 'float64', generator: new Generator(1) });
    expectAllclose(h.alphaValues()!, [1.2, 1.7], { rtol: 1e-12, atol: 1e-12 });
    const x = rn([2, 5, 4], 2);
    h.forward(x).sum().backward();
    expect(h.alphaLogit!.grad).not.toBeNull();
    expect(Math.max(...Array.from(h.alphaLogit!.grad!.contiguousData()).map(Math.abs))).toBeGreaterThan(0);
  });
});

type AnyLayer = nn.Module<[never, ...never[]], Tensor>;

/** gradcheck a layer over its inputs and every parameter, the parameters substituted through functionalCall. */
function gradcheckLayer(m: AnyLayer, inputs: Tensor[], build: (xs: Tensor[]) => unknown): boolean {
  const named = m.namedParameters();
  const n = inputs.length;
  const call = functionalCall as (mod: AnyLayer, p: Record<string, Tensor>, input: unknown) => Tensor;
  // the substitution must reach the forward: nudging any parameter moves the output (the key bias and the
  // stored-pattern norm's bias shift every score of a query equally, which shift-invariant kinds ignore)
  const base = Array.from(call(m, {}, build(inputs)).contiguousData());
  for (const [k, t] of named) {
    if (k.endsWith('keyBias') || k.endsWith('normStoredPattern.bias')) continue;
    const nudged = new Tensor(Float64Array.from(t.contiguousData(), (v, i) => v + 0.05 * (1 + (i % 3))), t.shape);
    const moved = Array.from(call(m, { [k]: nudged }, build(inputs)).contiguousData());
    expect(Math.max(...moved.map((v, i) => Math.abs(v - base[i]!))), `parameter ${k}`).toBeGreaterThan(1e-6);
  }
  return gradcheck((...all: Tensor[]) => {
    const params = Object.fromEntries(named.map(([k], i) => [k, all[n + i]!]));
    return call(m, params, build(all.slice(0, n)));
  }, [...inputs, ...named.map(([, t]) => t)]).ok;
}

describe('float64 gradient checks of each layer (inputs and every parameter)', () => {
  const mk = (o: Partial<hopfield.HopfieldOptions>) => new Hopfield({ inputSize: 4, numHeads: 2, dtype: 'float64', generator: new Generator(6), ...o });
  const three = [rn([2, 4, 4], 1), rn([2, 3, 4], 2), rn([2, 4, 4], 3)];
  const tuple = (xs: Tensor[]) => [xs[0]!, xs[1]!, xs[2]!] as const;
  for (const kind of ['dense', 'sparsemax', 'entmax', 'topk', 'window', 'linear'] as const) {
    it(`Hopfield ${kind}${kind === 'entmax' ? ' with learned α' : ''}`, () => {
      const m = mk({ kind, ...extra(kind), ...(kind === 'entmax' ? { learnAlpha: true } : {}) });
      expect(gradcheckLayer(m as unknown as AnyLayer, three, tuple)).toBe(true);
    });
  }
  it('Hopfield dense, 2 update steps, β per head, key padding mask', () => {
    const m = mk({ updateSteps: 2, beta: [0.4, 0.9] });
    const mask = tensor([[0, 0, 1, 0], [1, 0, 0, 0]]);
    const named = m.namedParameters();
    const ok = gradcheck((...all: Tensor[]) => functionalCall(m, Object.fromEntries(named.map(([k], i) => [k, all[3 + i]!])), tuple(all), { keyPaddingMask: mask }),
      [...three, ...named.map(([, t]) => t)]).ok;
    expect(ok).toBe(true);
  });
  it('HopfieldPooling', () => {
    const m = new HopfieldPooling({ inputSize: 4, numHeads: 2, quantity: 2, dtype: 'float64', generator: new Generator(6) });
    expect(gradcheckLayer(m as unknown as AnyLayer, [rn([2, 5, 4], 4)], (xs) => xs[0])).toBe(true);
  });
  it('HopfieldLayer with separated targets', () => {
    const m = new HopfieldLayer({ inputSize: 4, quantity: 3, lookupWeightsAsSeparated: true, dtype: 'float64', generator: new Generator(6) });
    expect(gradcheckLayer(m as unknown as AnyLayer, [rn([2, 3, 4], 5)], (xs) => xs[0])).toBe(true);
  });
});

describe('errors name the option and the value', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['heads not dividing inputSize', () => new Hopfield({ inputSize: 6, numHeads: 4 }), /Hopfield: numHeads = 4 does not divide inputSize = 6/],
    ['unknown kind', () => new Hopfield({ inputSize: 4, kind: 'softmax' as RetrieveKind }), /unknown kind 'softmax'/],
    ['beta ≤ 0', () => new Hopfield({ inputSize: 4, beta: 0 }), /beta must be a finite number > 0, got 0/],
    ['beta per head of the wrong length', () => new Hopfield({ inputSize: 4, numHeads: 2, beta: [1, 2, 3] }), /beta has 3 entries but there are numHeads = 2/],
    ['negative beta for one head', () => new HopfieldRetrieval({ numHeads: 2, beta: [1, -1] }), /beta\[1\] must be a finite number > 0, got -1/],
    ['topk without k', () => new Hopfield({ inputSize: 4, kind: 'topk' }), /kind 'topk' needs k/],
    ['updateSteps 0', () => new Hopfield({ inputSize: 4, updateSteps: 0 }), /updateSteps must be an integer >= 1 \(1 = one association\), got 0/],
    ['dropout > 1', () => new HopfieldPooling({ inputSize: 4, dropout: 1.5 }), /dropout must be a probability in \[0, 1\], got 1.5/],
    ['learnAlpha without entmax', () => new Hopfield({ inputSize: 4, learnAlpha: true }), /learnAlpha needs kind 'entmax'/],
    ['alpha outside (1, 2]', () => new Hopfield({ inputSize: 4, kind: 'entmax', alpha: 2.5 }), /alpha must be in \(1, 2\], got 2.5/],
    ['negative window', () => new Hopfield({ inputSize: 4, kind: 'window', window: -1 }), /window must be an integer w >= 0/],
    ['mask shape mismatch', () => new Hopfield({ inputSize: 4 }).forward(randn([2, 5, 4]), { keyPaddingMask: zeros([2, 4]) }),
      /Hopfield: keyPaddingMask of shape \[2,4\] must be \[2, 5\] \(\[B, M\]\)/],
    ['wrong input width', () => new Hopfield({ inputSize: 4 }).forward(randn([2, 5, 3])), /Hopfield: the state pattern has shape \[2,5,3\] but its last dimension must be inputSize = 4/],
    ['pooling input width', () => new HopfieldPooling({ inputSize: 4 }).forward(randn([2, 5, 3])), /HopfieldPooling: the stored pattern has shape \[2,5,3\]/],
    ['batch sizes differ', () => new Hopfield({ inputSize: 4 }).forward([randn([2, 5, 4]), randn([3, 5, 4])]), /batch sizes differ/],
    ['dtype mismatch', () => new Hopfield({ inputSize: 4, ...noNorm }).forward(rn([2, 5, 4], 1)), /is float32 but the patterns are float64/],
    ['rank-4 input', () => new Hopfield({ inputSize: 4 }).forward(randn([1, 2, 5, 4])), /must be \[n, d\] or batched \[B, n, d\]/],
    ['k larger than M at call time', () => new Hopfield({ inputSize: 4, kind: 'topk', k: 9 }).forward(randn([2, 5, 4])), /k must be a count in 1..5/],
    ['core: numHeads not dividing the width', () => hopfieldCore(rn([3, 5], 1), rn([4, 5], 2), rn([4, 5], 3), {}, { numHeads: 2 }), /hopfieldCore: numHeads = 2 does not divide the association width 5/],
    ['core: params.beta of the wrong shape', () => hopfieldCore(rn([3, 4], 1), rn([4, 4], 2), rn([4, 4], 3), { beta: tensor([1, 2, 3]) }, { numHeads: 2 }),
      /params.beta must be a tensor of shape \[2\] \(one per head\), got \[3\]/],
    ['core: projection rows', () => hopfieldCore(rn([3, 4], 1), rn([4, 4], 2), rn([5, 4], 3)), /one row per stored pattern \(M = 4\)/],
  ];
  for (const [name, f, re] of cases) {
    it(name, () => {
      expect(f).toThrow(HopgradError);
      expect(f).toThrow(re);
    });
  }
  it('the retrieveDetailed record is what the core iterates', () => {
    expect(retrieveDetailed(rn([3, 4], 1), rn([4, 4], 2), { steps: 2 }).steps).toBe(2);
  });
});

describe('kernelized kinds in the layers', () => {
  it('linear and prf honour keyPaddingMask and per-head beta: changing a padded memory changes nothing', () => {
    for (const kind of ['linear', 'prf'] as const) {
      const layer = new hopfield.Hopfield({ inputSize: 4, numHeads: 2, kind, beta: [0.5, 1], generator: new Generator(3) });
      const g = new Generator(4);
      const state = randn([2, 3, 4], { generator: g });
      const stored = randn([2, 5, 4], { generator: g });
      const mask = tensor([[0, 0, 0, 1, 1], [0, 1, 0, 0, 0]]);
      const moved = stored.add(mask.unsqueeze(-1).mul(randn([2, 5, 4], { generator: g }).mul(3)));
      const a = layer.forward({ stored, state }, { keyPaddingMask: mask });
      const b = layer.forward({ stored: moved, state }, { keyPaddingMask: mask });
      const c = layer.forward({ stored: moved, state });
      expectAllclose(b, a, { atol: 1e-5, rtol: 1e-5 });
      // without the mask the moved memories do change the output (so the check above can fail)
      expect(Math.max(...Array.from(c.sub(a).abs().dataSync()))).toBeGreaterThan(1e-3);
    }
  });
});
