// A run's results folder: created on demand, every file written atomically (temporary file + rename, so a
// crash or Ctrl-C never leaves half a results.json), and the list of what was written for the final summary.
import fs from 'node:fs';
import nodePath from 'node:path';
import { HopgradError } from '../tensor/errors.js';
import { writeFileAtomic } from '../node/fs.js';

/** `runs/<command>-<YYYYMMDD-HHMMSS>` (local time) under `cwd`. */
export function defaultRunPath(command: string, cwd: string, now: Date = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return nodePath.resolve(cwd, 'runs', `${command}-${stamp}`);
}

/** JSON.stringify with 2-space indentation, NaN/±Infinity written as null, and a final newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

/** A results folder. Paths given to its methods are relative to it and may not leave it. */
export class RunDir {
  /** Absolute path of the folder. */
  readonly path: string;
  /** Absolute paths of the files written so far, in order (each once). */
  readonly written: string[] = [];

  /** Create (recursively) the folder `path`; errors name it. */
  constructor(path: string) {
    this.path = nodePath.resolve(path);
    try {
      fs.mkdirSync(this.path, { recursive: true });
    } catch (err) {
      const e = new HopgradError(`RunDir: cannot create the results folder '${this.path}': ${(err as Error).message}`);
      e.cause = err;
      throw e;
    }
  }

  /** Absolute path of `name` inside the folder. */
  file(name: string): string {
    const p = nodePath.resolve(this.path, name);
    const rel = nodePath.relative(this.path, p);
    if (rel === '' || rel.startsWith('..') || nodePath.isAbsolute(rel)) {
      throw new HopgradError(`RunDir.file: '${name}' is not a file name inside the results folder '${this.path}'`);
    }
    return p;
  }

  /** Write text or bytes to `name` atomically; returns its absolute path. */
  async writeFile(name: string, data: string | Uint8Array): Promise<string> {
    const p = this.file(name);
    fs.mkdirSync(nodePath.dirname(p), { recursive: true });
    await writeFileAtomic(p, data);
    if (!this.written.includes(p)) this.written.push(p);
    return p;
  }

  /** Write `value` as pretty JSON (default name results.json); returns the path. */
  writeJson(value: unknown, name = 'results.json'): Promise<string> {
    return this.writeFile(name, toJson(value));
  }

  /** Write an SVG document (from ./svg.ts) as `name` (.svg added when missing); returns the path. */
  writeSvg(name: string, svg: string): Promise<string> {
    if (!svg.trimStart().startsWith('<svg') && !svg.trimStart().startsWith('<?xml')) {
      throw new HopgradError(`RunDir.writeSvg: the content for '${name}' is not an SVG document (starts with ${JSON.stringify(svg.slice(0, 20))})`);
    }
    return this.writeFile(name.endsWith('.svg') ? name : `${name}.svg`, svg);
  }

  /** Lines listing the files written, relative to `cwd` when inside it: "  results: runs/x/results.json". */
  summary(cwd: string = process.cwd()): string[] {
    return this.written.map((p) => {
      const rel = nodePath.relative(cwd, p);
      return `  ${rel.startsWith('..') || nodePath.isAbsolute(rel) ? p : rel}`;
    });
  }
}
