// Float64 references of W5 (bench-workloads.md §3): top-k (renormalized softmax over the k largest scores) and
// sliding-window (|i − j| ≤ w, clipped) retrieval computed directly, row by row, from the generator's float32
// data. They give the check values of the W5 cases the doc lists none for (bench/reference.ts holds the results;
// test/bench-w345.test.ts recomputes them). Run `npx tsx bench/w5-reference.ts` to print them.
import { normal } from './data.js';

function scoresRow(x: Float32Array, xi: Float32Array, i: number, js: readonly number[], d: number, beta: number): Float64Array {
  const s = new Float64Array(js.length);
  js.forEach((j, t) => {
    let a = 0;
    for (let c = 0; c < d; c++) a += x[i * d + c]! * xi[j * d + c]!;
    s[t] = beta * a;
  });
  return s;
}

function softmaxInto(s: Float64Array): void {
  let mx = -Infinity;
  for (const v of s) mx = Math.max(mx, v);
  let z = 0;
  for (let t = 0; t < s.length; t++) z += (s[t] = Math.exp(s[t]! - mx));
  for (let t = 0; t < s.length; t++) s[t]! /= z;
}

/** mean |out| of sparse retrieval over memories js(i) for every query i of X [L,d], Ξ [M,d]. */
function meanAbsOf(x: Float32Array, xi: Float32Array, L: number, d: number, beta: number, keep: (i: number, all: Float64Array | null) => number[], full: boolean, M: number): number {
  let total = 0;
  const allJ = Array.from({ length: M }, (_, j) => j);
  for (let i = 0; i < L; i++) {
    const all = full ? scoresRow(x, xi, i, allJ, d, beta) : null;
    const js = keep(i, all);
    const s = all ? Float64Array.from(js, (j) => all[j]!) : scoresRow(x, xi, i, js, d, beta);
    softmaxInto(s);
    for (let c = 0; c < d; c++) {
      let o = 0;
      js.forEach((j, t) => { o += s[t]! * xi[j * d + c]!; });
      total += Math.abs(o);
    }
  }
  return total / (L * d);
}

/** W5 top-k: mean |out| with the k largest scores per query kept (renormalized softmax), data of seeds 201/202. */
export function topkReference(L: number, M: number, k: number, d = 64, beta = 0.125): number {
  const x = normal(201, [L, d]);
  const xi = normal(202, [M, d]);
  const keep = (_i: number, all: Float64Array | null): number[] =>
    Array.from({ length: M }, (_, j) => j).sort((a, b) => all![b]! - all![a]!).slice(0, k);
  return meanAbsOf(x, xi, L, d, beta, keep, true, M);
}

/** W5 window: mean |out| with memories |i − j| ≤ w (clipped at the ends), data of seeds 201/202. */
export function windowReference(L: number, M: number, w: number, d = 64, beta = 0.125): number {
  const x = normal(201, [L, d]);
  const xi = normal(202, [M, d]);
  const keep = (i: number): number[] => {
    const js: number[] = [];
    for (let j = Math.max(0, i - w); j <= Math.min(M - 1, i + w); j++) js.push(j);
    return js;
  };
  return meanAbsOf(x, xi, L, d, beta, keep, false, M);
}

if (process.argv[1]?.endsWith('w5-reference.ts')) {
  console.log('topk20 L=M=1024', topkReference(1024, 1024, 204));
  console.log('window32 L=M=4096', windowReference(4096, 4096, 32));
  console.log('topk20 L=M=4096', topkReference(4096, 4096, 819));
}
