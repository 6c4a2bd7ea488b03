// The project's line budget: no source file under src/ may exceed 400 lines (split a module before it does).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAX_LINES = 400;
const root = fileURLToPath(new URL('..', import.meta.url));

/** Every file below `dir`, recursively. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.isFile() ? [p] : [];
  });
}

/** Lines of a file's text (a final newline does not start another line). */
function countLines(text: string): number {
  if (text.length === 0) return 0;
  const n = text.split('\n').length;
  return text.endsWith('\n') ? n - 1 : n;
}

describe('line budget', () => {
  it('counts lines like wc -l (plus an unterminated last line)', () => {
    expect(countLines('')).toBe(0);
    expect(countLines('a\n')).toBe(1);
    expect(countLines('a\nb')).toBe(2);
    expect(countLines('a\nb\n')).toBe(2);
  });

  it(`no file under src/ exceeds ${MAX_LINES} lines`, () => {
    const files = walk(join(root, 'src'));
    expect(files.length).toBeGreaterThan(0);
    const over = files
      .map((f) => ({ file: relative(root, f), lines: countLines(readFileSync(f, 'utf8')) }))
      .filter((x) => x.lines > MAX_LINES)
      .sort((a, b) => b.lines - a.lines);
    expect(over.map((x) => `${x.file}: ${x.lines} lines`), `files over the ${MAX_LINES}-line budget`).toEqual([]);
  });
});
