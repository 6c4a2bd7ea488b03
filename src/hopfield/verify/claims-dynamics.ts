// The dynamics claims as fast-check properties: Lemma 4.1 (iterating T_sparse from x ∈ S_μ converges to a
// fixed point) as printed, as its proof states it ((B.37)–(B.39): ‖x_t − ξ_μ‖ → 0), corrected, and under
// Thm 4.2's hypotheses; (T1) the energy never increases along the iterates and (T2) fixed points are
// stationary points of E. Every kind and both readings of (3.9) where the claim applies; see `dynamicsClaims`.
// Also Thm 4.2's instance generator (`wellSeparatedArb`), shared with claims-capacity.ts.
//
// Which claims apply to which kinds. The paper gives energies only for the dense (2.2) and sparse (sparsemax)
// models, so (T1)/(T2) as printed are tested for those two. The renormalized fixed-mask models (window,
// random) are the dense model on the kept memories Ξ_𝓜, and renormalized top-K is the CCCP step of
// E_K(x) = −β⁻¹ log Σ_{ν ∈ top-K(x)} e^{β⟨x, ξ_ν⟩} + ½‖x‖² (E_K = min over K-subsets of the restricted energies,
// so E_K(x_{t+1}) ≤ E_{𝓜_t}(x_{t+1}) ≤ E_{𝓜_t}(x_t) = E_K(x_t)); these energies are derived here, not the
// paper's, and tested as 'derived/…'. The paper-literal reading has no energy at all (its Jacobian
// βΣ_{ν∈𝓜} p_ν ξ_ν(ξ_ν − ξ̄)ᵀ is not symmetric, so T is no gradient map), so (T1)/(T2) do not apply to it.
import fc from 'fast-check';
import { tensor } from '../../tensor/creation.js';
import { noGrad } from '../../autograd/engine.js';
import { grad } from '../../autograd/functional.js';
import { energy } from '../energy.js';
import { sparseRetrievalBound } from '../theory.js';
import type { Claim, Evaluation, GenOptions } from './claim.js';
import { inequality } from './claim.js';
import {
  type BallInstance, type BallPoint, type DynKind, type MaskPicks, type Model, type Reading, type Rows, type Trajectory, type Vec,
  ballInstanceArb, ballPointArb, betaExpArb, describeBall, dist, dot, gridArb, iterate, maskPicksArb, maxNormOf, memorySetArb,
  modelName, pointInBall, radiusOf, resolveMask, separationWithin, sizesOf, sparsemaxOf, stepOf, supportOf, supportSize, unitArb,
} from './gen-dynamics.js';

/** The models Lemma 4.1 covers: dense, sparsemax and (3.9) with each mask in both readings. */
export const DYNAMIC_MODELS: readonly [DynKind, Reading][] = [
  ['dense', 'renormalized'], ['sparsemax', 'renormalized'], ['topk', 'renormalized'], ['topk', 'paper'],
  ['window', 'renormalized'], ['window', 'paper'], ['random', 'renormalized'], ['random', 'paper'],
];

/** Step-size tolerance of "converged", relative to m. */
export const TOL = 1e-10;
/** The finite horizon, and the longer one a run that has not converged by then gets. */
export const HORIZON = 50;
export const LONG_HORIZON = 5000;

/** How a run ended: converged; still contracting at the long horizon (slow, near β·m² ≈ 1); a cycle; stalled. */
export interface Limit extends Trajectory {
  status: 'converged' | 'slow' | 'cycle' | 'stalled';
  /** The period of a detected cycle (2..8). */
  period: number;
}

/**
 * Iterate up to HORIZON steps; if ‖x_{t+1} − x_t‖ has not fallen to TOL·m, up to LONG_HORIZON. Not converged
 * then: a 'cycle' when x_T returns to x_{T−p} (p ≤ 8) to within 1e-6·‖x_T − x_{T−1}‖ (an orbit repeating
 * far more tightly than any slowly converging oscillation, whose ratio is ~1/t); 'slow' when the steps still
 * shrink (the largest of the last quarter ≤ 0.9 × the largest of the second: algebraic convergence at a
 * bifurcation, β·m² ≈ 1) or the last 100 steps all point one way (a drift away from an unstable point, which a
 * bounded orbit cannot keep up); else 'stalled'. A finite run cannot refute a limit that is still being
 * approached, so only a cycle or a stall counts against convergence.
 */
