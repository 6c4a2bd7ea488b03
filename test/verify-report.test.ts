// hopfield.verify's runner, reports and command: claim selection, option validation, determinism per seed,
// user memory sets and user claims, the text table and the JSON (full counterexamples in plain numbers that
// re-evaluate to the same sides), and `hopgrad verify` in-process (exit 0 with refuted claims, 2 on mistakes).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HopgradError } from '../src/index.js';
import { runCli } from '../src/cli/main.js';
import {
  type Claim, type ClaimResult, allClaims, claimName, evaluateClaim, formatResults, inequality, resultsJSON, resultsReport,
  retrievalClaims, selectClaims, verify,
} from '../src/hopfield/verify/index.js';

const names = (cs: readonly { id: string; reading: string }[]): string[] => cs.map(claimName);

describe('verify: selection and options', () => {
  it('selects by id, by id/reading prefix on "/" boundaries, and by full name', () => {
    expect(names(selectClaims(retrievalClaims, ['thm4.1/derived']))).toEqual([
      'thm4.1/derived/topk/paper', 'thm4.1/derived/topk/renormalized', 'thm4.1/derived/random/paper',
      'thm4.1/derived/random/renormalized', 'thm4.1/derived/window/paper', 'thm4.1/derived/window/renormalized', 'thm4.1/derived/sparsemax',
    ]);
    expect(selectClaims(retrievalClaims, ['cor4.1.2']).every((c) => c.id === 'cor4.1.2')).toBe(true);
    expect(names(selectClaims(retrievalClaims, ['remark4.2/coefficient/topk']))).toEqual(['remark4.2/coefficient/topk']);
    expect(selectClaims(retrievalClaims, [])).toHaveLength(retrievalClaims.length);
    expect(() => selectClaims(retrievalClaims, ['thm4.1/der'])).toThrow(/no claim matches 'thm4.1\/der'/);
    expect(() => selectClaims(retrievalClaims, ['thm9'])).toThrow(/claims: thm4.1, cor4.1.1, cor4.1.2, remark4.2/);
  });

  it('every claim has a unique name, a statement and, when refuted, corrections that exist', () => {
    const all = names(allClaims);
    expect(new Set(all).size).toBe(all.length);
    for (const c of allClaims) {
      expect(c.statement.length).toBeGreaterThan(20);
      for (const fix of c.correctedBy?.split(', ') ?? []) expect(all).toContain(fix);
    }
  });

  it('rejects bad options with HopgradError naming the option', () => {
    const bad: [unknown, RegExp][] = [
      [{ runs: 0 }, /runs must be an integer >= 1, got 0/],
      [{ runs: 2.5 }, /runs must be an integer/],
      [{ seed: 0.5 }, /seed must be an integer, got 0.5/],
      [{ maxM: 1 }, /maxM must be an integer >= 2/],
      [{ maxD: 0 }, /maxD must be an integer >= 1/],
      [{ claims: 'thm4.1' }, /claims must be an array/],
      [{ memories: [[1, 2]] }, /memories must be an array of at least 2 rows, got 1 row/],
      [{ memories: [[1, 2], [3]] }, /row 1 has length 1/],
      [{ memories: [[1], [NaN]] }, /memories\[1\]\[0\] must be a finite number, got NaN/],
      [{ memories: [[1], [2], [1]] }, /memories 0 and 2 coincide/],
    ];
    for (const [opts, msg] of bad) {
      const call = () => verify({ claims: ['thm4.1/derived/topk/paper'], runs: 5, ...(opts as object) });
      expect(call).toThrow(HopgradError);
      expect(call).toThrow(msg);
    }
    expect(() => evaluateClaim('thm4.1/nope', {})).toThrow(/no claim named 'thm4.1\/nope'/);
  });

  it('is deterministic per seed (same verdicts, runs, margins and counterexamples)', () => {
    const run = () => verify({ claims: ['thm4.1/printed/topk', 'cor4.1.2/B.36/dense'], runs: 300, seed: 42 }).map(({ ms: _ms, ...r }) => r);
    expect(run()).toEqual(run());
  });

  it('tests a user memory set: every instance uses it, and a refutation is reported on it', () => {
    const memories = [[-1], [1]];
    const [r] = verify({ claims: ['thm4.1/printed/topk/paper'], runs: 2000, seed: 3, memories });
    expect(r!.verdict).toBe('refuted');
    expect(r!.counterexample!.instance.memories).toEqual(memories);
    const [ok] = verify({ claims: ['thm4.1/derived/topk/paper'], runs: 300, seed: 3, memories });
    expect(ok!.verdict).toBe('holds');
  });

  it('runs user claims (`from`); a claim that throws is an internal error, not a verdict', () => {
    const mine: Claim<number> = {
      id: 'mine', reading: 'square', statement: 'x² ≥ x for every integer x (refuted nowhere)',
      arbitrary: () => fc.integer({ min: -100, max: 100 }), evaluate: (x) => inequality(x, x * x), describe: (x) => ({ x }),
    };
    const wrong: Claim<number> = { ...mine, reading: 'half', statement: 'x/2 ≥ x for every integer x', evaluate: (x) => inequality(x, x / 2) };
    const broken: Claim<number> = { ...mine, reading: 'broken', evaluate: () => { throw new RangeError('boom'); } };
    const picky: Claim<number> = { ...mine, reading: 'even', evaluate: (x) => { fc.pre(x % 2 === 0); return inequality(x, x * x); } };
    const res = verify({ from: [mine, wrong] as Claim[], runs: 200, seed: 1 });
    expect(res.map((r) => r.verdict)).toEqual(['holds', 'refuted']);
    expect(res[1]!.counterexample!.instance).toEqual({ x: 1 });
    expect(() => verify({ from: [broken] as Claim[], runs: 10, seed: 1 })).toThrow(/claim mine\/broken failed to evaluate \(boom\) on \{"x":/);
    // fc.pre inside a claim skips the draw (counted), it is not an error
    const [even] = verify({ from: [picky] as Claim[], runs: 100, seed: 1 });
    expect(even).toMatchObject({ verdict: 'holds', runs: 100 });
    expect(even!.skipped).toBeGreaterThan(0);
  });
});

describe('verify: reports', () => {
  const results: ClaimResult[] = verify({ claims: ['thm4.1/printed/topk/paper', 'thm4.1/derived/topk/paper', 'thm4.1/B.32-max-all/topk/paper'], runs: 1000, seed: 11 });

  it('formats the table: claim | reading | verdict | runs | counterexample or smallest margin, corrections, notes, summary', () => {
    const text = formatResults(results, { seed: 11, ms: 1234 });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^claim\s+reading\s+verdict\s+runs\s+counterexample or smallest margin$/);
    expect(lines[1]).toMatch(/^-+\s+-+/);
    expect(lines[2]).toMatch(/^thm4\.1\s+printed\/topk\/paper\s+refuted\s+\d+\s+lhs \S+ > rhs \S+ M=2 d=1 ξ=\[\[-1\], \[1\]\] μ=0 x=\[/);
    expect(lines[3]).toMatch(/^thm4\.1\s+derived\/topk\/paper\s+holds\s+1000\s+smallest margin \S+/);
    // a margin of exactly 0 is explained
    const tight: ClaimResult = { id: 'a', reading: 'b', statement: 's', verdict: 'holds', runs: 5, seed: 0, smallestMargin: 0 };
    expect(formatResults([tight]).split('\n')[2]).toMatch(/smallest margin 0 \(tight: equal sides to float64 rounding\)$/);
    expect(text).toContain('thm4.1/printed/topk/paper → thm4.1/derived/topk/paper: holds; thm4.1/printed-corrected/topk/paper: not run');
    expect(text).toContain('thm4.1/B.32-max-all/topk/paper: vacuous');
    expect(text).toContain('3 claims: 2 hold, 1 refuted, seed 11, 1.2 s.');
  });

  it('writes JSON with every claim and the full counterexample in plain numbers that re-evaluate to the same sides', () => {
    const doc = JSON.parse(resultsJSON(results, { runs: 1000, seed: 11, maxM: 6, maxD: 4 }));
    expect(doc).toMatchObject({ tool: 'hopgrad verify', runs: 1000, seed: 11, summary: { claims: 3, holds: 2, refuted: 1 } });
    expect(doc.claims.map((c: ClaimResult) => [c.id, c.reading, c.verdict, c.seed])).toEqual([
      ['thm4.1', 'printed/topk/paper', 'refuted', 11], ['thm4.1', 'derived/topk/paper', 'holds', 11], ['thm4.1', 'B.32-max-all/topk/paper', 'holds', 11],
    ]);
    const ce = doc.claims[0].counterexample;
    for (const key of ['memories', 'x', 'mu', 'beta', 'mask', 'k', 'm', 'R']) expect(ce.instance).toHaveProperty(key);
    expect(ce.evaluation).toMatchObject({ holds: false });
    const again = evaluateClaim('thm4.1/printed/topk/paper', ce.instance);
    expect(again.lhs).toBe(ce.evaluation.lhs);
    expect(again.rhs).toBe(ce.evaluation.rhs);
    expect(doc.claims[1].counterexample).toBeUndefined();
    expect(typeof doc.claims[1].smallestMargin).toBe('number');
  });

  it('spells non-finite numbers as strings in JSON', () => {
    const r: ClaimResult = { id: 'a', reading: 'b', statement: 's', verdict: 'holds', runs: 1, seed: 0, smallestMargin: Infinity };
    expect(JSON.parse(resultsJSON([r])).claims[0].smallestMargin).toBe('Infinity');
    expect(resultsReport([r]).claims[0]!.smallestMargin).toBe(Infinity);
  });
});

describe('hopgrad verify', () => {
  const sink = () => ({ text: '', write(s: string) { this.text += s; return true; } });
  const cli = async (argv: string[]) => {
    const stdout = sink();
    const stderr = sink();
    const code = await runCli(argv, { stdout, stderr, signals: null, cwd: process.cwd() });
    return { code, out: stdout.text, err: stderr.text };
  };

  it('prints the table, writes --json, and exits 0 although a claim is refuted', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hopgrad-verify-')), 'v.json');
    const r = await cli(['verify', '--claims', 'thm4.1/printed/topk/paper,cor4.1.2/B.36/dense', '--runs', '1000', '--seed', '11', '--json', file, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/thm4\.1\s+printed\/topk\/paper\s+refuted/);
    expect(r.out).toMatch(/cor4\.1\.2\s+B\.36\/dense\s+holds\s+1000/);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.seed).toBe(11);
    expect(doc.claims.map((c: ClaimResult) => c.verdict)).toEqual(['refuted', 'holds']);
    expect(doc.claims[0].counterexample.instance.memories.length).toBeGreaterThanOrEqual(2);
  });

  it('--list names the claims; mistakes exit 2 with one line', async () => {
    const list = await cli(['verify', '--list', '--claims', 'cor4.1.2']);
    expect(list.code).toBe(0);
    expect(list.out).toContain('cor4.1.2/B.36/dense\n    Cor 4.1.2 via (B.36)');
    const none = await cli(['verify', '--claims', 'thm9']);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^hopgrad: verify: --claims: no claim matches 'thm9'/);
    const runs = await cli(['verify', '--runs', '0']);
    expect(runs.code).toBe(2);
    const help = await cli(['verify', '--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--claims', '--runs', '--seed', '--json', '--max-m', '--max-d', '--list']) expect(help.out).toContain(flag);
  });
});
