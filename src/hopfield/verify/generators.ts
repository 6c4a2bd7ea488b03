// Shared fast-check generators for the verification claims. Every instance satisfies its claim's hypotheses by
// construction: raw draws (fixed-size arrays, so shrinking stays inside the hypotheses) are mapped to distinct
// memories ξ_1..ξ_M (M ≥ 2, d ≥ 1, unequal norms, optional near-duplicates and equal-norm spheres), a memory μ,
// a query x ∈ S_μ = {‖x − ξ_μ‖ ≤ R} (uniform in the ball, or on the segment towards a neighbour, where scores
// nearly tie), a log-uniform β ∈ [10⁻³, 10²] and a support set 𝓜 ∋ μ for each mask kind: top-K with K ≥ the
// rank of μ, a random k-subset with μ inserted, a window around a query index within w of μ, and the sparsemax
// support, which is data-dependent: where it would miss μ, β is lowered until it cannot (no draw is rejected).
import fc from 'fast-check';
import type { GenOptions } from './claim.js';
import {
  dist, norm, radiusOf, rankOf, scoresOf, sparsemaxSupport, topkMask, windowMask,
} from './reference.js';

/** How the support set 𝓜 of an instance was built. */
export type MaskKind = 'topk' | 'random' | 'window' | 'sparsemax' | 'dense';
/** The mask kinds of the sparse-structured model (3.9) that fix 𝓜 by a rule (sparsemax and dense are separate). */
export const STRUCTURED_MASKS = ['topk', 'random', 'window'] as const;

/** One retrieval instance: memories, μ, x ∈ S_μ, β and 𝓜 ∋ μ (plain numbers, memories indexed from 0). */
export interface RetrievalInstance {
  memories: number[][];
  mu: number;
  x: number[];
  beta: number;
  maskKind: MaskKind;
  /** The support set 𝓜 as sorted memory indices; contains mu. */
  mask: number[];
  /** top-K: K (|𝓜| ≥ K when scores tie at the K-th place). */
  K?: number;
  /** window: the query index i and half-width w (𝓜 = {j : |i − j| ≤ w}). */
  query?: number;
  w?: number;
}

/** A retrieval instance with contaminated inputs x̃ = x + δx and keys ξ̃_ν = ξ_ν + δξ_ν (values stay clean). */
export interface NoisyInstance extends RetrievalInstance {
  noisyX: number[];
  noisyKeys: number[][];
  /** 𝓜 at the noisy input: top-K re-selected with the same K from the noisy scores; other masks unchanged. */
  noisyMask: number[];
  /** ‖δx‖ and max_ν ‖δξ_ν‖. */
  queryNoise: number;
  keyNoise: number;
}

interface RawMemories {
  M: number; d: number; entries: number[]; logScales: number[]; equalNorms: boolean;
  tie: { i: number; j: number; logEps: number } | null;
}
interface RawQuery { mu: number; logBeta: number; dir: number[]; toward: number | null; t: number }
interface RawMask { extra: number; order: number[]; w: number; off: number }

/**
 * A real uniform on [min, max] on a grid of 2⁻²⁰ (fc.double draws uniformly over representable doubles, i.e.
 * mostly near 0, which would hide every large-β or boundary case); shrinks towards 0 (or the end nearest 0).
 */
export function uniform(min: number, max: number): fc.Arbitrary<number> {
  const N = 2 ** 20;
  return fc.integer({ min: Math.round(min * N), max: Math.round(max * N) }).map((n) => n / N);
}

const unit = uniform(-1, 1);

function rawMemories({ maxM, maxD }: GenOptions): fc.Arbitrary<RawMemories> {
  return fc.record({
    M: fc.integer({ min: 2, max: Math.max(2, maxM) }),
    d: fc.integer({ min: 1, max: Math.max(1, maxD) }),
    entries: fc.array(unit, { minLength: maxM * maxD, maxLength: maxM * maxD }),
    logScales: fc.array(uniform(-3, 3), { minLength: maxM, maxLength: maxM }),
    equalNorms: fc.boolean(),
    tie: fc.option(fc.record({ i: fc.nat(), j: fc.nat(), logEps: uniform(2, 9) }), { freq: 4 }),
  });
}

/**
 * Distinct memories from raw draws: row i = entries · 2^{logScale_i} (unequal norms), optionally all rescaled to
 * one norm, optionally one row moved to within 10^{−logEps} (relative) of another (near-tied scores, tiny R).
 * A row that coincides with an earlier one is shifted along the first axis, so R > 0 always.
 */