export function runToLimit(c: BallInstance): Limit {
  const m = maxNormOf(c.xi);
  const r = iterate(c.model, c.xi, c.x, c.beta, HORIZON, TOL * m);
  while (!r.converged && r.deltas.length < LONG_HORIZON) {
    // continue in chunks of 500 steps, stopping early at convergence or at a cycle
    const more = iterate(c.model, c.xi, r.traj[r.traj.length - 1]!, c.beta, 500, TOL * m);
    r.traj.push(...more.traj.slice(1));
    r.deltas.push(...more.deltas);
    r.converged = more.converged;
    const T = r.traj.length - 1;
    const tight = 1e-6 * r.deltas[T - 1]!;
    for (let p = 2; p <= 8 && !r.converged; p++) if (dist(r.traj[T]!, r.traj[T - p]!) <= tight) return { ...r, status: 'cycle', period: p };
  }
  if (r.converged) return { ...r, status: 'converged', period: 0 };
  const T = r.traj.length - 1;
  let drift = true;
  for (let t = T - 99; t <= T && drift; t++) {
    const u = r.traj[t]!.map((v, j) => v - r.traj[t - 1]![j]!);
    const w = r.traj[t - 1]!.map((v, j) => v - r.traj[t - 2]![j]!);
    drift = dot(u, w) >= 0.99 * Math.sqrt(dot(u, u) * dot(w, w));
  }
  return { ...r, status: drift || quarterMax(r.deltas, 3) <= 0.9 * quarterMax(r.deltas, 1) ? 'slow' : 'stalled', period: 0 };
}

/** The largest step in quarter q (0..3) of the run. */
function quarterMax(d: readonly number[], q: number): number {
  const n = d.length;
  return Math.max(...d.slice(Math.floor((q * n) / 4), Math.floor(((q + 1) * n) / 4)));
}

/** The convergence check's right side: TOL·m, or for a slow run the second quarter's largest step × 0.9. */
function convergenceRhs(l: Limit, m: number): number {
  return l.status === 'slow' ? Math.max(quarterMax(l.deltas, 3), 0.9 * quarterMax(l.deltas, 1)) : TOL * m;
}

const MODEL_TEXT: Record<string, string> = {
  dense: 'dense T = Ξ softmax(βΞᵀx)',
  sparsemax: 'sparse T = Ξ sparsemax(βΞᵀx)',
  'topk/renormalized': '(3.9) top-K re-selected each step, softmax renormalized over 𝓜',
  'topk/paper': '(3.9) top-K re-selected each step, full softmax restricted to 𝓜 (paper-literal)',
  'window/renormalized': '(3.9) window |i − j| ≤ w (fixed), renormalized',
  'window/paper': '(3.9) window |i − j| ≤ w (fixed), paper-literal',
  'random/renormalized': '(3.9) random k-mask drawn once (fixed across steps), renormalized',
  'random/paper': '(3.9) random k-mask drawn once (fixed across steps), paper-literal',
};

function limitDetails(l: Limit, m: number): Record<string, number | string | boolean> {
  return { status: l.status, steps: l.deltas.length, lastStep: l.deltas[l.deltas.length - 1]!, period: l.period, tolerance: TOL * m };
}

