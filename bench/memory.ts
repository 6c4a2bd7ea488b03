// Memory benchmark (issue 6: "buffers reused across steps ... a long run's memory stays flat"): W4's MIL training
// step (bench/w4-model.ts) run for N steps in two fresh processes —
//   tidy: each step inside tidy(), gradients zero-filled in place (optimizer.zeroGrad({ setToNone: false })),
//         so released tensors' storage is reused through the buffer pool;
//   gc:   the plain W4 step (zeroGrad sets grads to null), memory left to the garbage collector (the peer).
// Reported per mode: pool misses (fresh allocations) and allocations per step after warm-up, per op (tensor),
// heapUsed / arrayBuffers / rss after a full GC sampled every --sample steps, with least-squares slopes in bytes
// per step over the samples after warm-up, and the step time. The loss sequences of both modes must be
// bit-identical (the pool never changes numerics). Prints a markdown table; writes memory.json / memory.md.
// Usage: npx tsx bench/memory.ts [--steps 300] [--sample 25] [--warmup 25] [--backend wasm|cpu] [--out bench/results]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { getBackend, poolStats, resetPoolStats, setBackend } from '../src/index.js';
import { lastTidyStats } from '../src/tensor/tidy.js';
import { W4_LOSS0, buildW4Model } from './w4-model.js';

type Mode = 'tidy' | 'gc';

/** One memory sample after a full GC. */
interface Sample { step: number; heapUsed: number; arrayBuffers: number; rss: number }

/** What one mode's process reports. */
interface ModeResult {
  mode: Mode;
  backend: string;
  steps: number;
  warmup: number;
  losses: number[];
  /** Pool misses (fresh typed arrays) per step after warm-up (mean) and the most in any one step. */
  missesPerStep: number;
  maxMissesInAStep: number;
  /** Arrays handed out by `allocate` per step (hits + misses) after warm-up. */
  allocationsPerStep: number;
  /** Tensors created per step (tidy mode: counted by the scope; gc mode: not tracked, null). */
  tensorsPerStep: number | null;
  freshBytesPerStep: number;
  poolHighWaterBytes: number;
  samples: Sample[];
  slopes: { heapUsed: number; arrayBuffers: number; rss: number };
  stepMsMedian: number;
  /** Most resident memory seen after any step (no forced GC: what the run really needed). */
  peakRss: number;
  /** Garbage-collection pauses per step after warm-up (ms), not counting the forced collections of the samples. */
  gcMsPerStep: number;
  /** Collections per step after warm-up (not forced). */
  gcsPerStep: number;
}

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '300' },
    sample: { type: 'string', default: '25' },
    warmup: { type: 'string', default: '25' },
    backend: { type: 'string' },
    out: { type: 'string', default: 'bench/results' },
    child: { type: 'string' },
  },
});

