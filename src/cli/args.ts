// Flag specs and the argv parser of the `hopgrad` CLI: typed flags (`--name value`, `--name=value`, `--no-name`,
// comma lists), validation at parse time (numbers, ranges, choices, existing files), and the generated help.
// Every problem is a UsageError (exit code 2) with a one-line message naming the flag and the value.
import fs from 'node:fs';
import nodePath from 'node:path';

/** What a flag's value is: text, numbers, a switch, or a path that must exist (file, folder, or either). */
export type FlagType = 'string' | 'int' | 'number' | 'boolean' | 'path' | 'file' | 'dir';

/** The declaration of one flag. The key it is declared under is camelCase; on the command line it is kebab-case. */
export interface FlagSpec {
  type: FlagType;
  /** One line for --help. */
  help: string;
  /** Placeholder shown in --help (default by type: N, X, FILE, DIR, PATH, VALUE). */
  meta?: string;
  /** Value when the flag is absent (an array for `list` flags). Booleans default to false. */
  default?: string | number | boolean | readonly (string | number)[];
  /** The flag must be given. */
  required?: boolean;
  /** Accepted values (strings or numbers). */
  choices?: readonly (string | number)[];
  /** Comma-separated values (`--m 10,20,50`); repeating the flag appends. */
  list?: boolean;
  /** Inclusive bounds for int / number flags. */
  min?: number;
  max?: number;
  /** Single-letter alias (`-q`). */
  short?: string;
  /** Extra check of one parsed value (a path flag gets the absolute path): return a message when it is invalid. */
  validate?: (value: string | number | boolean) => string | undefined;
}

/** A command's flags, keyed by camelCase name. */
export type FlagSpecs = Record<string, FlagSpec>;

type Scalar<S extends FlagSpec> = S['type'] extends 'int' | 'number'
  ? S['choices'] extends readonly (infer C extends number)[] ? C : number
  : S['type'] extends 'boolean' ? boolean
  : S['choices'] extends readonly (infer C extends string)[] ? C : string;
type ValueOf<S extends FlagSpec> = S extends { list: true } ? Scalar<S>[] : Scalar<S>;
type Always<S extends FlagSpec> = S extends { default: unknown } | { required: true } | { type: 'boolean' } | { list: true } ? true : false;

/** The parsed values of `F`: flags with a default, required flags, booleans and lists are always present. */
export type FlagValues<F extends FlagSpecs> = {
  -readonly [K in keyof F]: Always<F[K]> extends true ? ValueOf<F[K]> : ValueOf<F[K]> | undefined;
};

/** A command-line mistake: reported as one line on stderr with exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `bagSize` → `bag-size`. */
export const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const META: Record<FlagType, string> = { string: 'VALUE', int: 'N', number: 'X', boolean: '', path: 'PATH', file: 'FILE', dir: 'DIR' };

/** Edit distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/** The closest of `names` to `name` (if close enough), for "did you mean …?". */
export function suggest(name: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const n of names) {
    const d = distance(name, n);
    if (d < bestD) {
      bestD = d;
      best = n;
    }
  }
  return bestD <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/** Parse and validate one value of flag `--flag` (a string from the command line; paths checked against `cwd`). */
function convert(flag: string, spec: FlagSpec, text: string, cwd: string): string | number | boolean {
  let v: string | number | boolean = text;
  if (spec.type === 'int' || spec.type === 'number') {
    const t = text.trim();
    const n = t === '' ? NaN : Number(t);
    if (!Number.isFinite(n)) throw new UsageError(`--${flag} needs a number, got '${text}'`);
    if (spec.type === 'int' && !Number.isSafeInteger(n)) throw new UsageError(`--${flag} needs an integer, got '${text}'`);
    if (spec.min !== undefined && n < spec.min) throw new UsageError(`--${flag} must be ≥ ${spec.min}, got ${text}`);
    if (spec.max !== undefined && n > spec.max) throw new UsageError(`--${flag} must be ≤ ${spec.max}, got ${text}`);
    v = n;
  } else if (spec.type === 'boolean') {
    if (!['true', 'false', '1', '0', 'yes', 'no'].includes(text)) throw new UsageError(`--${flag} is a switch: give it alone, or =true / =false, got '${text}'`);
    v = ['true', '1', 'yes'].includes(text);
  } else if (spec.type === 'path' || spec.type === 'file' || spec.type === 'dir') {
    if (text === '') throw new UsageError(`--${flag} needs a ${META[spec.type].toLowerCase()} path, got an empty string`);
    const full = nodePath.resolve(cwd, text);
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(full);
    } catch {
      st = undefined;
    }
    if (st === undefined) throw new UsageError(`--${flag}: no such ${spec.type === 'dir' ? 'folder' : spec.type === 'file' ? 'file' : 'file or folder'} '${text}'`);
    if (spec.type === 'file' && !st.isFile()) throw new UsageError(`--${flag}: '${text}' is a folder, expected a file`);
    if (spec.type === 'dir' && !st.isDirectory()) throw new UsageError(`--${flag}: '${text}' is a file, expected a folder`);
  }
  if (spec.choices && !spec.choices.includes(v as string | number)) {
    throw new UsageError(`--${flag} must be one of ${spec.choices.join(', ')}; got '${text}'`);
  }
  const isPath = spec.type === 'path' || spec.type === 'file' || spec.type === 'dir';
  const problem = spec.validate?.(isPath ? nodePath.resolve(cwd, text) : v);
  if (problem !== undefined) throw new UsageError(`--${flag}: ${problem}`);
  return v;
}