function lemma41Printed(kind: DynKind, reading: Reading): Claim<BallInstance> {
  const name = modelName(kind, reading);
  const claim: Claim<BallInstance> = {
    id: 'lemma4.1',
    reading: `printed/${name}`,
    statement: `Lemma 4.1: for μ ∈ 𝓜 and x ∈ S_μ, iterating T converges to a fixed point — finite horizon: ‖x_{t+1} − x_t‖ ≤ ${TOL}·m within ${HORIZON} steps (${LONG_HORIZON} if slow), refuted only by a cycle or a stall; ${MODEL_TEXT[name]}.`,
    arbitrary: (o) => ballInstanceArb(o, kind, reading),
    evaluate(c) {
      const m = maxNormOf(c.xi);
      const l = runToLimit(c);
      const last = l.status === 'slow' ? quarterMax(l.deltas, 3) : l.deltas[l.deltas.length - 1]!;
      return inequality(last, convergenceRhs(l, m), limitDetails(l, m));
    },
    describe: describeBall,
  };
  // paper-literal weights on a fixed mask: when a memory outside 𝓜 dominates ξ_μ's score, T(x) = Σ_{ν∈𝓜} p_ν(x) ξ_ν
  // falls steeply as x nears ξ_μ (slope < −1) and the orbit settles on a 2-cycle
  if (reading === 'paper' && (kind === 'window' || kind === 'random')) {
    claim.correctedBy = `lemma4.1/under-4.3/${name}, lemma4.1/printed/${kind}/renormalized`;
  }
  return claim;
}

/** The bound the corrected Lemma 4.1 places on ‖T(x) − ξ_μ‖ at x, and whether it applies (μ ∈ 𝓜(x)). */
function stepBound(c: BallInstance, x: Vec): { applies: boolean; bound: number } {
  const M = c.xi.length;
  if (c.model.kind === 'sparsemax') {
    // T = Ξp with p = sparsemax(z): p_ν = p_μ − (z_μ − z_ν) on the support, so 1 − p_μ ≤ (|S| − 1)(1 − βΔ̃)₊/|S| and
    // ‖T(x) − ξ_μ‖ = ‖Σ_{ν≠μ} p_ν(ξ_ν − ξ_μ)‖ ≤ 2m(1 − 1/M)(1 − βΔ̃_μ(x))₊ (exactly ξ_μ once βΔ̃_μ(x) ≥ 1), μ ∈ supp
    const p = sparsemaxOf(c.xi.map((r) => c.beta * dot(r, x)));
    const sep = Math.min(...c.xi.map((r, n) => (n === c.mu ? Infinity : dot(x, c.xi[c.mu]!) - dot(x, r))));
    return { applies: p[c.mu]! > 0, bound: 2 * maxNormOf(c.xi) * (1 - 1 / M) * Math.max(0, 1 - c.beta * sep) };
  }
  const support = supportOf(c.model, c.xi, x, c.beta);
  const k = c.model.kind === 'dense' ? M : support.length;
  return { applies: support.includes(c.mu), bound: sparseRetrievalBound(x, c.xi, c.mu, { beta: c.beta, k, form: 'derived' }) };
}

function lemma41Proof(kind: DynKind, reading: Reading, corrected: boolean): Claim<BallInstance> {
  const name = modelName(kind, reading);
  const what = kind === 'sparsemax' ? '2m(1 − 1/M)(1 − βΔ̃_μ(x_t))₊ (sparsemax; μ ∈ supp)' : 'm(M + k − 2)·exp{−βΔ̃_μ(x_t)} (Thm 4.1 as derived, (B.41))';
  const claim: Claim<BallInstance> = {
    id: 'lemma4.1',
    reading: `${corrected ? 'corrected' : 'proof-B.39'}/${name}`,
    statement: corrected
      ? `Lemma 4.1 corrected: the iterates do not reach ξ_μ; each step with μ ∈ 𝓜(x_t) lands within ${what} of ξ_μ, so a limit x* lies within that bound at x*. Checked at the last such step of the run; ${MODEL_TEXT[name]}.`
      : `Lemma 4.1's proof (B.37)–(B.39): for μ ∈ 𝓜 and x ∈ S_μ, ‖x_t − ξ_μ‖ → 0 — finite horizon: ‖x_T − ξ_μ‖ ≤ 1e-8·m at the end of the run; ${MODEL_TEXT[name]}.`,
    arbitrary: (o) => ballInstanceArb(o, kind, reading),
    evaluate(c) {
      const m = maxNormOf(c.xi);
      const l = runToLimit(c);
      const T = l.traj.length - 1;
      const details = { ...limitDetails(l, m), distanceToXi: dist(l.traj[T]!, c.xi[c.mu]!) };
      if (!corrected) return inequality(details.distanceToXi, 1e-8 * m, details);
      let t = T - 1;
      let b = stepBound(c, l.traj[t]!);
      while (!b.applies && t > 0) b = stepBound(c, l.traj[--t]!);
      // absolute rounding allowance 1e-14·m (REL_TOL·scale): the bound underflows to 0 at large β
      return inequality(dist(l.traj[t + 1]!, c.xi[c.mu]!), b.bound, { ...details, atStep: t, applies: b.applies }, 1e-5 * m);
    },
    describe: describeBall,
  };
  if (!corrected) claim.correctedBy = `lemma4.1/corrected/${name}`;
  return claim;
}

