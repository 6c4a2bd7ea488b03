// The `hopgrad` CLI framework: dispatch, generated help, flag parsing and validation, exit codes (0, 1, 2),
// the results folder, the built-in `version` and `datasets` commands on the real data, and bin/hopgrad.js.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type CliIO, runCli } from '../src/cli/main.js';
import { UsageError, parseFlags } from '../src/cli/args.js';
import { COMMON, defineCommand } from '../src/cli/command.js';
import { COMMANDS } from '../src/cli/commands/index.js';
import { HopgradError } from '../src/tensor/errors.js';

const root = resolve(import.meta.dirname, '..');
const data = resolve(root, '../shared/data');

/** A captured stream. */
function sink(isTTY = false): { text: string; write(s: string): boolean; isTTY: boolean } {
  return { text: '', isTTY, write(s: string) { this.text += s; return true; } };
}

/** Run the CLI in-process with captured output; `commands` defaults to the real registry plus `train`. */
async function cli(argv: string[], io: Partial<CliIO> = {}, commands = [...COMMANDS, train]) {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(argv, { stdout, stderr, signals: null, cwd: root, ...io }, commands);
  return { code, out: stdout.text, err: stderr.text };
}

let lastFlags: unknown;
/** A test command using the COMMON flags and every flag type. */
const train = defineCommand({
  name: 'train',
  summary: 'a test command',
  flags: {
    data: COMMON.data,
    out: COMMON.out,
    seed: COMMON.seed,
    epochs: { ...COMMON.epochs, default: 3 },
    kind: { ...COMMON.kind, choices: ['dense', 'sparsemax'], default: 'dense' },
    resume: COMMON.resume,
    m: { type: 'int', list: true, default: [10, 20], help: 'memory sizes' },
    lr: { type: 'number', help: 'learning rate' },
    fail: { type: 'string', choices: ['hopgrad', 'internal', 'usage'], help: 'throw an error of this kind' },
  },
  async run(ctx) {
    lastFlags = ctx.flags;
    // compile-time checks of the inferred flag types
    const epochs: number = ctx.flags.epochs;
    const kind: 'dense' | 'sparsemax' = ctx.flags.kind;
    const m: number[] = ctx.flags.m;
    const lr: number | undefined = ctx.flags.lr;
    void [epochs, kind, m, lr];
    if (ctx.flags.fail === 'hopgrad') throw new HopgradError('loadThing: the file is broken');
    if (ctx.flags.fail === 'internal') throw new TypeError('x is not a function');
    if (ctx.flags.fail === 'usage') throw new UsageError('--m must be larger than --epochs');
    ctx.info('status line');
    ctx.print(`epochs ${ctx.flags.epochs}`);
    if (ctx.flags.out !== undefined || ctx.flags.resume !== undefined) ctx.print(`dir ${ctx.runDir().path}`);
    return 0;
  },
});

