// SVG line plots: well-formed documents (balanced tags, escaped text), every series drawn and in the legend,
// points mapped onto the plot area on linear and log axes, deterministic output, and clear errors for NaN,
// empty or mismatched series.
import { describe, expect, it } from 'vitest';
import { type PlotSpec, escapeXml, formatTick, linePlot, linearTicks, logTicks } from '../src/cli/svg.js';
import { HopgradError } from '../src/tensor/errors.js';

/** Tags balance (every open tag closed in order, self-closing ones skipped); returns the tag names in order. */
function checkBalanced(svg: string): string[] {
  const stack: string[] = [];
  const names: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w-]*)([^>]*?)(\/?)>/g)) {
    const [, close, name, , self] = m as unknown as [string, string, string, string, string];
    names.push(name);
    if (self) continue;
    if (close) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else stack.push(name);
  }
  expect(stack).toEqual([]);
  // no stray '<' or '&' in text: every '<' starts a tag and every '&' an entity
  expect(svg.replace(/<\/?[a-zA-Z][^>]*>/g, '')).not.toMatch(/<|&(?!amp;|lt;|gt;|quot;|#39;)/);
  return names;
}

const M = [10, 20, 50, 100, 200];
const spec: PlotSpec = {
  title: 'Success vs M', xLabel: 'M', yLabel: 'success rate', yRange: [0, 1],
  series: [
    { name: 'dense', x: M, y: [1, 0.98, 0.95, 0.9, 0.8], yErr: [0, 0.01, 0.02, 0.03, 0.05] },
    { name: 'top-k <K=4> & co', x: M, y: [0.9, 0.85, 0.7, 0.5, 0.3], dashed: true },
  ],
};

/** The numbers of attribute `name` on every `tag` element. */
const attrs = (svg: string, tag: string, name: string): number[] =>
  [...svg.matchAll(new RegExp(`<${tag}\\b[^>]*\\b${name}="([-\\d.]+)"`, 'g'))].map((m) => Number(m[1]));

describe('linePlot', () => {
  it('is a balanced SVG document with title, labels, legend and one group per series', () => {
    const svg = linePlot(spec);
    const names = checkBalanced(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(names.filter((n) => n === 'polyline').length).toBe(2);
    expect(svg).toContain('data-name="dense"');
    expect(svg).toContain('data-name="top-k &lt;K=4&gt; &amp; co"');
    expect(svg).toContain('>top-k &lt;K=4&gt; &amp; co</text>');
    expect(svg).toContain('>Success vs M</text>');
    expect(svg).toContain('>success rate</text>');
    expect(svg).toContain('stroke-dasharray');
    // error bars: one path per nonzero yErr
    expect((svg.match(/<path d="M/g) ?? []).length).toBe(4);
    // y ticks of [0, 1]
    for (const t of ['0', '0.2', '0.4', '0.6', '0.8', '1']) expect(svg).toContain(`text-anchor="end">${t}</text>`);
  });

  it('maps the corner points onto the plot rectangle', () => {
    const svg = linePlot({ xRange: [0, 10], yRange: [0, 1], series: [{ name: 's', x: [0, 10], y: [0, 1] }] });
    const plot = svg.match(/<g class="axes"[^>]*><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/)!.slice(1).map(Number);
    const [x0, y0, w, h] = plot as [number, number, number, number];
    const cx = attrs(svg, 'circle', 'cx').slice(0, 2);
    const cy = attrs(svg, 'circle', 'cy').slice(0, 2);
    expect(cx).toEqual([x0, x0 + w]);
    expect(cy).toEqual([y0 + h, y0]);
  });

  it('log-log axes: decades as ticks, power laws drawn as straight lines', () => {
    const L = [24, 96, 384, 1536, 6144, 16384];
    const svg = linePlot({ xScale: 'log', yScale: 'log', series: [{ name: 'dense', x: L, y: L.map((l) => l * l) }] });
    checkBalanced(svg);
    for (const t of ['10', '100', '1000', '10000', '1e5']) expect(svg).toContain(`text-anchor="middle">${t}</text>`);
    const cx = attrs(svg, 'circle', 'cx').slice(0, L.length);
    const cy = attrs(svg, 'circle', 'cy').slice(0, L.length);
    const slopes = cx.slice(1).map((x, i) => (cy[i + 1]! - cy[i]!) / (x - cx[i]!));
    for (const s of slopes) expect(s).toBeCloseTo(slopes[0]!, 1); // same slope at every segment (up to 0.01 px rounding)
  });

  it('is deterministic and changes with the data', () => {
    expect(linePlot(spec)).toBe(linePlot(structuredClone(spec)));
    const other = structuredClone(spec) as PlotSpec & { series: { y: number[] }[] };
    other.series[0]!.y[2] = 0.5;
    expect(linePlot(other)).not.toBe(linePlot(spec));
  });

  it('refuses NaN, empty and mismatched series with a message naming the series', () => {
    const bad = (s: Partial<PlotSpec>, re: RegExp): void => {
      expect(() => linePlot({ ...spec, ...s } as PlotSpec)).toThrow(HopgradError);
      expect(() => linePlot({ ...spec, ...s } as PlotSpec)).toThrow(re);
    };
    bad({ series: [] }, /^linePlot: nothing to plot: spec.series is empty$/);
    bad({ series: [{ name: 'a', x: [], y: [] }] }, /series 'a' is empty \(no points\)/);
    bad({ series: [{ name: 'a', x: [1, 2], y: [1, NaN] }] }, /series 'a': y\[1\] is NaN, not a finite number/);
    bad({ series: [{ name: 'a', x: [1, Infinity], y: [1, 2] }] }, /series 'a': x\[1\] is Infinity/);
    bad({ series: [{ name: 'a', x: [1, 2, 3], y: [1, 2] }] }, /series 'a': x has 3 points but y has 2/);
    bad({ series: [{ name: 'a', x: [1, 2], y: [1, 2], yErr: [1] }] }, /yErr must have one value per point \(2\)/);
    bad({ series: [{ name: 'a', x: [1, 2], y: [1, 2], yErr: [1, -1] }] }, /yErr\[1\] is -1, must be ≥ 0/);
    bad({ series: [{ name: '', x: [1], y: [1] }] }, /series 0 needs a non-empty name/);
    bad({ xScale: 'log', series: [{ name: 'a', x: [0, 1], y: [1, 2] }] }, /x\[0\] is 0; a log x axis needs positive values/);
    bad({ yRange: [1, 0] }, /yRange must be \[lo, hi\] with finite lo < hi/);
  });

  it('a single point and a constant series still get an axis', () => {
    const svg = linePlot({ series: [{ name: 'one', x: [3], y: [5] }] });
    checkBalanced(svg);
    expect(svg).not.toContain('<polyline');
    expect(svg).toContain('<circle');
    const flat = linePlot({ series: [{ name: 'flat', x: [1, 2, 3], y: [0.5, 0.5, 0.5] }] });
    checkBalanced(flat);
    expect(new Set(attrs(flat, 'circle', 'cy').slice(0, 3)).size).toBe(1);
    expect(flat).toContain('>0.5</text>');
  });
});

describe('ticks and text', () => {
  it('linear ticks step by 1, 2 or 5 × 10^k', () => {
    expect(linearTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(0, 200)).toEqual([0, 50, 100, 150, 200]);
    expect(linearTicks(-3, 3)).toEqual([-2, 0, 2]);
    expect(linearTicks(-3, 3, 10)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
  });

  it('log ticks: decades, with 2 and 5 on short ranges', () => {
    expect(logTicks(10, 1e5)).toEqual([10, 100, 1000, 10000, 1e5]);
    expect(logTicks(1, 100)).toEqual([1, 2, 5, 10, 20, 50, 100]);
  });

  it('formats and escapes', () => {
    expect(formatTick(0.2)).toBe('0.2');
    expect(formatTick(1e5)).toBe('1e5');
    expect(formatTick(2.5e-4)).toBe('2.5e-4');
    expect(formatTick(0.30000000000000004)).toBe('0.3');
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&#39;');
  });
});
