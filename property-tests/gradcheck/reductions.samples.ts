// Gradient-check cases for the reductions op group (src/autograd/ops/reductions.ts and fused.ts): one case
// arbitrary per registered op, float64, random shapes / axes / keepDims, kinks excluded by construction.
import fc from 'fast-check';
import {
  Tensor, cumsum, layerNorm, logSoftmax, logsumexp, max, min, norm, prod, softmax, std, variance,
} from '../../src/index.js';
import type { ReductionsAttrs } from '../../src/autograd/ops/reductions.js';
import type { FusedAttrs } from '../../src/autograd/ops/fused.js';
import { type CaseArb, f64, f64Away, shapeArb } from './case.js';

type Axis = number | number[] | undefined;

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const fmtAxis = (a: Axis): string => (a === undefined ? 'all' : JSON.stringify(a));

/** A float64 tensor whose entries are pairwise at least `gap` apart (no ties, no zero-variance slices). */
function distinctF64(shape: number[], gap = 0.1): fc.Arbitrary<Tensor> {
  const n = size(shape);
  return fc
    .tuple(
      fc.shuffledSubarray(range(n), { minLength: n, maxLength: n }),
      fc.array(fc.double({ min: 0, max: gap / 2, noNaN: true }), { minLength: n, maxLength: n }),
    )
    .map(([perm, jitter]) => new Tensor(Float64Array.from(perm, (p, i) => (p - n / 2) * gap + jitter[i]!), shape));
}

/** An axis argument for a reduction of a tensor of rank `rank`: all, one axis, or a list; negative forms too. */
function axisArb(rank: number, nonEmptyList = false): fc.Arbitrary<Axis> {
  if (rank === 0) return fc.constantFrom<Axis>(undefined, 0, -1);
  return fc.oneof(
    fc.constant(undefined),
    fc.integer({ min: -rank, max: rank - 1 }),
    fc
      .tuple(fc.shuffledSubarray(range(rank), { minLength: nonEmptyList ? 1 : 0 }), fc.array(fc.boolean(), { minLength: rank, maxLength: rank }))
      .map(([axes, neg]) => axes.map((a, i) => (neg[i] ? a - rank : a))),
  );
}

/** Normalized axes an axis argument reduces. */
function reduced(shape: number[], axis: Axis): number[] {
  if (shape.length === 0) return [];
  if (axis === undefined) return range(shape.length);
  return (typeof axis === 'number' ? [axis] : axis).map((a) => (a < 0 ? a + shape.length : a));
}

/** Shape, axis and keepDims, then the input tensor from `values`. */
function reductionCase(
  name: string, values: (shape: number[]) => fc.Arbitrary<Tensor>, run: (x: Tensor, axis: Axis, keepDims: boolean) => Tensor,
  shapes = shapeArb(0, 3, 4), nonEmptyList = false,
): CaseArb {
  return shapes.chain((shape) =>
    fc.tuple(values(shape), axisArb(shape.length, nonEmptyList), fc.boolean()).map(([x, axis, keepDims]) => ({
      inputs: [x],
      run: (t: Tensor) => run(t, axis, keepDims),
      label: `${name} of ${JSON.stringify(shape)} over ${fmtAxis(axis)}${keepDims ? ', keepDims' : ''}`,
    })),
  );
}

/** A row op (softmax / logSoftmax / cumsum) along one axis, or the default axis when undefined. */
function axisCase(name: string, run: (x: Tensor, axis: number | undefined) => Tensor, lo = -3, hi = 3): CaseArb {
  return shapeArb(0, 3, 4).chain((shape) => {
    const r = shape.length;
    const axis = r === 0 ? fc.constantFrom(undefined, 0, -1) : fc.option(fc.integer({ min: -r, max: r - 1 }), { nil: undefined });
    return fc.tuple(f64(shape, lo, hi), axis).map(([x, a]) => ({
      inputs: [x],
      run: (t: Tensor) => run(t, a),
      label: `${name} of ${JSON.stringify(shape)} along ${a ?? 'the default axis'}`,
    }));
  });
}