function buildMemories(raw: RawMemories, maxD: number): number[][] {
  const { M, d } = raw;
  const mem = Array.from({ length: M }, (_, i) => raw.entries.slice(i * maxD, i * maxD + d).map((v) => v * 2 ** raw.logScales[i]!));
  if (raw.tie && M >= 2) {
    const i = raw.tie.i % M;
    const j = (i + 1 + (raw.tie.j % (M - 1))) % M;
    const eps = 10 ** -raw.tie.logEps;
    mem[j] = mem[i]!.map((v, t) => v + eps * mem[j]![t]!);
  }
  if (raw.equalNorms) {
    const target = 2 ** raw.logScales[0]!;
    for (const row of mem) { const n = norm(row); if (n > 0) for (let t = 0; t < d; t++) row[t] = (row[t]! / n) * target; }
  }
  for (let j = 1; j < M; j++) {
    let guard = 0;
    while (mem.slice(0, j).some((r) => dist(r, mem[j]!) === 0) && guard++ < 64) mem[j]![0]! += 0.25 * (j + 1) * Math.max(1, 2 ** raw.logScales[j]!);
  }
  return mem;
}

function rawQuery({ maxD }: GenOptions): fc.Arbitrary<RawQuery> {
  return fc.record({
    mu: fc.nat(),
    logBeta: uniform(-3, 2),
    dir: fc.array(unit, { minLength: maxD, maxLength: maxD }),
    toward: fc.option(fc.nat(), { freq: 3 }),
    // the boundary region r ≈ R (where x ∈ S_μ is hardest) gets a third of the draws
    t: fc.oneof({ weight: 2, arbitrary: uniform(0, 1) }, { weight: 1, arbitrary: uniform(0.9, 1) }),
  });
}

/** x = ξ_μ + r·u with r ≤ R: u uniform direction and r = R·t^{1/d} (uniform in the ball), or u towards a neighbour. */
function buildQuery(mem: number[][], raw: RawQuery): { mu: number; x: number[]; beta: number } {
  const M = mem.length;
  const d = mem[0]!.length;
  const mu = raw.mu % M;
  const xi = mem[mu]!;
  const R = radiusOf(mem);
  let u: number[];
  let r: number;
  if (raw.toward !== null) {
    const nu = (mu + 1 + (raw.toward % (M - 1))) % M;
    u = mem[nu]!.map((v, t) => v - xi[t]!);
    r = R * raw.t;
  } else {
    u = raw.dir.slice(0, d);
    r = R * raw.t ** (1 / d);
  }
  const n = norm(u);
  if (n > 0) u = u.map((v) => v / n); else u = xi.map((_, t) => (t === 0 ? 1 : 0));
  let x = xi.map((v, t) => v + r * u[t]!);
  for (let guard = 0; dist(x, xi) > R && guard < 60; guard++) { r *= 1 - 2 ** -40 * 2 ** guard; x = xi.map((v, t) => v + r * u[t]!); }
  if (dist(x, xi) > R) x = [...xi];
  return { mu, x, beta: 10 ** raw.logBeta };
}

function maskOpts(opts: GenOptions): GenOptions {
  return opts.memories ? { ...opts, maxM: opts.memories.length } : opts;
}

function rawMask({ maxM }: GenOptions): fc.Arbitrary<RawMask> {
  return fc.record({
    extra: fc.nat(),
    order: fc.array(uniform(0, 1), { minLength: maxM, maxLength: maxM }),
    w: fc.nat(),
    off: fc.nat(),
  });
}

/** 𝓜 ∋ μ for a mask kind, built from the scores at `x` against `keys`. */
function buildMask(kind: MaskKind, keys: number[][], x: number[], mu: number, beta: number, raw: RawMask): Pick<RetrievalInstance, 'mask' | 'K' | 'query' | 'w'> {
  const M = keys.length;
  switch (kind) {
    case 'topk': {
      const s = scoresOf(x, keys);
      const r = rankOf(s, mu);
      const K = r + (raw.extra % (M - r + 1));
      return { mask: topkMask(s, K), K };
    }
    case 'random': {
      const k = 1 + (raw.extra % M);
      const others = Array.from({ length: M }, (_, i) => i).filter((i) => i !== mu)
        .sort((a, b) => raw.order[a]! - raw.order[b]! || a - b);
      return { mask: [mu, ...others.slice(0, k - 1)].sort((a, b) => a - b) };
    }
    case 'window': {
      const w = raw.w % M;
      const lo = Math.max(0, mu - w);
      const query = lo + (raw.off % (mu + w - lo + 1));
      return { mask: windowMask(query, w, M), query, w };
    }
    case 'sparsemax': return { mask: sparsemaxSupport(scoresOf(x, keys), beta) };
    case 'dense': return { mask: Array.from({ length: M }, (_, i) => i) };
  }
}

