// Property tests of the Hopfield layers: outputs are invariant under permuting the stored patterns together
// with their projections (and padding flags), equivariant under permuting the state patterns, a batch equals
// its elements run one by one, float64 gradients of random layer configurations match finite differences,
// and HopfieldPooling + Linear trained with AdamW learns a toy multiple-instance task.
// Set FC_SEED to replay a failure (fast-check prints the seed), FC_RUNS to run more cases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, Tensor, gradcheck, indexSelect, noGrad, randn, select, stack } from '../src/index.js';
import * as nn from '../src/nn/index.js';
import * as optim from '../src/optim/index.js';
import { Hopfield, HopfieldPooling, type RetrieveKind } from '../src/hopfield/index.js';
import { expectAllclose } from '../test/helpers/allclose.js';
import { fcParams } from './gradcheck/case.js';

const rn = (shape: number[], seed: number): Tensor => randn(shape, { dtype: 'float64', generator: new Generator(seed) });
const extra = (kind: RetrieveKind): { k?: number; window?: number; seed?: number } =>
  kind === 'topk' || kind === 'random' ? { k: 2, seed: 3 } : kind === 'window' ? { window: 1 } : {};
const maskable = (kind: RetrieveKind) => kind !== 'linear' && kind !== 'prf';

/** A random layer configuration and data: optional batch, L, M, heads and per-head widths, a seed. */
const config = (kinds: readonly RetrieveKind[]) => fc.record({
  kind: fc.constantFrom(...kinds),
  batch: fc.constantFrom<number | null>(null, 1, 2),
  l: fc.integer({ min: 1, max: 4 }),
  m: fc.integer({ min: 2, max: 5 }),
  heads: fc.integer({ min: 1, max: 2 }),
  dk: fc.integer({ min: 1, max: 3 }),
  updateSteps: fc.integer({ min: 1, max: 2 }),
  seed: fc.integer({ min: 0, max: 1e6 }),
});
type Config = { kind: RetrieveKind; batch: number | null; l: number; m: number; heads: number; dk: number; updateSteps: number; seed: number };

function build(c: Config) {
  const d = 3;
  const layer = new Hopfield({
    inputSize: d, numHeads: c.heads, hiddenSize: c.dk, patternSize: 2, kind: c.kind, ...extra(c.kind),
    updateSteps: c.updateSteps, dtype: 'float64', generator: new Generator(c.seed),
  });
  const b = c.batch === null ? [] : [c.batch];
  const y = rn([...b, c.m, d], c.seed + 1);
  const r = rn([...b, c.l, d], c.seed + 2);
  const p = rn([...b, c.m, d], c.seed + 3);
  const flags = Array.from({ length: (c.batch ?? 1) * c.m }, (_, i) => (i % c.m !== 0 && (i * 7 + c.seed) % 3 === 0 ? 1 : 0));
  const mask = maskable(c.kind) ? new Tensor(Float64Array.from(flags), c.batch === null ? [c.m] : [c.batch, c.m]) : undefined;
  return { layer, y, r, p, mask };
}

const close = (a: Tensor, b: Tensor, tol = 1e-10): void => expectAllclose(a, b, { rtol: tol, atol: tol });

describe('symmetries of the Hopfield layer', () => {
  it('permuting the stored patterns with their projections and padding flags leaves the output unchanged', () => {
    fc.assert(fc.property(config(['dense', 'sparsemax', 'entmax', 'topk', 'linear', 'prf']), fc.integer({ min: 0, max: 1e6 }), (c, ps) => {
      const { layer, y, r, p, mask } = build(c);
      const perm = new Generator(ps).permutation(c.m);
      const idx = new Tensor(perm, [c.m]);
      const opts = mask ? { keyPaddingMask: mask } : {};
      const popts = mask ? { keyPaddingMask: indexSelect(mask, -1, idx) } : {};
      const a = noGrad(() => layer.forward([y, r, p], opts));
      const b = noGrad(() => layer.forward([indexSelect(y, -2, idx), r, indexSelect(p, -2, idx)], popts));
      close(a, b);
    }), fcParams(25));
  });

  it('permuting the state patterns permutes the output rows', () => {
    fc.assert(fc.property(config(['dense', 'sparsemax', 'entmax', 'topk', 'linear', 'prf']), fc.integer({ min: 0, max: 1e6 }), (c, ps) => {
      const { layer, y, r, p, mask } = build(c);
      const idx = new Tensor(new Generator(ps).permutation(c.l), [c.l]);
      const opts = mask ? { keyPaddingMask: mask } : {};
      const a = noGrad(() => layer.forward([y, r, p], opts));
      close(indexSelect(a, -2, idx), noGrad(() => layer.forward([y, indexSelect(r, -2, idx), p], opts)));
    }), fcParams(25));
  });

  it('a batch equals its elements run one by one (every kind but random, whose draws depend on the batch)', () => {
    fc.assert(fc.property(config(['dense', 'sparsemax', 'entmax', 'topk', 'window', 'linear', 'prf']), (c0) => {
      const c = { ...c0, batch: 2 };
      const { layer, y, r, p, mask } = build(c);
      const whole = noGrad(() => layer.forward([y, r, p], mask ? { keyPaddingMask: mask } : {}));
      const parts = [0, 1].map((i) => noGrad(() => layer.forward([select(y, 0, i), select(r, 0, i), select(p, 0, i)],
        mask ? { keyPaddingMask: select(mask, 0, i) } : {})));
      close(whole, stack(parts, 0));
    }), fcParams(20));
  });
});

