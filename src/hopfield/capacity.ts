// hopfield.theory, capacity: the memory-capacity lower bound of Lemma 4.2 (B.58)–(B.60),
// M ≥ √p · C^{(d−1)/4} with C = b / W₀(exp{a + ln b}), a = (4/(d−1))(ln[m(√p + k − 1)/R] + 1) and
// b = 4m²β / (5(d−1)), evaluated in log space so that large d or β neither overflow nor lose precision.
import { HopgradError, check } from '../tensor/errors.js';
import { lambertW0Exp } from './lambert-w.js';

/** The inputs of Lemma 4.2. */
export interface CapacityOptions {
  /** Pattern dimension d (an integer ≥ 2: the bound divides by d − 1). */
  d: number;
  /** Radius of the sphere the patterns are drawn on (m = max ‖ξ‖), > 0. */
  m: number;
  /** Radius of the balls S_μ, > 0. */
  R: number;
  /** The failure probability p (patterns are stored with probability 1 − p), in (0, 1]. */
  p: number;
  /** Support size k = |𝓜|, an integer ≥ 1 (k = M gives the dense model's bound). */
  k: number;
  /** Inverse temperature β > 0. */
  beta: number;
}

/** Every term of Lemma 4.2, for inspection. */
export interface CapacityTerms {
  a: number;
  b: number;
  /** W₀(exp{a + ln b}). */
  w: number;
  /** C = b / W₀(exp{a + ln b}) (may overflow to Infinity; `logC` does not). */
  C: number;
  logC: number;
  /** √p · C^{(d−1)/4} (may overflow to Infinity; `logBound` does not). */
  bound: number;
  logBound: number;
}

function positive(v: unknown, name: string): number {
  check(typeof v === 'number' && Number.isFinite(v) && v > 0, 'capacityLowerBound', () => `${name} must be a finite number > 0, got ${String(v)}`);
  return v;
}

/** a, b, W₀(e^{a + ln b}), C and the bound of Lemma 4.2 (see `capacityLowerBound`). */
export function capacityTerms(opts: CapacityOptions): CapacityTerms {
  const where = 'capacityLowerBound';
  if (typeof opts !== 'object' || opts === null) throw new HopgradError(`${where}: options { d, m, R, p, k, beta } are required`);
  const { d, k } = opts;
  check(typeof d === 'number' && Number.isInteger(d) && d >= 2, where, () => `d must be an integer ≥ 2 (the bound divides by d − 1), got ${String(d)}`);
  check(typeof k === 'number' && Number.isInteger(k) && k >= 1, where, () => `k must be an integer ≥ 1, got ${String(k)}`);
  const m = positive(opts.m, 'm');
  const R = positive(opts.R, 'R');
  const beta = positive(opts.beta, 'beta');
  const p = opts.p;
  check(typeof p === 'number' && p > 0 && p <= 1, where, () => `p must be a probability in (0, 1], got ${String(p)}`);
  const sp = Math.sqrt(p);
  const a = (4 / (d - 1)) * (Math.log((m * (sp + k - 1)) / R) + 1);
  const b = (4 * m * m * beta) / (5 * (d - 1));
  const y = a + Math.log(b);
  const w = lambertW0Exp(y);
  // ln C = ln b − ln W₀(eʸ); since W₀(eʸ)·e^{W₀(eʸ)} = eʸ, ln W₀ = y − W₀, so ln C = W₀ − a as well (used
  // when W₀ underflows, i.e. y ≲ −700, where W₀(eʸ) ≈ eʸ)
  const logC = w > 1e-300 ? Math.log(b) - Math.log(w) : w - a;
  const logBound = 0.5 * Math.log(p) + ((d - 1) / 4) * logC;
  return { a, b, w, C: Math.exp(logC), logC, bound: Math.exp(logBound), logBound };
}

/**
 * Lemma 4.2's lower bound on the number of patterns, drawn uniformly on the sphere of radius m, that the
 * sparse-structured model stores and retrieves with probability 1 − p: √p · C^{(d−1)/4}, with
 * C = b / W₀(exp{a + ln b}), a = (4/(d − 1))(ln[m(√p + k − 1)/R] + 1), b = 4m²β / (5(d − 1)).
 * Returns Infinity where the bound exceeds the largest double (`capacityTerms(...).logBound` stays finite).
 */
export function capacityLowerBound(opts: CapacityOptions): number {
  return capacityTerms(opts).bound;
}
