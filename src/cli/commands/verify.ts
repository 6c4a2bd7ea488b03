// `hopgrad verify`: run the paper's claims as fast-check properties (hopfield.verify) and print a table of
// claim | reading | verdict | runs | counterexample or smallest margin; --json writes every claim's verdict and,
// for refuted ones, the full counterexample in plain numbers. A refuted claim is a result, not a failure: the
// exit code is non-zero only for a command-line mistake (2), an internal error (1) or Ctrl-C (130).
import nodePath from 'node:path';
import { HopgradError } from '../../tensor/errors.js';
import { writeFileAtomicSync } from '../../node/fs.js';
import type { ClaimResult } from '../../hopfield/verify/claim.js';
import { allClaims } from '../../hopfield/verify/all-claims.js';
import { DEFAULT_GEN, DEFAULT_RUNS, claimName, drawSeed, runClaim, selectClaims } from '../../hopfield/verify/runner.js';
import { formatResults, resultsJSON } from '../../hopfield/verify/report.js';
import { UsageError } from '../args.js';
import { defineCommand } from '../command.js';

/** `hopgrad verify`. */
export const verify = defineCommand({
  name: 'verify',
  summary: "check the paper's theorems by property-based testing (fast-check) and report each claim's verdict",
  description: [
    'Claims are named id/reading, e.g. thm4.1/printed/topk/paper. --claims takes ids or id/reading prefixes,',
    "comma-separated (e.g. --claims thm4.1/derived,cor4.1.1); 'hopgrad verify --list' names them all.",
    'Every claim runs with the same seed, so --claims X --seed S replays X exactly.',
    'A refuted claim prints its shrunk counterexample; the exit code is 0 whatever the verdicts.',
    'Example: hopgrad verify --claims thm4.1 --runs 5000 --json verify.json',
  ].join('\n'),
  flags: {
    claims: { type: 'string', list: true, meta: 'ID[/READING]', help: 'claims to run (ids or id/reading prefixes, comma-separated; default: all)' },
    runs: { type: 'int', meta: 'N', min: 1, default: DEFAULT_RUNS, help: 'fast-check runs per claim' },
    seed: { type: 'int', meta: 'S', help: 'seed of every claim (default: drawn, and printed)' },
    json: { type: 'string', meta: 'FILE', help: 'also write the full results (counterexamples in plain numbers) as JSON to FILE' },
    maxM: { type: 'int', meta: 'N', min: 2, default: DEFAULT_GEN.maxM, help: 'largest number of memories M the generators draw' },
    maxD: { type: 'int', meta: 'N', min: 1, default: DEFAULT_GEN.maxD, help: 'largest pattern dimension d the generators draw' },
    list: { type: 'boolean', help: 'list the selected claims with their statements and exit' },
  },
  run(ctx) {
    const { claims, runs, json, maxM, maxD, list } = ctx.flags;
    let chosen;
    try {
      chosen = selectClaims(allClaims, claims);
    } catch (e) {
      if (e instanceof HopgradError) throw new UsageError(`--claims: ${e.message.replace(/^verify: /, '')}`);
      throw e;
    }
    if (list) {
      for (const c of chosen) ctx.print(`${claimName(c)}\n    ${c.statement}`);
      return 0;
    }
    const seed = ctx.flags.seed ?? drawSeed();
    const started = Date.now();
    ctx.info(`verify: ${chosen.length} claims, ${runs} runs each, seed ${seed}`);
    const bar = ctx.progress(chosen.length, 'verify');
    const results: ClaimResult[] = [];
    for (const c of chosen) {
      if (ctx.interrupt.requested) break;
      const r = runClaim(c, { runs, seed, maxM, maxD });
      results.push(r);
      bar.tick(1, { refuted: results.filter((x) => x.verdict === 'refuted').length });
    }
    bar.finish();
    const meta = { runs, seed, maxM, maxD, ms: Date.now() - started };
    ctx.print(formatResults(results, meta));
    if (json !== undefined) {
      const path = nodePath.resolve(ctx.cwd, json);
      writeFileAtomicSync(path, `${resultsJSON(results, meta)}\n`);
      ctx.info(`verify: wrote ${path}`);
    }
    ctx.interrupt.stopIfRequested(`stopped after ${results.length} of ${chosen.length} claims (the table above lists those)`);
    return 0;
  },
});
