// Dependency-free SVG line plots for results: several series with markers, error bars (mean ± std), a legend,
// axis labels, nice ticks with grid lines, optional log axes (efficiency plots), a title. The output is a
// deterministic function of the input (fixed number formatting, no timestamps or random ids), so plots can be
// compared byte for byte. Browser-safe (strings only).
import { check } from '../tensor/errors.js';

/** One curve. `yErr` draws symmetric error bars y ± yErr (e.g. the std over seeds). */
export interface Series {
  name: string;
  x: readonly number[];
  y: readonly number[];
  yErr?: readonly number[];
  /** CSS color (default: the next of a 10-color palette). */
  color?: string;
  /** Dashed line (e.g. a theoretical bound next to measurements). */
  dashed?: boolean;
}

/** What to draw. */
export interface PlotSpec {
  series: readonly Series[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Axis scales (default linear); log axes need positive data. */
  xScale?: 'linear' | 'log';
  yScale?: 'linear' | 'log';
  /** Fixed axis ranges (default: the data's, widened to ticks), e.g. `yRange: [0, 1]` for success rates. */
  xRange?: readonly [number, number];
  yRange?: readonly [number, number];
  /** Size in pixels (default 640 × 420). */
  width?: number;
  height?: number;
}

/** Tableau 10: distinguishable, colorblind-aware. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** A coordinate with at most 2 decimals, no trailing zeros (deterministic across platforms). */
const c = (v: number): string => String(Math.round(v * 100) / 100);

/** Escape text for SVG content and attributes. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/** A tick label: plain for moderate magnitudes, else compact exponent form (1e-4, 2.5e6). */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = v.toExponential(6).split('e') as [string, string];
    return `${String(Number(m))}e${Number(e)}`;
  }
  return String(Number(v.toPrecision(6)));
}

/** Ticks ~`count` for a linear axis: steps of 1, 2 or 5 × 10^k, covering [lo, hi]. */
export function linearTicks(lo: number, hi: number, count = 6): number[] {
  const step = niceStep(lo, hi, count);
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** The 1, 2 or 5 × 10^k step giving about `count` ticks on [lo, hi]. */
function niceStep(lo: number, hi: number, count: number): number {
  const raw = (hi - lo) / Math.max(1, count - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((f) => f * mag).find((st) => st >= raw * (1 - 1e-9)) ?? 10 * mag;
}

/** Ticks for a log axis on [lo, hi] (lo > 0): powers of ten, plus 2 and 5 × 10^k when the range spans < 3 decades. */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo) + 1e-9);
  const b = Math.ceil(Math.log10(hi) - 1e-9);
  const mults = b - a < 3 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = a; e <= b; e++) {
    for (const m of mults) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
    }
  }
  return ticks;
}

interface Axis { lo: number; hi: number; log: boolean; ticks: number[] }

/** The axis covering `values` (nice bounds) or the fixed `range`. */
function axis(values: number[], scale: 'linear' | 'log', range: readonly [number, number] | undefined, name: string): Axis {
  const log = scale === 'log';
  if (range !== undefined) {
    const [lo, hi] = range;
    check(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi, 'linePlot', () => `${name}Range must be [lo, hi] with finite lo < hi, got [${lo}, ${hi}]`);
    check(!log || lo > 0, 'linePlot', () => `${name}Range must be positive on a log axis, got [${lo}, ${hi}]`);
    return { lo, hi, log, ticks: log ? logTicks(lo, hi) : linearTicks(lo, hi) };
  }
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (log) {
    lo = 10 ** Math.floor(Math.log10(lo) + 1e-9);
    hi = 10 ** Math.ceil(Math.log10(hi) - 1e-9);
    if (lo === hi) hi = lo * 10;
    return { lo, hi, log, ticks: logTicks(lo, hi) };
  }
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(lo, hi, 6);
  const niceLo = Number((Math.floor(lo / step + 1e-9) * step).toPrecision(12));
  const niceHi = Number((Math.ceil(hi / step - 1e-9) * step).toPrecision(12));
  const ticks: number[] = [];
  for (let k = Math.round(niceLo / step); k <= Math.round(niceHi / step); k++) ticks.push(Number((k * step).toPrecision(12)));
  return { lo: niceLo, hi: niceHi, log, ticks };
}

