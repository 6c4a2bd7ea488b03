// Theorem 4.2 (the well-separation condition (4.3)) as fast-check properties: as printed, with its hypotheses
// met by construction; the proof that (4.3) is unsatisfiable for a memory of the closest pair (so "every memory
// well separated", the route of Lemma 4.2's proof, is vacuous for M ≥ 3); and the corrected condition with the
// exact worst case over the ball (the instances come from claims-dynamics.ts's `wellSeparatedArb`). Then Lemma
// 4.2 (capacity): the algebra of (B.53)–(B.60) and the lemma itself tested statistically. `capacityClaims`.
//
// Why (4.3) fails for the closest pair (μ, ν), ‖ξ_μ − ξ_ν‖ = 2R: Δ_μ ≤ ⟨ξ_μ, ξ_μ − ξ_ν⟩ ≤ ‖ξ_μ‖·2R ≤ 2mR
// (Cauchy–Schwarz), and R ≤ (‖ξ_μ‖ + ‖ξ_ν‖)/2 ≤ m, so (M + k − 2)m/R ≥ M + k − 2 ≥ 1 and the threshold
// β⁻¹ ln((M + k − 2)m/R) + 2mR ≥ 2mR ≥ Δ_μ for every β. Equality throughout needs ln(·) = 0, i.e. M + k = 3
// (M = 2, k = 1) and R = m, and Δ_μ = 2mR, i.e. ξ_ν = −ξ_μ with ‖ξ_μ‖ = m: the only case where (4.3) holds for a
// closest-pair memory, with equality, for every β. The per-memory radius R_μ = ½ min_{ν≠μ} ‖ξ_μ − ξ_ν‖ in place
// of R does not help: with n the nearest memory to μ, Δ_μ ≤ ⟨ξ_μ, ξ_μ − ξ_n⟩ ≤ 2‖ξ_μ‖R_μ ≤ 2mR_μ and R_μ ≤ m,
// so (4.3) with R_μ fails for EVERY memory (same equality case). The slack is lost in (B.42): bounding both
// ⟨ξ_μ − x, ξ_μ⟩ and ⟨ξ_μ − x, ξ_ν⟩ by mR gives Δ̃_μ(x) ≥ Δ_μ − 2mR, while exactly
// min_{x ∈ B(ξ_μ, r)} Δ̃_μ(x) = Δ_μ(r) := min_{ν≠μ} (⟨ξ_μ, ξ_μ − ξ_ν⟩ − r‖ξ_μ − ξ_ν‖) ≥ Δ_μ − 2mr. With it,
// ‖T(x) − ξ_μ‖ ≤ m(M + k − 2)e^{−βΔ̃_μ(x)} ≤ m(M + k − 2)e^{−βΔ_μ(r)} ≤ r whenever Δ_μ(r) ≥ β⁻¹ ln((M + k − 2)m/r):
// the corrected Thm 4.2, satisfiable for every memory with ρ_μ = min_ν ⟨ξ_μ, ξ_μ − ξ_ν⟩/‖ξ_μ − ξ_ν‖ > r
// (on a sphere ρ_μ = R_μ, so every memory, with any r < R_μ).
import fc from 'fast-check';
import { Generator } from '../../tensor/random.js';
import { capacityLowerBound, capacityTerms, lambertW0Exp, separation, wellSeparationThreshold } from '../theory.js';
import type { Claim, GenOptions } from './claim.js';
import { inequality, logInequality } from './claim.js';
import {
  type DynKind, type Model, type Reading, type Rows, betaExpArb, describeBall, dist, gridArb, maxNormOf, memorySetArb,
  modelName, pointInBall, radiusOf, separationWithin, sizesOf, spherePatterns, stepOf, stepper,
} from './gen-dynamics.js';
import { type SeparatedInstance, slackArb, wellSeparatedArb } from './claims-dynamics.js';

/** The models Thm 4.2 covers: dense (k = M) and (3.9) with each mask in both readings. */
const THM42_MODELS: readonly [DynKind, Reading][] = [
  ['dense', 'renormalized'], ['topk', 'renormalized'], ['topk', 'paper'], ['window', 'renormalized'], ['window', 'paper'],
  ['random', 'renormalized'], ['random', 'paper'],
];

