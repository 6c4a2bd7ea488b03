// Progress reporting and Ctrl-C for long runs. Progress: on a terminal one bar redrawn in place with `\r`
// (throttled), with rate and ETA; elsewhere (CI logs, pipes) a plain line every 10 % or 5 s; nothing when quiet.
// Interrupt: the first Ctrl-C only raises a flag, so the run finishes its batch, writes a checkpoint and exits
// with code 130 (throw `InterruptedError` via `stopIfRequested`); a second Ctrl-C exits at once.
import type { OutStream } from './command.js';

/** Options of a Progress. */
export interface ProgressOptions {
  /** Number of steps (≥ 0). */
  total: number;
  /** Shown first on every line. */
  label: string;
  /** Where to write (default process.stderr). */
  stream: OutStream;
  /** Draw a bar in place (default: `stream.isTTY`). */
  tty: boolean;
  /** Write nothing at all. */
  quiet: boolean;
  /** Clock in milliseconds (default performance.now); injectable for tests. */
  now: () => number;
  /** Terminal redraw interval (default 100 ms). */
  redrawMs: number;
  /** Plain mode: a line each time progress crosses a multiple of this percentage (default 10). */
  everyPercent: number;
  /** Plain mode: and at least this often (default 5,000 ms). */
  everyMs: number;
  /** Name of a step in the rate (default 'it', as in "12.5 it/s"). */
  unit: string;
}

/** Format seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

const fmtRate = (r: number): string => (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toPrecision(2));
const fmtValue = (v: number | string): string =>
  typeof v === 'string' ? v : Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(3);

/** A progress reporter: call `tick()` per step, `finish()` at the end. */
export class Progress {
  readonly opts: ProgressOptions;
  private doneCount = 0;
  private readonly start: number;
  private lastDraw = -Infinity;
  private lastLine = -Infinity;
  private nextPercent: number;
  private fields: Record<string, number | string> = {};
  private drawn = false;
  private finished = false;

  constructor(opts: Partial<ProgressOptions> & { total: number }) {
    if (!Number.isSafeInteger(opts.total) || opts.total < 0) throw new RangeError(`Progress: total must be an integer ≥ 0, got ${opts.total}`);
    const stream = opts.stream ?? process.stderr;
    this.opts = {
      label: '', tty: stream.isTTY === true, quiet: false, now: () => performance.now(), redrawMs: 100,
      everyPercent: 10, everyMs: 5000, unit: 'it', ...opts, stream,
    };
    this.start = this.opts.now();
    this.lastLine = this.start;
    this.nextPercent = this.opts.everyPercent;
  }

  /** Steps done so far. */
  get done(): number {
    return this.doneCount;
  }

  /** Seconds since creation. */
  get elapsed(): number {
    return (this.opts.now() - this.start) / 1000;
  }

  /** Advance by `n` steps and merge `fields` (e.g. `{ loss: 0.31 }`) into the status shown after the ETA. */
  tick(n = 1, fields?: Record<string, number | string>): void {
    this.update(this.doneCount + n, fields);
  }

  /** Set the number of steps done (clamped to [0, total]) and optionally the status fields. */
  update(done: number, fields?: Record<string, number | string>): void {
    if (this.finished) return;
    this.doneCount = Math.max(0, Math.min(this.opts.total, done));
    if (fields) this.fields = { ...this.fields, ...fields };
    if (this.opts.quiet) return;
    const t = this.opts.now();
    if (this.opts.tty) {
      if (t - this.lastDraw >= this.opts.redrawMs) this.draw(t);
      return;
    }
    const pct = this.opts.total === 0 ? 100 : (100 * this.doneCount) / this.opts.total;
    if ((pct >= this.nextPercent && this.doneCount < this.opts.total) || t - this.lastLine >= this.opts.everyMs) {
      while (this.nextPercent <= pct) this.nextPercent += this.opts.everyPercent;
      this.lastLine = t;
      this.opts.stream.write(`${this.line(t)}\n`);
    }
  }

