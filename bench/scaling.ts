// Workload S: the cost of every retrieval kind as L grows (issue 3). One step of
// `hopfield.retrieve(X, Ξ, { kind, beta: 0.125, ...params })`, B = 1, L = M ∈ {1024 … 16384}, d = 64, X and Ξ
// from the bench generator with W2's seeds (201, 202), each kind with fixed documented parameters. Per (kind, L):
// the median ms under the timing rules of bench-workloads.md §2 (bench/harness.ts), the peak memory of one call
// (measured in a fresh process, bench/scaling-mem.ts), the check value, and per kind the least-squares slope of
// log time on log L. Quadratic kinds are capped (size and predicted memory) and may use fewer calls, see
// `ScalingOptions`; every deviation is recorded in the case and printed.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as hopgrad from '../src/index.js';
import type { RetrieveKind, RetrieveOptions } from '../src/hopfield/retrieve.js';
import type { TypedArray } from '../src/tensor/dtype.js';
import { normal } from './data.js';
import { sampleCpu, foreignBetween, waitForIdle } from './cpuload.js';
import { type Timing, FOREIGN_LIMIT, timeCase } from './harness.js';
import { checkMatches } from './reference.js';
import { summarize } from './stats.js';
import { meanAbs } from './workloads.js';

export const SCALING_SIZES: readonly number[] = [1024, 2048, 4096, 8192, 16384];
export const SCALING_D = 64;
export const SCALING_BETA = 0.125;

/** One kind of the S workload: its fixed parameters at M memories and whether it scores all L×M pairs. */
export interface ScalingKind {
  kind: RetrieveKind;
  /** The kind's options at M memories (besides beta). */
  params(m: number): RetrieveOptions;
  /** Human-readable parameters for the report. */
  describe: string;
  /** Builds L×M scores (dense, sparsemax, entmax, topk): O(L·M·d) by design. */
  quadratic: boolean;
}

/** The kinds and their fixed parameters (topk k = ⌊M/5⌋ and window w = 32 as W5; random k = 64; prf m_f = 256). */
export const SCALING_KINDS: readonly ScalingKind[] = [
  { kind: 'dense', params: () => ({}), describe: 'softmax', quadratic: true },
  { kind: 'sparsemax', params: () => ({}), describe: 'sort-based', quadratic: true },
  { kind: 'entmax', params: () => ({ alpha: 1.5 }), describe: 'α = 1.5', quadratic: true },
  { kind: 'topk', params: (m) => ({ k: Math.floor(m / 5) }), describe: 'k = ⌊M/5⌋ (W5), renormalized', quadratic: true },
  { kind: 'random', params: () => ({ k: 64, seed: 0 }), describe: 'k = 64, seed 0 (drawn per call)', quadratic: false },
  { kind: 'window', params: () => ({ window: 32 }), describe: 'w = 32 (W5)', quadratic: false },
  { kind: 'linear', params: () => ({}), describe: 'φ = elu + 1', quadratic: false },
  { kind: 'prf', params: () => ({ features: 256, seed: 0 }), describe: 'm_f = 256, seed 0', quadratic: false },
];

/** Check values known from bench-workloads.md §4 for identical computations: W2 (dense) and W5 (top-20 %). */
export const SCALING_REFERENCE: Record<string, number> = {
  'dense/L=256': 0.1223, 'dense/L=1024': 0.107663, 'dense/L=4096': 0.101302, 'topk/L=1024': 0.183183,
};

export function scalingSpec(kind: string): ScalingKind {
  const s = SCALING_KINDS.find((k) => k.kind === kind);
  if (!s) throw new Error(`unknown scaling kind ${kind} (kinds: ${SCALING_KINDS.map((k) => k.kind).join(', ')})`);
  return s;
}

/**
 * The S computation for one (kind, L = M): inputs are created as float32 tensors now (untimed); each call runs one
 * retrieval step without gradient bookkeeping and returns the output [1, L, 64] read back as a host typed array.
 */