function lemma41Separated(kind: DynKind, reading: Reading): Claim<BallInstance> {
  const name = modelName(kind, reading);
  return {
    id: 'lemma4.1',
    reading: `under-4.3/${name}`,
    statement: `Lemma 4.1 under Thm 4.2's hypotheses (x ∈ S_μ, μ ∈ 𝓜, (4.3) for μ): the iterates stay in S_μ and converge (finite horizon as lemma4.1/printed); ${MODEL_TEXT[name]}.`,
    arbitrary: (o) => wellSeparatedArb(o, kind, reading, 'printed'),
    evaluate(c) {
      const m = maxNormOf(c.xi);
      const R = radiusOf(c.xi);
      const l = runToLimit(c);
      const far = Math.max(...l.traj.map((y) => dist(y, c.xi[c.mu]!)));
      const last = l.status === 'slow' ? quarterMax(l.deltas, 3) : l.deltas[l.deltas.length - 1]!;
      const ok = inequality(far, R, limitDetails(l, m));
      const conv = inequality(last, convergenceRhs(l, m));
      const worst: Evaluation = conv.holds ? ok : { ...conv, details: { ...limitDetails(l, m), farthestFromXi: far, R } };
      return { ...worst, holds: ok.holds && conv.holds, details: { ...worst.details, farthestFromXi: far, R } };
    },
    describe: describeBall,
  };
}

// ---- Thm 4.2's hypotheses, by construction (also claims-capacity.ts's generator) ---------------------------

/** A Thm 4.2 instance: x in the ball B(ξ_μ, radius) with (4.3) (or its corrected form) holding for μ and k = |𝓜|. */
export interface SeparatedInstance extends BallInstance {
  /** The ball's radius: R (printed (4.3)) or the corrected form's r ≤ R. */
  radius: number;
  /** k = |𝓜| in (4.3). */
  k: number;
}

export const slackArb = fc.oneof(fc.constant(0), gridArb(0, 10));
const commonArbs = (o: GenOptions) => ({ picks: maskPicksArb, slack: slackArb, ball: ballPointArb(o), e: betaExpArb });
type Common = { picks: MaskPicks; slack: number; ball: BallPoint; e: number };

/** The instance with β the smallest meeting `gap` ≥ β⁻¹·log, times 1 + slack (any β, 10^e/m², when log ≤ 0). */
function finish(xi: Rows, mu: number, model: Model, radius: number, log: number, gap: number, c: Common): SeparatedInstance {
  const m = maxNormOf(xi);
  const beta = log > 0 ? (log / gap) * (1 + c.slack) * (1 + 1e-9) : 10 ** c.e / (m * m);
  return { xi, mu, x: pointInBall(xi[mu]!, radius, c.ball), beta, model, radius, k: supportSize(model, xi.length) };
}

const withK = (model: Model, M: number, pick: number): Model => (model.kind === 'topk' ? { ...model, k: 1 + (pick % M) } : model);