/**
 * Parse `argv` (the arguments after the command name) against `specs`. Accepts `--name value`, `--name=value`,
 * `-x value` for a `short` alias, `--no-name` / `--name` for booleans, comma lists for `list` flags, and `--`
 * to end flags (positional arguments are refused: hopgrad commands take flags only). Path flags must exist
 * relative to `opts.cwd` (default the process's) and keep the text given. Throws UsageError.
 */
export function parseFlags<F extends FlagSpecs>(argv: readonly string[], specs: F, opts: { cwd?: string } = {}): FlagValues<F> {
  const cwd = opts.cwd ?? process.cwd();
  const byFlag = new Map<string, [string, FlagSpec]>();
  const byShort = new Map<string, [string, FlagSpec]>();
  for (const [key, spec] of Object.entries(specs)) {
    byFlag.set(kebab(key), [key, spec]);
    if (spec.short) byShort.set(spec.short, [key, spec]);
  }
  const values: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      if (i + 1 < argv.length) throw new UsageError(`unexpected argument '${argv[i + 1]}' (commands take --flags only)`);
      break;
    }
    let name: string;
    let inline: string | undefined;
    let entry: [string, FlagSpec] | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      entry = byFlag.get(name);
      if (entry === undefined && name.startsWith('no-') && inline === undefined) {
        const pos = byFlag.get(name.slice(3));
        if (pos?.[1].type === 'boolean') {
          values[pos[0]] = false;
          continue;
        }
      }
    } else if (/^-[a-zA-Z]$/.test(arg)) {
      entry = byShort.get(arg.slice(1));
      name = entry ? kebab(entry[0]) : arg;
    } else {
      throw new UsageError(`unexpected argument '${arg}' (commands take --flags only${/^-\d/.test(arg) ? '; a negative number goes after --flag=' : ''})`);
    }
    if (entry === undefined) {
      const close = suggest(name, [...byFlag.keys()]);
      throw new UsageError(`unknown flag '${arg.split('=')[0]}'${close ? ` (did you mean --${close}?)` : ''}`);
    }
    const [key, spec] = entry;
    let text: string;
    if (spec.type === 'boolean') text = inline ?? 'true';
    else if (inline !== undefined) text = inline;
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && !/^-\d|^-\.\d/.test(next))) {
        throw new UsageError(`--${name} needs a value (${spec.meta ?? META[spec.type]})`);
      }
      text = next;
      i++;
    }
    if (spec.list) {
      const parts = text.split(',').map((s) => s.trim());
      if (parts.some((p) => p === '')) throw new UsageError(`--${name}: empty item in the list '${text}'`);
      const prev = (values[key] as unknown[] | undefined) ?? [];
      values[key] = [...prev, ...parts.map((p) => convert(name, spec, p, cwd))];
    } else {
      if (key in values && spec.type !== 'boolean') throw new UsageError(`--${name} is given twice`);
      values[key] = convert(name, spec, text, cwd);
    }
  }
  for (const [key, spec] of Object.entries(specs)) {
    if (key in values) continue;
    if (spec.required) throw new UsageError(`--${kebab(key)} is required (${spec.help})`);
    if (spec.default !== undefined) values[key] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
    else if (spec.type === 'boolean') values[key] = false;
    else if (spec.list) values[key] = [];
  }
  return values as FlagValues<F>;
}

/** Help lines for `specs`: `  --name META   help (default: x; one of a, b)`, aligned. */
export function flagHelp(specs: FlagSpecs): string[] {
  const rows = Object.entries(specs).map(([key, spec]) => {
    const meta = spec.type === 'boolean' ? '' : ` ${spec.meta ?? META[spec.type]}${spec.list ? '[,…]' : ''}`;
    const left = `${spec.short ? `-${spec.short}, ` : '    '}--${kebab(key)}${meta}`;
    const notes: string[] = [];
    if (spec.required) notes.push('required');
    if (spec.choices) notes.push(`one of ${spec.choices.join(', ')}`);
    if (spec.min !== undefined || spec.max !== undefined) notes.push(`range [${spec.min ?? '-∞'}, ${spec.max ?? '∞'}]`);
    if (spec.default !== undefined && spec.default !== false) notes.push(`default ${Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)}`);
    return [left, notes.length ? `${spec.help} (${notes.join('; ')})` : spec.help] as const;
  });
  const width = Math.max(0, ...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`);
}