export function scalingCall(kind: string, l: number, backend = 'cpu'): () => TypedArray {
  const spec = scalingSpec(kind);
  hopgrad.setBackend(backend);
  const d = SCALING_D;
  const x = hopgrad.tensor(normal(201, [1, l, d]), { dtype: 'float32', shape: [1, l, d] });
  const xi = hopgrad.tensor(normal(202, [1, l, d]), { dtype: 'float32', shape: [1, l, d] });
  const opts: RetrieveOptions = { kind: spec.kind, beta: SCALING_BETA, ...spec.params(l) };
  return () => hopgrad.noGrad(() => hopgrad.hopfield.retrieve(x, xi, opts).dataSync());
}

/** Least-squares fit of ln y = slope · ln x + c over points with x, y > 0, and its coefficient of determination. */
export function fitLogLog(points: readonly { x: number; y: number }[]): { slope: number; intercept: number; r2: number } {
  const p = points.filter((q) => q.x > 0 && q.y > 0 && Number.isFinite(q.x) && Number.isFinite(q.y));
  if (p.length < 2) return { slope: NaN, intercept: NaN, r2: NaN };
  const lx = p.map((q) => Math.log(q.x));
  const ly = p.map((q) => Math.log(q.y));
  const mx = lx.reduce((a, b) => a + b, 0) / p.length;
  const my = ly.reduce((a, b) => a + b, 0) / p.length;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < p.length; i++) {
    sxx += (lx[i]! - mx) ** 2;
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    syy += (ly[i]! - my) ** 2;
  }
  if (sxx === 0) return { slope: NaN, intercept: NaN, r2: NaN };
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

/** Options of the S workload. */
export interface ScalingOptions {
  sizes: readonly number[];
  kinds: readonly string[];
  /** Largest L run for the quadratic kinds (default 8192: one 16k×16k float32 score matrix is 1 GiB, several live). */
  maxQuadratic: number;
  /** Skip a case whose peak memory, extrapolated from the kind's largest measured case, exceeds this (bytes). */
  memCapBytes: number;
  /** When set: quadratic cases with L ≥ 8192 take 1 warm-up call and this many timed calls (fewer than §2's ≥ 7). */
  reducedCalls: number | null;
  /** Wait for an idle machine and retry disturbed cases (harness rules). */
  contention: boolean;
  /** Measure each case's peak memory in a fresh process (one extra call per case). */
  memory: boolean;
}

export const DEFAULT_MAX_QUADRATIC = 8192;
export const DEFAULT_MEM_CAP_GIB = 4;
const GIB = 2 ** 30;

/** Peak memory of one call, measured in a fresh process (see bench/scaling-mem.ts). */
export interface MemoryResult {
  /** VmHWM after the call − VmRSS before it, with the peak reset just before the call (Linux); else null. */
  peakRssDelta: number | null;
  /** process.memoryUsage().arrayBuffers after − before the call (typed-array bytes still held, GC permitting). */
  arrayBuffersDelta: number;
  baselineRss: number | null;
  error?: string;
}

export interface ScalingCase {
  kind: string;
  l: number;
  params: RetrieveOptions;
  /** 'rules': bench-workloads.md §2; 'reduced': 1 warm-up and `reducedCalls` timed calls (--scaling-calls). */
  calls: 'rules' | 'reduced' | null;
  timing: Timing | null;
  memory: MemoryResult | null;
  check: number | null;
  checkExpected: number | null;
  checkOk: boolean | null;
  skipped?: string;
  error?: string;
}

export interface ScalingFit {
  kind: string;
  describe: string;
  slope: number;
  r2: number;
  /**
   * The same fit on CPU time per call (mean wall ms × the cores this process kept busy, from process.cpuUsage):
   * less sensitive than wall time to other processes taking the CPU, more to this process's own helper threads.
   */
  cpuSlope: number;
  cpuR2: number;
  sizes: number[];
  /** Slope of log peak memory on log L over the same cases (null if not measured). */
  memSlope: number | null;
}

