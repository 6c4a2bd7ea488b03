// Lambert's W function, principal branch W₀ (w·eʷ = x, w ≥ −1), in float64 over its whole domain
// [−1/e, ∞), plus W₀(eʸ) for any real y without overflowing eʸ. Used by the capacity bound of Lemma 4.2.
//
// Method: Halley's iteration from a good initial guess, in three regions.
//  - Near the branch point (x + 1/e < 0.03): write w = −1 + t, t ≥ 0. Then w·eʷ + 1/e = e⁻¹·g(t) with
//    g(t) = 1 − (1 − t)eᵗ = Σ_{n≥2} (n−1)tⁿ/n!, summed as a series (no cancellation), and q = x + 1/e is
//    formed with 1/e split into two doubles, so t is found to full relative precision even as t → 0.
//    The initial guess is the branch-point series −1 + p − p²/3 + 11p³/72 − … with p = √(2e·q).
//  - Moderate x (up to 3): Halley on w·eʷ − x from w₀ = ℓ(1 − ln(1 + ℓ)/(2 + ℓ)), ℓ = ln(1 + x).
//  - Large x: W₀(x) = W₀(e^{ln x}); w solves w + ln w = y, iterated from the asymptotic
//    y − ln y + ln y / y + ln y (ln y − 2)/(2y²) (no exponential is ever formed, so x up to 1.8e308 and
//    y up to 1e300 are fine).
import { HopgradError } from '../tensor/errors.js';

/** 1/e as the sum of two doubles (INV_E_HI = Math.exp(−1), which is 1.24e−17 above the true 1/e). */
const INV_E_HI = 0.36787944117144233;
const INV_E_LO = -1.2428753672788363e-17;
/** Offsets below −1/e this small are rounding of −1/e itself (−Math.exp(−1) lies 1.24e−17 below it). */
const BRANCH_SLACK = 1e-16;
const MAX_ITER = 50;

function needNumber(x: unknown, where: string, param: string): number {
  if (typeof x !== 'number' || Number.isNaN(x)) {
    throw new HopgradError(`${where}: ${param} must be a number, got ${typeof x === 'number' ? 'NaN' : typeof x}`);
  }
  return x;
}

/** g(t) = 1 − (1 − t)eᵗ = Σ_{n≥2} (n−1)tⁿ/n! for 0 ≤ t ≲ 0.5 (terms fall faster than 0.5ⁿ/n!). */
function branchG(t: number): number {
  let term = t; // tⁿ/n! for n = 1
  let s = 0;
  for (let n = 2; n < 40; n++) {
    term *= t / n;
    const add = (n - 1) * term;
    s += add;
    if (Math.abs(add) <= 1e-18 * Math.abs(s)) break;
  }
  return s;
}

/** W₀ near the branch point, from q = x + 1/e ∈ [0, 0.03]: returns t with W₀ = −1 + t. */
function branchT(q: number): number {
  if (q === 0) return 0;
  const p = Math.sqrt(2 * Math.E * q);
  // series of W₀ + 1 in p (Corless et al. 1996, eq. 4.22)
  let t = p * (1 + p * (-1 / 3 + p * (11 / 72 + p * (-43 / 540 + p * (769 / 17280 + p * (-221 / 8505))))));
  const target = Math.E * q; // solve g(t) = e·q
  for (let i = 0; i < MAX_ITER; i++) {
    const f = branchG(t) - target;
    const et = Math.exp(t);
    const f1 = t * et; // g′(t)
    const f2 = (1 + t) * et; // g″(t)
    if (f1 === 0) break;
    const step = f / f1 / (1 - (f * f2) / (2 * f1 * f1));
    t -= step;
    if (!(Math.abs(step) > 1e-17 * t)) break;
  }
  return t;
}

/** Halley's iteration on w·eʷ − x for moderate x (about −0.338 ≤ x ≤ 3). */
function moderate(x: number): number {
  if (x === 0) return 0;
  const l = Math.log1p(x);
  let w = l * (1 - Math.log1p(l) / (2 + l));
  for (let i = 0; i < MAX_ITER; i++) {
    const ew = Math.exp(w);
    const f = w * ew - x;
    const f1 = ew * (w + 1);
    const step = f / (f1 - ((w + 2) * f) / (2 * w + 2));
    w -= step;
    if (!(Math.abs(step) > 4e-17 * Math.abs(w))) break;
  }
  return w;
}

/** Solve w + ln w = y (w > 0) for y > 1 by Halley's iteration from the asymptotic expansion. */
function logSpace(y: number): number {
  if (y === Infinity) return Infinity;
  const ly = Math.log(y);
  let w = y - ly + ly / y + (ly * (ly - 2)) / (2 * y * y);
  for (let i = 0; i < MAX_ITER; i++) {
    const h = w + Math.log(w) - y;
    const h1 = 1 + 1 / w;
    const h2 = -1 / (w * w);
    const step = h / h1 / (1 - (h * h2) / (2 * h1 * h1));
    w -= step;
    if (!(Math.abs(step) > 4e-17 * w)) break;
  }
  return w;
}

/**
 * Lambert's W, principal branch: the w ≥ −1 with w·eʷ = x, for x ≥ −1/e (W₀(−1/e) = −1, W₀(0) = 0,
 * W₀(e) = 1, W₀(∞) = ∞). Accurate to a few ulps over the whole domain, including next to the branch point
 * and for x up to the largest double. `-Math.exp(-1)` (which rounds 1.2e−17 below −1/e) counts as −1/e.
 */
export function lambertW0(x: number): number {
  needNumber(x, 'lambertW0', 'x');
  const q = x + INV_E_HI + INV_E_LO;
  if (q < 0) {
    if (q >= -BRANCH_SLACK) return -1;
    throw new HopgradError(`lambertW0: x must be ≥ −1/e ≈ −0.36787944117144233 (the principal branch's domain), got ${x}`);
  }
  if (x === Infinity) return Infinity;
  if (q < 0.03) {
    // x + 1/e exactly enough: x + INV_E_HI is exact near −INV_E_HI (Sterbenz), then add the low part
    return -1 + branchT((x + INV_E_HI) + INV_E_LO);
  }
  if (x <= 3) return moderate(x);
  return logSpace(Math.log(x));
}

/**
 * W₀(eʸ) for any real y, without forming eʸ (so y = 1000 or 1e300 works): the w > 0 with w + ln w = y.
 * Useful where the argument of W₀ is itself an exponential, as in Lemma 4.2's C = b / W₀(exp{a + ln b}).
 * For y → −∞ it returns eʸ (which underflows to 0 below y ≈ −745).
 */
export function lambertW0Exp(y: number): number {
  needNumber(y, 'lambertW0Exp', 'y');
  if (y <= 1) return y === -Infinity ? 0 : lambertW0(Math.exp(y));
  return logSpace(y);
}