  /** End the bar: a final line with the total time and rate (and `fields`). Further ticks are ignored. */
  finish(fields?: Record<string, number | string>): void {
    if (this.finished) return;
    if (fields) this.fields = { ...this.fields, ...fields };
    this.finished = true;
    if (this.opts.quiet) return;
    const t = this.opts.now();
    const secs = (t - this.start) / 1000;
    const rate = secs > 0 ? ` (${fmtRate(this.doneCount / secs)} ${this.opts.unit}/s)` : '';
    const text = `${this.prefix()}${this.doneCount}/${this.opts.total} in ${formatDuration(secs)}${rate}${this.status()}`;
    this.opts.stream.write(this.opts.tty ? `\r${text}\x1b[K\n` : `${text}\n`);
  }

  /** On a terminal, end the bar's line so that a message can be printed below it (the bar redraws on the next tick). */
  breakLine(): void {
    if (this.opts.tty && this.drawn && !this.finished && !this.opts.quiet) {
      this.opts.stream.write('\n');
      this.drawn = false;
    }
  }

  private prefix(): string {
    return this.opts.label ? `${this.opts.label} ` : '';
  }

  private status(): string {
    const parts = Object.entries(this.fields).map(([k, v]) => `${k} ${fmtValue(v)}`);
    return parts.length ? `  ${parts.join('  ')}` : '';
  }

  /** The status line: label, percentage, (bar,) count, rate, ETA, fields. */
  private line(t: number): string {
    const { total } = this.opts;
    const frac = total === 0 ? 1 : this.doneCount / total;
    const secs = (t - this.start) / 1000;
    const rate = secs > 0 ? this.doneCount / secs : 0;
    const eta = rate > 0 ? formatDuration((total - this.doneCount) / rate) : '?';
    const pct = `${Math.floor(frac * 100)}%`.padStart(4);
    const width = 24;
    const full = Math.round(frac * width);
    const bar = this.opts.tty ? ` ${'█'.repeat(full)}${'░'.repeat(width - full)}` : '';
    return `${this.prefix()}${pct}${bar} ${this.doneCount}/${total}  ${fmtRate(rate)} ${this.opts.unit}/s  ETA ${eta}${this.status()}`;
  }

  private draw(t: number): void {
    this.lastDraw = t;
    this.drawn = true;
    this.opts.stream.write(`\r${this.line(t)}\x1b[K`);
  }
}

/** Thrown by `Interrupt.stopIfRequested`: the dispatcher turns it into exit code 130. */
export class InterruptedError extends Error {
  constructor(message = 'interrupted') {
    super(message);
    this.name = 'InterruptedError';
  }
}

/** What SIGINT handling needs from a process (process itself, or a test double). */
export interface SignalTarget {
  on(event: 'SIGINT', listener: () => void): unknown;
  off(event: 'SIGINT', listener: () => void): unknown;
}

/**
 * Cooperative Ctrl-C. `install()` listens for SIGINT: the first sets `requested` and runs the `onInterrupt`
 * hooks (e.g. "stopping after this batch…"), the second calls `force` (default: exit 130 at once). A training
 * loop checks `requested` after each batch, writes its checkpoint, then calls `stopIfRequested()`.
 */
export class Interrupt {
  /** True once Ctrl-C was pressed (or `trigger()` called). */
  requested = false;
  private hooks: (() => void)[] = [];
  private count = 0;

  /** @param force what a second Ctrl-C does (default: exit the process with code 130). */
  constructor(private readonly force: () => void = () => process.exit(130)) {}

  /** Run `hook` on the first Ctrl-C; returns a function that removes it. */
  onInterrupt(hook: () => void): () => void {
    this.hooks.push(hook);
    return () => {
      this.hooks = this.hooks.filter((h) => h !== hook);
    };
  }

  /** What a SIGINT does (public so that tests and embedders can simulate one). */
  trigger(): void {
    this.count++;
    if (this.count > 1) {
      this.force();
      return;
    }
    this.requested = true;
    for (const h of [...this.hooks]) h();
  }

  /** Listen for SIGINT on `target` (default process); returns the function that stops listening. */
  install(target: SignalTarget = process): () => void {
    const listener = (): void => this.trigger();
    target.on('SIGINT', listener);
    return () => {
      target.off('SIGINT', listener);
    };
  }

  /** Throw InterruptedError(message) if Ctrl-C was pressed: call it at a safe point, after saving state. */
  stopIfRequested(message?: string): void {
    if (this.requested) throw new InterruptedError(message);
  }
}
