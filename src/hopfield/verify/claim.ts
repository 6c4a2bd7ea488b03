// What a machine-checkable claim of the paper looks like: a generator that satisfies the claim's hypotheses
// by construction, a check that evaluates both sides of the inequality, and a plain-number description.
import type fc from 'fast-check';
import { HopgradError } from '../../tensor/errors.js';

/** Both sides of a claim's inequality at one instance (lhs ≤ rhs when the claim holds there). */
export interface Evaluation {
  holds: boolean;
  /** The left side (e.g. the measured retrieval error). */
  lhs: number;
  /** The right side (e.g. the bound). */
  rhs: number;
  /**
   * How far from failing: rhs − lhs, or a claim-specific slack (negative when refuted). The retrieval claims
   * (and `inequality`) use the relative slack (rhs − lhs) / max(|lhs|, |rhs|), so bounds that are exponentially
   * small stay comparable.
   */
  margin: number;
  /** Further plain values worth reporting (e.g. both errors of a comparison). */
  details?: Record<string, number | string | boolean>;
}

/** Knobs a run passes to every generator. */
export interface GenOptions {
  /** Upper bounds on sizes, so CI runs stay small and `--runs` large runs can go bigger. */
  maxM: number;
  maxD: number;
  /**
   * A fixed memory set (M rows of d numbers, pairwise distinct) to test instead of drawn memories; generators
   * that support it draw everything else (μ, x, β, masks, noise) around it. Optional: a generator may ignore it.
   */
  memories?: readonly (readonly number[])[];
}

/**
 * A claim of "Nonparametric Modern Hopfield Models" in one reading. `id` names the claim (e.g. 'thm4.1'),
 * `reading` the variant (e.g. 'printed/topk/paper', 'derived/window/renormalized').
 */
export interface Claim<C = unknown> {
  id: string;
  reading: string;
  /** One line: what is asserted, with the paper's equation numbers. */
  statement: string;
  /** Instances satisfying the hypotheses by construction (not by rejection). */
  arbitrary(opts: GenOptions): fc.Arbitrary<C>;
  /** Evaluate both sides in float64. */
  evaluate(instance: C): Evaluation;
  /** The instance in plain numbers (memories, query, μ, β, mask, …) so anyone can recheck it with other tools. */
  describe(instance: C): Record<string, unknown>;
  /**
   * For refuted-as-printed claims: the corrected statement's claim id/reading that the suite confirms instead
   * (several separated by ', '). Its presence also records that the suite found this claim refuted.
   */
  correctedBy?: string;
  /**
   * How many elementary checks one run makes (default 1): a statistical claim whose run draws 60 memory sets
   * sets 60, so `runs` counts comparable work and the claim runs max(3, ⌈runs / runWeight⌉) times.
   */
  runWeight?: number;
  /** Anything a verdict alone would misstate, e.g. that a claim holds only vacuously. */
  note?: string;
}

/** The verdict of one claim after a run. */
export interface ClaimResult {
  id: string;
  reading: string;
  statement: string;
  verdict: 'holds' | 'refuted';
  /** Runs executed: all of them when the claim holds; up to and including the first failure when refuted. */
  runs: number;
  /** The fast-check seed (replay: the same seed, runs and size caps). */
  seed: number;
  /** The smallest margin seen over all runs (how close the claim came to failing). */
  smallestMargin: number;
  /** For a refuted claim: the shrunk counterexample and both sides there. */
  counterexample?: { instance: Record<string, unknown>; evaluation: Evaluation; path?: string };
  correctedBy?: string;
  /** The claim's note, if any (see Claim.note). */
  note?: string;
  /** Runs skipped by a precondition (fc.pre), if any. */
  skipped?: number;
  /** Wall time of the run, milliseconds. */
  ms?: number;
}

/** Relative rounding allowance of `inequality`: lhs ≤ rhs holds when lhs ≤ rhs + REL_TOL·max(|lhs|, |rhs|, scale). */
export const REL_TOL = 1e-9;

/**
 * Evaluate lhs ≤ rhs in float64 with a relative rounding allowance (REL_TOL times the larger magnitude, or
 * `scale` when the sides are differences of larger quantities). The margin is the relative slack; it is 0 at
 * equality (including 0 = 0, and equality within rounding) and ±1 when one side is infinite. NaN on either side is an internal error.
 */
export function inequality(lhs: number, rhs: number, details?: Evaluation['details'], scale = 0): Evaluation {
  if (Number.isNaN(lhs) || Number.isNaN(rhs)) throw new HopgradError(`verify: a claim evaluated to NaN (lhs ${lhs}, rhs ${rhs})`);
  const s = Math.max(Math.abs(lhs), Math.abs(rhs), scale);
  const holds = lhs <= rhs || (Number.isFinite(s) && lhs <= rhs + REL_TOL * s);
  let margin: number;
  if (lhs === rhs) margin = 0;
  else if (!Number.isFinite(s)) margin = rhs > lhs ? 1 : -1;
  else margin = (rhs - lhs) / s;
  if (holds && margin < 0) margin = 0; // equal within rounding
  const ev: Evaluation = { holds, lhs, rhs, margin };
  if (details) ev.details = details;
  return ev;
}

/**
 * `inequality` for sides given as logarithms (lhs = e^{logLhs}, rhs = e^{logRhs}), for errors and bounds that
 * underflow in float64 at large β: the verdict and the relative margin come from the logs, the reported sides
 * are their exponentials (possibly 0), and details gain logLhs / logRhs.
 */
export function logInequality(logLhs: number, logRhs: number, details?: Evaluation['details']): Evaluation {
  if (Number.isNaN(logLhs) || Number.isNaN(logRhs)) throw new HopgradError(`verify: a claim evaluated to NaN (log lhs ${logLhs}, log rhs ${logRhs})`);
  const gap = logLhs - logRhs; // NaN only when both are ±∞ alike: then the sides are equal
  const holds = logLhs === logRhs || gap <= Math.log1p(REL_TOL);
  let margin = logLhs === logRhs ? 0 : gap <= 0 ? -Math.expm1(gap) : Math.expm1(-gap);
  if (holds && margin < 0) margin = 0; // equal within rounding
  return { holds, lhs: Math.exp(logLhs), rhs: Math.exp(logRhs), margin, details: { ...details, logLhs, logRhs } };
}
