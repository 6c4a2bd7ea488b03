// The `hopgrad` command-line dispatcher: `hopgrad <command> [flags]`. It finds the command in the registry
// (src/cli/commands/index.ts — ADD A COMMAND THERE: write src/cli/commands/<name>.ts exporting
// `defineCommand({ name, summary, flags, run })`, then add one import and one array entry), parses and validates
// its flags, builds the run context (stdout/stderr, progress, results folder, Ctrl-C) and maps outcomes to exit
// codes: 0 success, 1 error (HopgradError message; internal errors also with the stack under --debug),
// 2 command-line mistake (one line on stderr), 130 stopped by Ctrl-C.
// Run it with bin/hopgrad.js (or `tsx src/cli/main.ts <command> …`).
import nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import { HopgradError } from '../tensor/errors.js';
import { UsageError, flagHelp, parseFlags, suggest } from './args.js';
import { type AnyCommand, type CommandContext, GLOBAL_FLAGS, type OutStream } from './command.js';
import { Interrupt, InterruptedError, Progress, type SignalTarget } from './progress.js';
import { RunDir, defaultRunPath } from './run-dir.js';
import { COMMANDS } from './commands/index.js';

/** The outside world of one CLI invocation (process's by default; tests pass doubles). */
export interface CliIO {
  stdout: OutStream;
  stderr: OutStream;
  /** Directory relative paths and the default runs/ folder resolve against. */
  cwd: string;
  /** Where SIGINT is listened for (null: not at all). */
  signals: SignalTarget | null;
  /** What a second Ctrl-C does (default: exit 130 at once). */
  force: () => void;
  /** Clock for the default run-folder name. */
  now: () => Date;
}

/** `hopgrad --help`. */
export function toolHelp(commands: readonly AnyCommand[] = COMMANDS): string {
  const w = Math.max(...commands.map((c) => c.name.length)) + 3;
  return [
    'Usage: hopgrad <command> [flags]',
    '',
    'hopgrad: tensors, reverse-mode autodiff and modern Hopfield models in TypeScript.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(w)}${c.summary}`),
    '',
    "Run 'hopgrad <command> --help' for a command's flags.",
    'Exit codes: 0 done, 1 error, 2 command-line mistake, 130 stopped by Ctrl-C (resume with --resume).',
  ].join('\n');
}

/** `hopgrad <command> --help`, generated from the command's flag spec. */
export function commandHelp(cmd: AnyCommand): string {
  const own = flagHelp(cmd.flags);
  return [
    `Usage: hopgrad ${cmd.name}${own.length ? ' [flags]' : ''}`,
    '',
    cmd.summary,
    ...(cmd.description ? ['', cmd.description] : []),
    ...(own.length ? ['', 'Flags:', ...own] : []),
    '',
    'Global flags:',
    ...flagHelp(GLOBAL_FLAGS),
  ].join('\n');
}

const line = (s: OutStream, text: string): void => void s.write(`${text}\n`);

/** Run the CLI on `argv` (the arguments after `hopgrad`) and resolve to the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: Partial<CliIO> = {}, commands: readonly AnyCommand[] = COMMANDS): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const cwd = io.cwd ?? process.cwd();
  const usage = (msg: string): number => {
    line(stderr, `hopgrad: ${msg}`);
    return 2;
  };
  const [name, ...rest] = argv;
  if (name === undefined) {
    line(stderr, toolHelp(commands));
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic === undefined) {
      line(stdout, toolHelp(commands));
      return 0;
    }
    const cmd = commands.find((c) => c.name === topic);
    if (!cmd) return usage(`no command '${topic}' (commands: ${commands.map((c) => c.name).join(', ')})`);
    line(stdout, commandHelp(cmd));
    return 0;
  }
  if (name === '--version') return runCli(['version', ...rest], io, commands);
  if (name.startsWith('-')) return usage(`expected a command before the flags, e.g. 'hopgrad ${commands[0]?.name ?? 'version'} ${name}' (see 'hopgrad --help')`);
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    const close = suggest(name, commands.map((c) => c.name));
    return usage(`unknown command '${name}'${close ? ` (did you mean '${close}'?)` : ''}; commands: ${commands.map((c) => c.name).join(', ')}`);
  }
  const flagArgs = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (flagArgs.includes('--help') || flagArgs.includes('-h')) {
    line(stdout, commandHelp(cmd));
    return 0;
  }
  let flags: CommandContext<typeof GLOBAL_FLAGS>['flags'];
  try {
    flags = parseFlags(rest, { ...cmd.flags, ...GLOBAL_FLAGS }, { cwd });
  } catch (e) {
    if (e instanceof UsageError) return usage(`${cmd.name}: ${e.message} (see 'hopgrad ${cmd.name} --help')`);
    throw e;
  }
  return execute(cmd, flags, { stdout, stderr, cwd, io });
}

/** Run a command with parsed flags: build its context, install Ctrl-C handling, map the outcome to an exit code. */
async function execute(
  cmd: AnyCommand, flags: CommandContext<typeof GLOBAL_FLAGS>['flags'],
  env: { stdout: OutStream; stderr: OutStream; cwd: string; io: Partial<CliIO> },
): Promise<number> {
  const { stdout, stderr, cwd, io } = env;
  const quiet = flags.quiet === true;
  const interrupt = new Interrupt(io.force);
  let lastProgress: Progress | undefined;
  let dir: RunDir | undefined;
  const info = (text: string): void => {
    if (quiet) return;
    lastProgress?.breakLine();
    line(stderr, text);
  };
  interrupt.onInterrupt(() => {
    lastProgress?.breakLine();
    line(stderr, 'Ctrl-C: stopping at the next safe point (press Ctrl-C again to quit at once)');
  });
  const ctx: CommandContext<typeof GLOBAL_FLAGS> = {
    command: cmd.name,
    flags,
    print: (text = '') => {
      lastProgress?.breakLine();
      line(stdout, text);
    },
    info,
    progress: (total, label, opts = {}) => (lastProgress = new Progress({ stream: stderr, quiet, ...opts, total, label })),
    runDir: () => {
      if (dir) return dir;
      const f = flags as Record<string, unknown>;
      const chosen = typeof f.out === 'string' ? f.out : typeof f.resume === 'string' ? f.resume : undefined;
      dir = new RunDir(chosen !== undefined ? nodePath.resolve(cwd, chosen) : defaultRunPath(cmd.name, cwd, (io.now ?? (() => new Date()))()));
      return dir;
    },
    interrupt,
    stdout,
    stderr,
    cwd,
  };
  const signals = io.signals === undefined ? process : io.signals;
  const uninstall = signals ? interrupt.install(signals) : () => undefined;
  const where = `hopgrad ${cmd.name}`;
  try {
    const code = await cmd.run(ctx);
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    lastProgress?.breakLine();
    if (e instanceof UsageError) {
      line(stderr, `hopgrad: ${cmd.name}: ${e.message} (see 'hopgrad ${cmd.name} --help')`);
      return 2;
    }
    if (e instanceof InterruptedError) {
      line(stderr, `${where}: ${e.message}`);
      return 130;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    const known = err instanceof HopgradError;
    line(stderr, `${where}: ${known ? '' : 'internal error: '}${err.message}${!known && !flags.debug ? ' (run with --debug for the stack trace)' : ''}`);
    if (flags.debug && err.stack) line(stderr, err.stack);
    return 1;
  } finally {
    uninstall();
  }
}

// Run when executed directly (`tsx src/cli/main.ts …` or `node dist/cli/main.js …`).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(nodePath.resolve(process.argv[1])).href) {
  process.exitCode = await runCli(process.argv.slice(2));
}
