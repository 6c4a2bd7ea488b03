// `hopgrad efficiency`: forward time and counted multiply-adds of one Hopfield layer per association kind on
// (4, L, 16) with 4 heads, over L (paper Fig. 6–8). The experiment is src/experiments/efficiency.ts; this file
// maps flags, prints the table and the fitted log-log slopes, and writes results.json and two log-log SVGs.
import { KINDS } from '../../hopfield/retrieve.js';
import {
  DEFAULT_LENGTHS, type EfficiencyConfig, type EfficiencyResult, runEfficiency,
} from '../../experiments/efficiency.js';
import { UsageError } from '../args.js';
import { COMMON, defineCommand } from '../command.js';
import { type Series, linePlot } from '../svg.js';
import { formatTable } from '../table.js';

/** The log-log plots of time and multiply-adds against L, one series per kind (its fitted slope in the legend). */
export function efficiencyPlots(r: EfficiencyResult): { name: string; svg: string }[] {
  const out: { name: string; svg: string }[] = [];
  for (const [metric, file, label] of [['time', 'time.svg', 'forward time (ms, median)'], ['macs', 'macs.svg', 'multiply-adds (matmul, counted)']] as const) {
    const series: Series[] = [];
    for (const kind of r.config.kinds) {
      const ok = r.rows.filter((x) => x.kind === kind && x.skipped === null);
      if (ok.length === 0) continue;
      const fit = r.slopes[kind]?.[metric];
      series.push({
        name: `${kind}${fit ? ` (slope ${fit.slope.toFixed(2)})` : ''}`,
        x: ok.map((x) => x.L),
        y: ok.map((x) => (metric === 'time' ? Math.max(x.timeMs!, 1e-6) : Math.max(x.macs!, 1))),
      });
    }
    if (series.length === 0) continue;
    const { batch, dim, heads } = r.config;
    out.push({
      name: file,
      svg: linePlot({
        title: `One Hopfield layer, input (${batch}, L, ${dim}), ${heads} heads: ${metric === 'time' ? 'time' : 'multiply-adds'} vs L`,
        xLabel: 'L (queries = memories)', yLabel: label, xScale: 'log', yScale: 'log', width: 820, height: 480, series,
      }),
    });
  }
  return out;
}

const sci = (v: number | null): string => (v === null ? '-' : v === 0 ? '0' : v.toExponential(3));

