// Compare mode's side-by-side table (`npm run bench -- --compare`): per case, hopgrad's median (the default
// backend's child) against TensorFlow.js wasm's median measured in the same run under the same rules, the speed-up
// tfjs/hopgrad, the issue's target for that workload, whether it is met, and both frameworks' check values.
import type { CaseResult } from './child.js';
import { TFJS } from './impl-tfjs.js';
import type { BackendReport } from './report.js';

/** The issue's target for a case: a minimum speed-up over tfjs-wasm, or a maximum hopgrad median (ms). */
export type Target = { kind: 'speedup'; min: number; label: string } | { kind: 'maxMs'; max: number; label: string } | null;

/** W1 ≥ 1.5×, W2/W3 ≥ 2×, W4 ≥ 3× faster than tfjs-wasm; W5 window32 < 30 ms; top-20 % L=4096 well under PyTorch's 335 ms (≤ ½). */
export function targetOf(id: string): Target {
  const w = id.split('/')[0];
  // the issue's W1 target names n = 1024 only (smaller GEMMs are listed without one)
  if (w === 'W1') return id === 'W1/n=1024' ? { kind: 'speedup', min: 1.5, label: '≥ 1.5×' } : null;
  if (w === 'W2' || w === 'W3') return { kind: 'speedup', min: 2, label: '≥ 2×' };
  if (w === 'W4') return { kind: 'speedup', min: 3, label: '≥ 3×' };
  if (id.startsWith('W5/window32')) return { kind: 'maxMs', max: 30, label: '< 30 ms' };
  if (id === 'W5/topk20,L=M=4096') return { kind: 'maxMs', max: 335 / 2, label: '≪ 335 ms (PyTorch; ≤ 168)' };
  return null;
}

export interface CompareRow {
  id: string;
  hopgradBackend: string;
  hopgradMs: number | null;
  tfjsMs: number | null;
  /** hopgrad's wasm backend on 1 thread (the `wasm:1` configuration, when it ran): like for like with tfjs. */
  oneThreadMs?: number | null;
  /** tfjs median / hopgrad median (> 1: hopgrad is faster). */
  speedup: number | null;
  target: string;
  met: boolean | null;
  hopgradChecks: number[] | null;
  tfjsChecks: number[] | null;
  checksOk: { hopgrad: boolean; tfjs: boolean };
  disturbed: boolean;
  /** --rounds N > 1: each side's median per round, in run order (the ms columns are the fastest round). */
  rounds?: { hopgrad: number[]; tfjs: number[] };
}

const checksOf = (c: CaseResult | undefined): number[] | null => (c ? (c.checks ?? (c.check === null ? null : [c.check])) : null);

/** Pair the default hopgrad backend's cases (wasm when it ran, else the first hopgrad report) with tfjs's. */
export function compareRows(reports: readonly BackendReport[]): CompareRow[] {
  const tf = reports.find((r) => r.backend === TFJS);
  const hg = reports.find((r) => r.backend === 'wasm') ?? reports.find((r) => r.backend !== TFJS);
  if (!tf || !hg) return [];
  const one = reports.find((r) => r.backend === 'wasm:1' && r !== hg);
  const ids = [...new Set([...hg.cases, ...tf.cases].map((c) => c.id))];
  return ids.map((id) => {
    const h = hg.cases.find((c) => c.id === id);
    const t = tf.cases.find((c) => c.id === id);
    const hMs = h?.timing?.median ?? null;
    const tMs = t?.timing?.median ?? null;
    const speedup = hMs !== null && tMs !== null ? tMs / hMs : null;
    const tg = targetOf(id);
    let met: boolean | null = null;
    if (tg?.kind === 'speedup' && speedup !== null) met = speedup >= tg.min;
    if (tg?.kind === 'maxMs' && hMs !== null) met = hMs < tg.max;
    const o = one?.cases.find((c) => c.id === id);
    const rounds = h?.roundMedians || t?.roundMedians ? { hopgrad: h?.roundMedians ?? [], tfjs: t?.roundMedians ?? [] } : null;
    return {
      ...(one ? { oneThreadMs: o?.timing?.median ?? null } : {}),
      ...(rounds ? { rounds } : {}),
      id, hopgradBackend: hg.backend, hopgradMs: hMs, tfjsMs: tMs, speedup, target: tg?.label ?? '—', met,
      hopgradChecks: checksOf(h), tfjsChecks: checksOf(t),
      checksOk: { hopgrad: h?.checkOk ?? false, tfjs: t?.checkOk ?? false },
      disturbed: Boolean(h?.timing?.disturbed || t?.timing?.disturbed || o?.timing?.disturbed),
    };
  });
}

const ms = (x: number | null): string => (x === null ? 'n/a' : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const checks = (v: number[] | null, ok: boolean): string =>
  v === null ? 'n/a' : `${v.map((x) => x.toPrecision(6)).join(' / ')} ${ok ? '✓' : '✗'}`;

/** The side-by-side markdown table (with a legend). */
export function compareMarkdown(rows: readonly CompareRow[], tfjsThreads: number | null = 1): string {
  if (!rows.length) return '';
  const one = rows.some((r) => r.oneThreadMs !== undefined);
  const rounds = rows.some((r) => r.rounds !== undefined);
  const list = (v: number[] | undefined): string => (v && v.length ? v.map(ms).join(', ') : 'n/a');
  const lines = [
    `## hopgrad vs TensorFlow.js wasm (${tfjsThreads ?? '?'} thread), measured in one run`, '',
    'speed-up = tfjs median / hopgrad median (> 1: hopgrad faster). Checks: W1/W2/W5 mean|out|; W3 loss (fwd+bwd: loss / mean|dWq| / |dWk| / |dWv| / |dWo|); ' +
      'W4 loss0; ✓ = matches the reference within 1e-3 relative. `*` = a side ran with foreign_cpu > 0.10 after retries.', '',
    `| case | hopgrad ms (${rows[0]!.hopgradBackend}) | tfjs ms | speed-up (tfjs/hopgrad) | target | met? | check hopgrad | check tfjs |` +
      (one ? ' hopgrad 1 thread ms | speed-up 1 thread |' : '') + (rounds ? ' rounds: hopgrad ms | rounds: tfjs ms |' : ''),
    '|---|---|---|---|---|---|---|---|' + (one ? '---|---|' : '') + (rounds ? '---|---|' : ''),
  ];
  if (rounds) lines.splice(2, 0, 'Rounds: each side ran every workload in several rounds, the order reversed every round; the ms columns are each side\'s fastest round, the last two columns every round\'s median in run order.', '');
  for (const r of rows) {
    const met = r.met === null ? '—' : r.met ? 'yes' : '**no**';
    const sp = r.speedup === null ? 'n/a' : `${r.speedup.toFixed(2)}×`;
    lines.push(`| ${r.id}${r.disturbed ? ' *' : ''} | ${ms(r.hopgradMs)} | ${ms(r.tfjsMs)} | ${sp} | ${r.target} | ${met} | ` +
      `${checks(r.hopgradChecks, r.checksOk.hopgrad)} | ${checks(r.tfjsChecks, r.checksOk.tfjs)} |` +
      (one ? ` ${ms(r.oneThreadMs ?? null)} | ${r.oneThreadMs && r.tfjsMs !== null ? `${(r.tfjsMs / r.oneThreadMs).toFixed(2)}×` : 'n/a'} |` : '') +
      (rounds ? ` ${list(r.rounds?.hopgrad)} | ${list(r.rounds?.tfjs)} |` : ''));
  }
  return lines.join('\n') + '\n';
}
