// Plain-float64 reference of the sparse-structured retrieval map (3.9) for an explicit support set 𝓜, in both
// readings (paper-literal: the full softmax over all M memories restricted to 𝓜; renormalized: softmax over 𝓜
// only), plus dense softmax and sparsemax. The verification claims evaluate these on plain number arrays: they
// are exact definitions, fast enough for thousands of runs, and express every mask kind in both readings (the
// library's `retrieve` offers the paper reading for top-K only). test/verify-models.test.ts checks them
// against `hopfield.retrieve`. Errors ‖T(x) − ξ_μ‖ are computed as ‖Σ_ν w_ν(ξ_ν − ξ_μ) − (1 − Σw)·ξ_μ‖ with
// the missing mass 1 − Σw summed directly, so exponentially small errors keep their relative accuracy.

/** Rows of numbers (memories or keys), M × d. */
export type Rows = readonly (readonly number[])[];
/** How (3.9) weighs the memories of the support set. */
export type Reading = 'paper' | 'renormalized';

/** Association weights over all M memories (0 outside the support), their logs, and the mass 1 − Σw they miss. */
export interface Weights {
  w: Float64Array;
  /** log w_ν (−∞ outside the support): exact where w_ν underflows to 0. */
  logW: Float64Array;
  /** 1 − Σ_ν w_ν, summed directly (0 for weights on the simplex). */
  missing: number;
  /** log of `missing` (−∞ when nothing is missing). */
  logMissing: number;
}

/** log Σ exp(v) over the given values (−∞ for none). */
export function logSumExp(values: readonly number[]): number {
  let top = -Infinity;
  for (const v of values) top = Math.max(top, v);
  if (top === -Infinity || top === Infinity) return top;
  let s = 0;
  for (const v of values) s += Math.exp(v - top);
  return top + Math.log(s);
}

/** ⟨a, b⟩. */
export function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** ‖a − b‖. */
export function dist(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) { const e = a[i]! - b[i]!; s += e * e; }
  return Math.sqrt(s);
}

/** ‖a‖. */
export function norm(a: readonly number[]): number {
  return Math.sqrt(dot(a, a));
}

/** The scores ⟨x, ξ_ν⟩ for every memory (key) ν. */
export function scoresOf(x: readonly number[], keys: Rows): number[] {
  return keys.map((k) => dot(x, k));
}

/** m = max_ν ‖ξ_ν‖. */
export function maxNormOf(memories: Rows): number {
  return memories.reduce((m, r) => Math.max(m, norm(r)), 0);
}

/** R = ½ min_{μ≠ν} ‖ξ_μ − ξ_ν‖ (M ≥ 2). */
export function radiusOf(memories: Rows): number {
  let r = Infinity;
  for (let i = 0; i < memories.length; i++) for (let j = i + 1; j < memories.length; j++) r = Math.min(r, dist(memories[i]!, memories[j]!));
  return r / 2;
}

/** The rank of memory μ by score: 1 + #{ν : s_ν > s_μ} (ties share the better rank). */
export function rankOf(scores: readonly number[], mu: number): number {
  const s = scores[mu]!;
  return 1 + scores.filter((v) => v > s).length;
}

/** The top-K support (3.10)–(3.11): {ν : s_ν ≥ p*}, p* the K-th largest score (ties at p* all kept, so |𝓜| ≥ K). */
export function topkMask(scores: readonly number[], K: number): number[] {
  const pStar = [...scores].sort((a, b) => b - a)[K - 1]!;
  return scores.flatMap((v, i) => (v >= pStar ? [i] : []));
}

/** The window support of query index i with half-width w over M memories: {j : |i − j| ≤ w} ∩ [0, M). */
export function windowMask(i: number, w: number, M: number): number[] {
  const out: number[] = [];
  for (let j = Math.max(0, i - w); j <= Math.min(M - 1, i + w); j++) out.push(j);
  return out;
}

/** Softmax weights of β·scores over the indices in `mask` (all M when omitted) in the given reading. */
export function structuredWeights(scores: readonly number[], beta: number, mask: readonly number[] | null, reading: Reading): Weights {
  const M = scores.length;
  const inMask = new Uint8Array(M);
  if (mask) for (const i of mask) inMask[i] = 1; else inMask.fill(1);
  // the paper reading normalizes over all M memories, the renormalized one over 𝓜 only
  const z = scores.map((v) => beta * v);
  const lse = logSumExp(z.filter((_, i) => reading === 'paper' || inMask[i] === 1));
  const logW = Float64Array.from(z, (v, i) => (inMask[i] === 1 ? v - lse : -Infinity));
  const logMissing = reading === 'paper' ? logSumExp(z.filter((_, i) => inMask[i] === 0)) - lse : -Infinity;
  return { w: logW.map(Math.exp), logW, missing: Math.exp(logMissing), logMissing };
}

