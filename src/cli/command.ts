// What a `hopgrad` command is: a name, a summary, a typed flag spec and `run(ctx)`; the flags every command
// shares (COMMON, to spread into a spec) and the global ones (--help, --quiet, --debug); the run context.
import fs from 'node:fs';
import nodePath from 'node:path';
import type { FlagSpec, FlagSpecs, FlagValues } from './args.js';
import type { Progress, ProgressOptions, Interrupt } from './progress.js';
import type { RunDir } from './run-dir.js';

/** Flags every command has (added by the dispatcher; do not declare them). */
export const GLOBAL_FLAGS = {
  help: { type: 'boolean', short: 'h', help: 'show this help and exit' },
  quiet: { type: 'boolean', short: 'q', help: 'no progress bars or status lines (results and errors still print)' },
  debug: { type: 'boolean', help: 'print the stack trace of an internal error' },
} as const satisfies FlagSpecs;

/**
 * Flags shared by the experiment commands, to spread into a command's spec, e.g.
 * `flags: { data: COMMON.data, epochs: { ...COMMON.epochs, default: 20 }, kind: { ...COMMON.kind, choices: KINDS } }`.
 */
export const COMMON = {
  data: { type: 'path', meta: 'FILE', help: 'dataset file or folder (the embedded MNIST digits when omitted, where that applies)' },
  out: { type: 'string', meta: 'DIR', help: 'results folder (default runs/<command>-<timestamp>; with --resume, the resumed folder)' },
  seed: { type: 'int', meta: 'N', default: 0, min: 0, help: 'random seed: the run is reproducible from it' },
  epochs: { type: 'int', meta: 'N', min: 1, help: 'training epochs' },
  kind: { type: 'string', meta: 'K', help: 'association kind' },
  resume: {
    type: 'dir', meta: 'DIR', help: 'resume the run whose checkpoint.safetensors is in DIR',
    validate: (dir) => (fs.existsSync(nodePath.join(String(dir), 'checkpoint.safetensors'))
      ? undefined : `no checkpoint.safetensors in '${String(dir)}' (is it the --out folder of an earlier run?)`),
  },
} as const satisfies Record<string, FlagSpec>;

/** A byte/text sink with an optional TTY flag (process.stdout / process.stderr, or a test double). */
export interface OutStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** What `run` gets. Results go to stdout (`print`), progress and status to stderr (`info`, `progress`). */
export interface CommandContext<F extends FlagSpecs> {
  /** The command's name. */
  command: string;
  /** Parsed, validated flags (including the global help/quiet/debug). */
  flags: FlagValues<F & typeof GLOBAL_FLAGS>;
  /** Write a line of results to stdout (printed even with --quiet). */
  print(line?: string): void;
  /** Write a status line to stderr (silent with --quiet). */
  info(line: string): void;
  /** A progress bar on stderr (a bar on a terminal, periodic lines otherwise, nothing with --quiet). */
  progress(total: number, label: string, opts?: Partial<ProgressOptions>): Progress;
  /**
   * The results folder, created on first call: --out if given, else the --resume folder, else
   * runs/<command>-<timestamp> under the working directory.
   */
  runDir(): RunDir;
  /** Ctrl-C: `interrupt.requested` turns true on the first one; stop at a safe point (see Interrupt). */
  interrupt: Interrupt;
  stdout: OutStream;
  stderr: OutStream;
  /** The working directory relative paths are resolved against. */
  cwd: string;
}

/** A command: registered in src/cli/commands/index.ts. */
export interface Command<F extends FlagSpecs = FlagSpecs> {
  name: string;
  /** One line for `hopgrad --help`. */
  summary: string;
  /** Extra paragraphs for `hopgrad <name> --help` (examples, notes). */
  description?: string;
  flags: F;
  /** Do the work; return (or resolve to) an exit code, default 0. Throw UsageError for bad flag combinations. */
  run(ctx: CommandContext<F>): void | number | Promise<void | number>;
}

/** Declare a command with its flag types inferred from the spec (`ctx.flags.epochs` is a number, …). */
export function defineCommand<const F extends FlagSpecs>(cmd: Command<F>): Command<F> {
  return cmd;
}

/**
 * A command of any flag spec, as the registry holds them (`run` is a method, so its parameter is checked
 * bivariantly and every `Command<F>` fits; the dispatcher only calls it with the context of the command's own spec).
 */
export type AnyCommand = Command<FlagSpecs>;