function describeSeparated(c: SeparatedInstance): Record<string, unknown> {
  return { ...describeBall(c), radius: c.radius, k: c.k };
}

function thm42(kind: DynKind, reading: Reading, form: 'printed' | 'radius'): Claim<SeparatedInstance> {
  const name = modelName(kind, reading);
  const claim: Claim<SeparatedInstance> = {
    id: 'thm4.2',
    reading: `${form === 'printed' ? 'printed' : 'corrected-radius'}/${name}`,
    statement: form === 'printed'
      ? `Thm 4.2 (4.3): for μ ∈ 𝓜, x ∈ S_μ and Δ_μ ≥ β⁻¹ ln((M + k − 2)m/R) + 2mR (k = |𝓜|), ‖T(x) − ξ_μ‖ ≤ R (T maps S_μ into S_μ); ${name}.`
      : `Thm 4.2 corrected: for μ ∈ 𝓜, r ≤ R, x ∈ B(ξ_μ, r) and Δ_μ(r) = min_{ν≠μ}(⟨ξ_μ, ξ_μ − ξ_ν⟩ − r‖ξ_μ − ξ_ν‖) ≥ β⁻¹ ln((M + k − 2)m/r), ‖T(x) − ξ_μ‖ ≤ r; ${name}.`,
    arbitrary: (o) => wellSeparatedArb(o, kind, reading, form),
    evaluate(c) {
      const y = stepOf(c.model, c.xi, c.x, c.beta);
      const hyp = form === 'printed'
        ? separation(c.xi, c.mu) - wellSeparationThreshold(c.xi, { beta: c.beta, k: c.k })
        : separationWithin(c.xi, c.mu, c.radius) - Math.log(((c.xi.length + c.k - 2) * maxNormOf(c.xi)) / c.radius) / c.beta;
      return inequality(dist(y, c.xi[c.mu]!), c.radius, { hypothesisSlack: hyp, k: c.k });
    },
    describe: describeSeparated,
  };
  if (form === 'printed') {
    claim.note = 'satisfiable only for memories outside the closest pair (or M = 2, k = 1, ξ₂ = −ξ₁): see thm4.2/hypothesis/*; instances are built that way';
  }
  return claim;
}

/** A memory set, β, k and a memory μ for the hypothesis claims (the closest pair's first or second memory). */
interface HypothesisInstance { xi: Rows; mu: number; beta: number; k: number }

function hypothesisArb(o: GenOptions, which: 'closest' | 'any'): fc.Arbitrary<HypothesisInstance> {
  const general = fc.record({ xi: memorySetArb(sizesOf(o)), pick: fc.nat(), kPick: fc.nat(), e: betaExpArb }).map(({ xi, pick, kPick, e }) => {
    let mu = pick % xi.length;
    if (which === 'closest') {
      const R = radiusOf(xi);
      const pairs: number[] = [];
      xi.forEach((a, i) => xi.forEach((b, j) => { if (i !== j && dist(a, b) / 2 === R) pairs.push(i); }));
      mu = pairs[pick % pairs.length]!;
    }
    return { xi, mu, beta: 10 ** e / maxNormOf(xi) ** 2, k: 1 + (kPick % xi.length) };
  });
  const equality = fc.record({ d: fc.integer({ min: 1, max: o.maxD }), p: fc.integer({ min: -3, max: 3 }), mu: fc.integer({ min: 0, max: 1 }), e: betaExpArb }).map(({ d, p, mu, e }) => {
    const v = Array.from({ length: d }, (_, t) => (t === 0 ? 2 ** p : 0));
    return { xi: [v, v.map((x) => -x)], mu, beta: 10 ** e / 4 ** p, k: 1 };
  });
  return o.memories ? general : fc.oneof({ weight: 9, arbitrary: general }, { weight: 1, arbitrary: equality });
}