/** Weights given directly (e.g. sparsemax): their logs, nothing missing. */
export function simplexWeights(w: Float64Array): Weights {
  return { w, logW: w.map(Math.log), missing: 0, logMissing: -Infinity };
}

/** sparsemax(z): the Euclidean projection of z onto the probability simplex (sort-based). */
export function sparsemaxOf(z: readonly number[]): Float64Array {
  const s = [...z].sort((a, b) => b - a);
  let cum = 0;
  let tau = 0;
  for (let j = 0; j < s.length; j++) {
    cum += s[j]!;
    const t = (cum - 1) / (j + 1);
    if (s[j]! > t) tau = t;
  }
  return Float64Array.from(z, (v) => Math.max(v - tau, 0));
}

/** The support of sparsemax(β·scores), i.e. the memories with nonzero weight. */
export function sparsemaxSupport(scores: readonly number[], beta: number): number[] {
  const p = sparsemaxOf(scores.map((s) => beta * s));
  return Array.from(p).flatMap((v, i) => (v > 0 ? [i] : []));
}

/** T(x) = Σ_ν w_ν ξ_ν for weights w over the M values. */
export function combine(weights: Weights, values: Rows): number[] {
  const d = values[0]!.length;
  const out = new Array<number>(d).fill(0);
  weights.w.forEach((wv, i) => { if (wv !== 0) for (let t = 0; t < d; t++) out[t]! += wv * values[i]![t]!; });
  return out;
}

/**
 * log ‖T(x) − ξ_μ‖ for T(x) = Σ_ν w_ν ξ_ν, from ‖Σ_{ν≠μ} w_ν(ξ_ν − ξ_μ) − missing·ξ_μ‖ with the largest weight
 * factored out, so it stays exact where the error underflows (−∞ when the error is exactly 0).
 */
export function logErrorOf(weights: Weights, values: Rows, mu: number): number {
  const target = values[mu]!;
  const d = target.length;
  let c = weights.logMissing;
  weights.logW.forEach((l, i) => { if (i !== mu) c = Math.max(c, l); });
  if (c === -Infinity) return -Infinity;
  const diff = target.map((v) => -Math.exp(weights.logMissing - c) * v);
  weights.logW.forEach((l, i) => {
    if (i === mu || l === -Infinity) return;
    const f = Math.exp(l - c);
    for (let t = 0; t < d; t++) diff[t]! += f * (values[i]![t]! - target[t]!);
  });
  return c + Math.log(norm(diff));
}

/** ‖T(x) − ξ_μ‖ (see logErrorOf; may underflow to 0 where the log does not). */
export function errorOf(weights: Weights, values: Rows, mu: number): number {
  return Math.exp(logErrorOf(weights, values, mu));
}

/** Which map T a claim iterates or evaluates: a support rule and a reading. */
export type MapSpec =
  | { kind: 'dense' }
  | { kind: 'sparsemax' }
  | { kind: 'topk'; K: number; reading: Reading }
  | { kind: 'fixed'; mask: readonly number[]; reading: Reading };

/** The association weights of T at x (top-K re-selects its support from x's scores; fixed masks keep theirs). */
export function weightsAt(x: readonly number[], keys: Rows, beta: number, spec: MapSpec): Weights {
  const s = scoresOf(x, keys);
  switch (spec.kind) {
    case 'dense': return structuredWeights(s, beta, null, 'renormalized');
    case 'sparsemax': return simplexWeights(sparsemaxOf(s.map((v) => beta * v)));
    case 'topk': return structuredWeights(s, beta, topkMask(s, spec.K), spec.reading);
    case 'fixed': return structuredWeights(s, beta, spec.mask, spec.reading);
  }
}

/** One step T(x) (keys score, values are returned; auto-association passes the memories twice). */
export function step(x: readonly number[], keys: Rows, values: Rows, beta: number, spec: MapSpec): number[] {
  return combine(weightsAt(x, keys, beta, spec), values);
}

/** Iterate x ← T(x) until ‖Δx‖ ≤ tol·(1 + ‖x‖) or `maxSteps`; returns the last iterate and whether it settled. */
export function fixedPoint(x0: readonly number[], memories: Rows, beta: number, spec: MapSpec, maxSteps = 500, tol = 1e-13): { x: number[]; steps: number; converged: boolean } {
  let x = [...x0];
  for (let t = 1; t <= maxSteps; t++) {
    const next = step(x, memories, memories, beta, spec);
    const moved = dist(next, x);
    x = next;
    if (moved <= tol * (1 + norm(x))) return { x, steps: t, converged: true };
  }
  return { x, steps: maxSteps, converged: false };
}