export interface ScalingReport {
  d: number;
  beta: number;
  sizes: number[];
  options: Omit<ScalingOptions, 'sizes' | 'kinds'> & { kinds: string[] };
  cases: ScalingCase[];
  fits: ScalingFit[];
}

/** Whether to run a case, and how: the size cap for quadratic kinds, the memory cap, reduced calls. */
export function planCase(spec: ScalingKind, l: number, opts: ScalingOptions, measured: readonly { l: number; peak: number }[]):
  { run: true; calls: 'rules' | 'reduced' } | { run: false; reason: string } {
  if (spec.quadratic && l > opts.maxQuadratic) {
    return { run: false, reason: `quadratic kind above --scaling-max-quadratic ${opts.maxQuadratic} (L×M float32 scores = ${(l * l * 4 / GIB).toFixed(2)} GiB per matrix)` };
  }
  const last = measured.filter((m) => m.l < l && m.peak > 0).sort((a, b) => b.l - a.l)[0];
  if (last) {
    const predicted = last.peak * (l / last.l) ** (spec.quadratic ? 2 : 1);
    if (predicted > opts.memCapBytes) {
      return { run: false, reason: `predicted peak ${(predicted / GIB).toFixed(1)} GiB (from ${(last.peak / GIB).toFixed(2)} GiB at L=${last.l}) > --scaling-mem-cap ${(opts.memCapBytes / GIB).toFixed(1)} GiB` };
    }
  }
  return { run: true, calls: opts.reducedCalls !== null && spec.quadratic && l >= 8192 ? 'reduced' : 'rules' };
}

/** 1 warm-up call, then `n` timed calls, foreign_cpu measured, no retries (documented reduction for long cases). */
async function timeReduced(call: () => unknown, n: number, contention: boolean): Promise<Timing> {
  const idle = contention ? await waitForIdle(10_000) : { waitedMs: 0 };
  const w0 = performance.now();
  call();
  const warmupMs = performance.now() - w0;
  const a = sampleCpu();
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    call();
    times.push(performance.now() - s);
  }
  const du = process.cpuUsage(u0);
  const processCpu = (du.user + du.system) / 1e3 / (performance.now() - t0);
  const b = sampleCpu();
  const foreign = a && b ? foreignBetween(a, b) : null;
  return {
    ...summarize(times), times, warmupCalls: 1, warmupMs, gflops: 0, threads: 1, foreign_cpu: foreign, process_cpu: processCpu,
    disturbed: foreign !== null && foreign > FOREIGN_LIMIT, attempts: 1, attemptForeign: [foreign], idleWaitMs: idle.waitedMs,
  };
}

const MEM_SCRIPT = fileURLToPath(new URL('./scaling-mem.ts', import.meta.url));

/** Run bench/scaling-mem.ts for one case in a fresh process (same Node flags, so tsx loads it). */
export function measureMemory(kind: string, l: number, backend: string): Promise<MemoryResult> {
  return new Promise((resolve) => {
    let out = '';
    const p = spawn(process.execPath, [...process.execArgv, MEM_SCRIPT, backend, kind, String(l)], { stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    p.on('error', (e) => resolve({ peakRssDelta: null, arrayBuffersDelta: NaN, baselineRss: null, error: e.message }));
    p.on('exit', (code) => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as MemoryResult);
      } catch {
        resolve({ peakRssDelta: null, arrayBuffersDelta: NaN, baselineRss: null, error: `memory probe exited with ${code}` });
      }
    });
  });
}

const log = (s: string): void => void process.stderr.write(`[bench ${process.pid}] ${s}\n`);

/**
 * Run workload S on `backend` (already configured): sizes ascending, every kind at each size (so slow drifts of
 * the machine's load spread over the kinds alike, and the harness's idle-wait budget goes to the cheap cases),
 * then the fits.
 */
