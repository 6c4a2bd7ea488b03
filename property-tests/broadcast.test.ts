// Broadcasting laws against a plain reference: every binary op equals an elementwise loop over
// numpy-broadcast indices (written out here), the gradient of a broadcast add/mul is the sum over the
// broadcast axes, and non-broadcastable shapes throw a HopgradError naming the op and both shapes.
// FC_SEED fixes the seed, FC_RUNS the number of runs per property.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  HopgradError, Tensor, add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, transpose,
} from '../src/index.js';
import { broadcastPair, fcParams, shapeArb } from './gradcheck/case.js';
import { allcloseReport } from '../test/helpers/allclose.js';

type Dt = 'float32' | 'float64';

/** Each binary op and its scalar reference (comparisons give 1/0). */
const OPS: Record<string, { f: (a: Tensor, b: Tensor) => Tensor; ref: (a: number, b: number) => number }> = {
  add: { f: add, ref: (a, b) => a + b },
  sub: { f: sub, ref: (a, b) => a - b },
  mul: { f: mul, ref: (a, b) => a * b },
  div: { f: div, ref: (a, b) => a / b },
  pow: { f: pow, ref: (a, b) => Math.pow(a, b) },
  maximum: { f: maximum, ref: (a, b) => (a > b ? a : b) },
  minimum: { f: minimum, ref: (a, b) => (a < b ? a : b) },
  eq: { f: eq, ref: (a, b) => Number(a === b) },
  ne: { f: ne, ref: (a, b) => Number(a !== b) },
  lt: { f: lt, ref: (a, b) => Number(a < b) },
  le: { f: le, ref: (a, b) => Number(a <= b) },
  gt: { f: gt, ref: (a, b) => Number(a > b) },
  ge: { f: ge, ref: (a, b) => Number(a >= b) },
};

const size = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
const fmt = (s: readonly number[]): string => `[${s.join(',')}]`;

/** The numpy broadcast shape, computed plainly (the shapes are known to broadcast). */
function outShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => Math.max(a[i - (n - a.length)] ?? 1, b[i - (n - b.length)] ?? 1));
}

/** Flat index into an operand of shape `s` for the output multi-index `idx` (size-1 axes repeat, missing axes lead). */
function operandIndex(idx: readonly number[], s: readonly number[]): number {
  const lead = idx.length - s.length;
  let flat = 0;
  for (let j = 0; j < s.length; j++) flat = flat * s[j]! + (s[j] === 1 ? 0 : idx[lead + j]!);
  return flat;
}

/** Every multi-index of `shape` in row-major order. */
function* indices(shape: readonly number[]): Generator<number[]> {
  const n = size(shape);
  for (let i = 0; i < n; i++) {
    const idx = new Array<number>(shape.length);
    let r = i;
    for (let ax = shape.length - 1; ax >= 0; ax--) { idx[ax] = r % shape[ax]!; r = Math.floor(r / shape[ax]!); }
    yield idx;
  }
}

/** Values that include exact ties (small integers) so comparisons see both outcomes. */
const value = fc.oneof(fc.integer({ min: -2, max: 2 }), fc.double({ min: -3, max: 3, noNaN: true }));
const values = (n: number) => fc.array(value, { minLength: n, maxLength: n });

function make(vals: readonly number[], shape: readonly number[], dt: Dt): Tensor {
  return new Tensor(dt === 'float32' ? Float32Array.from(vals) : Float64Array.from(vals), shape);
}

describe('broadcasting of binary ops', () => {
  const pairCase = fc
    .tuple(broadcastPair(4, 3), fc.constantFrom<Dt>('float32', 'float64'), fc.boolean())
    .chain(([[sa, sb], dt, viaT]) => fc.tuple(fc.constant(sa), fc.constant(sb), fc.constant(dt), fc.constant(viaT), values(size(sa)), values(size(sb))));

  for (const [name, { f, ref }] of Object.entries(OPS)) {
    it(`${name} equals a loop over numpy-broadcast indices`, () => {
      fc.assert(
        fc.property(pairCase, ([sa, sb, dt, viaT, va, vb]) => {
          let a = make(va, sa, dt);
          const b = make(vb, sb, dt);
          const transposed = viaT && sa.length >= 2;
          if (transposed) {
            // the same values presented as a non-contiguous view: store the transpose, view it back
            const r = sa.length;
            const st = [...sa.slice(0, -2), sa[r - 1]!, sa[r - 2]!];
            const stored = new Float64Array(size(sa));
            for (const idx of indices(sa)) {
              const ti = [...idx.slice(0, -2), idx[r - 1]!, idx[r - 2]!];
              stored[operandIndex(ti, st)] = va[operandIndex(idx, sa)]!;
            }
            a = transpose(make(Array.from(stored), st, dt));
            if (sa[r - 1]! > 1 && sa[r - 2]! > 1) expect(a.isContiguous()).toBe(false);
          }
          const round = dt === 'float32' ? Math.fround : (x: number) => x;
          const os = outShape(sa, sb);
          const expected: number[] = [];
          for (const idx of indices(os)) expected.push(round(ref(round(va[operandIndex(idx, sa)]!), round(vb[operandIndex(idx, sb)]!))));
          const out = f(a, b);
          expect(out.dtype).toBe(dt);
          const report = allcloseReport(out, make(expected, os, dt), { rtol: 0, atol: 0, equalNan: true });
          if (report) throw new Error(`${name}(${fmt(sa)}${transposed ? ' (transposed view)' : ''}, ${fmt(sb)}) ${dt}: ${report}`);
        }),
        fcParams(60),
      );
    });
  }
});

