// Progress output (plain lines off a terminal, a throttled in-place bar on one, nothing when quiet) with an
// injected clock, and Ctrl-C: the interrupt flag logic, and a child process that receives SIGINT mid-run
// (process.emit), finishes its batch, writes its checkpoint and exits with 130.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Interrupt, InterruptedError, Progress, formatDuration } from '../src/cli/progress.js';

const root = resolve(import.meta.dirname, '..');

function sink(isTTY: boolean) {
  return { text: '', isTTY, write(s: string) { this.text += s; return true; } };
}

/** A Progress on a captured stream whose clock advances `stepMs` before every tick. */
function run(total: number, stepMs: number, opts: { tty: boolean; quiet?: boolean }, ticks = total) {
  const stream = sink(opts.tty);
  let t = 0;
  const p = new Progress({ total, label: 'train', stream, now: () => t, quiet: opts.quiet ?? false });
  for (let i = 0; i < ticks; i++) {
    t += stepMs;
    p.tick(1, { loss: 1 / (i + 1) });
  }
  p.finish();
  return stream.text;
}

describe('Progress', () => {
  it('not a TTY: a plain line at every 10 %, then a summary line', () => {
    const lines = run(100, 10, { tty: false }).trimEnd().split('\n');
    expect(lines.length).toBe(10);
    expect(lines[0]).toBe('train  10% 10/100  100 it/s  ETA 0:01  loss 0.1000');
    expect(lines[4]).toBe('train  50% 50/100  100 it/s  ETA 0:01  loss 0.0200');
    expect(lines[8]).toMatch(/^train  90% 90\/100/);
    expect(lines[9]).toBe('train 100/100 in 0:01 (100 it/s)  loss 0.0100');
    expect(lines.join('')).not.toMatch(/\r|\x1b/);
  });

  it('not a TTY: slow steps print at least every 5 s', () => {
    const lines = run(1000, 6000, { tty: false }, 3).trimEnd().split('\n');
    expect(lines.map((l) => l.replace(/ {2}ETA.*| {2}loss.*/, ''))).toEqual([
      'train   0% 1/1000  0.17 it/s', 'train   0% 2/1000  0.17 it/s', 'train   0% 3/1000  0.17 it/s', 'train 3/1000 in 0:18 (0.17 it/s)']);
    expect(lines[0]).toMatch(/ETA 1:39:54/); // 999 steps at 6 s
  });

  it('TTY: redraws in place with \\r at most every 100 ms, with a bar; one newline at the end', () => {
    const text = run(100, 10, { tty: true });
    const draws = text.split('\r').filter((s) => s !== '');
    expect(draws.length).toBe(11); // the first tick, then every 100 ms (ticks 11, 21, …, 91), plus the final line
    expect(text.indexOf('\n')).toBe(text.length - 1);
    expect(draws[0]).toBe('train   1% ░░░░░░░░░░░░░░░░░░░░░░░░ 1/100  100 it/s  ETA 0:01  loss 1\x1b[K');
    expect(draws[5]).toBe('train  51% ████████████░░░░░░░░░░░░ 51/100  100 it/s  ETA 0:00  loss 0.0196\x1b[K');
    expect(draws.at(-1)).toBe('train 100/100 in 0:01 (100 it/s)  loss 0.0100\x1b[K\n');
  });

  it('quiet: writes nothing; ticks after finish are ignored; update clamps', () => {
    expect(run(100, 10, { tty: false, quiet: true })).toBe('');
    expect(run(100, 10, { tty: true, quiet: true })).toBe('');
    const s = sink(false);
    const p = new Progress({ total: 5, label: 'x', stream: s, now: () => 0 });
    p.update(99);
    expect(p.done).toBe(5);
    p.finish();
    const before = s.text;
    p.tick();
    p.finish();
    expect(s.text).toBe(before);
    expect(() => new Progress({ total: -1 })).toThrow(/total must be an integer ≥ 0/);
  });

  it('breakLine ends a drawn bar line before a message', () => {
    const s = sink(true);
    let t = 0;
    const p = new Progress({ total: 10, label: 'b', stream: s, now: () => t });
    p.breakLine(); // nothing drawn yet: no newline
    expect(s.text).toBe('');
    t = 200;
    p.tick();
    p.breakLine();
    expect(s.text.endsWith('\x1b[K\n')).toBe(true);
  });

  it('formatDuration', () => {
    expect([formatDuration(0), formatDuration(59.6), formatDuration(61), formatDuration(3600 + 62), formatDuration(NaN)])
      .toEqual(['0:00', '1:00', '1:01', '1:01:02', '?']);
  });
});

