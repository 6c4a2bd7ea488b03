// Benchmark data generator of /work/shared/docs/bench-workloads.md §1: normal(seed, shape, scale) and weight().
// Delegates to src/tensor/random.ts's Generator (the same lowbias32 counter stream + Box–Muller on pairs);
// test/bench-data.test.ts pins it to the doc's reference values (normal(1,[5]) and a sha256).
import { Generator } from '../src/tensor/random.js';

/** Number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The doc's normal(seed, shape, scale): standard normals × scale, float32, row-major order of `shape`. */
export function normal(seed: number, shape: readonly number[], scale = 1): Float32Array {
  const out = new Float32Array(numel(shape));
  new Generator(seed).fillNormal(out, scale);
  return out;
}

/** The doc's weight(seed, fanIn, fanOut) = normal(seed, [fanIn, fanOut], 1/sqrt(fanIn)), used as y = x @ W. */
export function weight(seed: number, fanIn: number, fanOut: number): Float32Array {
  return normal(seed, [fanIn, fanOut], 1 / Math.sqrt(fanIn));
}