describe('gradient of broadcast add and mul', () => {
  const gradCase = broadcastPair(4, 3).chain(([sa, sb]) =>
    fc.tuple(fc.constant(sa), fc.constant(sb), values(size(sa)), values(size(sb)), values(size(outShape(sa, sb)))),
  );

  for (const name of ['add', 'mul'] as const) {
    it(`${name}: each operand's gradient is the upstream gradient summed over its broadcast axes`, () => {
      fc.assert(
        fc.property(gradCase, ([sa, sb, va, vb, vg]) => {
          const a = make(va, sa, 'float64').requiresGrad_();
          const b = make(vb, sb, 'float64').requiresGrad_();
          const os = outShape(sa, sb);
          const out = name === 'add' ? add(a, b) : mul(a, b);
          out.backward(make(vg, os, 'float64'));
          // reference: scatter-add the upstream gradient (times the other operand for mul) into each operand
          const ga = new Array<number>(size(sa)).fill(0);
          const gb = new Array<number>(size(sb)).fill(0);
          let o = 0;
          for (const idx of indices(os)) {
            const ia = operandIndex(idx, sa);
            const ib = operandIndex(idx, sb);
            const g = vg[o++]!;
            ga[ia] = ga[ia]! + (name === 'add' ? g : g * vb[ib]!);
            gb[ib] = gb[ib]! + (name === 'add' ? g : g * va[ia]!);
          }
          const ra = allcloseReport(a.grad!, make(ga, sa, 'float64'), { rtol: 1e-12, atol: 1e-12 });
          const rb = allcloseReport(b.grad!, make(gb, sb, 'float64'), { rtol: 1e-12, atol: 1e-12 });
          if (ra || rb) throw new Error(`${name}(${fmt(sa)}, ${fmt(sb)}): ${ra ? `grad of a: ${ra}` : ''} ${rb ? `grad of b: ${rb}` : ''}`);
        }),
        fcParams(100),
      );
    });
  }
});

describe('non-broadcastable shapes', () => {
  /** Two shapes that clash on one aligned axis (both sizes > 1 and different); other axes may broadcast. */
  const clash = shapeArb(1, 4, 4).chain((s) =>
    fc
      .tuple(
        fc.integer({ min: 0, max: s.length - 1 }),
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 2, max: 5 }),
        fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }),
        fc.integer({ min: 0, max: s.length }),
        fc.boolean(),
      )
      .filter(([, d1, d2]) => d1 !== d2)
      .map(([ax, d1, d2, ones, drop, swap]) => {
        const a = s.map((d, i) => (i === ax ? d1 : d));
        const b = s.map((d, i) => (i === ax ? d2 : ones[i] ? 1 : d)).slice(Math.min(drop, ax));
        return (swap ? [b, a] : [a, b]) as [number[], number[]];
      }),
  );

  it('every binary op throws a HopgradError naming the op and both shapes', () => {
    fc.assert(
      fc.property(clash, fc.constantFrom(...Object.keys(OPS)), ([sa, sb], name) => {
        const a = make(new Array<number>(size(sa)).fill(1), sa, 'float64');
        const b = make(new Array<number>(size(sb)).fill(1), sb, 'float64');
        let err: unknown;
        try {
          OPS[name]!.f(a, b);
        } catch (e) {
          err = e;
        }
        expect(err, `${name}(${fmt(sa)}, ${fmt(sb)}) did not throw`).toBeInstanceOf(HopgradError);
        const msg = (err as Error).message;
        expect(msg.startsWith(`${name}:`), msg).toBe(true);
        expect(msg).toContain(fmt(sa));
        expect(msg).toContain(fmt(sb));
      }),
      fcParams(100),
    );
  });

  it('names the clashing shapes in a fixed example', () => {
    expect(() => add(make([1, 2, 3, 4, 5, 6], [2, 3], 'float64'), make([1, 2, 3, 4], [2, 2], 'float64'))).toThrow(
      'add: shapes [2,3] and [2,2] do not broadcast (dimension -1 is 3 vs 2)',
    );
  });
});
