// The shape of a gradient-check case (float64 inputs and a function that runs the op through its public
// API), plus the arbitraries the case files build them from: shapes, broadcast pairs, and float64 tensors
// kept away from kinks and ties by construction.
import fc from 'fast-check';
import { Tensor } from '../../src/index.js';

/** One gradcheck case: `run` must exercise the op under test (the harness checks the graph for it). */
export interface GradCase {
  inputs: Tensor[];
  run: (...xs: Tensor[]) => Tensor;
  /** What the case is, for failure messages. */
  label: string;
}

/** An arbitrary of gradcheck cases for one op. */
export type CaseArb = fc.Arbitrary<GradCase>;

/** A float64 tensor of `shape` with values in [lo, hi] (kinks are avoided by the op's own arbitrary). */
export function f64(shape: number[], lo = -2, hi = 2): fc.Arbitrary<Tensor> {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc
    .array(fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n })
    .map((vals) => new Tensor(Float64Array.from(vals), shape));
}

/**
 * A float64 tensor whose entries stay at least `gap` away from each kink in `kinks` (an entry too close is
 * pushed to kink ± gap, so kinks must be more than 2·gap apart).
 */
export function f64Away(shape: number[], kinks: number[], gap = 0.05, lo = -2, hi = 2): fc.Arbitrary<Tensor> {
  return f64(shape, lo, hi).map((t) => {
    const d = t._storage as Float64Array;
    for (let i = 0; i < d.length; i++) {
      for (const k of kinks) if (Math.abs(d[i]! - k) < gap) d[i] = k + (d[i]! >= k ? gap : -gap);
    }
    return t;
  });
}

/**
 * A float64 tensor on a jittered lattice: entry = step·(integer in [−levels, levels]) + phase·step + jitter,
 * |jitter| ≤ step/8. Two tensors drawn with phases 0 and 0.5 differ by at least step/4 in every pair of
 * entries (maximum/minimum never tie); within one tensor, entries on different lattice points differ by
 * at least 3·step/4.
 */
export function f64Lattice(shape: number[], phase: 0 | 0.5, step = 0.5, levels = 4): fc.Arbitrary<Tensor> {
  const n = shape.reduce((a, b) => a * b, 1);
  const point = fc.tuple(fc.integer({ min: -levels, max: levels }), fc.double({ min: -step / 8, max: step / 8, noNaN: true }));
  return fc
    .array(point, { minLength: n, maxLength: n })
    .map((ps) => new Tensor(Float64Array.from(ps, ([i, j]) => step * (i + phase) + j), shape));
}

/**
 * A float64 tensor whose entries are pairwise at least `gap` apart (a shuffled lattice with small jitter),
 * for ops whose gradient is undefined at ties (max, sort, topk, ...).
 */
export function f64Distinct(shape: number[], gap = 0.1): fc.Arbitrary<Tensor> {
  const n = shape.reduce((a, b) => a * b, 1);
  const step = 2 * gap;
  return fc
    .tuple(
      fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n }),
      fc.array(fc.double({ min: -gap / 2, max: gap / 2, noNaN: true }), { minLength: n, maxLength: n }),
    )
    .map(([perm, jit]) => new Tensor(Float64Array.from(perm, (p, i) => step * (p - (n - 1) / 2) + jit[i]!), shape));
}

/** A random shape of rank in [minRank, maxRank] with dims in [1, maxDim]. */
export function shapeArb(minRank = 0, maxRank = 3, maxDim = 4): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/** Two shapes that broadcast against each other (some axes of the second set to 1 or dropped). */
export function broadcastPair(maxRank = 3, maxDim = 4): fc.Arbitrary<[number[], number[]]> {
  return shapeArb(0, maxRank, maxDim).chain((s) =>
    fc.tuple(
      fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }),
      fc.integer({ min: 0, max: s.length }),
      fc.boolean(),
    ).map(([ones, drop, swap]) => {
      const t = s.map((d, i) => (ones[i] ? 1 : d)).slice(drop);
      return (swap ? [t, s] : [s, t]) as [number[], number[]];
    }),
  );
}

/**
 * fast-check parameters honouring the environment: FC_RUNS overrides `numRuns`, FC_SEED fixes the seed
 * (fast-check prints the seed and path of a failure; rerun with FC_SEED=<seed> to reproduce it).
 */
export function fcParams(numRuns: number): { numRuns: number; seed?: number } {
  const runs = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : numRuns;
  const params: { numRuns: number; seed?: number } = { numRuns: Number.isInteger(runs) && runs > 0 ? runs : numRuns };
  if (process.env.FC_SEED) params.seed = Number(process.env.FC_SEED);
  return params;
}
