// The retrieval-error claims of the paper's §4.1 (hopfield.verify: Thm 4.1, Cor 4.1.1, Cor 4.1.2 with (B.36),
// Remark 4.2) run as fast-check properties in CI. A claim the suite found to hold is asserted to hold over
// VERIFY_RUNS (default 1000) runs; a claim it found refuted (it names its correction in `correctedBy`) is
// asserted refuted — fast-check must find a counterexample within max(VERIFY_RUNS, 20000) runs, whose shrunk
// form fails by a clear margin and satisfies every corrected statement that applies to it. Seeds: FC_SEED
// replays one (every claim uses the same seed); otherwise one is drawn and printed with any failure.
import { describe, expect, it } from 'vitest';
import { type Claim, type ClaimResult, claimName, drawSeed, evaluateClaim, retrievalClaims, runClaim } from '../src/hopfield/verify/index.js';

const runs = Math.max(1, Number(process.env.VERIFY_RUNS ?? 1000));
const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : drawSeed();
const gen = { maxM: 6, maxD: 4 };
/** Runs allowed for finding the counterexample of a known-refuted claim (it stops at the first). */
const SEARCH = Math.max(runs, 20_000);

const why = (r: ClaimResult): string =>
  `${r.id}/${r.reading} (seed ${seed}, replay with FC_SEED=${seed}): ${r.verdict}${r.counterexample ? ` at ${JSON.stringify(r.counterexample)}` : ''}`;

/** Whether the corrected claim's hypotheses hold on the refuted claim's instance (Remark 4.2's noisy bound needs μ ∈ 𝓜 at x̃). */
function applies(name: string, instance: Record<string, unknown>): boolean {
  if (name.startsWith('remark4.2/noisy-bound/')) return (instance.noisyMask as number[]).includes(instance.mu as number);
  return true;
}

const holding = retrievalClaims.filter((c) => c.correctedBy === undefined);
const refuted = retrievalClaims.filter((c) => c.correctedBy !== undefined);

describe(`verify: retrieval claims that hold (${runs} runs each, seed ${seed})`, () => {
  it('covers every retrieval claim of §4.1 in both readings and every mask kind', () => {
    const names = new Set(retrievalClaims.map(claimName));
    for (const form of ['printed', 'derived', 'printed-corrected']) {
      for (const kind of ['topk', 'random', 'window']) for (const r of ['paper', 'renormalized']) expect(names).toContain(`thm4.1/${form}/${kind}/${r}`);
      expect(names).toContain(`thm4.1/${form}/sparsemax`);
    }
    for (const form of ['printed', 'vs-dense-bound']) expect(names).toContain(`cor4.1.1/${form}/sparsemax`);
    for (const kind of ['topk', 'random', 'window']) {
      for (const r of ['paper', 'renormalized']) {
        for (const f of ['cor4.1.1/printed', 'cor4.1.1/vs-dense-bound', 'cor4.1.1/additive', 'cor4.1.2/B.36', 'remark4.2/errors', 'remark4.2/noisy-bound']) {
          expect(names).toContain(`${f}/${kind}/${r}`);
        }
      }
    }
    expect(names).toContain('cor4.1.2/B.36/dense');
    expect(names).toContain('remark4.2/coefficient/topk');
    expect(names.size).toBe(retrievalClaims.length);
  });

  for (const c of holding) {
    it(claimName(c), () => {
      const r = runClaim(c, { runs, seed, ...gen });
      expect(r.verdict, why(r)).toBe('holds');
      expect(r.runs).toBe(runs);
      expect(r.smallestMargin).toBeGreaterThanOrEqual(0);
    });
  }
});

describe(`verify: retrieval claims refuted as printed (seed ${seed})`, () => {
  for (const c of refuted as Claim[]) {
    it(`${claimName(c)} is refuted, and ${c.correctedBy} hold on its counterexample`, () => {
      const r = runClaim(c, { runs: SEARCH, seed, ...gen });
      expect(r.verdict, why(r)).toBe('refuted');
      const ce = r.counterexample!;
      // the reported counterexample, re-evaluated from its plain numbers, still fails, by a clear margin
      const again = evaluateClaim(claimName(c), ce.instance);
      expect(again.holds).toBe(false);
      expect(again.lhs).toBe(ce.evaluation.lhs);
      expect(again.rhs).toBe(ce.evaluation.rhs);
      expect(again.margin).toBeLessThan(0);
      for (const fix of c.correctedBy!.split(', ')) {
        if (!applies(fix, ce.instance)) continue;
        const ev = evaluateClaim(fix, ce.instance);
        expect(ev.holds, `${fix} on the counterexample of ${claimName(c)}: ${JSON.stringify(ev)}`).toBe(true);
      }
    });
  }
});