/** Printed-(4.3) instances on a given memory set: μ among the memories with Δ_μ > 2mR (null when none has it). */
function givenSeparated(xi0: Rows, kind: DynKind, reading: Reading, common: ReturnType<typeof commonArbs>): fc.Arbitrary<SeparatedInstance> | null {
  const M = xi0.length;
  const m = maxNormOf(xi0);
  const R = radiusOf(xi0);
  const cands = xi0.map((_, n) => n).filter((n) => separationWithin(xi0, n, 0) > 2 * m * R);
  if (cands.length === 0) return null;
  return fc.record({ chosen: fc.nat(), ...common }).map((c) => {
    const { mu, model: m0 } = resolveMask(kind, reading, M, c.picks);
    const model = withK(m0, M, c.picks.k);
    const chosen = cands[c.chosen % cands.length]!;
    const xi = xi0.map((r) => [...r]);
    [xi[mu], xi[chosen]] = [xi[chosen]!, xi[mu]!];
    return finish(xi, mu, model, R, Math.log(((M + supportSize(model, M) - 2) * m) / R), separationWithin(xi, mu, 0) - 2 * m * R, c);
  });
}

/**
 * Instances meeting Thm 4.2's hypotheses by construction. 'printed': x ∈ S_μ and (4.3) with the global R. As
 * (4.3) cannot hold inside the closest pair (proof in claims-capacity.ts), μ is a memory placed at distance
 * s > N + 2R from the origin (N the largest other norm): then m = s, R is the others' and Δ_μ − 2mR ≥
 * s(s − N − 2R) > 0, and β is the smallest meeting (4.3) times 1 + slack (slack 0 often: equality). One draw
 * in ten is the equality case M = 2, k = 1, ξ₂ = −ξ₁ (any β). 'radius' (corrected): any memory set, μ a memory with ρ_μ > 0 (the
 * largest-norm memory always has it), r = f·min(ρ_μ, R), f ∈ [0.01, 0.99], and β with
 * Δ_μ(r) ≥ β⁻¹ ln((M + k − 2)m/r). In both, Δ̃_μ(x) > 0 on the ball, so μ is the top score there: μ ∈ 𝓜 for
 * every K, and μ is placed inside the window / random mask (by swapping rows). With a fixed `o.memories`:
 * 'radius' uses them; 'printed' uses them when some memory has Δ_μ > 2mR, else falls back to the construction.
 */
export function wellSeparatedArb(o: GenOptions, kind: DynKind, reading: Reading, form: 'printed' | 'radius'): fc.Arbitrary<SeparatedInstance> {
  const sz = sizesOf(o);
  const common = commonArbs(sz);
  if (form === 'radius') {
    return fc.record({ xi: memorySetArb(sz), chosen: fc.nat(), f: gridArb(0.01, 0.99), ...common }).map((c) => {
      const M = c.xi.length;
      const rho = c.xi.map((a, n) => Math.min(...c.xi.map((b, j) => (j === n ? Infinity : (dot(a, a) - dot(a, b)) / dist(a, b)))));
      const cands = rho.map((v, n) => (v > 1e-9 * maxNormOf(c.xi) ? n : -1)).filter((n) => n >= 0);
      if (cands.length === 0) return null;
      const { mu, model: m0 } = resolveMask(kind, reading, M, c.picks);
      const model = withK(m0, M, c.picks.k);
      const chosen = cands[c.chosen % cands.length]!;
      const xi = c.xi.map((r) => [...r]);
      [xi[mu], xi[chosen]] = [xi[chosen]!, xi[mu]!];
      const r = c.f * Math.min(rho[chosen]!, radiusOf(xi));
      const k = supportSize(model, M);
      return finish(xi, mu, model, r, Math.log(((M + k - 2) * maxNormOf(xi)) / r), separationWithin(xi, mu, r), c);
    }).filter((c): c is SeparatedInstance => c !== null);
  }
  const given = o.memories ? givenSeparated(o.memories.map((r) => [...r]), kind, reading, common) : null;
  if (given) return given;
  const far = fc.record({
    others: memorySetArb({ maxM: Math.max(2, o.maxM - 1), maxD: o.maxD }), dir: fc.array(unitArb, { minLength: o.maxD, maxLength: o.maxD }),
    g: gridArb(1e-3, 2), ...common,
  }).map((c) => {
    const M = c.others.length + 1;
    const N = maxNormOf(c.others);
    const R0 = radiusOf(c.others);
    const u = pointInBall(c.others[0]!.map(() => 0), 1 / (1 - 1e-12), { dir: c.dir, t: 1 });
    const s = N + 2 * R0 + c.g * (N + R0);
    const { mu, model: m0 } = resolveMask(kind, reading, M, c.picks);
    const model = withK(m0, M, c.picks.k);
    const xi = [...c.others.slice(0, mu), u.map((v) => v * s), ...c.others.slice(mu)];
    const m = maxNormOf(xi);
    const R = radiusOf(xi);
    return finish(xi, mu, model, R, Math.log(((M + supportSize(model, M) - 2) * m) / R), separationWithin(xi, mu, 0) - 2 * m * R, c);
  });
  if (kind === 'dense' || kind === 'sparsemax') return far;
  const antipodal = fc.record({ d: fc.integer({ min: 1, max: o.maxD }), j: fc.nat(), p: fc.integer({ min: -3, max: 3 }), ...common }).map((c) => {
    const m = 2 ** c.p;
    const e = Array.from({ length: c.d }, (_, t) => (t === c.j % c.d ? m : 0));
    const { mu, model } = resolveMask(kind, reading, 2, { ...c.picks, k: 0, w: 0 });
    return finish([e, e.map((v) => -v)], mu, { ...model, k: 1, pos: mu }, m, 0, 1, c);
  });
  return fc.oneof({ weight: 9, arbitrary: far }, { weight: 1, arbitrary: antipodal });
}

