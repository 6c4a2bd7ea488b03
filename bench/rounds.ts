// Compare mode with --rounds N: each (workload, configuration) child runs N times, the configurations' order
// reversed every round (A B, B A, A B, ...), so a drift of the machine's speed within a workload's minutes hits both
// sides alike. Each side then reports, per case, its fastest round (the machine's slow phases only ever add time),
// with every round's median kept in `roundMedians` (run order) for the reader.
import type { CaseResult } from './child.js';

/** The configurations' order in round r (0-based): as given in even rounds, reversed in odd ones. */
export function roundOrder<T>(items: readonly T[], r: number): T[] {
  return r % 2 === 0 ? [...items] : [...items].reverse();
}

/**
 * One result per case id (first-seen order) from the cases of several rounds: a round whose check failed (or that
 * errored) when there is one, so a failure is never hidden; else the round with the lowest median. `roundMedians`
 * lists every round's median in run order (untimed rounds skipped).
 */
export function bestOfRounds(cases: readonly CaseResult[]): CaseResult[] {
  const byId = new Map<string, CaseResult[]>();
  for (const c of cases) {
    const list = byId.get(c.id);
    if (list) list.push(c);
    else byId.set(c.id, [c]);
  }
  return [...byId.values()].map((rounds) => {
    if (rounds.length === 1) return rounds[0]!;
    const roundMedians = rounds.flatMap((c) => (c.timing ? [c.timing.median] : []));
    const failed = rounds.find((c) => !c.checkOk || c.error !== undefined);
    if (failed) return { ...failed, roundMedians };
    const best = rounds.reduce((a, b) => (b.timing !== null && (a.timing === null || b.timing.median < a.timing.median) ? b : a));
    return { ...best, roundMedians };
  });
}