export async function runScaling(backend: string, opts: ScalingOptions): Promise<ScalingReport> {
  const cases: ScalingCase[] = [];
  const measured = new Map<string, { l: number; peak: number }[]>();
  for (const l of [...opts.sizes].sort((a, b) => a - b)) {
    for (const kind of opts.kinds) {
      const spec = scalingSpec(kind);
      const peaks = measured.get(kind) ?? [];
      measured.set(kind, peaks);
      const c: ScalingCase = { kind, l, params: spec.params(l), calls: null, timing: null, memory: null, check: null, checkExpected: SCALING_REFERENCE[`${kind}/L=${l}`] ?? null, checkOk: null };
      cases.push(c);
      const plan = planCase(spec, l, opts, peaks);
      if (!plan.run) {
        c.skipped = plan.reason;
        log(`S ${kind} L=${l}: skipped (${plan.reason})`);
        continue;
      }
      c.calls = plan.calls;
      try {
        const call = scalingCall(kind, l, backend);
        let last: TypedArray | null = null;
        const timed = (): TypedArray => (last = call());
        log(`S ${kind} L=${l} on ${backend} (${plan.calls}) ...`);
        c.timing = plan.calls === 'reduced'
          ? await timeReduced(timed, opts.reducedCalls!, opts.contention)
          : await timeCase(timed, { flops: 0, threads: backend === 'cpu' ? 1 : null, contention: opts.contention });
        const out = last as TypedArray | null;
        c.check = out && out.length === l * SCALING_D ? meanAbs(out) : null;
        c.checkOk = c.check !== null && Number.isFinite(c.check) && (c.checkExpected === null || checkMatches(c.check, c.checkExpected));
        if (!c.checkOk) log(`S CHECK FAILED ${kind} L=${l}: mean|out| = ${c.check} (expected ${c.checkExpected ?? 'finite'})`);
        if (opts.memory) {
          c.memory = await measureMemory(kind, l, backend);
          const peak = c.memory.peakRssDelta ?? c.memory.arrayBuffersDelta;
          if (Number.isFinite(peak)) peaks.push({ l, peak });
        }
        log(`S ${kind} L=${l}: median ${c.timing.median.toFixed(1)} ms, ${c.timing.count} calls, foreign ${c.timing.foreign_cpu?.toFixed(3)}` +
          (c.memory ? `, peak ΔRSS ${((c.memory.peakRssDelta ?? NaN) / 2 ** 20).toFixed(0)} MiB` : ''));
      } catch (e) {
        c.error = (e as Error).stack ?? String(e);
        log(`S ${kind} L=${l} failed: ${(e as Error).message}`);
      }
    }
  }
  const order = (c: ScalingCase): number => opts.kinds.indexOf(c.kind) * 1e9 + c.l;
  cases.sort((a, b) => order(a) - order(b));
  return { d: SCALING_D, beta: SCALING_BETA, sizes: [...opts.sizes].sort((a, b) => a - b), options: { ...opts, kinds: [...opts.kinds] }, cases, fits: fits(cases) };
}

/** CPU ms per call of a timed case: mean wall time × process CPU (cores) over its timed calls. */
export function cpuMs(c: ScalingCase): number {
  return c.timing ? c.timing.mean * c.timing.process_cpu : NaN;
}

/** The per-kind log-log fits of median time (and peak memory) on L over the measured cases. */
export function fits(cases: readonly ScalingCase[]): ScalingFit[] {
  const kinds = [...new Set(cases.map((c) => c.kind))];
  return kinds.map((kind) => {
    const done = cases.filter((c) => c.kind === kind && c.timing);
    const t = fitLogLog(done.map((c) => ({ x: c.l, y: c.timing!.median })));
    const cpu = fitLogLog(done.map((c) => ({ x: c.l, y: cpuMs(c) })));
    const mem = done.filter((c) => c.memory?.peakRssDelta != null);
    const m = mem.length >= 2 ? fitLogLog(mem.map((c) => ({ x: c.l, y: c.memory!.peakRssDelta! }))).slope : null;
    return { kind, describe: scalingSpec(kind).describe, slope: t.slope, r2: t.r2, cpuSlope: cpu.slope, cpuR2: cpu.r2, sizes: done.map((c) => c.l), memSlope: m };
  });
}
