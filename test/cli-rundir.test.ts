// Results folders (atomic JSON/SVG writes, paths kept inside the folder, the summary of written files) and the
// text-table / mean ± std helpers the experiment commands print with.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunDir, defaultRunPath, toJson } from '../src/cli/run-dir.js';
import { fmtMeanStd, formatTable, meanStd } from '../src/cli/table.js';
import { linePlot } from '../src/cli/svg.js';

describe('RunDir', () => {
  it('creates the folder, writes JSON and SVG atomically, lists what it wrote', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'hopgrad-run-'));
    const dir = new RunDir(join(cwd, 'runs/a/b'));
    expect(existsSync(dir.path)).toBe(true);
    const j = await dir.writeJson({ acc: 0.5, nan: NaN, inf: -Infinity, rows: [1, 2] });
    expect(j).toBe(join(cwd, 'runs/a/b/results.json'));
    expect(JSON.parse(readFileSync(j, 'utf8'))).toEqual({ acc: 0.5, nan: null, inf: null, rows: [1, 2] });
    const svg = await dir.writeSvg('plots/success', linePlot({ series: [{ name: 's', x: [1, 2], y: [3, 4] }] }));
    expect(svg).toBe(join(cwd, 'runs/a/b/plots/success.svg'));
    await dir.writeJson({ acc: 0.6 }); // rewritten, listed once
    expect(JSON.parse(readFileSync(j, 'utf8'))).toEqual({ acc: 0.6 });
    expect(dir.written).toEqual([j, svg]);
    expect(dir.summary(cwd)).toEqual(['  runs/a/b/results.json', '  runs/a/b/plots/success.svg']);
    expect(dir.summary('/elsewhere/x')[0]).toBe(`  ${j}`);
    expect(readdirSync(dir.path).filter((n) => n.endsWith('.tmp'))).toEqual([]); // no temp files left
  });

  it('refuses names outside the folder and non-SVG content', async () => {
    const dir = new RunDir(mkdtempSync(join(tmpdir(), 'hopgrad-run-')));
    expect(() => dir.file('../x.json')).toThrow(/RunDir\.file: '\.\.\/x\.json' is not a file name inside the results folder/);
    expect(() => dir.file('/etc/passwd')).toThrow(/not a file name inside/);
    expect(() => dir.file('')).toThrow(/not a file name inside/);
    expect(() => dir.writeSvg('p', '{"a":1}')).toThrow(/RunDir\.writeSvg: the content for 'p' is not an SVG document/);
    const file = await dir.writeJson({});
    expect(() => new RunDir(join(file, 'sub'))).toThrow(/^RunDir: cannot create the results folder '.*results\.json\/sub': ENOTDIR/);
  });

  it('default path runs/<command>-<YYYYMMDD-HHMMSS>; toJson ends with a newline', () => {
    expect(defaultRunPath('mil', '/w', new Date(2025, 11, 31, 23, 59, 1))).toBe('/w/runs/mil-20251231-235901');
    expect(toJson({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}\n');
  });
});

describe('tables', () => {
  it('aligns text left and numbers right, with a rule under the header', () => {
    const t = formatTable(['kind', 'M', 'success'], [['dense', 10, 0.98765], ['top-k', 200, NaN]], { digits: 3 });
    expect(t).toBe(['kind     M  success', '-----  ---  -------', 'dense   10    0.988', 'top-k  200      nan'].join('\n'));
    expect(() => formatTable(['a', 'b'], [['x']])).toThrow(/row 0 has 1 cells, the header has 2/);
  });

  it('mean ± sample std', () => {
    expect(meanStd([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(5 / 3), n: 4 });
    expect(meanStd([7]).std).toBe(0);
    expect(fmtMeanStd([0.5, 0.7], 3)).toBe('0.600 ± 0.141');
    expect(() => meanStd([])).toThrow(/no values/);
  });
});
