// Gradient-check cases for the indexing and join op groups: one case arbitrary per registered op, each run
// through the public functions (slice also through narrow/select/flip/split/chunk, gather also through
// indexSelect/topk/sort, concat also through stack). topk/sort inputs are pairwise ≥ 0.1 apart (no ties).
import fc from 'fast-check';
import {
  Tensor, slice, sliceBackward, narrow, select, flip, split, chunk, gather, indexSelect, topk, sort, scatterAdd,
  maskedFill, concat, stack, pad, transpose,
} from '../../src/index.js';
import type { IndexingAttrs, SliceEntry } from '../../src/autograd/ops/indexing.js';
import type { JoinAttrs } from '../../src/autograd/ops/join.js';
import { type CaseArb, type GradCase, f64, f64Distinct, shapeArb } from './case.js';

type Arb<T> = fc.Arbitrary<T>;
type IndexingOp = keyof IndexingAttrs | keyof JoinAttrs;

const fmt = (s: readonly number[]): string => `[${s.join(',')}]`;
const show = (v: unknown): string => JSON.stringify(v);

/** An axis of a rank-r tensor, sometimes written negatively. */
const axisOf = (r: number): Arb<number> => fc.tuple(fc.integer({ min: 0, max: r - 1 }), fc.boolean()).map(([a, neg]) => (neg ? a - r : a));

/** One slice-spec entry for an axis of size d: an index, null, or a range with bounds possibly out of range. */
function entryArb(d: number): Arb<SliceEntry> {
  const bound = fc.option(fc.integer({ min: -d - 2, max: d + 2 }), { nil: null });
  const step = fc.option(fc.constantFrom(1, 2, 3, -1, -2), { nil: null });
  return fc.oneof(
    fc.integer({ min: -d, max: d - 1 }),
    fc.constant(null),
    fc.tuple(bound, bound, step).map(([s, e, st]): SliceEntry => [s, e, st]),
  );
}

/** A slice spec for `shape` (covering a random number of leading axes). */
function specArb(shape: readonly number[]): Arb<SliceEntry[]> {
  return fc.tuple(...shape.map((d) => entryArb(d))).chain((es) => fc.integer({ min: 0, max: es.length }).map((n) => es.slice(0, n)));
}

// ---- slice and its adjoint ----------------------------------------------------------------------------

const sliceDirect: CaseArb = fc.tuple(shapeArb(1, 3, 5), fc.boolean()).chain(([s, viaT]) => {
  const seen = viaT && s.length >= 2 ? [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!] : s;
  return fc.tuple(f64(s), specArb(seen)).map(([x, spec]): GradCase => ({
    inputs: [x],
    run: (t: Tensor) => slice(viaT && s.length >= 2 ? transpose(t) : t, spec),
    label: `slice(${viaT && s.length >= 2 ? 'transpose ' : ''}${fmt(s)}, ${show(spec)})`,
  }));
});

const sliceViaHelpers: CaseArb = shapeArb(1, 3, 5).chain((s) =>
  fc.tuple(f64(s), axisOf(s.length), fc.nat(), fc.nat(), fc.constantFrom('narrow', 'select', 'flip', 'split', 'chunk')).map(([x, axis, p, q, how]): GradCase => {
    const d = s[(axis + s.length) % s.length]!;
    const start = p % d;
    const len = q % (d - start + 1);
    const piece = (ts: Tensor[]): Tensor => ts[q % ts.length]!;
    const run = {
      narrow: (t: Tensor) => narrow(t, axis, start, len),
      select: (t: Tensor) => select(t, axis, start - (q % 2) * d),
      flip: (t: Tensor) => flip(t, axis),
      split: (t: Tensor) => piece(split(t, start + 1, axis)),
      chunk: (t: Tensor) => piece(chunk(t, start + 1, axis)),
    }[how];
    return { inputs: [x], run, label: `${how}(${fmt(s)}, axis ${axis}, ${start}, ${len}, piece ${q})` };
  }),
);

const sliceBackwardCase: CaseArb = shapeArb(1, 3, 5).chain((s) =>
  specArb(s).chain((spec) => {
    const probe = slice(new Tensor(new Float64Array(s.reduce((a, b) => a * b, 1)), s), spec);
    return f64([...probe.shape]).map((dy): GradCase => ({
      inputs: [dy], run: (t: Tensor) => sliceBackward(t, s, spec), label: `sliceBackward(${fmt(probe.shape)} → ${fmt(s)}, ${show(spec)})`,
    }));
  }),
);

// ---- gather family -------------------------------------------------------------------------------------

/** An int32 tensor of `shape` with values in [0, n). */
function indexArb(shape: number[], n: number): Arb<Tensor> {
  const size = shape.reduce((a, b) => a * b, 1);
  return fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: size, maxLength: size }).map((v) => new Tensor(Int32Array.from(v), shape));
}

/** A shape, an axis, and an index shape equal to it except along the axis (size k in [1, 4]). */
const gatherShapes: Arb<{ s: number[]; axis: number; is: number[] }> = shapeArb(1, 3, 4).chain((s) =>
  fc.tuple(axisOf(s.length), fc.integer({ min: 1, max: 4 })).map(([axis, k]) => {
    const a = (axis + s.length) % s.length;
    return { s, axis, is: s.map((d, i) => (i === a ? k : d)) };
  }),
);