describe('float64 gradients of random layer configurations', () => {
  it('inputs and every parameter (substituted through functionalCall) match central differences', () => {
    fc.assert(fc.property(config(['dense', 'sparsemax', 'entmax', 'topk', 'random', 'window', 'linear', 'prf']), (c) => {
      const { layer, y, r, p, mask } = build(c);
      const named = layer.namedParameters();
      const res = gradcheck((...all: Tensor[]) => {
        const params = Object.fromEntries(named.map(([k], i) => [k, all[3 + i]!]));
        return nn.functionalCall(layer, params, [all[0]!, all[1]!, all[2]!], mask ? { keyPaddingMask: mask } : {});
      }, [y, r, p, ...named.map(([, t]) => t)]);
      expect(res.ok).toBe(true);
    }), fcParams(8));
  });
});

/** n bags of 4..maxM instances in R^d (padded to maxM); a bag is positive iff it holds an instance near `t`. */
function bags(g: Generator, n: number, t: Float32Array, maxM: number) {
  const d = t.length;
  const x = new Float32Array(n * maxM * d);
  const mask = new Float32Array(n * maxM);
  const y = new Float32Array(n);
  const normal = () => Math.sqrt(-2 * Math.log(g.uniform())) * Math.cos(2 * Math.PI * g.uniform());
  for (let b = 0; b < n; b++) {
    const m = 4 + g.int(maxM - 3);
    const positive = g.uniform() < 0.5;
    y[b] = positive ? 1 : 0;
    const at = g.int(m);
    for (let j = 0; j < maxM; j++) {
      if (j >= m) { mask[b * maxM + j] = 1; continue; }
      for (let c = 0; c < d; c++) x[(b * maxM + j) * d + c] = positive && j === at ? t[c]! + 0.3 * normal() : normal();
    }
  }
  return { x: new Tensor(x, [n, maxM, d]), mask: new Tensor(mask, [n, maxM]), y: new Tensor(y, [n, 1]) };
}

describe('multiple-instance learning with HopfieldPooling', () => {
  it('HopfieldPooling + Linear trained with AdamW for 200 steps classifies held-out bags with > 90% accuracy', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (dataSeed, initSeed) => {
      const d = 16;
      const maxM = 8;
      const data = new Generator(dataSeed);
      const t = Float32Array.from({ length: d }, () => 4 * data.uniform() - 2);
      const init = new Generator(initSeed);
      const pool = new HopfieldPooling({ inputSize: d, numHeads: 2, hiddenSize: 8, generator: init });
      const head = new nn.Linear(pool.hopfield.outputSize, 1, { generator: init });
      const opt = new optim.AdamW([...pool.parameters(), ...head.parameters()], { lr: 5e-3 });
      for (let step = 0; step < 200; step++) {
        const batch = bags(data, 32, t, maxM); // fresh bags every step
        opt.zeroGrad();
        nn.bceWithLogits(head.forward(pool.forward(batch.x, { keyPaddingMask: batch.mask })), batch.y).backward();
        opt.step();
      }
      pool.eval();
      const test = bags(data, 200, t, maxM);
      const logits = noGrad(() => head.forward(pool.forward(test.x, { keyPaddingMask: test.mask }))).contiguousData();
      const labels = test.y.contiguousData();
      let correct = 0;
      for (let b = 0; b < 200; b++) if ((logits[b]! > 0 ? 1 : 0) === labels[b]) correct++;
      expect(correct / 200).toBeGreaterThan(0.9);
    }), fcParams(2));
  });
});