/** Memory sets: drawn (distinct by construction), or the fixed `opts.memories` (copied per instance). */
export function memorySet(opts: GenOptions): fc.Arbitrary<number[][]> {
  const fixed = opts.memories;
  if (fixed) return fc.constant(null).map(() => fixed.map((r) => [...r]));
  return rawMemories(opts).map((raw) => buildMemories(raw, opts.maxD));
}

/** The query part of an instance: μ, x ∈ S_μ (see buildQuery) and β, for the given memories' d. */
function queryArb(opts: GenOptions): fc.Arbitrary<RawQuery> {
  return rawQuery({ ...opts, maxD: opts.memories ? opts.memories[0]?.length ?? 1 : opts.maxD });
}

/**
 * sparsemax keeps μ in its support when β(s_max − s_μ)(M − 1) < 1 (sorted, the support test 1 > Σ_{j≤i}(z_(j) −
 * z_μ) then holds at μ's position); a draw whose support misses μ gets β lowered to 0.5/((M − 1)(s_max − s_μ)).
 */
function sparsemaxBeta(memories: number[][], x: number[], mu: number, beta: number): number {
  const s = scoresOf(x, memories);
  if (sparsemaxSupport(s, beta).includes(mu)) return beta;
  return 0.5 / ((memories.length - 1) * (Math.max(...s) - s[mu]!));
}

/** Memories, μ, x ∈ S_μ, β and 𝓜 ∋ μ of the given mask kind (sparsemax: β lowered where supp would miss μ). */
export function retrievalInstance(kind: MaskKind, opts: GenOptions): fc.Arbitrary<RetrievalInstance> {
  return fc.record({ memories: memorySet(opts), q: queryArb(opts), mk: rawMask(maskOpts(opts)) }).map(({ memories, q, mk }) => {
    const { mu, x, beta: drawn } = buildQuery(memories, q);
    const beta = kind === 'sparsemax' ? sparsemaxBeta(memories, x, mu, drawn) : drawn;
    return { memories, mu, x, beta, maskKind: kind, ...buildMask(kind, memories, x, mu, beta, mk) };
  });
}

/**
 * A retrieval instance plus query and key noise: ‖δx‖ = a·2R·(random direction), δξ_ν = b·R·(entries in
 * [−1, 1]^d), a, b ∈ [0, 1]. `anchor` says where μ ∈ 𝓜 is built: 'clean' (the clean instance's hypotheses;
 * top-K at the noisy input re-selects with the same K and may drop μ) or 'noisy' (𝓜 ∋ μ at the noisy input).
 */
export function noisyInstance(kind: Exclude<MaskKind, 'sparsemax'>, anchor: 'clean' | 'noisy', opts: GenOptions): fc.Arbitrary<NoisyInstance> {
  const { maxM, maxD } = opts.memories ? { maxM: opts.memories.length, maxD: opts.memories[0]?.length ?? 1 } : opts;
  const noise = fc.record({
    dx: fc.array(unit, { minLength: maxD, maxLength: maxD }),
    dXi: fc.array(unit, { minLength: maxM * maxD, maxLength: maxM * maxD }),
    a: uniform(0, 1),
    b: uniform(0, 1),
  });
  return fc.record({ memories: memorySet(opts), q: queryArb(opts), mk: rawMask(maskOpts(opts)), nz: noise }).map(({ memories, q, mk, nz }) => {
    const { mu, x, beta } = buildQuery(memories, q);
    const d = x.length;
    const R = radiusOf(memories);
    const dir = nz.dx.slice(0, d);
    const n = norm(dir);
    const noisyX = x.map((v, t) => v + (n > 0 ? (nz.a * 2 * R * dir[t]!) / n : 0));
    const noisyKeys = memories.map((row, i) => row.map((v, t) => v + nz.b * R * nz.dXi[i * maxD + t]!));
    const keyNoise = noisyKeys.reduce((s, row, i) => Math.max(s, dist(row, memories[i]!)), 0);
    const [ax, ak] = anchor === 'clean' ? [x, memories] : [noisyX, noisyKeys];
    const built = buildMask(kind, ak, ax, mu, beta, mk);
    const noisyMask = kind === 'topk' && anchor === 'clean' ? topkMask(scoresOf(noisyX, noisyKeys), built.K!) : built.mask;
    const cleanMask = kind === 'topk' && anchor === 'noisy' ? topkMask(scoresOf(x, memories), built.K!) : built.mask;
    return {
      memories, mu, x, beta, maskKind: kind, ...built, mask: cleanMask, noisyX, noisyKeys, noisyMask,
      queryNoise: dist(noisyX, x), keyNoise,
    };
  });
}
