// Runs verification claims with fast-check's `fc.check` (not `fc.assert`: a refuted claim is a result, not an
// exception): per claim the verdict, runs, seed, the smallest margin seen over every evaluation and, when
// refuted, the shrunk counterexample in plain numbers with both sides. `verify` selects claims by id or
// id/reading prefix and runs each with the same seed, so `--claims X --seed S` replays X exactly. A claim
// that throws while evaluating is an internal error (HopgradError), never a verdict.
import fc from 'fast-check';
import { HopgradError, check } from '../../tensor/errors.js';
import type { Claim, ClaimResult, Evaluation, GenOptions } from './claim.js';
import { allClaims } from './all-claims.js';

/** Runs per claim when none is given (the CI minimum). */
export const DEFAULT_RUNS = 1000;
/** Default size caps of the generators: M ≤ 6 memories of dimension d ≤ 4. */
export const DEFAULT_GEN: GenOptions = { maxM: 6, maxD: 4 };

/** Options of `verify`. */
export interface VerifyOptions {
  /** Claim selectors: an id ('thm4.1'), or an id/reading prefix ('thm4.1/printed', 'cor4.1.1/printed/topk/paper'). Default: all. */
  claims?: readonly string[];
  /** fast-check runs per claim (default 1000). */
  runs?: number;
  /** Seed of every claim's run (default: drawn, and reported in each result). */
  seed?: number;
  /** Largest number of memories M the generators draw (default 6, at least 2). */
  maxM?: number;
  /** Largest pattern dimension d the generators draw (default 4, at least 1). */
  maxD?: number;
  /** The claims to select from (default: every claim of the library, `allClaims`), e.g. your own. */
  from?: readonly Claim[];
  /**
   * Test this memory set (M ≥ 2 distinct rows of d numbers) instead of drawn ones: the retrieval claims then
   * draw μ, x ∈ S_μ, β, masks and noise around it (claims whose generators ignore it draw their own).
   */
  memories?: readonly (readonly number[])[];
  /** Called after each claim's run (e.g. to print progress). */
  onResult?: (result: ClaimResult) => void;
}

/** Options of `runClaim`. */
export interface RunOptions extends GenOptions {
  runs: number;
  seed: number;
}

/** The full name of a claim: `id/reading`. */
export function claimName(c: Pick<Claim, 'id' | 'reading'>): string {
  return `${c.id}/${c.reading}`;
}

function matches(c: Claim, selector: string): boolean {
  const name = claimName(c);
  return c.id === selector || name === selector || name.startsWith(`${selector}/`);
}

