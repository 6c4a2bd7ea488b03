// The verdicts of a `verify` run as a text table (claim | reading | verdict | runs | counterexample or smallest
// margin, then the corrections and notes) and as JSON: every claim with its verdict, runs, seed and smallest
// margin, and for refuted claims the full counterexample in plain numbers (memories, query, μ, β, mask, both
// sides) so anyone can recheck it with other tools. Browser-safe (no Node API); the CLI writes the file.
import type { ClaimResult } from './claim.js';

/** What a report says about the run as a whole. */
export interface ReportMeta {
  runs?: number;
  seed?: number;
  maxM?: number;
  maxD?: number;
  /** Wall time of the whole run, milliseconds. */
  ms?: number;
}

/** A number in at most `digits` significant digits (exponent form for very small or large magnitudes). */
export function fmtNum(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(digits))) : v.toExponential(digits - 1);
}

function fmtArray(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(fmtArray).join(', ')}]`;
  return typeof v === 'number' ? fmtNum(v, 3) : String(v);
}

/**
 * One cell: the counterexample in brief for a refuted claim, else the smallest margin seen (relative slack; 0 means
 * both sides were equal to float64 rounding somewhere: the bound is attained or approached).
 */
export function outcomeCell(r: ClaimResult): string {
  if (r.verdict === 'holds' || !r.counterexample) return `smallest margin ${fmtNum(r.smallestMargin, 3)}${r.smallestMargin === 0 ? ' (tight: equal sides to float64 rounding)' : ''}`;
  const { instance: c, evaluation: e } = r.counterexample;
  const parts = [`lhs ${fmtNum(e.lhs)} > rhs ${fmtNum(e.rhs)}`];
  const mem = Array.isArray(c.memories) ? (c.memories as unknown[]) : null;
  if (mem) parts.push(`M=${mem.length}`, `d=${Array.isArray(mem[0]) ? (mem[0] as unknown[]).length : '?'}`, `ξ=${fmtArray(mem)}`);
  else for (const k of ['M', 'd'] as const) if (typeof c[k] === 'number') parts.push(`${k}=${c[k]}`);
  const label: Record<string, string> = { mu: 'μ', beta: 'β' };
  for (const k of ['mu', 'x', 'query', 'beta', 'mask', 'k', 'p'] as const) {
    if (c[k] !== undefined && (k !== 'k' || c.mask === undefined)) parts.push(`${label[k] ?? k}=${fmtArray(c[k])}`);
  }
  parts.push(`(margin ${fmtNum(e.margin, 3)})`);
  return parts.join(' ');
}

const pad = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - [...s].length));

/**
 * The run as a text table, one row per claim, followed by the corrected statements of refuted claims (with
 * their verdicts in this run) and the notes (e.g. vacuous claims).
 */
export function formatResults(results: readonly ClaimResult[], meta: ReportMeta = {}): string {
  const head = ['claim', 'reading', 'verdict', 'runs', 'counterexample or smallest margin'];
  const rows = results.map((r) => [r.id, r.reading, r.verdict, String(r.runs), outcomeCell(r)]);
  const w = head.map((h, j) => Math.max([...h].length, ...rows.map((r) => [...r[j]!].length)));
  w[4] = 0; // the last column is not padded
  const line = (cells: readonly string[]): string => cells.map((c, j) => (j === 3 ? c.padStart(w[j]!) : pad(c, w[j]!))).join('  ').trimEnd();
  const out = [line(head), w.map((n, j) => '-'.repeat(j === 4 ? [...head[4]!].length : n)).join('  '), ...rows.map(line)];
  const byName = new Map(results.map((r) => [`${r.id}/${r.reading}`, r]));
  const corrections = results.filter((r) => r.verdict === 'refuted' && r.correctedBy);
  if (corrections.length > 0) {
    out.push('', 'Corrected statements (refuted claim → correction: its verdict in this run):');
    for (const r of corrections) {
      const fixes = r.correctedBy!.split(', ').map((n) => `${n}: ${byName.get(n)?.verdict ?? 'not run'}`);
      out.push(`  ${r.id}/${r.reading} → ${fixes.join('; ')}`);
    }
  }
  const noted = results.filter((r) => r.note);
  if (noted.length > 0) {
    out.push('', 'Notes:');
    for (const r of noted) out.push(`  ${r.id}/${r.reading}: ${r.note}`);
  }
  const refuted = results.filter((r) => r.verdict === 'refuted').length;
  const m = meta.seed !== undefined ? `, seed ${meta.seed}` : '';
  out.push('', `${results.length} claims: ${results.length - refuted} hold, ${refuted} refuted${m}${meta.ms !== undefined ? `, ${(meta.ms / 1000).toFixed(1)} s` : ''}.`);
  return out.join('\n');
}

/** The JSON document of a run: meta and one entry per claim (refuted ones with the full counterexample). */
export interface VerifyReport {
  tool: 'hopgrad verify';
  runs?: number;
  seed?: number;
  maxM?: number;
  maxD?: number;
  ms?: number;
  summary: { claims: number; holds: number; refuted: number };
  claims: ClaimResult[];
}

/** The run as a JSON-ready object (see `resultsJSON` for the text: it spells non-finite numbers as strings). */
export function resultsReport(results: readonly ClaimResult[], meta: ReportMeta = {}): VerifyReport {
  const refuted = results.filter((r) => r.verdict === 'refuted').length;
  return {
    tool: 'hopgrad verify', ...meta,
    summary: { claims: results.length, holds: results.length - refuted, refuted },
    claims: results.map((r) => ({ ...r })),
  };
}

/** The run as JSON text; numbers are written exactly (round-trip), ±Infinity and NaN as the strings "Infinity", … */
export function resultsJSON(results: readonly ClaimResult[], meta: ReportMeta = {}): string {
  return JSON.stringify(resultsReport(results, meta), (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
}