function hypothesisClaim(which: 'closest' | 'any'): Claim<HypothesisInstance> {
  return {
    id: 'thm4.2',
    reading: which === 'closest' ? 'hypothesis/closest-pair-unsatisfiable' : 'hypothesis/per-memory-radius-unsatisfiable',
    statement: which === 'closest'
      ? 'For μ in the closest pair, any β > 0 and k ∈ [1, M]: Δ_μ ≤ β⁻¹ ln((M + k − 2)m/R) + 2mR, i.e. (4.3) fails or (M = 2, k = 1, ξ₂ = −ξ₁) holds with equality — so "every memory well separated" (Lemma 4.2’s proof) is impossible for M ≥ 3.'
      : 'With the per-memory radius R_μ = ½ min_{ν≠μ}‖ξ_μ − ξ_ν‖ in place of R, (4.3) fails for every memory: Δ_μ ≤ β⁻¹ ln((M + k − 2)m/R_μ) + 2mR_μ (equality only for M = 2, k = 1, ξ₂ = −ξ₁).',
    arbitrary: (o) => hypothesisArb(o, which),
    evaluate(c) {
      const m = maxNormOf(c.xi);
      const r = which === 'closest' ? radiusOf(c.xi) : Math.min(...c.xi.map((b, n) => (n === c.mu ? Infinity : dist(c.xi[c.mu]!, b) / 2)));
      const threshold = Math.log(((c.xi.length + c.k - 2) * m) / r) / c.beta + 2 * m * r;
      return inequality(separation(c.xi, c.mu), threshold, { radius: r, m }, 2 * m * r);
    },
    describe: (c) => ({ memories: c.xi, mu: c.mu, beta: c.beta, k: c.k, m: maxNormOf(c.xi), R: radiusOf(c.xi) }),
    note: 'a theorem about the hypothesis (proof in claims-capacity.ts): it holding means Thm 4.2 is vacuous there',
  };
}

// ---- Lemma 4.2 ------------------------------------------------------------------------------------
// The algebra of (B.53)–(B.60), and the lemma itself tested statistically. Findings: (B.59),
// C = b/W₀(e^{a + ln b}), is the root of b/C − ln C = a, i.e. (5C/(m²β))·(ln(C^{(d−1)/4}·m(√p + k − 1)/R) + 1) = 1,
// whereas (B.57) has ln((√p·C^{(d−1)/4} + k − 1)m/R): the step (B.57)→(B.58) drops (k − 1)(C^{(d−1)/4} − 1) from
// the log's argument (exact only for k = 1 or C = 1; conservative when C ≥ 1). (B.55) also has M + k − 1 where
// (B.53) has M + k − 2 (conservative), drops ½γ_d ≤ 1 (conservative) and replaces (B.53)'s 2mR by 1/β (not
// conservative once 2mRβ > 1): with 2mRβ in place of 1 in a, the bound does deliver (B.53) ≤ p.

/** ln Γ(x), x > 0 (Lanczos, g = 7, n = 9; ~15 digits). */
function lgamma(x: number): number {
  const g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const y = x - 1;
  let s = g[0]!;
  for (let i = 1; i < 9; i++) s += g[i]! / (y + i);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(s);
}

const logAddExp = (a: number, b: number): number => (a === -Infinity ? b : b === -Infinity ? a : Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b))));

/** The inputs of Lemma 4.2's algebra. */
interface AlgebraInstance { d: number; m: number; R: number; p: number; k: number; beta: number }
type AlgebraForm = 'B.57-printed' | 'solved' | 'B.57-inequality' | 'B.57-inequality-C-ge-1' | 'B.53-at-bound' | 'B.53-at-corrected-bound';

