// Gradient-check cases for the core op groups (elementwise, movement, sum, matmul): one case arbitrary per
// registered op. Kinks and ties are excluded by construction: abs/relu/leakyRelu/elu inputs stay away from
// 0, maximum/minimum operands sit on interleaved lattices (|a − b| ≥ 0.125), clamp inputs stay away from
// the bounds, and log/sqrt/rsqrt/pow bases are positive and away from 0, as are reciprocal/div denominators.
import fc from 'fast-check';
import {
  Tensor, add, sub, mul, div, pow, maximum, minimum, neg, exp, log, sqrt, rsqrt, abs, square, reciprocal,
  tanh, sigmoid, relu, elu, gelu, softplus, leakyRelu, sin, cos, log1p, expm1, powScalar, where, clamp,
  reshape, permute, expand, contiguous, transpose, sum, matmul,
} from '../../src/index.js';
import type { ElementwiseAttrs } from '../../src/autograd/ops/elementwise.js';
import type { MovementAttrs } from '../../src/autograd/ops/movement.js';
import type { SumAttrs } from '../../src/autograd/ops/reduce.js';
import type { LinalgAttrs } from '../../src/autograd/ops/linalg.js';
import { type CaseArb, type GradCase, broadcastPair, f64, f64Away, f64Lattice, shapeArb } from './case.js';

type Arb<T> = fc.Arbitrary<T>;
type CoreOp = keyof ElementwiseAttrs | keyof MovementAttrs | keyof SumAttrs | keyof LinalgAttrs;

const fmt = (s: readonly number[]): string => `[${s.join(',')}]`;

/** Derive a shape that broadcasts to `s`: some axes set to 1, some leading axes dropped. */
function subShape(s: readonly number[]): Arb<number[]> {
  return fc
    .tuple(fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }), fc.integer({ min: 0, max: s.length }))
    .map(([ones, drop]) => s.map((d, i) => (ones[i] ? 1 : d)).slice(drop));
}

// ---- elementwise -----------------------------------------------------------------------------------------

/** A binary op on a broadcastable pair of shapes, operands drawn by `mkA` / `mkB`. */
function binary(label: string, f: (a: Tensor, b: Tensor) => Tensor, mkA: (s: number[]) => Arb<Tensor>, mkB: (s: number[]) => Arb<Tensor>): CaseArb {
  return broadcastPair().chain(([sa, sb]) =>
    fc.tuple(mkA(sa), mkB(sb)).map(([a, b]): GradCase => ({ inputs: [a, b], run: (x: Tensor, y: Tensor) => f(x, y), label: `${label} ${fmt(sa)} ${fmt(sb)}` })),
  );
}

/** A unary op on a random shape, input drawn by `mk`, with an optional scalar parameter drawn by `param`. */
function unary<P>(label: string, f: (x: Tensor, p: P) => Tensor, mk: (s: number[]) => Arb<Tensor>, param: Arb<P>): CaseArb {
  return fc
    .tuple(shapeArb(0, 3, 4), param)
    .chain(([s, p]) => mk(s).map((x): GradCase => ({ inputs: [x], run: (t: Tensor) => f(t, p), label: `${label}(${fmt(s)}${p === undefined ? '' : `, ${String(p)}`})` })));
}

const none = fc.constant(undefined);
const any = (lo = -2, hi = 2) => (s: number[]) => f64(s, lo, hi);
const away0 = (gap = 0.05) => (s: number[]) => f64Away(s, [0], gap);
const positive = (s: number[]) => f64(s, 0.2, 2);

/** Unary cases for ops without a parameter. */
const u = (label: string, f: (x: Tensor) => Tensor, mk: (s: number[]) => Arb<Tensor>): CaseArb => unary(label, (x) => f(x), mk, none);

/** clamp with two bounds, only a lower one, or only an upper one; inputs kept 0.05 away from the bounds. */
const clampCase: CaseArb = fc
  .tuple(shapeArb(0, 3, 4), fc.double({ min: -1.5, max: 0, noNaN: true }), fc.double({ min: 0.2, max: 1.5, noNaN: true }), fc.constantFrom('both', 'min', 'max'))
  .chain(([s, lo, hi, which]) => {
    const min = which === 'max' ? -Infinity : lo;
    const max = which === 'min' ? Infinity : hi;
    return f64Away(s, [min, max].filter(Number.isFinite), 0.05).map((x): GradCase => ({
      inputs: [x], run: (t: Tensor) => clamp(t, min, max), label: `clamp(${fmt(s)}, ${min}, ${max})`,
    }));
  });