/** `hopgrad efficiency`. */
export const efficiency = defineCommand({
  name: 'efficiency',
  summary: 'forward time and counted multiply-adds of one Hopfield layer per kind vs L (paper Fig. 6–8)',
  description: [
    'One Hopfield layer (self-association, M = L) on a random input (batch, L, dim) = (4, L, 16) with 4 heads,',
    `for each kind and L in ${DEFAULT_LENGTHS.join(', ')} up to --max-l (or --lengths).`,
    'Multiply-adds are counted exactly by running the layer once under a counting backend that wraps every',
    'kernel (matmul: batch·m·k·n); time is the median of --repeats timed samples after --warmup calls (a sample',
    'repeats the call until it lasts --min-sample-ms). Slopes: least squares of log y on log L over the upper',
    'half of each kind\'s measured L range (L ≥ √(Lmin·Lmax)). Configurations whose score matrix B·H·L·width',
    'would exceed --max-dense-elements, or whose call is predicted to exceed --max-call-ms, are skipped and listed.',
    'Times are measurements of this machine (not reproducible); the counts are exact and reproducible.',
  ].join('\n'),
  flags: {
    kinds: { type: 'string', meta: 'K', list: true, choices: KINDS, default: KINDS, help: 'association kinds to measure' },
    lengths: { type: 'int', meta: 'L', list: true, min: 1, help: `sequence lengths L (default ${DEFAULT_LENGTHS.join(',')} up to --max-l)` },
    maxL: { type: 'int', meta: 'L', default: 16384, min: 1, help: 'largest L of the default grid (added to the grid if not on it)' },
    batch: { type: 'int', meta: 'N', default: 4, min: 1, help: 'batch size B' },
    dim: { type: 'int', meta: 'N', default: 16, min: 1, help: 'pattern width d' },
    heads: { type: 'int', meta: 'N', default: 4, min: 1, help: 'heads H (must divide --dim)' },
    topkK: { type: 'number', meta: 'X', default: 0.2, validate: (v) => ((v as number) > 0 ? undefined : `must be > 0, got ${String(v)}`), help: 'topk: kept memories, a fraction in (0, 1) or a count' },
    randomK: { type: 'int', meta: 'N', default: 32, min: 1, help: 'random: memories per query (capped at L): O(k·L)' },
    window: { type: 'int', meta: 'W', min: 0, help: 'window: half-width (default ⌈√L / 2⌉ per L: O(L√L))' },
    features: { type: 'int', meta: 'N', min: 1, help: 'prf: random features per head (default ⌈d ln d⌉ of the head width)' },
    warmup: { type: 'int', meta: 'N', default: 1, min: 0, help: 'untimed calls before timing' },
    repeats: { type: 'int', meta: 'N', default: 5, min: 1, help: 'timed samples (the median is reported)' },
    minSampleMs: { type: 'number', meta: 'MS', default: 20, min: 0, help: 'a timed sample repeats the call until it lasts this long' },
    maxDenseElements: { type: 'number', meta: 'N', default: 2 ** 27, min: 1, help: 'skip configurations whose score matrix has more elements' },
    maxCallMs: { type: 'number', meta: 'MS', default: 30000, min: 1, help: 'skip a kind\'s larger L once one call is predicted (quadratically from the previous L) to take longer' },
    seed: COMMON.seed,
    out: COMMON.out,
  },
  async run(ctx) {
    const f = ctx.flags;
    if (f.dim % f.heads !== 0) throw new UsageError(`--heads ${f.heads} must divide --dim ${f.dim}`);
    let lengths: number[];
    if (f.lengths.length > 0) lengths = f.lengths;
    else {
      lengths = DEFAULT_LENGTHS.filter((l) => l <= f.maxL);
      if (!lengths.includes(f.maxL)) lengths.push(f.maxL);
    }
    const config: EfficiencyConfig = {
      kinds: [...new Set(f.kinds)], lengths, batch: f.batch, dim: f.dim, heads: f.heads, topkK: f.topkK, randomK: f.randomK,
      ...(f.window !== undefined ? { window: f.window } : {}), ...(f.features !== undefined ? { features: f.features } : {}),
      warmup: f.warmup, repeats: f.repeats, minSampleMs: f.minSampleMs, maxDenseElements: f.maxDenseElements, maxCallMs: f.maxCallMs, seed: f.seed,
    };
    const result = runEfficiency(config, {
      log: (line) => ctx.info(line),
      progress: (total, label) => ctx.progress(total, label, { unit: 'config' }),
      shouldStop: () => ctx.interrupt.requested,
    });
    const dir = ctx.runDir();
    await dir.writeJson({ command: 'efficiency', ...result });
    for (const p of efficiencyPlots(result)) await dir.writeSvg(p.name, p.svg);
    ctx.print(`one Hopfield layer, input (${f.batch}, L, ${f.dim}), ${f.heads} heads; time = median ms; MACs = counted matmul multiply-adds`);
    ctx.print(formatTable(['kind', 'L', 'time ms', 'MACs', 'other ops', 'note'], result.rows.map((r) => [
      r.kind, String(r.L), r.timeMs === null ? '-' : r.timeMs.toPrecision(4), sci(r.macs), sci(r.otherOps), r.skipped ? `skipped: ${r.skipped}` : '',
    ])));
    ctx.print('');
    ctx.print('log-log slopes (least squares over the upper half of each kind\'s L range):');
    ctx.print(formatTable(['kind', 'time slope', 'MACs slope', 'L range'], config.kinds.map((k) => {
      const s = result.slopes[k];
      const t = s?.time;
      const m = s?.macs;
      return [k, t ? t.slope.toFixed(2) : '-', m ? m.slope.toFixed(2) : '-', m ? `${m.from}–${m.to} (${m.points} points)` : '-'];
    })));
    const skipped = result.rows.filter((r) => r.skipped !== null);
    if (skipped.length > 0) ctx.print(`skipped ${skipped.length} configuration(s) (memory cap --max-dense-elements ${f.maxDenseElements} or time cap --max-call-ms ${f.maxCallMs}): ${skipped.map((r) => `${r.kind}@${r.L}`).join(', ')}`);
    ctx.print(`results in ${dir.path}:`);
    for (const line of dir.summary(ctx.cwd)) ctx.print(line);
    if (result.stopped) ctx.interrupt.stopIfRequested('stopped; the results of the finished configurations were written');
  },
});