describe('Interrupt', () => {
  it('first trigger sets the flag and runs the hooks once; the second forces', () => {
    let forced = 0;
    const calls: string[] = [];
    const i = new Interrupt(() => forced++);
    const off = i.onInterrupt(() => calls.push('a'));
    i.onInterrupt(() => calls.push('b'));
    off();
    expect(i.requested).toBe(false);
    expect(() => i.stopIfRequested()).not.toThrow();
    i.trigger();
    expect(i.requested).toBe(true);
    expect(calls).toEqual(['b']);
    expect(forced).toBe(0);
    expect(() => i.stopIfRequested('saved')).toThrow(InterruptedError);
    i.trigger();
    expect(forced).toBe(1);
    expect(calls).toEqual(['b']);
  });

  it('install listens for SIGINT on the target and uninstall stops listening', () => {
    const target = new EventEmitter();
    const i = new Interrupt(() => undefined);
    const uninstall = i.install(target);
    expect(target.listenerCount('SIGINT')).toBe(1);
    target.emit('SIGINT');
    expect(i.requested).toBe(true);
    uninstall();
    expect(target.listenerCount('SIGINT')).toBe(0);
  });
});

/** Run a module script in a child Node with tsx (so it can import the TypeScript sources). */
function child(script: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

const trainer = (emitAt: number[]) => `
import { runCli } from ${JSON.stringify(join(root, 'src/cli/main.ts'))};
import { defineCommand, COMMON } from ${JSON.stringify(join(root, 'src/cli/command.ts'))};
const train = defineCommand({ name: 'train', summary: 'test', flags: { out: COMMON.out }, async run(ctx) {
  const p = ctx.progress(50, 'epoch 1');
  for (let b = 0; b < 50; b++) {
    if (${JSON.stringify(emitAt)}.includes(b)) process.emit('SIGINT');  // Ctrl-C during batch b
    p.tick();
    if (ctx.interrupt.requested) {
      const path = await ctx.runDir().writeJson({ batch: b }, 'checkpoint.json');
      ctx.print('stopped after batch ' + b);
      ctx.interrupt.stopIfRequested('interrupted after batch ' + b + '; resume with --resume ' + ctx.runDir().path);
    }
  }
  p.finish();
  ctx.print('finished');
} });
const before = process.listenerCount('SIGINT');
const code = await runCli(['train', ...process.argv.slice(1)], {}, [train]);
console.log('listeners ' + before + ' -> ' + process.listenerCount('SIGINT'));
process.exitCode = code;
`;

describe('Ctrl-C in a child process', () => {
  it('stops at the next safe point: finishes the batch, writes its checkpoint, exits 130', () => {
    const out = mkdtempSync(join(tmpdir(), 'hopgrad-int-'));
    const r = child(trainer([10]).replace("process.argv.slice(1)", JSON.stringify(['--out', out])));
    expect(r.stdout).toBe('stopped after batch 10\nlisteners 0 -> 0\n');
    expect(r.status).toBe(130);
    expect(r.stderr).toMatch(/Ctrl-C: stopping at the next safe point \(press Ctrl-C again to quit at once\)\n/);
    expect(r.stderr).toMatch(new RegExp(`hopgrad train: interrupted after batch 10; resume with --resume ${out}\\n$`));
    expect(JSON.parse(readFileSync(join(out, 'checkpoint.json'), 'utf8'))).toEqual({ batch: 10 });
  });

  it('without Ctrl-C the run finishes with 0; a second Ctrl-C exits 130 at once', () => {
    const ok = child(trainer([]).replace("process.argv.slice(1)", '[]'));
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe('finished\nlisteners 0 -> 0\n');
    expect(ok.stderr).toMatch(/epoch 1 50\/50 in /);
    // two SIGINTs within one batch: the second forces exit before the checkpoint is written
    const twice = child(trainer([5]).replace("process.emit('SIGINT');", "{ process.emit('SIGINT'); process.emit('SIGINT'); }").replace("process.argv.slice(1)", '[]'));
    expect(twice.status).toBe(130);
    expect(twice.stdout).toBe('');
  });
});