/** (B.58)'s a for a given β-term t (printed: t = 1; corrected: t = 2mRβ). */
const aOf = (c: AlgebraInstance, t: number): number => (4 / (c.d - 1)) * (Math.log((c.m * (Math.sqrt(c.p) + c.k - 1)) / c.R) + t);
/** ln C with C = b/W₀(e^{a + ln b}), b = 4m²β/(5(d − 1)). */
function logCOf(c: AlgebraInstance, a: number): number {
  const lb = Math.log((4 * c.m * c.m * c.beta) / (5 * (c.d - 1)));
  const w = lambertW0Exp(a + lb);
  return w > 1e-300 ? lb - Math.log(w) : w - a;
}
/** ln of (B.53)'s failure bound ½γ_d 5^{(d−1)/2} M² m^{−(d−1)} [β⁻¹ ln((M + k − 2)m/R) + 2mR]^{(d−1)/2} at ln M. */
function logB53(c: AlgebraInstance, logM: number): number {
  const d = c.d;
  const halfGamma = lgamma((d + 1) / 2) - lgamma(d / 2) - Math.log(2 * d * Math.sqrt(Math.PI));
  const inner = Math.log(((Math.exp(logM) + c.k - 2) * c.m) / c.R) / c.beta + 2 * c.m * c.R;
  return halfGamma + ((d - 1) / 2) * Math.log(5) + 2 * logM - (d - 1) * Math.log(c.m) + ((d - 1) / 2) * Math.log(inner);
}

function algebraArb(form: AlgebraForm): fc.Arbitrary<AlgebraInstance> {
  return fc.record({
    d: fc.integer({ min: 2, max: 64 }), mE: gridArb(-1, 1), rE: gridArb(-3, 0),
    p: gridArb(1e-3, 1), k: fc.integer({ min: 1, max: 10 }), e: betaExpArb, slack: slackArb,
  }).map(({ d, mE, rE, p, k, e, slack }) => {
    const m = 10 ** mE;
    const c: AlgebraInstance = { d, m, R: m * 10 ** rE, p, k, beta: 10 ** e / (m * m) };
    const c0 = (2 / Math.sqrt(p)) ** (4 / (d - 1)); // C ≥ c0 ⇔ M = √p·C^{(d−1)/4} ≥ 2 ⇔ b ≥ c0(a + ln c0)
    let need = 0;
    if (form === 'B.57-inequality-C-ge-1') need = (5 * (d - 1) * aOf(c, 1)) / (4 * m * m); // C ≥ 1 ⇔ b ≥ a
    if (form === 'B.53-at-bound') need = (5 * (d - 1) * c0 * (aOf(c, 1) + Math.log(c0))) / (4 * m * m);
    if (form === 'B.53-at-corrected-bound') {
      c.R = (m / (10 * c0)) * 10 ** rE * 0.999; // M' ≥ 2 needs 4m²/5 > 8c0·mR (the 2mRβ term grows with β too)
      need = ((d - 1) * c0 * (aOf(c, 0) + Math.log(c0))) / ((4 * m * m) / 5 - 8 * c0 * m * c.R);
    }
    if (need > 0) c.beta = need * (1 + slack) * (1 + 1e-9);
    return c;
  });
}