/** where(cond, a, b) with an int32 condition (not perturbed by gradcheck) and three broadcastable shapes. */
const whereCase: CaseArb = shapeArb(0, 3, 4)
  .chain((s) => fc.tuple(subShape(s), subShape(s), subShape(s)))
  .chain(([sc, sa, sb]) => {
    const n = sc.reduce((p, d) => p * d, 1);
    const cond = fc.array(fc.boolean(), { minLength: n, maxLength: n }).map((bs) => new Tensor(Int32Array.from(bs, Number), sc));
    return fc.tuple(cond, f64(sa), f64(sb)).map(([c, a, b]): GradCase => ({
      inputs: [c, a, b], run: (ct: Tensor, x: Tensor, y: Tensor) => where(ct, x, y), label: `where(${fmt(sc)}, ${fmt(sa)}, ${fmt(sb)})`,
    }));
  });

const elementwiseCases: { [K in keyof ElementwiseAttrs]: CaseArb } = {
  add: binary('add', add, any(), any()),
  sub: binary('sub', sub, any(), any()),
  mul: binary('mul', mul, any(), any()),
  div: binary('div', div, any(), away0(0.25)),
  pow: binary('pow', pow, positive, any()),
  maximum: binary('maximum', maximum, (s) => f64Lattice(s, 0), (s) => f64Lattice(s, 0.5)),
  minimum: binary('minimum', minimum, (s) => f64Lattice(s, 0.5), (s) => f64Lattice(s, 0)),
  neg: u('neg', neg, any()),
  exp: u('exp', exp, any()),
  log: u('log', log, positive),
  sqrt: u('sqrt', sqrt, positive),
  rsqrt: u('rsqrt', rsqrt, positive),
  abs: u('abs', abs, away0()),
  square: u('square', square, any()),
  reciprocal: u('reciprocal', reciprocal, away0(0.25)),
  tanh: u('tanh', tanh, any(-3, 3)),
  sigmoid: u('sigmoid', sigmoid, any(-4, 4)),
  relu: u('relu', relu, away0()),
  elu: unary('elu', elu, away0(), fc.double({ min: 0.1, max: 2, noNaN: true })),
  gelu: u('gelu', gelu, any(-3, 3)),
  softplus: u('softplus', softplus, any(-4, 4)),
  leakyRelu: unary('leakyRelu', leakyRelu, away0(), fc.double({ min: -0.5, max: 0.5, noNaN: true })),
  sin: u('sin', sin, any(-4, 4)),
  cos: u('cos', cos, any(-4, 4)),
  log1p: u('log1p', log1p, any(-0.8, 2)),
  expm1: u('expm1', expm1, any()),
  // a real exponent on a positive base, or an integer exponent on any base
  powScalar: fc.oneof(
    unary('powScalar', powScalar, positive, fc.double({ min: -2.5, max: 3, noNaN: true })),
    unary('powScalar', powScalar, any(), fc.constantFrom(2, 3)),
  ),
  where: whereCase,
  clamp: clampCase,
};

// ---- movement --------------------------------------------------------------------------------------------

/** A different shape of the same size: shuffled dims, adjacent ones merged, 1s inserted, maybe a −1. */
function reshapeTarget(s: readonly number[]): Arb<number[]> {
  const r = s.length;
  return fc
    .tuple(
      fc.shuffledSubarray([...s], { minLength: r, maxLength: r }),
      fc.array(fc.boolean(), { minLength: r, maxLength: r }),
      fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 2 }),
      fc.option(fc.nat(), { nil: undefined }),
    )
    .map(([dims, merge, ones, free]) => {
      const out: number[] = [];
      dims.forEach((d, i) => {
        if (merge[i] && out.length > 0) out[out.length - 1]! *= d;
        else out.push(d);
      });
      for (const at of ones) out.splice(Math.min(at, out.length), 0, 1);
      if (out.length === s.length && out.every((d, i) => d === s[i])) out.push(1);
      if (free !== undefined && out.length > 0) out[free % out.length] = -1;
      return out;
    });
}

/** reshape of a contiguous input, or of a transposed (non-contiguous) view, which takes the copy path. */
const reshapeCase: CaseArb = fc.tuple(shapeArb(1, 3, 4), fc.boolean()).chain(([s, viaT]) => {
  const t = viaT && s.length >= 2;
  const viewShape = t ? [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!] : s;
  return fc.tuple(f64(s), reshapeTarget(viewShape)).map(([x, target]): GradCase => ({
    inputs: [x],
    run: (a: Tensor) => reshape(t ? transpose(a) : a, target),
    label: `reshape(${t ? 'transpose ' : ''}${fmt(viewShape)} -> ${fmt(target)})`,
  }));
});

/** A non-identity permutation, some axes written as negative numbers. */
const permuteCase: CaseArb = shapeArb(2, 4, 3).chain((s) => {
  const r = s.length;
  const axes = Array.from({ length: r }, (_, i) => i);
  return fc
    .tuple(f64(s), fc.shuffledSubarray(axes, { minLength: r, maxLength: r }), fc.array(fc.boolean(), { minLength: r, maxLength: r }))
    .map(([x, p, negs]): GradCase => {
      const perm = p.every((a, i) => a === i) ? [...p.slice(1), p[0]!] : p;
      const written = perm.map((a, i) => (negs[i] ? a - r : a));
      return { inputs: [x], run: (a: Tensor) => permute(a, written), label: `permute(${fmt(s)}, ${fmt(written)})` };
    });
});