// ---- (T1), (T2) ------------------------------------------------------------------------------------

type EnergyModel = 'dense' | 'sparsemax' | 'topk' | 'window' | 'random';

/** The memories an energy sums over at x: all (printed) or the model's support (derived, restricted energies). */
function energyRows(kind: EnergyModel, c: BallInstance, x: Vec): Rows {
  return kind === 'dense' || kind === 'sparsemax' ? c.xi : supportOf(c.model, c.xi, x, c.beta).map((j) => c.xi[j]!);
}

/** The library's energy (energy.ts) at each point, one batched call per distinct support. */
function energiesOf(kind: EnergyModel, c: BallInstance, xs: Vec[]): number[] {
  const groups = new Map<string, number[]>();
  xs.forEach((x, i) => {
    const key = kind === 'dense' || kind === 'sparsemax' ? '' : supportOf(c.model, c.xi, x, c.beta).join(',');
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const out = new Array<number>(xs.length);
  for (const idx of groups.values()) {
    const rows = energyRows(kind, c, xs[idx[0]!]!);
    const e = noGrad(() => energy(tensor(idx.map((i) => xs[i]!), { dtype: 'float64' }), tensor(rows, { dtype: 'float64' }), { kind: kind === 'sparsemax' ? 'sparsemax' : 'dense', beta: c.beta }).contiguousData());
    idx.forEach((i, j) => { out[i] = e[j]!; });
  }
  return out;
}

const ENERGY_TEXT: Record<EnergyModel, string> = {
  dense: 'dense energy (2.2) E = −lse(β, Ξᵀx) + ½⟨x, x⟩ along T = Ξ softmax(βΞᵀx)',
  sparsemax: 'sparse energy E = −β⁻¹Ψ*(βΞᵀx) + ½⟨x, x⟩ along T = Ξ sparsemax(βΞᵀx)',
  topk: 'derived energy E_K = −β⁻¹ log Σ_{top-K(x)} e^{β⟨x, ξ⟩} + ½⟨x, x⟩ along renormalized top-K (not in the paper)',
  window: 'derived energy: the dense energy of the kept memories Ξ_𝓜 along the renormalized window model (not in the paper)',
  random: 'derived energy: the dense energy of the kept memories Ξ_𝓜 along the renormalized random-mask model (not in the paper)',
};

function energyReading(kind: EnergyModel): string {
  return kind === 'dense' || kind === 'sparsemax' ? `printed/${kind}` : `derived/${kind}/renormalized`;
}

function t1(kind: EnergyModel): Claim<BallInstance> {
  return {
    id: 't1',
    reading: energyReading(kind),
    statement: `(T1): E(x_{t+1}) ≤ E(x_t) along 20 iterates from any x (drawn within 2m of a memory); ${ENERGY_TEXT[kind]}. Checked: the largest increase ≤ 0 (rounding 1e-9 of the energies' scale).`,
    arbitrary: (o) => ballInstanceArb(o, kind, 'renormalized', 'wide'),
    evaluate(c) {
      const r = iterate(c.model, c.xi, c.x, c.beta, 20, 1e-13 * maxNormOf(c.xi));
      const es = energiesOf(kind, c, r.traj);
      let worst = -Infinity;
      let at = 0;
      let scale = 0;
      for (let t = 1; t < es.length; t++) {
        const x = r.traj[t]!;
        const sq = 0.5 * dot(x, x);
        scale = Math.max(scale, Math.abs(es[t]!), Math.abs(es[t - 1]!), Math.abs(es[t]! - sq) + sq);
        if (es[t]! - es[t - 1]! > worst) { worst = es[t]! - es[t - 1]!; at = t; }
      }
      return inequality(worst, 0, { step: at, steps: r.deltas.length }, scale);
    },
    describe: describeBall,
  };
}

function t2(kind: EnergyModel): Claim<BallInstance> {
  return {
    id: 't2',
    reading: energyReading(kind),
    statement: `(T2): fixed points of T are stationary points of E — at the run's limit x* (as lemma4.1/printed), ‖∇E(x*)‖ (autodiff) ≤ ‖x* − T(x*)‖ (≤ ${TOL}·m when converged) and ∇E(x*) = x* − T(x*), both up to rounding 1e-9·(m + ‖x*‖); ${ENERGY_TEXT[kind]}.`,
    arbitrary: (o) => ballInstanceArb(o, kind, 'renormalized', 'wide'),
    evaluate(c) {
      const l = runToLimit(c);
      const x = l.traj[l.traj.length - 1]!;
      const rows = energyRows(kind, c, x);
      const g = noGrad(() => grad((xx) => energy(xx, tensor(rows, { dtype: 'float64' }), { kind: kind === 'sparsemax' ? 'sparsemax' : 'dense', beta: c.beta }))(tensor(x, { dtype: 'float64' })).contiguousData());
      const tx = stepOf(c.model, c.xi, x, c.beta);
      const gap = Math.sqrt(x.reduce((s, xi, j) => s + (g[j]! - (xi - tx[j]!)) ** 2, 0));
      const gradNorm = Math.sqrt(Array.from(g).reduce((s, v) => s + v * v, 0));
      const scale = maxNormOf(c.xi) + Math.sqrt(dot(x, x));
      const ev = inequality(gradNorm, dist(x, tx), { identityGap: gap, status: l.status, lastStep: l.deltas[l.deltas.length - 1]! }, scale);
      const identity = inequality(gap, 0, undefined, scale);
      return identity.holds ? ev : { ...ev, holds: false, margin: Math.min(ev.margin, identity.margin) };
    },
    describe: describeBall,
  };
}

/** Every dynamics claim: Lemma 4.1 (printed, proof-B.39, corrected, under-4.3) per model, (T1) and (T2). */
export const dynamicsClaims: Claim[] = [
  ...DYNAMIC_MODELS.map(([k, r]) => lemma41Printed(k, r)),
  ...DYNAMIC_MODELS.map(([k, r]) => lemma41Proof(k, r, false)),
  ...DYNAMIC_MODELS.map(([k, r]) => lemma41Proof(k, r, true)),
  ...DYNAMIC_MODELS.filter(([k]) => k !== 'sparsemax').map(([k, r]) => lemma41Separated(k, r)),
  ...(['dense', 'sparsemax', 'topk', 'window', 'random'] as const).map(t1),
  ...(['dense', 'sparsemax', 'topk', 'window', 'random'] as const).map(t2),
] as Claim[];