function algebraClaim(form: AlgebraForm): Claim<AlgebraInstance> {
  const statement: Record<AlgebraForm, string> = {
    'B.57-printed': 'Lemma 4.2 (B.57)–(B.59): C = b/W₀(e^{a + ln b}) solves (B.57) at equality, (5C/(m²β))(ln((√p·C^{(d−1)/4} + k − 1)m/R) + 1) = 1.',
    solved: 'Lemma 4.2 corrected algebra: C = b/W₀(e^{a + ln b}) solves b/C − ln C = a, i.e. (5C/(m²β))(ln(C^{(d−1)/4}·m(√p + k − 1)/R) + 1) = 1 (relative residual ≤ 1e-9).',
    'B.57-inequality': 'Lemma 4.2: at C of (B.59), (B.57) ≤ 0 holds, i.e. (B.56) (what the bound needs).',
    'B.57-inequality-C-ge-1': 'Lemma 4.2 corrected: at C of (B.59), (B.57) ≤ 0 holds whenever C ≥ 1 (b ≥ a; any bound M ≥ √p needs it).',
    'B.53-at-bound': 'Lemma 4.2: at M = √p·C^{(d−1)/4} ≥ 2, (B.53)’s failure bound ½γ_d 5^{(d−1)/2} M² m^{−(d−1)} [β⁻¹ ln((M + k − 2)m/R) + 2mR]^{(d−1)/2} ≤ p.',
    'B.53-at-corrected-bound': 'Lemma 4.2 corrected: with a = (4/(d − 1))(ln[m(√p + k − 1)/R] + 2mRβ) (2mR kept, not replaced by 1/β), M = √p·C^{(d−1)/4} ≥ 2 satisfies (B.53) ≤ p.',
  };
  const corrected: Partial<Record<AlgebraForm, string>> = {
    'B.57-printed': 'lemma4.2/algebra/solved', 'B.57-inequality': 'lemma4.2/algebra/B.57-inequality-C-ge-1', 'B.53-at-bound': 'lemma4.2/algebra/B.53-at-corrected-bound',
  };
  const claim: Claim<AlgebraInstance> = {
    id: 'lemma4.2',
    reading: `algebra/${form}`,
    statement: statement[form],
    arbitrary: () => algebraArb(form),
    evaluate(c) {
      const q = (c.d - 1) / 4;
      if (form === 'B.53-at-bound' || form === 'B.53-at-corrected-bound') {
        const logC = logCOf(c, aOf(c, form === 'B.53-at-bound' ? 1 : 2 * c.m * c.R * c.beta));
        const logM = 0.5 * Math.log(c.p) + q * logC;
        return logInequality(logB53(c, logM), Math.log(c.p), { M: Math.exp(logM), twoMRbeta: 2 * c.m * c.R * c.beta });
      }
      const t = capacityTerms(c);
      if (form === 'solved') {
        const res = t.b * Math.exp(-t.logC) - t.logC - t.a;
        return inequality(Math.abs(res), 0, { C: t.C }, Math.max(1, Math.abs(t.a), Math.abs(t.logC), t.b * Math.exp(-t.logC)));
      }
      // (B.57)'s left side F = (5C/(m²β))(L + 1) − 1, L = ln((√p·C^q + k − 1)m/R), minus the identity C solves
      // ((5C/(m²β))(L' + 1) = 1, L' = ln((√p + k − 1)C^q·m/R), checked by 'solved'): F = (5C/(m²β))(L − L') with
      // L − L' = ln(1 + (k − 1)(C^{−q} − 1)/(√p + k − 1)) — free of the cancellation in L + 1 when C is large
      const F = (4 / (c.d - 1)) * Math.exp(t.logC - Math.log(t.b)) * Math.log1p(((c.k - 1) * Math.expm1(-q * t.logC)) / (Math.sqrt(c.p) + c.k - 1));
      const dropped = (c.k - 1) * Math.expm1(q * t.logC); // the term (B.57)→(B.58) drops from the log's argument
      const details = { C: t.C, logC: t.logC, B57: F, ...(Number.isFinite(dropped) ? { droppedTerm: dropped } : {}) };
      return form === 'B.57-printed' ? inequality(Math.abs(F), 0, details, 1) : inequality(F, 0, details, 1);
    },
    describe: (c) => ({ ...c }),
  };
  if (corrected[form]) claim.correctedBy = corrected[form];
  return claim;
}

/** ln P(X ≥ f) for X ~ Binomial(n, q). */
function logUpperTail(f: number, n: number, q: number): number {
  let acc = -Infinity;
  for (let i = f; i <= n; i++) acc = logAddExp(acc, lgamma(n + 1) - lgamma(i + 1) - lgamma(n - i + 1) + i * Math.log(q) + (n - i) * Math.log1p(-q));
  return acc;
}

