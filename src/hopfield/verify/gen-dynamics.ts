// Generators and the dynamics under test for the dynamics and capacity claims (Lemma 4.1, (T1), (T2), Thm 4.2,
// Lemma 4.2): memory sets that reach the hard cases (M from 2, d from 1, unequal norms, equal norms, near-tied
// clusters, nearly collinear memories, β·m² over six decades), queries in S_μ, and the sparse-structured models
// (3.9) with their masks in both readings. The claims iterate a plain-float64 reference of each model
// (`stepper`: thousands of runs of up to 5000 steps must take seconds, and the library has no paper-literal
// window / random reading); test/verify-dynamics-regressions.test.ts checks that it agrees with the library's
// `retrieve`. Instances are plain numbers, so counterexamples print as they are.
import fc from 'fast-check';
import { Generator } from '../../tensor/random.js';
import { randomIndex } from '../masks.js';
import type { GenOptions } from './claim.js';

/** A vector and a memory set (M rows of d numbers) in plain float64. */
export type Vec = number[];
export type Rows = number[][];

export { dot, dist } from './reference.js';
import { dist, dot, sparsemaxOf as referenceSparsemax } from './reference.js';

/** m = max_μ ‖ξ_μ‖. */
export function maxNormOf(xi: Rows): number {
  return Math.max(...xi.map((r) => Math.sqrt(dot(r, r))));
}

/** R = ½ min_{μ≠ν} ‖ξ_μ − ξ_ν‖. */
export function radiusOf(xi: Rows): number {
  let r = Infinity;
  for (let i = 0; i < xi.length; i++) for (let j = i + 1; j < xi.length; j++) r = Math.min(r, dist(xi[i]!, xi[j]!));
  return r / 2;
}

/** The retrieval models of the claims: the dense and sparsemax dynamics and the sparse-structured (3.9) kinds. */
export type DynKind = 'dense' | 'sparsemax' | 'topk' | 'window' | 'random';
/** How (3.9) weighs the kept memories: softmax renormalized over 𝓜, or the full softmax restricted to 𝓜. */
export type Reading = 'renormalized' | 'paper';

/** A model: kind, reading and its mask parameters (unused ones are 0). */
export interface Model {
  kind: DynKind;
  reading: Reading;
  /** topk / random: the support size k (dense and sparsemax: M). */
  k: number;
  /** window: half-width w (query i sees memories |i − j| ≤ w). */
  window: number;
  /** window: the query's position i. */
  pos: number;
  /** random: the seed of the mask (drawn once, fixed across steps, as `retrieve` does). */
  seed: number;
  /** random: an explicit fixed mask instead of the seed's draw (the capacity claims give each μ its own). */
  support?: number[];
}

/** A model's name in a claim reading, e.g. 'topk/paper', 'window/renormalized', 'dense'. */
export function modelName(kind: DynKind, reading: Reading): string {
  return kind === 'dense' || kind === 'sparsemax' ? kind : `${kind}/${reading}`;
}

/** The memories ranked by score β⟨x, ξ_ν⟩, highest first (ties keep the lower index first, as `topk` does). */
export function topkOrder(xi: Rows, x: Vec, beta: number): number[] {
  const s = xi.map((r) => beta * dot(r, x));
  return s.map((_, j) => j).sort((a, b) => s[b]! - s[a]! || a - b);
}

/** The support set 𝓜 the model uses at query x (top-K re-selects at every x; window and random are fixed). */
export function supportOf(model: Model, xi: Rows, x: Vec, beta: number): number[] {
  const M = xi.length;
  switch (model.kind) {
    case 'topk': return topkOrder(xi, x, beta).slice(0, model.k).sort((a, b) => a - b);
    case 'window': {
      const out: number[] = [];
      for (let j = Math.max(0, model.pos - model.window); j <= Math.min(M - 1, model.pos + model.window); j++) out.push(j);
      return out;
    }
    // the draw `retrieve` makes for one query: a fresh Generator(seed), k distinct memories
    case 'random':
      return model.support ?? Array.from(randomIndex(1, M, model.k, new Generator(model.seed)).index).sort((a, b) => a - b);
    default: return Array.from({ length: M }, (_, j) => j);
  }
}

