// Presentation of the memory-retrieval results: text tables (kind × M, kind × σ, success mean ± std over
// trials, with the mean-image baseline as a last row) and SVG line plots with error bars (success against M
// and against σ per kind) — what `hopgrad retrieve` and the main job print and write.
import { PALETTE, type Series, linePlot } from '../cli/svg.js';
import { KINDS } from '../hopfield/retrieve.js';
import { formatTable } from '../cli/table.js';
import type { PointStats, RetrievalResult } from './retrieval.js';
import type { RetrievalSweep } from './retrieval-config.js';

/** Name of the baseline row / series. */
export const BASELINE_NAME = 'mean image';

/** "0.93 ± 0.04" with `digits` decimals ("–" when no trial finished). */
const cell = (s: PointStats | undefined, digits: number): string =>
  s === undefined || s.trials === 0 ? '–' : `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}`;

const xOf = (s: PointStats): number => (s.sweep === 'capacity' ? s.m : s.noise ?? 0);

/** The x values of `sweep` present in the result, in order. */
function xs(result: RetrievalResult, sweep: RetrievalSweep): number[] {
  return [...new Set(result.baselines.filter((b) => b.sweep === sweep).map(xOf))];
}

/** One line describing the setting (dataset, β, normalization, steps, error, trials). */
export function retrievalSetting(result: RetrievalResult): string {
  const c = result.config;
  const err = c.error === 'relative' ? '‖x̂−ξ‖²/‖ξ‖²' : '‖x̂−ξ‖²/‖ξ−ξ̄‖²';
  return `${c.dataset} (${result.data.source}), β = ${c.beta}, normalize ${c.normalize}, ${c.steps} step${c.steps > 1 ? 's' : ''}, ` +
    `success: ${err} < ${c.threshold}, ${c.trials} trial${c.trials > 1 ? 's' : ''}, seed ${c.seed}`;
}

/** The table of one sweep (rows: kinds then the baseline; columns: M or σ), or null when the sweep has no results. */
export function retrievalTable(result: RetrievalResult, sweep: RetrievalSweep, digits = 2): string | null {
  const cols = xs(result, sweep);
  if (cols.length === 0) return null;
  const head = cols.map((x) => (sweep === 'capacity' ? `M=${x}` : `σ=${x}`));
  const find = (rows: readonly PointStats[], x: number): PointStats | undefined => rows.find((r) => r.sweep === sweep && xOf(r) === x);
  const rows = result.config.kinds.map((k) => [k, ...cols.map((x) => cell(find(result.results.filter((r) => r.kind === k), x), digits))]);
  rows.push([BASELINE_NAME, ...cols.map((x) => cell(find(result.baselines, x), digits))]);
  const title = sweep === 'capacity'
    ? 'Success rate, half-masked queries, against the number of memories M (mean ± std over trials)'
    : `Success rate, noisy queries (M = ${result.config.noiseM}), against the noise σ (mean ± std over trials)`;
  return `${title}\n${formatTable(['kind', ...head], rows)}`;
}

/** Every table plus the setting line, as printable lines. */
export function retrievalSummary(result: RetrievalResult): string[] {
  const out = [`Memory retrieval: ${retrievalSetting(result)}${result.complete ? '' : ' — STOPPED EARLY (partial results)'}`];
  for (const sweep of ['capacity', 'noise'] as const) {
    const t = retrievalTable(result, sweep);
    if (t !== null) out.push('', t);
  }
  return out;
}

/** The SVG plot of one sweep (success against M or σ, one series per kind with ± std bars), or null. */
export function retrievalPlot(result: RetrievalResult, sweep: RetrievalSweep): string | null {
  const cols = xs(result, sweep);
  if (cols.length === 0) return null;
  const series: Series[] = [];
  const toSeries = (name: string, rows: readonly PointStats[], dashed: boolean): void => {
    const pts = rows.filter((r) => r.sweep === sweep && r.trials > 0);
    // One color per kind in every plot, whichever kinds a run compares.
    const color = dashed ? '#888888' : PALETTE[(KINDS as readonly string[]).indexOf(name) % PALETTE.length]!;
    if (pts.length) series.push({ name, x: pts.map(xOf), y: pts.map((r) => r.mean), yErr: pts.map((r) => r.std), color, ...(dashed ? { dashed } : {}) });
  };
  for (const k of result.config.kinds) toSeries(k, result.results.filter((r) => r.kind === k), false);
  toSeries(BASELINE_NAME, result.baselines, true);
  const c = result.config;
  return linePlot({
    series,
    title: sweep === 'capacity'
      ? `${c.dataset}: half-masked queries (β = ${c.beta}, normalize ${c.normalize})`
      : `${c.dataset}: noisy queries, M = ${c.noiseM} (β = ${c.beta}, normalize ${c.normalize})`,
    xLabel: sweep === 'capacity' ? 'number of memories M (log scale)' : 'noise standard deviation σ',
    xScale: sweep === 'capacity' && cols.length > 1 ? 'log' : 'linear',
    yLabel: `success rate (${c.error} error < ${c.threshold})`,
    yRange: [0, 1],
    width: 760,
    height: 460,
  });
}

/** The plots to write: capacity.svg and noise.svg (those whose sweep ran). */
export function retrievalPlots(result: RetrievalResult): { name: string; svg: string }[] {
  const out: { name: string; svg: string }[] = [];
  for (const sweep of ['capacity', 'noise'] as const) {
    const svg = retrievalPlot(result, sweep);
    if (svg !== null) out.push({ name: `${sweep}.svg`, svg });
  }
  return out;
}