/** Validate the spec: every series named, non-empty, equal lengths, finite values, positive on log axes. */
function validate(spec: PlotSpec): void {
  const where = 'linePlot';
  check(spec !== null && typeof spec === 'object' && Array.isArray(spec.series), where, 'spec.series must be an array of series');
  check(spec.series.length > 0, where, 'nothing to plot: spec.series is empty');
  for (const [i, s] of spec.series.entries()) {
    check(typeof s?.name === 'string' && s.name !== '', where, () => `series ${i} needs a non-empty name`);
    const id = `series '${s.name}'`;
    check(Array.isArray(s.x) && Array.isArray(s.y), where, () => `${id}: x and y must be arrays`);
    check(s.x.length > 0, where, () => `${id} is empty (no points)`);
    check(s.x.length === s.y.length, where, () => `${id}: x has ${s.x.length} points but y has ${s.y.length}`);
    check(s.yErr === undefined || (Array.isArray(s.yErr) && s.yErr.length === s.y.length), where,
      () => `${id}: yErr must have one value per point (${s.y.length}), got ${s.yErr?.length}`);
    for (const [arr, label] of [[s.x, 'x'], [s.y, 'y'], [s.yErr ?? [], 'yErr']] as const) {
      arr.forEach((v: unknown, j: number) => check(typeof v === 'number' && Number.isFinite(v), where, () => `${id}: ${label}[${j}] is ${String(v)}, not a finite number`));
    }
    s.yErr?.forEach((v: number, j: number) => check(v >= 0, where, () => `${id}: yErr[${j}] is ${v}, must be ≥ 0`));
    if (spec.xScale === 'log') s.x.forEach((v: number, j: number) => check(v > 0, where, () => `${id}: x[${j}] is ${v}; a log x axis needs positive values`));
    if (spec.yScale === 'log') s.y.forEach((v: number, j: number) => check(v > 0, where, () => `${id}: y[${j}] is ${v}; a log y axis needs positive values`));
  }
  const w = spec.width ?? 640;
  const h = spec.height ?? 420;
  check(Number.isFinite(w) && Number.isFinite(h) && w >= 200 && h >= 150, where, () => `width × height must be at least 200 × 150, got ${w} × ${h}`);
}