/** prod inputs: |x| in [0.5, 1.5] with some exact zeros (prod is multilinear, so zeros are no kink). */
function prodValues(shape: number[]): fc.Arbitrary<Tensor> {
  const n = size(shape);
  return fc.tuple(f64Away(shape, [0], 0.5, -1.5, 1.5), fc.array(fc.integer({ min: 0, max: 7 }), { minLength: n, maxLength: n })).map(([x, z]) => {
    const d = x._storage as Float64Array;
    z.forEach((k, i) => { if (k === 0) d[i] = 0; });
    return x;
  });
}

/** var / std: a correction that leaves degrees of freedom (0 when a reduction covers one element). */
function varCase(name: 'var' | 'std', f: typeof variance): CaseArb {
  // std needs at least 2 elements per reduction (std = 0 is a kink): dims ≥ 2 and a non-empty axis list
  const shapes = name === 'std' ? shapeArb(1, 3, 4).map((s) => s.map((d) => Math.max(d, 2))) : shapeArb(0, 3, 4);
  return shapes.chain((shape) =>
    fc.tuple(distinctF64(shape), axisArb(shape.length, name === 'std'), fc.boolean(), fc.constantFrom(0, 1)).map(([x, axis, keepDims, c]) => {
      const n = size(reduced(shape, axis).map((a) => shape[a]!));
      const correction = n > c ? c : 0;
      return {
        inputs: [x],
        run: (t: Tensor) => f(t, axis, { keepDims, correction }),
        label: `${name} of ${JSON.stringify(shape)} over ${fmtAxis(axis)}, correction ${correction}${keepDims ? ', keepDims' : ''}`,
      };
    }),
  );
}

const normCase: CaseArb = fc.constantFrom(1, 1.5, 2, 3).chain((p) =>
  reductionCase(`norm p=${p}`, (s) => f64Away(s, [0], 0.3), (x, axis, keepDims) => norm(x, p, axis, { keepDims })),
);

/** layerNorm over the trailing k dims, with or without weight and bias. */
const layerNormCase: CaseArb = shapeArb(1, 3, 4).chain((shape) =>
  fc.integer({ min: 1, max: shape.length }).chain((k) => {
    const ns = shape.slice(shape.length - k);
    return fc.tuple(distinctF64(shape), fc.option(f64(ns), { nil: undefined }), fc.option(f64(ns), { nil: undefined }), fc.constantFrom(1e-5, 0.1))
      .map(([x, w, b, eps]) => ({
        inputs: [x, ...(w ? [w] : []), ...(b ? [b] : [])],
        run: (t: Tensor, ...wb: Tensor[]) => layerNorm(t, ns, w ? wb[0] : undefined, b ? wb[w ? 1 : 0] : undefined, eps),
        label: `layerNorm of ${JSON.stringify(shape)} over ${JSON.stringify(ns)}${w ? ', weight' : ''}${b ? ', bias' : ''}, eps ${eps}`,
      }));
  }),
);

/** Cases by op name: every differentiable op of the group (a missing one is a compile error). */
export const reductionsCases: { [K in keyof (ReductionsAttrs & FusedAttrs)]: CaseArb } = {
  max: reductionCase('max', distinctF64, (x, axis, keepDims) => max(x, axis, { keepDims })),
  min: reductionCase('min', distinctF64, (x, axis, keepDims) => min(x, axis, { keepDims })),
  prod: reductionCase('prod', prodValues, (x, axis, keepDims) => prod(x, axis, { keepDims })),
  logsumexp: reductionCase('logsumexp', (s) => f64(s, -3, 3), (x, axis, keepDims) => logsumexp(x, axis, { keepDims })),
  var: varCase('var', variance),
  std: varCase('std', std),
  norm: normCase,
  cumsum: fc.boolean().chain((reverse) =>
    axisCase(`cumsum${reverse ? ' (reverse)' : ''}`, (x, a) => cumsum(x, a ?? -1, { reverse }))),
  softmax: axisCase('softmax', (x, a) => softmax(x, a)),
  logSoftmax: axisCase('logSoftmax', (x, a) => logSoftmax(x, a)),
  layerNorm: layerNormCase,
};
