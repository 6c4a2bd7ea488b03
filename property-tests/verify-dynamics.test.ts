// Property tests of the dynamics, capacity and complexity claims (Lemma 4.1, (T1), (T2), Thm 4.2, Lemma 4.2,
// Remark 3.7 / §3.2): every claim runs through the verify runner (fc.check, shrinking) and must reach the verdict
// recorded here — a claim expected to hold must hold over all runs, a claim expected refuted must be refuted by a
// counterexample that really fails, and its corrected statement must exist and hold. Honours FC_SEED (replay;
// every claim of a run shares the seed, printed on failure) and FC_RUNS (runs per claim, default 1000).
import { describe, it, expect } from 'vitest';
import type { Claim } from '../src/hopfield/verify/claim.js';
import { claimName, drawSeed, runClaim } from '../src/hopfield/verify/runner.js';
import { dynamicsClaims } from '../src/hopfield/verify/claims-dynamics.js';
import { capacityClaims } from '../src/hopfield/verify/claims-capacity.js';
import { complexityClaims } from '../src/hopfield/verify/claims-complexity.js';

const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : drawSeed();
const RUNS = Number(process.env.FC_RUNS ?? 1000);
const GEN = { maxM: 6, maxD: 4 };

/**
 * Runs per claim as the runner applies them (`Claim.runWeight`): Lemma 4.2's statistical claims weigh 60 (each
 * run is itself 60 seeded draws of up to 12 patterns with up to 14·12 probes per draw, ~15 ms, and its verdict is
 * a Clopper–Pearson bound over those draws), so 17 runs (1020 draws) at the default 1000; the refuted ones fail in
 * about half their runs, so 17 runs miss with probability < 1e-5. Complexity claims weigh 200: deterministic in
 * the sizes (work is counted, not timed), each run five `retrieve` calls up to L = M = 512, fast-check only varies
 * d, k, w, m_f and the start size, so 5 runs.
 */
function runsFor(c: Claim): number {
  return c.runWeight ? Math.max(3, Math.ceil(RUNS / c.runWeight)) : RUNS;
}

/** The claims found refuted (each with a corrected statement that holds, named by `correctedBy`). */
const REFUTED = new Set([
  'lemma4.1/printed/window/paper', 'lemma4.1/printed/random/paper',
  ...['dense', 'sparsemax', 'topk/renormalized', 'topk/paper', 'window/renormalized', 'window/paper', 'random/renormalized', 'random/paper'].map((m) => `lemma4.1/proof-B.39/${m}`),
  'lemma4.2/stored-def3.2/topk/paper', 'lemma4.2/stored-def3.2/window/paper', 'lemma4.2/stored-def3.2/random/paper',
  'lemma4.2/algebra/B.57-printed', 'lemma4.2/algebra/B.57-inequality', 'lemma4.2/algebra/B.53-at-bound',
]);

const all: Claim[] = [...dynamicsClaims, ...capacityClaims, ...complexityClaims];

describe(`dynamics, capacity and complexity claims (seed ${seed}, FC_SEED=${seed} replays)`, () => {
  it('every refuted claim names a corrected statement that exists and is expected to hold', () => {
    const names = new Set(all.map(claimName));
    for (const name of REFUTED) expect(names.has(name), name).toBe(true);
    for (const c of all) {
      if (!REFUTED.has(claimName(c))) continue;
      const fixes = (c.correctedBy ?? '').split(', ').filter((s) => s.length > 0);
      expect(fixes.length, `${claimName(c)} has no correctedBy`).toBeGreaterThan(0);
      for (const f of fixes) expect(names.has(f) && !REFUTED.has(f), `${claimName(c)} → ${f}`).toBe(true);
    }
  });

  for (const c of all) {
    const name = claimName(c);
    const expected = REFUTED.has(name) ? 'refuted' : 'holds';
    it(`${name}: ${expected}`, () => {
      const r = runClaim(c, { runs: RUNS, seed, ...GEN });
      const why = `${name} (seed ${seed}): ${JSON.stringify(r.counterexample ?? { smallestMargin: r.smallestMargin })}`;
      expect(r.verdict, why).toBe(expected);
      if (expected === 'holds') expect(r.runs, why).toBe(runsFor(c));
      else {
        expect(r.counterexample!.evaluation.holds, why).toBe(false);
        expect(r.counterexample!.evaluation.margin, why).toBeLessThan(0);
      }
    });
  }
});