/** Render a line plot as a standalone SVG document (validated first: NaN, empty or mismatched series throw). */
export function linePlot(spec: PlotSpec): string {
  validate(spec);
  const W = spec.width ?? 640;
  const H = spec.height ?? 420;
  const legendW = Math.min(220, 34 + 7 * Math.max(...spec.series.map((s) => s.name.length)));
  const m = { left: 64, right: 16 + legendW, top: spec.title ? 36 : 16, bottom: spec.xLabel ? 52 : 36 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  check(pw > 40 && ph > 40, 'linePlot', () => `a ${W} × ${H} plot leaves no room for the data next to the legend; make it wider`);
  const xs = spec.series.flatMap((s) => [...s.x]);
  const ys = spec.series.flatMap((s) => s.y.flatMap((v, j) => {
    const e = s.yErr?.[j] ?? 0;
    return spec.yScale === 'log' ? [v + e, ...(v - e > 0 ? [v - e] : [v])] : [v - e, v + e];
  }));
  const ax = axis(xs, spec.xScale ?? 'linear', spec.xRange, 'x');
  const ay = axis(ys, spec.yScale ?? 'linear', spec.yRange, 'y');
  const t = (a: Axis, v: number): number => (a.log ? (Math.log10(v) - Math.log10(a.lo)) / (Math.log10(a.hi) - Math.log10(a.lo)) : (v - a.lo) / (a.hi - a.lo));
  const px = (v: number): number => m.left + pw * t(ax, v);
  const py = (v: number): number => m.top + ph * (1 - t(ay, Math.max(v, ay.log ? ay.lo : -Infinity)));
  const inside = (x: number, y: number): boolean => x >= m.left - 0.5 && x <= m.left + pw + 0.5 && y >= m.top - 0.5 && y <= m.top + ph + 0.5;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  if (spec.title) out.push(`<title>${escapeXml(spec.title)}</title>`);
  out.push(`<defs><clipPath id="plot-area"><rect x="${m.left - 5}" y="${m.top - 5}" width="${pw + 10}" height="${ph + 10}"/></clipPath></defs>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  if (spec.title) out.push(`<text x="${c(m.left + pw / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`);
  out.push('<g class="grid" stroke="#e5e5e5" stroke-width="1">');
  for (const v of ax.ticks) out.push(`<line x1="${c(px(v))}" y1="${m.top}" x2="${c(px(v))}" y2="${m.top + ph}"/>`);
  for (const v of ay.ticks) out.push(`<line x1="${m.left}" y1="${c(py(v))}" x2="${m.left + pw}" y2="${c(py(v))}"/>`);
  out.push('</g>');
  out.push(`<g class="axes" stroke="#333333" stroke-width="1"><rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none"/></g>`);
  out.push('<g class="ticks" fill="#333333">');
  for (const v of ax.ticks) out.push(`<text x="${c(px(v))}" y="${m.top + ph + 16}" text-anchor="middle">${escapeXml(formatTick(v))}</text>`);
  for (const v of ay.ticks) out.push(`<text x="${m.left - 6}" y="${c(py(v) + 4)}" text-anchor="end">${escapeXml(formatTick(v))}</text>`);
  out.push('</g>');
  if (spec.xLabel) out.push(`<text class="xlabel" x="${c(m.left + pw / 2)}" y="${H - 12}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  if (spec.yLabel) out.push(`<text class="ylabel" x="16" y="${c(m.top + ph / 2)}" text-anchor="middle" transform="rotate(-90 16 ${c(m.top + ph / 2)})">${escapeXml(spec.yLabel)}</text>`);
  spec.series.forEach((s, i) => {
    const color = escapeXml(s.color ?? PALETTE[i % PALETTE.length]!);
    const pts = s.x.map((x, j) => [px(x), py(s.y[j]!)] as const);
    out.push(`<g class="series" data-name="${escapeXml(s.name)}" stroke="${color}" fill="${color}" clip-path="url(#plot-area)">`);
    if (s.yErr) {
      s.yErr.forEach((e, j) => {
        if (e === 0) return;
        const x = pts[j]![0];
        const y1 = py(s.y[j]! - e);
        const y2 = py(s.y[j]! + e);
        out.push(`<path d="M${c(x)} ${c(y1)}V${c(y2)}M${c(x - 3)} ${c(y1)}H${c(x + 3)}M${c(x - 3)} ${c(y2)}H${c(x + 3)}" stroke-width="1" fill="none"/>`);
      });
    }
    if (pts.length > 1) out.push(`<polyline points="${pts.map(([x, y]) => `${c(x)},${c(y)}`).join(' ')}" fill="none" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const [x, y] of pts) if (inside(x, y)) out.push(`<circle cx="${c(x)}" cy="${c(y)}" r="3"/>`);
    out.push('</g>');
  });
  const lx = m.left + pw + 16;
  out.push(`<g class="legend" transform="translate(${lx} ${m.top})">`);
  spec.series.forEach((s, i) => {
    const color = escapeXml(s.color ?? PALETTE[i % PALETTE.length]!);
    const y = 10 + 18 * i;
    out.push(`<line x1="0" y1="${y}" x2="22" y2="${y}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<circle cx="11" cy="${y}" r="3" fill="${color}"/>`);
    out.push(`<text x="28" y="${y + 4}">${escapeXml(s.name)}</text>`);
  });
  out.push('</g>');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
