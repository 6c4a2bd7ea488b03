// results.md / results.json: the markdown table (with the doc's reference medians and the ratio to
// tfjs-wasm tuned), check verdicts, foreign_cpu flags, the Benchmark.js cross-check, workload S's scaling
// section (bench/scaling-report.ts); atomic file writes.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseResult, ChildReport } from './child.js';
import { compareMarkdown, compareRows } from './compare.js';
import { FOREIGN_LIMIT } from './harness.js';
import { TFJS } from './impl-tfjs.js';
import { REFERENCE } from './reference.js';
import type { ScalingReport } from './scaling.js';
import { scalingMarkdown } from './scaling-report.js';

/** One backend's child report plus, when workload S ran, its scaling results. */
export type BackendReport = ChildReport & { scaling?: ScalingReport };

export interface RunMeta {
  date: string;
  command: string;
  platform: string;
  cpu: string;
  cores: number;
  quick: boolean;
}

const f = (x: number | undefined | null, d = 2): string => (x === undefined || x === null || !Number.isFinite(x) ? '' : x < 10 ? x.toFixed(d) : x < 100 ? x.toFixed(1) : x.toFixed(0));

function checkCell(c: CaseResult): string {
  if (c.check === null) return '**CHECK FAILED** (no output)';
  const v = (c.checks ?? [c.check]).map((x) => x.toPrecision(6)).join(' / ');
  return c.checkOk ? `${v} ✓` : `**CHECK FAILED** ${v} (expected ${(c.checksExpected ?? [c.checkExpected]).join(' / ')})`;
}

function row(c: CaseResult): string {
  const r = REFERENCE[c.id];
  const t = c.timing;
  if (!t) return `| ${c.workload} | ${c.size} | ${c.backend} | ERROR: ${(c.error ?? '').split('\n')[0]} |||||||||||`;
  const fc = t.foreign_cpu === null ? 'n/a' : `${t.foreign_cpu.toFixed(3)}${t.disturbed ? ' *' : ''}`;
  const ratio = r?.tfjsWasmTuned ? `${(t.median / r.tfjsWasmTuned).toFixed(2)}×` : '';
  return `| ${c.workload} | ${c.size} | ${c.backend} | ${f(t.median)} | ${f(t.min)} | ${f(t.max)} | ${c.flops > 0 ? f(t.gflops) : ''} | ${checkCell(c)} | ${t.count} | ${fc} | ${f(r?.numpy)} | ${f(r?.pytorch)} | ${f(r?.tfjsWasmTuned)} | ${ratio} |`;
}

/** The markdown report. */
export function toMarkdown(meta: RunMeta, reports: BackendReport[]): string {
  const cases = reports.flatMap((r) => r.cases);
  const lines = [
    `# hopgrad bench — ${meta.date}`, '',
    `\`${meta.command}\` · ${meta.platform} · ${meta.cpu} (${meta.cores} cores)`, '',
  ];
  if (cases.length) lines.push(
    'Median of individually timed calls (ms, each ending with the result read back to a host typed array); ' +
      'numpy / PyTorch / tfjs-wasm-tuned are the reference medians of bench-workloads.md §4 (other machine, other day: compare ratios). ' +
      `ratio = hopgrad median / tfjs-wasm tuned (< 1 is faster). \`*\` = foreign_cpu > ${FOREIGN_LIMIT} after retries.`, '',
    '| workload | size | backend | median ms | min | max | GFLOP/s | check | calls | foreign_cpu | numpy | PyTorch | tfjs-wasm tuned | hopgrad/tfjs-wasm-tuned |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...cases.map(row), '',
  );
  for (const r of reports) {
    const how = r.impl === 'api' ? 'public tensor API' : r.impl === 'kernels' ? 'backend kernels directly' : r.impl === 'tfjs' ? 'TensorFlow.js (tuned)' : 'n/a';
    const t = r.cases.map((c) => c.timing).filter((x) => x !== null);
    const cpu = t.length ? ` (measured process CPU ${Math.min(...t.map((x) => x.process_cpu)).toFixed(2)}–${Math.max(...t.map((x) => x.process_cpu)).toFixed(2)} cores)` : '';
    lines.push(`- backend \`${r.backend}\`: ${r.skipped ? `skipped (${r.skipped})` : `via ${how}`}` +
      (r.apiMissing ? ` — public API not complete (missing: ${r.apiMissing.join(', ')})` : '') +
      (t.length ? `, threads ${t[0]!.threads}${cpu}` : '') + (r.status ? `, status ${JSON.stringify(r.status)}` : ''));
    for (const c of r.cases) {
      if (!c.paths) continue;
      const fb = Object.entries(c.paths.fallback).concat(Object.entries(c.paths.failures));
      lines.push(`  - ${c.id}: gpu.js kernel calls ${JSON.stringify(c.paths.gpu)}` +
        (fb.length ? `; **cpu fallback** ${JSON.stringify(c.paths.fallback)}, failures ${JSON.stringify(c.paths.failures)}` : ''));
    }
  }
  const failed = cases.filter((c) => !c.checkOk);
  if (failed.length) lines.push('', `**CHECK FAILED** for ${failed.map((c) => `${c.id} on ${c.backend}`).join(', ')}: these rows measure the wrong thing.`);
  const bj = cases.filter((c) => c.bjs);
  if (bj.length) {
    lines.push('', `Benchmark.js cross-check (mean of calibrated multi-call cycles ± rme, 95 %; cases with median ≤ 250 ms):`, '',
      '| case | backend | Benchmark.js mean ms | ± rme | samples | harness median ms |', '|---|---|---|---|---|---|',
      ...bj.map((c) => `| ${c.id} | ${c.backend} | ${f(c.bjs!.mean_ms, 3)} | ${c.bjs!.rme_pct.toFixed(1)} % | ${c.bjs!.samples} | ${f(c.timing?.median, 3)} |`));
  }
  for (const r of reports) if (r.scaling) lines.push('', scalingMarkdown(r.backend, r.scaling));
  const tf = reports.find((r) => r.backend === TFJS);
  if (tf) lines.push('', compareMarkdown(compareRows(reports), typeof tf.status?.['threads'] === 'number' ? tf.status['threads'] : null));
  return lines.join('\n') + '\n';
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Write results.json and results.md into `dir` (temp file + rename, so readers never see half a file). */
export function writeResults(dir: string, meta: RunMeta, reports: BackendReport[]): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'results.json');
  const md = join(dir, 'results.md');
  writeAtomic(json, JSON.stringify({ meta, reference: REFERENCE, backends: reports }, null, 2) + '\n');
  writeAtomic(md, toMarkdown(meta, reports));
  return { json, md };
}