/** expand of size-1 and missing leading axes (−1 keeps a dimension). */
const expandCase: CaseArb = shapeArb(1, 3, 3).chain((s) =>
  fc.tuple(subShape(s), fc.boolean(), fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length })).chain(([from, extra, keep]) => {
    let target = extra ? [2, ...s] : [...s];
    if (target.length === from.length && target.every((d, i) => d === from[i])) target = [2, ...target];
    const lead = target.length - from.length;
    const written = target.map((d, i) => (i >= lead && from[i - lead] === d && keep[i % keep.length] ? -1 : d));
    return f64(from).map((x): GradCase => ({ inputs: [x], run: (a: Tensor) => expand(a, written), label: `expand(${fmt(from)}, ${fmt(written)})` }));
  }),
);

/** contiguous of a transposed view (both last axes ≥ 2) or of an expanded view. */
const contiguousCase: CaseArb = fc.oneof(
  fc.tuple(shapeArb(0, 2, 3), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 2, max: 4 })).chain(([b, m, n]) =>
    f64([...b, m, n]).map((x): GradCase => ({ inputs: [x], run: (a: Tensor) => contiguous(transpose(a)), label: `contiguous(transpose ${fmt([...b, m, n])})` })),
  ),
  shapeArb(0, 3, 3).chain((s) =>
    f64(s).map((x): GradCase => ({ inputs: [x], run: (a: Tensor) => contiguous(expand(a, [3, ...s])), label: `contiguous(expand ${fmt(s)} -> ${fmt([3, ...s])})` })),
  ),
);

const movementCases: { [K in keyof MovementAttrs]: CaseArb } = {
  reshape: reshapeCase,
  permute: permuteCase,
  expand: expandCase,
  contiguous: contiguousCase,
};

// ---- sum -------------------------------------------------------------------------------------------------

/** sum over all axes, one axis, or a list (negative axes allowed), with or without keepDims. */
const sumCase: CaseArb = shapeArb(0, 3, 4).chain((s) => {
  const r = s.length;
  const axes = Array.from({ length: r }, (_, i) => i);
  const axisArb: Arb<number | number[] | undefined> = fc.oneof(
    fc.constant(undefined),
    ...(r > 0 ? [fc.integer({ min: -r, max: r - 1 })] : []),
    fc.tuple(fc.subarray(axes), fc.array(fc.boolean(), { minLength: r, maxLength: r })).map(([sub, negs]) => sub.map((a) => (negs[a] ? a - r : a))),
  );
  return fc.tuple(f64(s), axisArb, fc.boolean()).map(([x, axis, keepDims]): GradCase => ({
    inputs: [x],
    run: (a: Tensor) => sum(a, axis, { keepDims }),
    label: `sum(${fmt(s)}, axis ${JSON.stringify(axis)}, keepDims ${keepDims})`,
  }));
});

// ---- matmul ----------------------------------------------------------------------------------------------

/**
 * matmul with broadcast batch dimensions, 1-D operands (numpy rules) and transposed-view operands (passed
 * to the kernel as flags): a transposed operand is drawn with its last two axes swapped and transposed in run.
 */
const matmulCase: CaseArb = fc
  .record({
    batch: broadcastPair(2, 3),
    m: fc.integer({ min: 1, max: 4 }),
    k: fc.integer({ min: 1, max: 4 }),
    n: fc.integer({ min: 1, max: 4 }),
    aVec: fc.boolean(),
    bVec: fc.boolean(),
    transA: fc.boolean(),
    transB: fc.boolean(),
  })
  .chain(({ batch: [ba, bb], m, k, n, aVec, bVec, transA, transB }) => {
    const tA = transA && !aVec;
    const tB = transB && !bVec;
    const aShape = aVec ? [k] : tA ? [...ba, k, m] : [...ba, m, k];
    const bShape = bVec ? [k] : tB ? [...bb, n, k] : [...bb, k, n];
    return fc.tuple(f64(aShape), f64(bShape)).map(([a, b]): GradCase => ({
      inputs: [a, b],
      run: (x: Tensor, y: Tensor) => matmul(tA ? transpose(x) : x, tB ? transpose(y) : y),
      label: `matmul(${tA ? 'transpose ' : ''}${fmt(aShape)}, ${tB ? 'transpose ' : ''}${fmt(bShape)})`,
    }));
  });

/** Cases by op name for every op of the core groups; a missing case is a compile error. */
export const coreCases: { [K in CoreOp]: CaseArb } = {
  ...elementwiseCases,
  ...movementCases,
  sum: sumCase,
  matmul: matmulCase,
};
