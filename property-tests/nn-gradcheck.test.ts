// Property tests: the gradients of every nn loss and of the parameterized layers (through functionalCall)
// agree with finite differences in float64, over random shapes, values, targets and options.
// Set FC_SEED to replay a failure (fast-check prints the seed), FC_RUNS to run more cases.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Tensor } from '../src/tensor/tensor.js';
import { Generator } from '../src/tensor/random.js';
import { gradcheck } from '../src/autograd/gradcheck.js';
import '../src/autograd/index.js';
import * as nn from '../src/nn/index.js';
import { f64, f64Away, fcParams, shapeArb } from './gradcheck/case.js';

const reduction = fc.constantFrom<nn.Reduction>('mean', 'sum', 'none');
const positive = (shape: number[]) => f64(shape, 0.1, 3);

describe('gradients of the regression losses', () => {
  it('mseLoss, huberLoss and smoothL1Loss (input and target)', () => {
    fc.assert(fc.property(
      shapeArb(0, 3, 4).chain((s) => fc.tuple(f64(s), f64(s), reduction, fc.double({ min: 0.2, max: 2, noNaN: true }))),
      ([x, y, r, k]) => {
        gradcheck((a, b) => nn.mseLoss(a, b, { reduction: r }), [x, y]);
        gradcheck((a, b) => nn.huberLoss(a, b, { reduction: r, delta: k }), [x, y]);
        gradcheck((a, b) => nn.smoothL1Loss(a, b, { reduction: r, beta: k }), [x, y]);
      },
    ), fcParams(40));
  });

  it('l1Loss away from its kink', () => {
    fc.assert(fc.property(
      shapeArb(0, 3, 4).chain((s) => fc.tuple(f64(s), f64Away(s, [0], 0.05), reduction)),
      ([y, d, r]) => {
        const x = new Tensor((y._storage as Float64Array).map((v, i) => v + d._storage[i]!), y.shape);
        gradcheck((a, b) => nn.l1Loss(a, b, { reduction: r }), [x, y]);
      },
    ), fcParams(40));
  });
});

describe('gradients of the binary cross-entropies', () => {
  it('bceWithLogits with optional weight and posWeight (logits and targets)', () => {
    fc.assert(fc.property(
      shapeArb(1, 3, 4).chain((s) => fc.tuple(
        f64(s, -5, 5), f64(s, 0, 1), reduction,
        fc.option(positive([s[s.length - 1]!]), { nil: undefined }), fc.option(positive(s), { nil: undefined }),
      )),
      ([x, y, r, pw, w]) => {
        const opts = { reduction: r, ...(pw ? { posWeight: pw } : {}), ...(w ? { weight: w } : {}) };
        gradcheck((a, b) => nn.bceWithLogits(a, b, opts), [x, y]);
      },
    ), fcParams(40));
  });

  it('binaryCrossEntropy on probabilities (input and target)', () => {
    fc.assert(fc.property(
      shapeArb(0, 3, 4).chain((s) => fc.tuple(f64(s, 0.02, 0.98), f64(s, 0, 1), reduction)),
      ([p, y, r]) => { gradcheck((a, b) => nn.binaryCrossEntropy(a, b, { reduction: r }), [p, y]); },
    ), fcParams(40));
  });
});

/** A classification case: logits [N, C] or [N, C, d], index targets (some ignored), options. */
const classCase = fc.record({
  n: fc.integer({ min: 1, max: 4 }),
  c: fc.integer({ min: 1, max: 5 }),
  d: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  r: reduction,
  smoothing: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.5, noNaN: true })),
  weighted: fc.boolean(),
  ignore: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1e6 }),
}).chain((k) => {
  const shape = k.d === undefined ? [k.n, k.c] : [k.n, k.c, k.d];
  const batch = k.d === undefined ? [k.n] : [k.n, k.d];
  const rows = batch.reduce((a, b) => a * b, 1);
  return fc.tuple(
    fc.constant(k), f64(shape, -3, 3), f64(shape, 0, 1), positive([k.c]),
    fc.array(fc.integer({ min: k.ignore ? -1 : 0, max: k.c - 1 }), { minLength: rows, maxLength: rows }),
    fc.constant(batch),
  );
});