/** softmax(βΞx) over all M memories, stable, in float64. */
export function fullSoftmax(xi: Rows, x: Vec, beta: number): number[] {
  const s = xi.map((r) => beta * dot(r, x));
  const top = Math.max(...s);
  const e = s.map((v) => Math.exp(v - top));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

/** sparsemax(z) as a plain array (the reference implementation lives in reference.ts). */
export function sparsemaxOf(z: readonly number[]): number[] {
  return Array.from(referenceSparsemax(z));
}

/**
 * The step map T in plain float64. (3.9) on the model's support 𝓜 at x: Σ_{ν∈𝓜} w_ν ξ_ν with w the full softmax
 * restricted to 𝓜 ('paper') or renormalized over 𝓜 ('renormalized'); sparsemax: Ξ sparsemax(βΞᵀx). Fixed
 * supports (window, random) are resolved once.
 */
export function stepper(model: Model, xi: Rows, beta: number): (x: Vec) => Vec {
  const fixed = model.kind === 'window' || model.kind === 'random' ? supportOf(model, xi, xi[0]!, beta) : null;
  const M = xi.length;
  const d = xi[0]!.length;
  return (x) => {
    let w: number[];
    if (model.kind === 'sparsemax') w = sparsemaxOf(xi.map((r) => beta * dot(r, x)));
    else {
      const support = fixed ?? (model.kind === 'topk' ? supportOf(model, xi, x, beta) : null);
      if (support === null) w = fullSoftmax(xi, x, beta);
      else {
        // paper: the full softmax restricted to 𝓜; renormalized: the softmax of 𝓜's scores alone (stable even
        // where every kept weight underflows in the full softmax)
        const p = model.reading === 'paper' ? fullSoftmax(xi, x, beta) : fullSoftmax(support.map((j) => xi[j]!), x, beta);
        w = new Array<number>(M).fill(0);
        support.forEach((j, i) => { w[j] = model.reading === 'paper' ? p[j]! : p[i]!; });
      }
    }
    const out = new Array<number>(d).fill(0);
    for (let j = 0; j < M; j++) {
      const wj = w[j]!;
      if (wj !== 0) for (let t = 0; t < d; t++) out[t]! += wj * xi[j]![t]!;
    }
    return out;
  };
}

/** One step T(x) (see `stepper`). */
export function referenceStep(model: Model, xi: Rows, x: Vec, beta: number): Vec {
  return stepper(model, xi, beta)(x);
}

/** The trajectory x_0, x_1, … of a model and whether its last step was ≤ tol. */
export interface Trajectory {
  traj: Vec[];
  /** ‖x_t − x_{t−1}‖ for t = 1..steps taken. */
  deltas: number[];
  converged: boolean;
}

/** Iterate x ← T(x) (`referenceStep`) from x0 for up to `steps` steps, stopping once ‖x_t − x_{t−1}‖ ≤ tol. */
export function iterate(model: Model, xi: Rows, x0: Vec, beta: number, steps: number, tol: number): Trajectory {
  const deltas: number[] = [];
  const traj = [x0];
  const T = stepper(model, xi, beta);
  let x = x0;
  for (let t = 0; t < steps; t++) {
    const y = T(x);
    deltas.push(dist(x, y));
    traj.push(y);
    x = y;
    if (deltas[t]! <= tol) break;
  }
  return { traj, deltas, converged: deltas[deltas.length - 1]! <= tol };
}

/** One step T(x) of a model. */
export const stepOf = (model: Model, xi: Rows, x: Vec, beta: number): Vec => referenceStep(model, xi, x, beta);

// ---- generators ------------------------------------------------------------------------------------

/**
 * A number in [min, max] on the grid of multiples of 2^−20, uniform (fc.double draws uniformly over the floats'
 * bit patterns, so almost all of its draws sit near 0); shrinks towards 0 when 0 is in range, else towards min.
 */
export function gridArb(min: number, max: number): fc.Arbitrary<number> {
  const n = 2 ** 20;
  return fc.integer({ min: Math.ceil(min * n), max: Math.floor(max * n) }).map((i) => i / n);
}

/**
 * Coordinates in [−1, 1]: mostly a grid of 2^21 + 1 values (no subnormals, exact ties reachable), one in four
 * a multiple of ¼, which shrinking prefers, so counterexamples come out in simple numbers.
 */
export const unitArb = fc.oneof(
  { weight: 1, arbitrary: fc.integer({ min: -4, max: 4 }).map((i) => i / 4) },
  { weight: 3, arbitrary: fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((i) => i / 2 ** 20) },
);

/** The size caps a generator works with: a fixed memory set's own M and d when `memories` is given. */
export function sizesOf(o: GenOptions): GenOptions {
  return o.memories ? { ...o, maxM: o.memories.length, maxD: o.memories[0]!.length } : o;
}

/**
 * Memory sets of M ∈ [minM, maxM] rows in d ∈ [1, maxD]: 'generic' (coordinates in [−1, 1], norms spread over
 * two decades), 'sphere' (equal norms, the setting of Lemma 4.2), 'cluster' (all memories within 10^−s of one
 * another: nearly tied scores) or 'collinear' (near one line, unequal signed norms: memories whose scores
 * dominate one another's, where paper-literal dynamics oscillate), scaled to m = 2^g, g ∈ [−2, 2]. Distinct up to
 * a 1e-6 relative guard (shrinking can collapse coordinates to 0; those rare draws are filtered). A fixed
 * `o.memories` (users' own memory set) is returned as given instead.
 */
export function memorySetArb(o: GenOptions, minM = 2): fc.Arbitrary<Rows> {
  const fixed = o.memories;
  if (fixed) return fc.constant(null).map(() => fixed.map((r) => [...r]));
  const n = o.maxM * o.maxD;
  return fc.record({
    M: fc.integer({ min: minM, max: Math.max(minM, o.maxM) }),
    d: fc.integer({ min: 1, max: o.maxD }),
    style: fc.constantFrom('generic', 'sphere', 'cluster', 'collinear'),
    coords: fc.array(unitArb, { minLength: n, maxLength: n }),
    logNorms: fc.array(gridArb(-1, 1), { minLength: o.maxM, maxLength: o.maxM }),
    spread: fc.integer({ min: 1, max: 4 }),
    scale: fc.integer({ min: -2, max: 2 }),
  }).map(({ M, d, style, coords, logNorms, spread, scale: g }) => {
    const row = (mu: number): Vec => Array.from({ length: d }, (_, j) => coords[(mu % o.maxM) * o.maxD + j] ?? 0);
    const scale = (mu: number): number => 10 ** (logNorms[mu % o.maxM] ?? 0);
    const xi = Array.from({ length: M }, (_, mu) => {
      const r = row(mu);
      if (style === 'generic') return r.map((v) => v * scale(mu));
      if (style === 'cluster') return row(0).map((v, j) => v + 10 ** -spread * r[j]!);
      if (style === 'collinear') {
        // ξ_μ = s_μ·u + 10^{−s−1}·noise, s_μ signed with norms over two decades: memories that dominate one another
        const u = row(0);
        const nu = Math.sqrt(dot(u, u)) || 1;
        return u.map((v, j) => (v / nu) * (r[0]! === 0 ? 1 : r[0]!) * scale(mu) + 10 ** (-spread - 1) * r[j]!);
      }
      const nr = Math.sqrt(dot(r, r));
      return nr > 0 ? r.map((v) => v / nr) : r.map((_, j) => (j === 0 ? 1 : 0));
    });
    // the overall scale is 2^g (m = 1 when shrunk): every claim here is scale-free in β·m², so this only keeps
    // shrunk counterexamples from collapsing to the grid's smallest numbers
    const m = maxNormOf(xi);
    return m > 0 ? xi.map((r) => r.map((v) => (v / m) * 2 ** g)) : xi;
  }).filter((xi) => maxNormOf(xi) > 0 && radiusOf(xi) > 1e-6 * maxNormOf(xi));
}

/** A point of a closed ball: direction (maxD numbers, normalized; 0 → e₁) and radius fraction t (0 and 1 often). */
export interface BallPoint { dir: number[]; t: number }

/** Ball points, with the centre and the boundary drawn often. */
export function ballPointArb(o: GenOptions): fc.Arbitrary<BallPoint> {
  return fc.record({
    dir: fc.array(unitArb, { minLength: o.maxD, maxLength: o.maxD }),
    t: fc.oneof(fc.constant(1), fc.constant(0), gridArb(0, 1)),
  });
}

/** The point centre + t·r·u of the closed ball B(centre, r) (shrunk by 1e-12 so rounding keeps it inside). */
export function pointInBall(centre: Vec, r: number, p: BallPoint): Vec {
  const u = centre.map((_, j) => p.dir[j] ?? 0);
  const nu = Math.sqrt(dot(u, u));
  const v = nu > 0 ? u.map((e) => e / nu) : u.map((_, j) => (j === 0 ? 1 : 0));
  return centre.map((c, j) => c + p.t * r * (1 - 1e-12) * v[j]!);
}

/** β as 10^e / m², so β·‖ξ‖² spans 10^−2 … 10^4 whatever the memories' scale. */
export const betaExpArb = gridArb(-2, 4);

/** A query x ∈ S_μ with μ ∈ 𝓜 (the hypotheses of Lemma 4.1, Thm 4.1, Thm 4.2). */
export interface BallInstance {
  xi: Rows;
  mu: number;
  x: Vec;
  beta: number;
  model: Model;
}

/** Mask choices drawn before they are resolved against the memory set. */
export const maskPicksArb = fc.record({ mu: fc.nat({ max: 63 }), k: fc.nat({ max: 15 }), w: fc.nat({ max: 15 }), pos: fc.nat({ max: 63 }), seed: fc.nat({ max: 2 ** 31 - 1 }) });
/** Raw mask choices (see `resolveMask`). */
export type MaskPicks = { mu: number; k: number; w: number; pos: number; seed: number };

/**
 * Resolve μ and the model's mask so that μ ∈ 𝓜 by construction: random — μ is one of the k memories the seed
 * draws; window — the query's position i is within w of μ; top-K — K is set by `withTopk` once x is known.
 */
export function resolveMask(kind: DynKind, reading: Reading, M: number, p: MaskPicks): { mu: number; model: Model } {
  const model: Model = { kind, reading, k: M, window: 0, pos: 0, seed: p.seed };
  let mu = p.mu % M;
  if (kind === 'random') {
    model.k = 1 + (p.k % M);
    const drawn = randomIndex(1, M, model.k, new Generator(p.seed)).index;
    mu = drawn[p.mu % model.k]!;
  }
  if (kind === 'window') {
    model.window = p.w % M;
    const lo = Math.max(0, mu - model.window);
    model.pos = lo + (p.pos % (mu + model.window - lo + 1));
  }
  return { mu, model };
}

/** Top-K: K from μ's rank at x up to M (so μ ∈ 𝓜 at x); other kinds unchanged. */
export function withTopk(model: Model, xi: Rows, x: Vec, beta: number, mu: number, pick: number): Model {
  if (model.kind !== 'topk') return model;
  const rank = topkOrder(xi, x, beta).indexOf(mu) + 1;
  return { ...model, k: rank + (pick % (xi.length - rank + 1)) };
}

/**
 * Instances of Lemma 4.1 / (T1) / (T2): memories, μ ∈ 𝓜, β, and x ∈ S_μ (R the global ½ min distance) or, for
 * 'wide', anywhere within 2m of ξ_μ (the energy claims hold for every x).
 */
export function ballInstanceArb(o: GenOptions, kind: DynKind, reading: Reading, region: 'ball' | 'wide' = 'ball'): fc.Arbitrary<BallInstance> {
  const s = sizesOf(o);
  return fc.record({ xi: memorySetArb(s), picks: maskPicksArb, ball: ballPointArb(s), e: betaExpArb }).map(({ xi, picks, ball, e }) => {
    const { mu, model } = resolveMask(kind, reading, xi.length, picks);
    const x = pointInBall(xi[mu]!, region === 'ball' ? radiusOf(xi) : 2 * maxNormOf(xi), ball);
    const beta = 10 ** e / maxNormOf(xi) ** 2;
    return { xi, mu, x, beta, model: withTopk(model, xi, x, beta, mu, picks.k) };
  });
}

/** A model in plain numbers for a counterexample (with the support at the query). */
export function describeModel(model: Model, xi: Rows, x: Vec, beta: number): Record<string, unknown> {
  const base: Record<string, unknown> = { kind: model.kind };
  if (model.kind === 'dense' || model.kind === 'sparsemax') return base;
  base.reading = model.reading;
  const support = supportOf(model, xi, x, beta);
  base.k = model.kind === 'window' ? support.length : model.k;
  if (model.kind === 'window') { base.window = model.window; base.queryPosition = model.pos; }
  if (model.kind === 'random') base.seed = model.seed;
  base.supportAtQuery = support;
  return base;
}

/** The instance in plain numbers. */
export function describeBall(c: BallInstance): Record<string, unknown> {
  const m = maxNormOf(c.xi);
  return {
    memories: c.xi, mu: c.mu, query: c.x, beta: c.beta, m, R: radiusOf(c.xi), queryDistance: dist(c.x, c.xi[c.mu]!),
    betaTimesMSquared: c.beta * m * m, ...describeModel(c.model, c.xi, c.x, c.beta),
  };
}

/** k = |𝓜| of a model (top-K: K; window: the clipped window; random: k; dense: M). */
export function supportSize(model: Model, M: number): number {
  if (model.kind === 'window') return Math.min(M - 1, model.pos + model.window) - Math.max(0, model.pos - model.window) + 1;
  return model.kind === 'dense' || model.kind === 'sparsemax' ? M : model.k;
}

/** Δ_μ(r) = min_{ν≠μ} (⟨ξ_μ, ξ_μ − ξ_ν⟩ − r‖ξ_μ − ξ_ν‖), the exact min of Δ̃_μ over B(ξ_μ, r); r = 0 gives Δ_μ. */
export function separationWithin(xi: Rows, mu: number, r: number): number {
  let best = Infinity;
  const a = xi[mu]!;
  xi.forEach((b, n) => {
    if (n !== mu) best = Math.min(best, dot(a, a) - dot(a, b) - r * dist(a, b));
  });
  return best;
}

/** M patterns drawn uniformly on the sphere of radius m in R^d. */
export function spherePatterns(M: number, d: number, m: number, gen: Generator): Rows {
  return Array.from({ length: M }, () => {
    const v = new Array<number>(d).fill(0);
    gen.fillNormal(v);
    const n = Math.sqrt(dot(v, v));
    return v.map((x) => (x / n) * m);
  });
}
