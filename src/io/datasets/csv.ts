// Minimal CSV reading shared by the dataset parsers: comma-separated rows (LF or CRLF), RFC 4180 double quotes,
// blank lines skipped, strict numeric cells. Every error names the source, the line and the column.
import { HopgradError, check } from '../../tensor/errors.js';
import { quoteSource } from './idx.js';

/** One CSV row: its 1-based line number in the text and its cells. */
export interface CsvRow {
  line: number;
  cells: string[];
}

/** Split one CSV line into cells (quotes: `"a,b"` is one cell, `""` inside quotes is a quote). */
function splitLine(text: string, where: string, src: string, line: number): string[] {
  if (!text.includes('"')) return text.split(',');
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') cell += c;
      else if (text[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  check(!quoted, where, () => `${src} line ${line}: unterminated quoted cell`);
  cells.push(cell);
  return cells;
}

/** The non-blank rows of a CSV text (a quoted cell may not span lines). */
export function csvRows(text: string, where: string, source: string | undefined): CsvRow[] {
  check(typeof text === 'string', where, () => `text must be a string (the file's contents), got ${typeof text}`);
  const src = quoteSource(source);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a UTF-8 byte order mark
  const lines = body.split('\n');
  const rows: CsvRow[] = [];
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i]!;
    if (l.endsWith('\r')) l = l.slice(0, -1);
    if (l.trim() === '') continue;
    rows.push({ line: i + 1, cells: splitLine(l, where, src, i + 1) });
  }
  return rows;
}

/** A cell as a finite number; anything else (empty, text, NaN, ±Infinity) throws naming line and column. */
export function numberCell(cell: string, where: string, source: string | undefined, line: number, column: string): number {
  const t = cell.trim();
  const v = t === '' ? NaN : Number(t);
  if (!Number.isFinite(v) || /^0[xob]/i.test(t)) {
    const what = t === '' ? 'cell is empty (expected a finite number)' : `cell ${JSON.stringify(cell)} is not a finite number`;
    throw new HopgradError(`${where}: ${quoteSource(source)} line ${line}, column ${column}: ${what}`);
  }
  return v;
}

/** Check that `row` has `expected` cells (ragged rows are an error naming the line). */
export function checkWidth(row: CsvRow, expected: number, where: string, source: string | undefined, what: string): void {
  check(row.cells.length === expected, where, () =>
    `${quoteSource(source)} line ${row.line} has ${row.cells.length} cells, expected ${expected} (${what})`);
}