const gatherDirect: CaseArb = gatherShapes.chain(({ s, axis, is }) =>
  fc.tuple(f64(s), indexArb(is, s[(axis + s.length) % s.length]!)).map(([x, idx]): GradCase => ({
    inputs: [x], run: (t: Tensor) => gather(t, axis, idx), label: `gather(${fmt(s)}, axis ${axis}, index ${show(idx.toArray())})`,
  })),
);

const indexSelectCase: CaseArb = fc.tuple(shapeArb(1, 3, 4), shapeArb(1, 2, 3)).chain(([s, is]) =>
  fc.tuple(axisOf(s.length)).chain(([axis]) =>
    fc.tuple(f64(s), indexArb(is, s[(axis + s.length) % s.length]!)).map(([x, idx]): GradCase => ({
      inputs: [x], run: (t: Tensor) => indexSelect(t, axis, idx), label: `indexSelect(${fmt(s)}, axis ${axis}, ${show(idx.toArray())})`,
    })),
  ),
);

const sortCase: CaseArb = shapeArb(1, 3, 4).chain((s) =>
  fc.tuple(f64Distinct(s), axisOf(s.length), fc.boolean(), fc.nat(), fc.boolean()).map(([x, axis, flag, k, useTopk]): GradCase => {
    const n = s[(axis + s.length) % s.length]!;
    const kk = k % (n + 1);
    return useTopk
      ? { inputs: [x], run: (t: Tensor) => topk(t, kk, { axis, largest: flag }).values, label: `topk(${fmt(s)}, ${kk}, axis ${axis}, largest ${flag})` }
      : { inputs: [x], run: (t: Tensor) => sort(t, { axis, descending: flag }).values, label: `sort(${fmt(s)}, axis ${axis}, descending ${flag})` };
  }),
);

const scatterAddCase: CaseArb = gatherShapes.chain(({ s, axis, is }) =>
  fc.tuple(f64(s), f64(is), indexArb(is, s[(axis + s.length) % s.length]!)).map(([x, src, idx]): GradCase => ({
    inputs: [x, src],
    run: (t: Tensor, u: Tensor) => scatterAdd(t, axis, idx, u),
    label: `scatterAdd(${fmt(s)}, axis ${axis}, index ${show(idx.toArray())})`,
  })),
);

const maskedFillCase: CaseArb = shapeArb(0, 3, 4).chain((s) =>
  fc.tuple(fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }), fc.integer({ min: 0, max: s.length }), fc.double({ min: -5, max: 5, noNaN: true }), fc.boolean())
    .chain(([ones, drop, value, asFloat]) => {
      const ms = s.map((d, i) => (ones[i] ? 1 : d)).slice(drop);
      const size = ms.reduce((a, b) => a * b, 1);
      return fc.tuple(f64(s), fc.array(fc.boolean(), { minLength: size, maxLength: size })).map(([x, bits]): GradCase => {
        const vals = bits.map((b) => (b ? 1 : 0));
        const mask = new Tensor(asFloat ? Float32Array.from(vals) : Int32Array.from(vals), ms);
        return { inputs: [x], run: (t: Tensor) => maskedFill(t, mask, value), label: `maskedFill(${fmt(s)}, mask ${fmt(ms)} ${show(vals)}, ${value})` };
      });
    }),
);

// ---- join ----------------------------------------------------------------------------------------------

const concatCase: CaseArb = fc.tuple(shapeArb(1, 3, 3), fc.integer({ min: 1, max: 3 }), fc.boolean()).chain(([s, count, viaStack]) =>
  fc.tuple(axisOf(s.length), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: count, maxLength: count })).chain(([axis, lens]) => {
    const a = (axis + s.length) % s.length;
    const shapes = viaStack ? lens.map(() => s) : lens.map((l) => s.map((d, i) => (i === a ? l : d)));
    return fc.tuple(...shapes.map((sh) => f64(sh))).map((xs): GradCase => ({
      inputs: xs,
      run: (...ts: Tensor[]) => (viaStack ? stack(ts, axis) : concat(ts, axis)),
      label: `${viaStack ? 'stack' : 'concat'}(${shapes.map(fmt).join(' ')}, axis ${axis})`,
    }));
  }),
);

const padCase: CaseArb = shapeArb(0, 3, 3).chain((s) =>
  fc.tuple(
    f64(s),
    fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), { minLength: s.length, maxLength: s.length }),
    fc.double({ min: -3, max: 3, noNaN: true }),
  ).map(([x, pads, value]): GradCase => ({
    inputs: [x], run: (t: Tensor) => pad(t, pads, value), label: `pad(${fmt(s)}, ${show(pads)}, ${value})`,
  })),
);

/** Cases by op name: one arbitrary per registered indexing/join op. */
export const indexingCases: { [K in IndexingOp]: CaseArb } = {
  slice: fc.oneof(sliceDirect, sliceViaHelpers),
  sliceBackward: sliceBackwardCase,
  gather: fc.oneof(gatherDirect, indexSelectCase, sortCase),
  scatterAdd: scatterAddCase,
  maskedFill: maskedFillCase,
  concat: concatCase,
  pad: padCase,
};