function positiveInt(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench/memory: --${name} must be a positive integer, got ${String(v)}`);
  return n;
}

/** Least-squares slope of y over x (bytes per step); 0 with fewer than 2 points. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function runMode(mode: Mode, steps: number, every: number, warmup: number, backend: string | undefined): Promise<ModeResult> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  if (backend) setBackend(backend as Parameters<typeof setBackend>[0]);
  const model = buildW4Model();
  const step = mode === 'tidy' ? model.tidyStep : model.step;
  const losses: number[] = [];
  const samples: Sample[] = [];
  const times: number[] = [];
  let misses = 0, allocs = 0, tensors = 0, freshBytes = 0, maxMisses = 0, counted = 0, peakRss = 0;
  let gcMs = 0, gcs = 0, warm = false;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const flags = (e as { detail?: { flags?: number } }).detail?.flags ?? 0;
      if (!warm || (flags & perfConstants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0) continue;
      gcMs += e.duration;
      gcs++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const sample = (i: number): void => {
    gc();
    gc();
    const m = process.memoryUsage();
    samples.push({ step: i, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, rss: m.rss });
  };
  sample(0);
  for (let i = 1; i <= steps; i++) {
    resetPoolStats();
    const t0 = performance.now();
    losses.push(step());
    times.push(performance.now() - t0);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    const s = poolStats();
    if (i > warmup) {
      counted++;
      misses += s.misses;
      maxMisses = Math.max(maxMisses, s.misses);
      allocs += s.hits + s.misses;
      freshBytes += s.freshBytes;
      if (mode === 'tidy') tensors += lastTidyStats().tensors;
    }
    if (i % every === 0) sample(i);
    if (i === warmup) warm = true;
  }
  await new Promise((r) => setTimeout(r, 50)); // let the observer deliver the last entries
  obs.disconnect();
  const late = samples.filter((s) => s.step >= warmup);
  const fit = (k: 'heapUsed' | 'arrayBuffers' | 'rss'): number => slope(late.map((s) => s.step), late.map((s) => s[k]));
  const sorted = times.slice(warmup).sort((a, b) => a - b);
  const c = Math.max(counted, 1);
  return {
    mode, backend: getBackend(), steps, warmup, losses,
    missesPerStep: misses / c, maxMissesInAStep: maxMisses, allocationsPerStep: allocs / c,
    tensorsPerStep: mode === 'tidy' ? tensors / c : null, freshBytesPerStep: freshBytes / c,
    poolHighWaterBytes: poolStats().highWaterBytes, samples,
    slopes: { heapUsed: fit('heapUsed'), arrayBuffers: fit('arrayBuffers'), rss: fit('rss') },
    stepMsMedian: sorted[Math.floor(sorted.length / 2)] ?? NaN,
    peakRss, gcMsPerStep: gcMs / c, gcsPerStep: gcs / c,
  };
}

function spawnMode(mode: Mode): Promise<ModeResult> {
  const args = [...process.execArgv, process.argv[1]!, '--child', mode, '--steps', values.steps!, '--sample', values.sample!, '--warmup', values.warmup!];
  if (values.backend) args.push('--backend', values.backend);
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('error', reject);
    p.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`bench/memory: the ${mode} process exited with ${code}`));
      else resolve(JSON.parse(line) as ModeResult);
    });
  });
}

const kib = (b: number): string => `${(b / 1024).toFixed(1)}`;
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)}`;

function toMarkdown(rs: ModeResult[], identical: boolean, firstDiff: number): string {
  const lines = [
    `W4 training step × ${rs[0]!.steps} (warm-up ${rs[0]!.warmup}), backend ${rs[0]!.backend}; memory after a full GC every ${values.sample} steps, slopes fitted over the samples after warm-up.`,
    '',
    '| mode | pool misses / step | max misses in a step | allocations / step | tensors / step | fresh KiB / step | heapUsed slope (B/step) | arrayBuffers slope (B/step) | rss slope (B/step) | final heapUsed MiB | final arrayBuffers MiB | final rss MiB | pool high-water MiB | peak rss MiB | GC ms / step | GCs / step | step ms (median) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rs) {
    const last = r.samples[r.samples.length - 1]!;
    lines.push(`| ${r.mode === 'tidy' ? 'tidy + pool' : 'GC only (peer)'} | ${r.missesPerStep.toFixed(2)} | ${r.maxMissesInAStep} | ${r.allocationsPerStep.toFixed(1)} | ${r.tensorsPerStep === null ? '–' : r.tensorsPerStep.toFixed(1)} | ${kib(r.freshBytesPerStep)} | ${r.slopes.heapUsed.toFixed(0)} | ${r.slopes.arrayBuffers.toFixed(0)} | ${r.slopes.rss.toFixed(0)} | ${mib(last.heapUsed)} | ${mib(last.arrayBuffers)} | ${mib(last.rss)} | ${mib(r.poolHighWaterBytes)} | ${mib(r.peakRss)} | ${r.gcMsPerStep.toFixed(2)} | ${r.gcsPerStep.toFixed(2)} | ${r.stepMsMedian.toFixed(1)} |`);
  }
  const t = rs.find((r) => r.mode === 'tidy');
  lines.push('');
  if (t && t.tensorsPerStep) lines.push(`tidy: ${(t.missesPerStep / t.tensorsPerStep).toFixed(4)} fresh allocations per op (tensor), ${(t.allocationsPerStep / t.tensorsPerStep).toFixed(2)} allocations per op, all others served from the pool.`);
  lines.push(`loss0 = ${rs[0]!.losses[0]} (check value ${W4_LOSS0}); loss sequences ${identical ? `bit-identical over all ${rs[0]!.steps} steps` : `DIFFER first at step ${firstDiff + 1}`}.`);
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const steps = positiveInt('steps', values.steps);
  const every = positiveInt('sample', values.sample);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(warmup) || warmup < 0 || warmup >= steps) throw new Error(`bench/memory: --warmup must be an integer in [0, steps), got ${values.warmup}`);
  if (values.child !== undefined) {
    if (values.child !== 'tidy' && values.child !== 'gc') throw new Error(`bench/memory: --child must be tidy or gc, got ${values.child}`);
    process.stdout.write(JSON.stringify(await runMode(values.child, steps, every, warmup, values.backend)) + '\n');
    return;
  }
  const results: ModeResult[] = [];
  for (const mode of ['tidy', 'gc'] as const) results.push(await spawnMode(mode));
  const [a, b] = results as [ModeResult, ModeResult];
  const firstDiff = a.losses.findIndex((x, i) => !Object.is(x, b.losses[i]));
  const identical = firstDiff < 0 && a.losses.length === b.losses.length;
  const loss0Ok = Math.abs(a.losses[0]! - W4_LOSS0) < 1e-5;
  const md = toMarkdown(results, identical, firstDiff);
  process.stdout.write(md);
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(join(values.out!, 'memory.json'), JSON.stringify({ date: new Date().toISOString(), identical, loss0Ok, results }, null, 1) + '\n');
  writeFileSync(join(values.out!, 'memory.md'), md);
  if (!identical || !loss0Ok) {
    process.stderr.write(`bench/memory: ${!identical ? 'loss sequences differ' : `loss0 ${a.losses[0]} is not ${W4_LOSS0}`}\n`);
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});