/** The one-sided Clopper–Pearson lower confidence bound (level 1 − α) on a binomial rate from f of n. */
export function binomialLowerBound(f: number, n: number, alpha: number): number {
  if (f === 0) return 0;
  let lo = 0;
  let hi = f / n;
  for (let it = 0; it < 60; it++) {
    const mid = (lo + hi) / 2;
    if (logUpperTail(f, n, mid) < Math.log(alpha)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Draws per statistical run, pilot draws that set β, and the confidence level α of the verdict. */
const DRAWS = 60;
const PILOT = 20;
const ALPHA = 1e-3;

/** One statistical run of Lemma 4.2: sizes, the failure probability p, the support size and seeds. */
interface CapacityInstance { d: number; m: number; p: number; M: number; k: number; w: number; slack: number; seed: number }

/**
 * Whether every ξ_μ is stored. 'def3.2' (Definition 3.2): S_μ is mapped into itself, probed at ξ_μ, next to the
 * boundary point towards every other memory (where the balls touch) and at two random boundary points (a sample:
 * passing is evidence, failing is proof). 'retrieval' (the proof's Step 1): ‖T(ξ_μ) − ξ_μ‖ ≤ R. Query μ of the
 * window model sits at position μ; the random mask of query μ is μ and k − 1 other memories drawn from `gen`.
 */
function allStored(P: Rows, R: number, beta: number, kind: DynKind, reading: Reading, c: CapacityInstance, form: 'def3.2' | 'retrieval', gen: Generator): { mu: number; x: number[] } | null {
  const M = P.length;
  for (let mu = 0; mu < M; mu++) {
    const model: Model = { kind, reading, k: kind === 'dense' ? M : c.k, window: c.w, pos: mu, seed: 0 };
    if (kind === 'random') model.support = [mu, ...Array.from(gen.permutation(M - 1)).map((j) => (j >= mu ? j + 1 : j)).slice(0, c.k - 1)].sort((a, b) => a - b);
    const T = stepper(model, P, beta);
    const probes = [P[mu]!];
    if (form === 'def3.2') {
      // at (1 − 1e-6)R: the score gap to the touching memory, 2R²·1e-6, stays far above rounding (at R itself
      // the top score ties and rounding, not the model, decides)
      const r = R * (1 - 1e-6);
      P.forEach((q, n) => { if (n !== mu) probes.push(pointInBall(P[mu]!, r, { dir: q.map((v, j) => v - P[mu]![j]!), t: 1 })); });
      for (let i = 0; i < 2; i++) probes.push(pointInBall(P[mu]!, r, { dir: spherePatterns(1, c.d, 1, gen)[0]!, t: 1 }));
    }
    // rounding allowance: scores β⟨x, ξ⟩ carry errors ~dεβm², which move T(x) by ~M·that·m (β reaches 1e9 here)
    const allowance = 1e-12 * c.m + 4 * c.d * M * Number.EPSILON * beta * c.m ** 3;
    for (const x of probes) if (dist(T(x), P[mu]!) > R + allowance) return { mu, x };
  }
  return null;
}

/** Run the draws: β from the pilot (the bound's hypothesis M ≤ bound holds for ~80% of draws), then count failures. */
function capacityRun(c: CapacityInstance, kind: DynKind, reading: Reading, form: 'def3.2' | 'retrieval') {
  const pilot = new Generator(2 * c.seed + 1);
  const rq = Array.from({ length: PILOT }, () => radiusOf(spherePatterns(c.M, c.d, c.m, pilot))).sort((a, b) => a - b)[PILOT / 5]!;
  // M ≤ √p·C^{(d−1)/4} ⇔ C ≥ c0 = (M/√p)^{4/(d−1)} ⇔ b ≥ c0(a + ln c0), b = 4m²β/(5(d − 1)) (C solves b/C − ln C = a)
  const a = (4 / (c.d - 1)) * (Math.log((c.m * (Math.sqrt(c.p) + c.k - 1)) / rq) + 1);
  const c0 = (c.M / Math.sqrt(c.p)) ** (4 / (c.d - 1));
  const need = c0 * (a + Math.log(c0));
  const beta = ((need > 0 ? (5 * (c.d - 1) * need) / 4 : 1) * (1 + c.slack) * (1 + 1e-9)) / (c.m * c.m);
  const gen = new Generator(2 * c.seed);
  let failures = 0;
  let hypothesis = 0;
  let first: Record<string, unknown> | null = null;
  for (let i = 0; i < DRAWS; i++) {
    const P = spherePatterns(c.M, c.d, c.m, gen);
    const R = radiusOf(P);
    if (c.M > capacityLowerBound({ d: c.d, m: c.m, R, p: c.p, k: c.k, beta })) continue;
    hypothesis++;
    const bad = allStored(P, R, beta, kind, reading, c, form, gen);
    if (bad) {
      failures++;
      first ??= { memories: P, R, mu: bad.mu, probe: bad.x, image: stepper({ kind, reading, k: c.k, window: c.w, pos: bad.mu, seed: 0 }, P, beta)(bad.x) };
    }
  }
  return { failures, hypothesis, beta, first };
}

function lemma42(kind: DynKind, reading: Reading, form: 'def3.2' | 'retrieval'): Claim<CapacityInstance> {
  const name = modelName(kind, reading);
  const claim: Claim<CapacityInstance> = {
    id: 'lemma4.2',
    reading: `${form === 'def3.2' ? 'stored-def3.2' : 'retrieved-within-R'}/${name}`,
    runWeight: DRAWS, // each run is DRAWS seeded draws
    statement: `Lemma 4.2: M patterns uniform on the sphere of radius m with M ≤ √p·C^{(d−1)/4} (R the draw's ½ min distance) are all ${form === 'def3.2' ? 'stored (Def. 3.2: T(S_μ) ⊆ S_μ, probed)' : 'retrieved within R (‖T(ξ_μ) − ξ_μ‖ ≤ R)'} except with probability ≤ p — tested over ${DRAWS} seeded draws: the ${1 - ALPHA} Clopper–Pearson lower bound on P(M ≤ bound and not all stored) ≤ p; ${name}.`,
    arbitrary: (o) => fc.record({
      d: fc.integer({ min: 2, max: Math.max(2, 2 * o.maxD) }), j: fc.integer({ min: -2, max: 2 }), p: gridArb(0.01, 0.5),
      M: fc.integer({ min: 2, max: Math.max(2, 2 * o.maxM) }), kPick: fc.oneof(fc.constant(0), fc.nat()), wPick: fc.oneof(fc.constant(0), fc.nat()), slack: fc.oneof(fc.constant(0), gridArb(0, 3)), seed: fc.nat({ max: 2 ** 29 }),
    }).map(({ d, j, p, M, kPick, wPick, slack, seed }) => {
      const w = wPick % M;
      const k = kind === 'dense' ? M : kind === 'window' ? Math.min(M, 2 * w + 1) : 1 + (kPick % M);
      return { d, m: 2 ** j, p, M, k, w, slack, seed };
    }),
    evaluate(c) {
      const r = capacityRun(c, kind, reading, form);
      return inequality(binomialLowerBound(r.failures, DRAWS, ALPHA), c.p, { failures: r.failures, hypothesisDraws: r.hypothesis, draws: DRAWS, estimate: r.failures / DRAWS, beta: r.beta });
    },
    describe: (c) => ({ ...c, draws: DRAWS, firstFailure: capacityRun(c, kind, reading, form).first }),
  };
  // paper-literal weights on a mask without the touching memory ν: next to the point where S_μ and S_ν touch the
  // weights split ~½/½ between μ and ν, ν's half is dropped, and T(x) ≈ ½ξ_μ lands ~m/2 from ξ_μ, outside S_μ
  if (form === 'def3.2' && reading === 'paper' && kind !== 'dense') {
    claim.correctedBy = `lemma4.2/retrieved-within-R/${name}, lemma4.2/stored-def3.2/${kind}/renormalized`;
  }
  return claim;
}

/** Thm 4.2 (printed, corrected-radius, hypothesis claims) and Lemma 4.2 (algebra; statistics). */
export const capacityClaims: Claim[] = [
  ...THM42_MODELS.map(([k, r]) => thm42(k, r, 'printed')),
  ...THM42_MODELS.map(([k, r]) => thm42(k, r, 'radius')),
  hypothesisClaim('closest'),
  hypothesisClaim('any'),
  ...THM42_MODELS.flatMap(([k, r]) => [lemma42(k, r, 'def3.2'), lemma42(k, r, 'retrieval')]),
  ...(['B.57-printed', 'solved', 'B.57-inequality', 'B.57-inequality-C-ge-1', 'B.53-at-bound', 'B.53-at-corrected-bound'] as const).map(algebraClaim),
] as Claim[];