describe('gradients of crossEntropy and nllLoss', () => {
  it('class-index targets with weights, ignoreIndex and label smoothing', () => {
    fc.assert(fc.property(classCase, ([k, logits, , w, ids, batch]) => {
      const target = new Tensor(Int32Array.from(ids), batch);
      // with every target ignored the mean is 0/0 (NaN, as in PyTorch): use 'sum' there
      const r = ids.every((v) => v === -1) && k.r === 'mean' ? 'sum' : k.r;
      const opts = { reduction: r, labelSmoothing: k.smoothing, ...(k.weighted ? { weight: w } : {}), ...(k.ignore ? { ignoreIndex: -1 } : {}) };
      gradcheck((l) => nn.crossEntropy(l, target, opts), [logits]);
      const nllOpts = { reduction: r, ...(k.weighted ? { weight: w } : {}), ...(k.ignore ? { ignoreIndex: -1 } : {}) };
      gradcheck((l) => nn.nllLoss(l, target, nllOpts), [logits]);
    }), fcParams(40));
  });

  it('probability targets (logits and targets)', () => {
    fc.assert(fc.property(classCase, ([k, logits, probs, w]) => {
      const opts = { reduction: k.r, labelSmoothing: k.smoothing, ...(k.weighted ? { weight: w } : {}) };
      gradcheck((l, p) => nn.crossEntropy(l, p, opts), [logits, probs]);
    }), fcParams(40));
  });
});

describe('gradients of the layers through functionalCall', () => {
  const seedArb = fc.integer({ min: 0, max: 1e6 });

  it('Linear (input, weight, bias) on inputs with 1 to 3 dims', () => {
    fc.assert(fc.property(
      fc.record({ inF: fc.integer({ min: 1, max: 4 }), outF: fc.integer({ min: 1, max: 4 }), lead: shapeArb(0, 2, 3), bias: fc.boolean(), seed: seedArb })
        .chain((k) => fc.tuple(fc.constant(k), f64([...k.lead, k.inF]))),
      ([k, x]) => {
        const lin = new nn.Linear(k.inF, k.outF, { bias: k.bias, generator: new Generator(k.seed), dtype: 'float64' });
        if (lin.bias) gradcheck((a, w, b) => nn.functionalCall(lin, { weight: w, bias: b }, a), [x, lin.weight, lin.bias]);
        else gradcheck((a, w) => nn.functionalCall(lin, { weight: w }, a), [x, lin.weight]);
      },
    ), fcParams(40));
  });

  it('LayerNorm (input, weight, bias) over 1 or 2 trailing dims', () => {
    fc.assert(fc.property(
      fc.record({ norm: shapeArb(1, 2, 4), lead: shapeArb(0, 2, 3), seed: seedArb })
        .chain((k) => fc.tuple(fc.constant(k), f64([...k.lead, ...k.norm]), f64(k.norm, 0.5, 2), f64(k.norm))),
      ([k, x, w, b]) => {
        const ln = new nn.LayerNorm(k.norm, { dtype: 'float64' });
        gradcheck((a, ww, bb) => nn.functionalCall(ln, { weight: ww, bias: bb }, a), [x, w, b]);
      },
    ), fcParams(40));
  });

  it('a small MLP end to end: every parameter at once', () => {
    fc.assert(fc.property(
      fc.tuple(seedArb, fc.integer({ min: 1, max: 3 })).chain(([seed, n]) => fc.tuple(fc.constant(seed), f64([n, 3]))),
      ([seed, x]) => {
        const g = new Generator(seed);
        const mlp = new nn.Sequential(
          new nn.Linear(3, 5, { generator: g }), new nn.Tanh(), new nn.LayerNorm(5), new nn.Linear(5, 4, { generator: g }), new nn.GELU(),
          new nn.Linear(4, 2, { generator: g }),
        ).to('float64');
        const names = mlp.namedParameters().map(([nm]) => nm);
        const target = new Tensor(Int32Array.from({ length: x.shape[0]! }, (_, i) => i % 2), [x.shape[0]!]);
        gradcheck((a, ...ps) => nn.crossEntropy(nn.functionalCall(mlp, Object.fromEntries(names.map((nm, i) => [nm, ps[i]!])), a), target),
          [x, ...mlp.parameters()]);
      },
    ), fcParams(15));
  });

  it('Embedding (weight) with repeated indices', () => {
    fc.assert(fc.property(
      fc.record({ num: fc.integer({ min: 1, max: 5 }), dim: fc.integer({ min: 1, max: 3 }), ids: shapeArb(1, 2, 3), seed: seedArb }),
      (k) => {
        const e = new nn.Embedding(k.num, k.dim, { generator: new Generator(k.seed), dtype: 'float64' });
        const g = new Generator(k.seed + 1);
        const n = k.ids.reduce((a, b) => a * b, 1);
        const ids = new Tensor(Int32Array.from({ length: n }, () => g.int(k.num)), k.ids);
        gradcheck((w) => nn.functionalCall(e, { weight: w }, ids), [e.weight]);
      },
    ), fcParams(30));
  });
});
