// Markdown for workload S (bench/scaling.ts): a kind × L table of median ms with the fitted log-log slope per
// kind, and a detail table per case (calls, foreign_cpu, peak memory, check value, why a case was skipped).
import { FOREIGN_LIMIT } from './harness.js';
import { type ScalingCase, type ScalingReport, cpuMs } from './scaling.js';

const MIB = 2 ** 20;
const ms = (x: number): string => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const mib = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : (x / MIB).toFixed(x < 10 * MIB ? 1 : 0));
const num = (x: number | null, d = 2): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));

function cell(c: ScalingCase | undefined, value: (c: ScalingCase) => number): string {
  if (!c) return '';
  if (c.skipped) return 'skipped';
  if (!c.timing) return 'error';
  return `${ms(value(c))}${c.timing.disturbed ? ' *' : ''}${c.calls === 'reduced' ? ' †' : ''}`;
}

function checkCell(c: ScalingCase): string {
  if (c.check === null) return c.timing ? '**CHECK FAILED** (no output)' : '';
  const v = c.check.toPrecision(6);
  if (!c.checkOk) return `**CHECK FAILED** ${v}${c.checkExpected !== null ? ` (expected ${c.checkExpected})` : ' (not finite / wrong length)'}`;
  return c.checkExpected !== null ? `${v} ✓ (ref ${c.checkExpected})` : `${v} (no reference)`;
}

/** The S section of results.md for one backend. */
export function scalingMarkdown(backend: string, rep: ScalingReport): string {
  const o = rep.options;
  const lines = [
    `## S — retrieval cost of every kind as L = M grows (backend \`${backend}\`)`, '',
    `One step of \`hopfield.retrieve(X, Ξ, { kind, beta: ${rep.beta} })\`, B = 1, d = ${rep.d}, X = normal(201,[1,L,d]), Ξ = normal(202,[1,M,d]), ` +
      'float32, no gradient, output read back to a host array. Median ms per call under the timing rules of bench-workloads.md §2 ' +
      `(\`*\` = foreign_cpu > ${FOREIGN_LIMIT} after retries: other processes used that fraction of the machine; \`†\` = reduced calls, ` +
      `1 warm-up + ${o.reducedCalls ?? '-'} timed, no retries, from --scaling-calls). slope = least-squares slope of ln(median ms) on ln L ` +
      'over the measured sizes (2 = quadratic, 1 = linear); CPU slope = the same on CPU ms per call (mean wall ms × cores this ' +
      'process kept busy), which other processes disturb less. Peak memory: one extra call per case in a fresh process ' +
      '(bench/scaling-mem.ts): VmHWM − VmRSS around the call after two GCs and a reset of the peak mark (/proc/self/clear_refs = 5).', '',
    `| kind | parameters | ${rep.sizes.map((l) => `L=${l}`).join(' | ')} | slope (r²) |`,
    `|---|---|${rep.sizes.map(() => '---').join('|')}|---|`,
  ];
  const find = (kind: string, l: number): ScalingCase | undefined => rep.cases.find((c) => c.kind === kind && c.l === l);
  for (const f of rep.fits) {
    const row = rep.sizes.map((l) => cell(find(f.kind, l), (c) => c.timing!.median));
    lines.push(`| ${f.kind} | ${f.describe} | ${row.join(' | ')} | ${num(f.slope)} (${num(f.r2, 3)}) |`);
  }
  lines.push('', 'CPU ms per call (mean wall ms × process CPU in cores over the timed calls) and its slope; the slope of the peak memory:', '',
    `| kind | ${rep.sizes.map((l) => `L=${l}`).join(' | ')} | CPU slope (r²) | memory slope |`,
    `|---|${rep.sizes.map(() => '---').join('|')}|---|---|`);
  for (const f of rep.fits) {
    const row = rep.sizes.map((l) => cell(find(f.kind, l), cpuMs));
    lines.push(`| ${f.kind} | ${row.join(' | ')} | ${num(f.cpuSlope ?? NaN)} (${num(f.cpuR2 ?? NaN, 3)}) | ${num(f.memSlope)} |`);
  }
  lines.push('', '| kind | L | median ms | min | max | calls | foreign_cpu | process CPU (cores) | CPU ms/call | peak ΔRSS MiB | ΔArrayBuffers MiB | mean\\|out\\| | note |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const c of rep.cases) {
    const t = c.timing;
    if (!t) {
      lines.push(`| ${c.kind} | ${c.l} | | | | | | | | | | | ${c.skipped ? `skipped: ${c.skipped}` : `ERROR: ${(c.error ?? '').split('\n')[0]}`} |`);
      continue;
    }
    const fc = t.foreign_cpu === null ? 'n/a' : `${t.foreign_cpu.toFixed(3)}${t.disturbed ? ' *' : ''}`;
    const calls = `${t.count}${c.calls === 'reduced' ? ' †' : ''}${t.attempts > 1 ? ` (${t.attempts} attempts)` : ''}`;
    const mem = c.memory;
    lines.push(`| ${c.kind} | ${c.l} | ${ms(t.median)} | ${ms(t.min)} | ${ms(t.max)} | ${calls} | ${fc} | ${t.process_cpu.toFixed(2)} | ${ms(cpuMs(c))} | ${mib(mem?.peakRssDelta)} | ${mib(mem?.arrayBuffersDelta)} | ${checkCell(c)} | ${mem?.error ?? ''} |`);
  }
  lines.push('', `Options: sizes ${rep.sizes.join(', ')}; quadratic kinds (dense, sparsemax, entmax, topk) up to L = ${o.maxQuadratic} ` +
    `(--scaling-max-quadratic); memory cap ${(o.memCapBytes / 2 ** 30).toFixed(1)} GiB on the peak extrapolated from the kind's previous size ` +
    `(--scaling-mem-cap); reduced calls ${o.reducedCalls === null ? 'off' : `${o.reducedCalls} for quadratic kinds at L ≥ 8192`} (--scaling-calls); ` +
    `contention handling ${o.contention ? 'on' : 'off'}.`);
  return lines.join('\n') + '\n';
}