describe('dispatch and help', () => {
  it('--help lists every command; a command --help is generated from its flags', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['datasets', 'version', 'train']) expect(top.out).toMatch(new RegExp(`^  ${c} +\\S`, 'm'));
    const h = await cli(['train', '--help']);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/^Usage: hopgrad train \[flags\]/);
    expect(h.out).toMatch(/--epochs N +training epochs \(range \[1, ∞\]; default 3\)/);
    expect(h.out).toMatch(/--kind K +association kind \(one of dense, sparsemax; default dense\)/);
    expect(h.out).toMatch(/--m N\[,…\] +memory sizes \(default 10,20\)/);
    expect(h.out).toMatch(/-q, --quiet/);
    expect((await cli(['help', 'train'])).out).toBe(h.out);
    expect((await cli(['train', '--epochs', 'bad', '-h'])).code).toBe(0); // help wins over bad flags
    for (const c of COMMANDS) expect((await cli([c.name, '--help'])).code).toBe(0);
  });

  it('no command, unknown command, flags before the command: exit 2 and one line', async () => {
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^Usage: hopgrad <command>/);
    const typo = await cli(['datset']);
    expect(typo.code).toBe(2);
    const names = [...COMMANDS.map((c) => c.name), 'train'].join(', ');
    expect(typo.err).toBe(`hopgrad: unknown command 'datset' (did you mean 'datasets'?); commands: ${names}\n`);
    expect((await cli(['--epochs', '3'])).err).toMatch(/^hopgrad: expected a command before the flags/);
    expect((await cli(['help', 'nope'])).code).toBe(2);
  });

  it('bad flags: unknown, missing value, bad number, range, choice, missing file — exit 2, one line', async () => {
    const cases: [string[], RegExp][] = [
      [['train', '--epoch', '3'], /^hopgrad: train: unknown flag '--epoch' \(did you mean --epochs\?\) \(see 'hopgrad train --help'\)\n$/],
      [['train', '--epochs'], /^hopgrad: train: --epochs needs a value \(N\)/],
      [['train', '--epochs', '--quiet'], /--epochs needs a value/],
      [['train', '--epochs', 'many'], /--epochs needs a number, got 'many'/],
      [['train', '--epochs', '2.5'], /--epochs needs an integer, got '2.5'/],
      [['train', '--epochs', '0'], /--epochs must be ≥ 1, got 0/],
      [['train', '--kind', 'dens'], /--kind must be one of dense, sparsemax; got 'dens'/],
      [['train', '--m', '10,,20'], /--m: empty item in the list/],
      [['train', '--m', '10,x'], /--m needs a number, got 'x'/],
      [['train', '--data', 'no/such.csv'], /--data: no such file or folder 'no\/such\.csv'/],
      [['train', '--resume', 'package.json'], /--resume: 'package\.json' is a file, expected a folder/],
      [['train', 'extra'], /unexpected argument 'extra'/],
      [['train', '--epochs', '2', '--epochs', '3'], /--epochs is given twice/],
      [['train', '--quiet=maybe'], /--quiet is a switch/],
      [['train', '--fail', 'usage'], /^hopgrad: train: --m must be larger than --epochs \(see/],
    ];
    for (const [argv, re] of cases) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(re);
      expect(r.err.trimEnd().split('\n').length, argv.join(' ')).toBe(1);
      expect(r.out).toBe('');
    }
  });

  it('errors inside a command: exit 1; internal ones hint at --debug, which prints the stack', async () => {
    const known = await cli(['train', '--fail', 'hopgrad']);
    expect(known.code).toBe(1);
    expect(known.err).toBe('hopgrad train: loadThing: the file is broken\n');
    const internal = await cli(['train', '--fail', 'internal']);
    expect(internal.code).toBe(1);
    expect(internal.err).toBe('hopgrad train: internal error: x is not a function (run with --debug for the stack trace)\n');
    const debug = await cli(['train', '--fail', 'internal', '--debug']);
    expect(debug.err).toMatch(/^hopgrad train: internal error: x is not a function\nTypeError: x is not a function\n\s+at /);
  });
});

describe('flags', () => {
  it('defaults, = syntax, --no-x, short aliases, lists, negative numbers, quiet', async () => {
    const r = await cli(['train', '--epochs=5', '--m', '1,2', '--m', '3', '--lr', '-1e-3', '-q', '--seed', '4']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('epochs 5\n');
    expect(r.err).toBe(''); // --quiet silences info()
    expect(lastFlags).toMatchObject({ epochs: 5, m: [1, 2, 3], lr: -1e-3, quiet: true, seed: 4, kind: 'dense', debug: false });
    expect((lastFlags as { data?: string }).data).toBeUndefined();
    await cli(['train']);
    expect(lastFlags).toMatchObject({ epochs: 3, m: [10, 20], seed: 0, quiet: false });
    expect(parseFlags(['--no-quiet', '--quiet=true', '--no-quiet'], { quiet: { type: 'boolean', help: '' } })).toEqual({ quiet: false });
    expect(() => parseFlags([], { n: { type: 'int', required: true, help: 'how many' } })).toThrow(/--n is required \(how many\)/);
    expect(parseFlags(['--bag-size', '7'], { bagSize: { type: 'int', help: '' } })).toEqual({ bagSize: 7 });
    expect(parseFlags(['--x', '-3', '--'], { x: { type: 'int', help: '' } })).toEqual({ x: -3 });
    expect(() => parseFlags(['--x', '3'], { x: { type: 'int', help: '', validate: (v) => (v === 3 ? 'three is not allowed' : undefined) } }))
      .toThrow(/^--x: three is not allowed$/);
  });

  it('status lines go to stderr, results to stdout', async () => {
    const r = await cli(['train']);
    expect(r.out).toBe('epochs 3\n');
    expect(r.err).toBe('status line\n');
  });
});

describe('results folder', () => {
  it('--out, else --resume, else runs/<command>-<timestamp> under cwd', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'hopgrad-cli-'));
    const a = await cli(['train', '--out', 'res/a'], { cwd });
    expect(a.out).toContain(`dir ${join(cwd, 'res/a')}`);
    expect(existsSync(join(cwd, 'res/a'))).toBe(true);
    const noCheckpoint = await cli(['train', '--resume', 'res/a'], { cwd });
    expect(noCheckpoint.code).toBe(2);
    expect(noCheckpoint.err).toMatch(/--resume: no checkpoint\.safetensors in '.*res\/a' \(is it the --out folder of an earlier run\?\)/);
    writeFileSync(join(cwd, 'res/a/checkpoint.safetensors'), '');
    const b = await cli(['train', '--resume', 'res/a'], { cwd }); // relative to the CLI's cwd
    expect(b.out).toContain(`dir ${join(cwd, 'res/a')}`);
    const now = (): Date => new Date(2024, 0, 2, 3, 4, 5);
    const cmd = defineCommand({ name: 'x', summary: '', flags: {}, run: (ctx) => ctx.print(ctx.runDir().path) });
    const c = await cli(['x'], { cwd, now }, [cmd]);
    expect(c.out).toBe(`${join(cwd, 'runs', 'x-20240102-030405')}\n`);
  });
});

