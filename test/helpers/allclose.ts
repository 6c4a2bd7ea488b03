// A shared numeric assertion for tests: expectAllclose(actual, expected, { rtol, atol }) compares tensors,
// typed arrays, nested arrays or numbers elementwise (numpy's allclose rule) and fails with a message that
// gives both shapes, the mismatch count, the worst error and the first mismatching entries by index.
import { assert } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.js';

/** What may be compared: a tensor, a typed array (1-D), nested arrays of numbers, or one number. */
export type Numeric = Tensor | Float32Array | Float64Array | Int32Array | number | readonly Numeric[];

/** Tolerances of the comparison: |actual − expected| ≤ atol + rtol·|expected| elementwise. */
export interface AllcloseOptions {
  /** Relative tolerance (default 1e-5, as numpy). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8, as numpy). */
  atol?: number;
  /** Whether NaN in both places counts as equal (default false, as numpy). */
  equalNan?: boolean;
}

/** A value flattened to row-major numbers plus its shape. */
function flat(x: Numeric, what: string): { shape: number[]; values: number[] } {
  if (x instanceof Tensor) return { shape: [...x.shape], values: Array.from(x.contiguousData()) };
  if (typeof x === 'number') return { shape: [], values: [x] };
  if (ArrayBuffer.isView(x)) return { shape: [x.length], values: Array.from(x) };
  const shape: number[] = [];
  let cur: Numeric = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0] as Numeric;
  }
  const values: number[] = [];
  const walk = (v: Numeric, axis: number, path: number[]): void => {
    if (axis === shape.length) {
      if (typeof v !== 'number') throw new Error(`expectAllclose: ${what} is ragged or holds a non-number at [${path.join(',')}]`);
      values.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[axis]) throw new Error(`expectAllclose: ${what} is a ragged nested array at [${path.join(',')}]`);
    v.forEach((e: Numeric, i: number) => walk(e, axis + 1, [...path, i]));
  };
  walk(x, 0, []);
  return { shape, values };
}

/** The multi-index of flat position `i` in `shape`. */
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let ax = shape.length - 1; ax >= 0; ax--) {
    const d = shape[ax]!;
    idx[ax] = i % d;
    i = Math.floor(i / d);
  }
  return idx;
}

const fmtShape = (s: readonly number[]): string => `[${s.join(',')}]`;

/**
 * null when `actual` and `expected` have the same shape and are elementwise close; otherwise a message
 * describing the difference (for use inside properties, where a boolean or a thrown error is wanted).
 */
export function allcloseReport(actual: Numeric, expected: Numeric, opts: AllcloseOptions = {}): string | null {
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-8;
  const a = flat(actual, 'actual');
  const e = flat(expected, 'expected');
  if (a.shape.length !== e.shape.length || a.shape.some((d, i) => d !== e.shape[i])) {
    return `shape mismatch: actual ${fmtShape(a.shape)} vs expected ${fmtShape(e.shape)}`;
  }
  const bad: { i: number; av: number; ev: number; err: number }[] = [];
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < a.values.length; i++) {
    const av = a.values[i]!;
    const ev = e.values[i]!;
    let ok: boolean;
    let err: number;
    if (Number.isNaN(av) || Number.isNaN(ev)) {
      ok = !!opts.equalNan && Number.isNaN(av) && Number.isNaN(ev);
      err = ok ? 0 : NaN;
    } else if (av === ev) {
      ok = true; // also equal infinities
      err = 0;
    } else {
      err = Math.abs(av - ev);
      ok = err <= atol + rtol * Math.abs(ev);
    }
    if (!ok) {
      bad.push({ i, av, ev, err });
      if (!(err <= worst)) { worst = err; worstAt = i; }
    }
  }
  if (bad.length === 0) return null;
  const at = (i: number): string => fmtShape(unravel(i, a.shape));
  const lines = bad.slice(0, 8).map(({ i, av, ev, err }) => `  at ${at(i)}: actual ${av}, expected ${ev} (|Δ| = ${err})`);
  if (bad.length > 8) lines.push(`  … and ${bad.length - 8} more`);
  return (
    `${bad.length} of ${a.values.length} elements differ (shape ${fmtShape(a.shape)}, rtol ${rtol}, atol ${atol}); ` +
    `largest |Δ| = ${worst} at ${at(worstAt)}\n${lines.join('\n')}`
  );
}

/**
 * Assert that `actual` and `expected` have the same shape and satisfy |a − e| ≤ atol + rtol·|e| everywhere
 * (numpy.allclose; defaults rtol 1e-5, atol 1e-8). Typed arrays count as 1-D, a number as 0-d.
 */
export function expectAllclose(actual: Numeric, expected: Numeric, opts: AllcloseOptions = {}): void {
  const report = allcloseReport(actual, expected, opts);
  if (report !== null) assert.fail(`expectAllclose: ${report}`);
}