/** The claims matching any selector (id, or id/reading prefix on '/' boundaries), in registry order. */
export function selectClaims(all: readonly Claim[], selectors?: readonly string[]): Claim[] {
  if (selectors === undefined || selectors.length === 0) return [...all];
  for (const s of selectors) {
    check(typeof s === 'string' && s.length > 0, 'verify', () => `claim selectors must be non-empty strings, got ${JSON.stringify(s)}`);
    check(all.some((c) => matches(c, s)), 'verify',
      () => `no claim matches '${s}' (claims: ${[...new Set(all.map((c) => c.id))].join(', ')}; select a reading with id/reading, e.g. '${all[0] ? claimName(all[0]) : 'thm4.1/printed'}')`);
  }
  return all.filter((c) => selectors.some((s) => matches(c, s)));
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A seed for fast-check when none is given. */
export function drawSeed(): number {
  return (Date.now() ^ Math.floor(Math.random() * 0x100000000)) | 0;
}

/** Margin below which a counterexample counts as clear (fails by 1% of the larger side). */
const CLEAR = -0.01;

interface Search {
  details: fc.RunDetails<[unknown]>;
  smallest: number;
}

/**
 * One fc.check pass. A run fails when its evaluation fails (and, when `clear` is given, its margin is below
 * `clear`). Once a run fails, shrinking keeps only candidates that fail by at least half the first failure's
 * relative margin (at most 10%), so the counterexample does not drift to the rounding threshold.
 */
function search(claim: Claim, opts: RunOptions, clear: number | null): Search {
  let smallest = Infinity;
  let internal: { error: unknown; instance: unknown } | null = null;
  let floor: number | null | undefined; // undefined until the first failure; null: shrink on any failure
  const gen: GenOptions = opts.memories ? { maxM: opts.maxM, maxD: opts.maxD, memories: opts.memories } : { maxM: opts.maxM, maxD: opts.maxD };
  const property = fc.property(claim.arbitrary(gen), (instance) => {
    if (internal) return true;
    let ev: Evaluation;
    try {
      ev = claim.evaluate(instance);
    } catch (error) {
      if (fc.PreconditionFailure.isFailure(error)) throw error; // fc.pre in a claim: a skipped draw
      internal = { error, instance };
      return true;
    }
    if (ev.margin < smallest) smallest = ev.margin;
    if (floor === undefined) {
      if (ev.holds || (clear !== null && ev.margin >= clear)) return true;
      floor = ev.margin < 0 ? Math.max(ev.margin / 2, -0.1) : null;
      return false;
    }
    return ev.holds || (floor !== null && ev.margin >= floor);
  });
  const details = fc.check(property, { numRuns: opts.runs, seed: opts.seed });
  const fail = internal as { error: unknown; instance: unknown } | null;
  if (fail) {
    let described = '';
    try { described = JSON.stringify(claim.describe(fail.instance)); } catch { described = '(could not describe the instance)'; }
    throw new HopgradError(`verify: claim ${claimName(claim)} failed to evaluate (${errorText(fail.error)}) on ${described}`);
  }
  if (details.failed && details.counterexample === null) {
    throw new HopgradError(`verify: claim ${claimName(claim)} could not run: ${details.interrupted ? 'interrupted' : `too many skipped draws (${details.numSkips})`}`);
  }
  return { details, smallest };
}

/**
 * Run one claim `runs` times from `seed` (fc.check) and return its verdict. A refuted claim's counterexample is
 * shrunk; when it fails only narrowly (by less than 1%), a second pass with the same seed looks for one that
 * fails clearly and reports that instead if found (the verdict and run count are the first pass's).
 */
export function runClaim(claim: Claim, optsIn: RunOptions): ClaimResult {
  const started = Date.now();
  const weight = claim.runWeight ?? 1;
  const opts = weight > 1 ? { ...optsIn, runs: Math.max(3, Math.ceil(optsIn.runs / weight)) } : optsIn;
  const first = search(claim, opts, null);
  let found = first.details;
  let ev = found.counterexample ? claim.evaluate(found.counterexample[0]) : null;
  if (ev && ev.margin > CLEAR) {
    const second = search(claim, opts, CLEAR);
    if (second.details.counterexample) {
      found = second.details;
      ev = claim.evaluate(second.details.counterexample[0]);
    }
  }
  const result: ClaimResult = {
    id: claim.id,
    reading: claim.reading,
    statement: claim.statement,
    verdict: first.details.failed ? 'refuted' : 'holds',
    runs: first.details.numRuns,
    seed: opts.seed,
    smallestMargin: Math.min(first.smallest, ev?.margin ?? Infinity),
    ms: 0,
  };
  if (first.details.numSkips > 0) result.skipped = first.details.numSkips;
  if (ev && found.counterexample) {
    result.counterexample = { instance: claim.describe(found.counterexample[0]), evaluation: ev, path: found.counterexamplePath ?? '' };
  }
  if (claim.correctedBy !== undefined) result.correctedBy = claim.correctedBy;
  if (claim.note !== undefined) result.note = claim.note;
  result.ms = Date.now() - started;
  return result;
}

/**
 * Evaluate one claim (selected by its full name `id/reading`) on an instance you supply, e.g. your own memories,
 * query, μ, β and mask for a retrieval claim: both sides, the verdict there and the margin. The instance must
 * satisfy the claim's hypotheses (see its generator); nothing is drawn.
 */
export function evaluateClaim(name: string, instance: unknown, from: readonly Claim[] = allClaims): Evaluation {
  const c = from.find((k) => claimName(k) === name);
  check(c !== undefined, 'evaluateClaim', () => `no claim named '${name}' (full names are id/reading, e.g. '${from[0] ? claimName(from[0]) : 'thm4.1/derived/topk/paper'}')`);
  return c.evaluate(instance);
}

/** Validate a user memory set: M ≥ 2 rows of one length d ≥ 1, finite, pairwise distinct (so R > 0). */
function checkMemories(mem: unknown): number[][] {
  check(Array.isArray(mem) && mem.length >= 2, 'verify', () => `memories must be an array of at least 2 rows, got ${Array.isArray(mem) ? `${mem.length} row(s)` : typeof mem}`);
  const rows = mem as unknown[];
  const d = Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : 0;
  check(d >= 1, 'verify', 'memories rows must be non-empty arrays of numbers');
  rows.forEach((r, i) => {
    check(Array.isArray(r) && r.length === d, 'verify', () => `memories rows must all have length ${d}; row ${i} ${Array.isArray(r) ? `has length ${r.length}` : 'is not an array'}`);
    (r as unknown[]).forEach((v, j) => check(typeof v === 'number' && Number.isFinite(v), 'verify', () => `memories[${i}][${j}] must be a finite number, got ${String(v)}`));
  });
  const out = rows.map((r) => [...(r as number[])]);
  for (let i = 0; i < out.length; i++) for (let j = i + 1; j < out.length; j++) {
    check(out[i]!.some((v, t) => v !== out[j]![t]), 'verify', () => `memories ${i} and ${j} coincide (R = 0: the balls S_μ are empty of meaning); remove the duplicate`);
  }
  return out;
}

function intOption(v: unknown, name: string, min: number): void {
  check(v === undefined || (typeof v === 'number' && Number.isInteger(v) && v >= min), 'verify', () => `${name} must be an integer >= ${min}, got ${String(v)}`);
}

/**
 * Run the selected claims (default: all) with fast-check and return one verdict per claim: holds or refuted,
 * runs, seed, smallest margin seen and, for refuted claims, the shrunk counterexample with both sides.
 * Throws HopgradError on bad options or when a claim cannot be evaluated (an internal error, not a verdict).
 */
export function verify(opts: VerifyOptions = {}): ClaimResult[] {
  check(opts !== null && typeof opts === 'object', 'verify', () => `options must be an object, got ${String(opts)}`);
  intOption(opts.runs, 'runs', 1);
  intOption(opts.maxM, 'maxM', 2);
  intOption(opts.maxD, 'maxD', 1);
  check(opts.seed === undefined || (typeof opts.seed === 'number' && Number.isInteger(opts.seed)), 'verify', () => `seed must be an integer, got ${String(opts.seed)}`);
  check(opts.claims === undefined || Array.isArray(opts.claims), 'verify', () => `claims must be an array of selectors, got ${typeof opts.claims}`);
  check(opts.from === undefined || Array.isArray(opts.from), 'verify', () => `from must be an array of claims, got ${typeof opts.from}`);
  const chosen = selectClaims(opts.from ?? allClaims, opts.claims);
  const run: RunOptions = {
    runs: opts.runs ?? DEFAULT_RUNS,
    seed: opts.seed ?? drawSeed(),
    maxM: opts.maxM ?? DEFAULT_GEN.maxM,
    maxD: opts.maxD ?? DEFAULT_GEN.maxD,
  };
  if (opts.memories !== undefined) run.memories = checkMemories(opts.memories);
  return chosen.map((c) => {
    const r = runClaim(c, run);
    opts.onResult?.(r);
    return r;
  });
}