describe('built-in commands', () => {
  it('version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const r = await cli(['version']);
    expect(r.out).toBe(`hopgrad ${pkg.version} (Node.js ${process.version})\n`);
    expect((await cli(['--version'])).out).toBe(r.out);
  });

  it('datasets reads every format of ../shared/data and the embedded digits', async () => {
    const json = async (...args: string[]) => {
      const r = await cli(['datasets', '--json', ...args]);
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out) as Record<string, unknown>[];
    };
    const mnist = await json('--data', join(data, 'mnist/subset'));
    expect(mnist.map((s) => [s.split, s.count, s.images])).toEqual([['train', 10_000, [10_000, 784]], ['test', 2000, [2000, 784]]]);
    const cifar = await json('--data', join(data, 'cifar10'));
    expect(cifar.map((s) => [s.split, s.count, s.imageShape])).toEqual([['train', 1000, [3, 32, 32]], ['test', 1000, [3, 32, 32]]]);
    const [mil] = await json('--data', join(data, 'mil/musk1.csv'));
    expect(mil).toMatchObject({ kind: 'mil', bags: 92, positives: 47, instances: 476, features: 166 });
    const [ts] = await json('--data', join(data, 'ett/ETTh1.csv'), '--column', 'HUFL');
    expect(ts).toMatchObject({ kind: 'timeseries', rows: 17_420, column: 'HUFL', split: [12_194, 1742, 3484] });
    const [idx] = await json('--data', join(data, 'mnist/full/train-labels-idx1-ubyte.gz'));
    expect(idx).toMatchObject({ kind: 'idx', dtype: 'ubyte', shape: [60_000] });
    const [pkg] = await json();
    expect(pkg).toMatchObject({ kind: 'mnist', split: 'package', count: 10_000 });
    const text = await cli(['datasets', '--data', join(data, 'mil/musk1.csv')]);
    expect(text.out).toMatch(/^mil: 92 bags \(47 positive\), 476 instances of 166 features; bag size 2–40/);
  });

  it('datasets on a malformed file: exit 1 with the loader message naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hopgrad-cli-'));
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'date,OT\n2020-01-01,1\n2020-01-02,oops\n');
    const r = await cli(['datasets', '--data', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`hopgrad datasets: parseTimeSeriesCsv: '${bad}' line 3, column 2 ('OT'): cell "oops" is not a finite number\n`);
    const col = await cli(['datasets', '--data', join(data, 'ett/ETTh1.csv'), '--column', 'oil']);
    expect(col.code).toBe(1);
    expect(col.err).toMatch(/has no column 'oil'; its columns are 'date', 'HUFL'/);
  });
});

describe('bin/hopgrad.js', () => {
  const bin = join(root, 'bin/hopgrad.js');
  it('runs the TypeScript CLI from the repo: --help exits 0, a bad flag exits 2 with one line', () => {
    const out = execFileSync(process.execPath, [bin, '--help'], { cwd: tmpdir(), encoding: 'utf8' });
    expect(out).toMatch(/^Usage: hopgrad <command> \[flags\]/);
    const bad = spawnSync(process.execPath, [bin, 'datasets', '--bogus'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe("hopgrad: datasets: unknown flag '--bogus' (see 'hopgrad datasets --help')\n");
    const v = spawnSync(process.execPath, [bin, 'datasets', '--data', join(data, 'mil/musk1.csv')], { encoding: 'utf8' });
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^mil: 92 bags/);
  });
});
