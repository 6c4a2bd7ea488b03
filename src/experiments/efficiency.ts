// The efficiency experiment of `hopgrad efficiency` (paper Appendix E.5, Fig. 6–8): forward time and exact
// multiply-add count of ONE Hopfield layer per association kind on an input (B, L, d) = (4, L, 16) with 4
// heads (self-association, M = L), L over the paper's range 24…2880 and beyond, plus the fitted log-log slope
// of time and multiply-adds against L per kind. Browser-safe (performance.now, library code only).
//
// Multiply-adds are COUNTED, not estimated: the layer runs once under a counting backend that wraps every
// kernel of the active backend (registerBackend + withBackend). `macs` = Σ over matmul kernels of
// batch·m·k·n (one multiply-add per term; fvcore, which the paper used, counts matmul FLOPs the same way);
// `otherOps` = one per element produced or reduced by every other arithmetic kernel (elementwise,
// reductions, softmax, layer norm, sparsemax, entmax, top-k, gather/scatter), copies and casts excluded.
// Index bookkeeping done in plain JS outside kernels (e.g. building window / random index lists) is not counted.
//
// Time: the counted call, `warmup` untimed calls, then `repeats` timed samples; a sample times n back-to-back
// calls, n chosen from the fastest warm-up call (the counted call when warmup = 0) so that a sample lasts
// ≥ minSampleMs (calls below the timer's resolution), and the reported time is the median over samples of
// (sample time / n), in ms (a benchmark-style median of a few calls); calls over 1 s take at most 3 samples.
import { check } from '../tensor/errors.js';
import { Generator } from '../tensor/random.js';
import { randn } from '../tensor/creation.js';
import type { Backend } from '../tensor/backend/backend.js';
import { getBackend, registerBackend, withBackend, backendKernels } from '../tensor/backend/index.js';
import { noGrad } from '../autograd/engine.js';
import { Hopfield, defaultWindow } from '../hopfield/index.js';
import { KINDS, type RetrieveKind } from '../hopfield/retrieve.js';
import { defaultFeatures } from '../hopfield/feature-maps.js';
import type { ProgressLike } from './forecast.js';

/** The L grid: the paper's range 24…2880 (Informer's lengths 24–720, then doubling), extended to 16k. */
export const DEFAULT_LENGTHS = [24, 48, 96, 192, 336, 720, 1440, 2880, 5760, 11520, 16384] as const;

/** Counts of one counted run. */
export interface OpCounts {
  /** Multiply-adds of the matmul kernels (Σ batch·m·k·n). */
  macs: number;
  /** Elements produced / reduced by the other arithmetic kernels. */
  otherOps: number;
  /** Kernel calls by kernel name. */
  calls: Record<string, number>;
}

/** A backend that forwards every kernel to `base` and counts its work into `counts` (see the file header). */
export function countingBackend(base: Backend, counts: OpCounts): Backend {
  const hit = (name: string, other: number): void => {
    counts.calls[name] = (counts.calls[name] ?? 0) + 1;
    counts.otherOps += other;
  };
  return {
    name: `counting(${base.name})`,
    unary: (op, x, dt, p) => (hit('unary', x.length), base.unary(op, x, dt, p)),
    binary: (op, a, as, b, bs, shape, dt) => {
      const out = base.binary(op, a, as, b, bs, shape, dt);
      hit('binary', out.length);
      return out;
    },
    where: (c, a, b, dt) => (hit('where', c.length), base.where(c, a, b, dt)),
    strided: (src, shape, strides, off) => (hit('strided', 0), base.strided(src, shape, strides, off)),
    cast: (x, dt) => (hit('cast', 0), base.cast(x, dt)),
    reduce: (op, x, o, n, i) => (hit('reduce', o * n * i), base.reduce(op, x, o, n, i)),
    argReduce: (op, x, o, n, i) => (hit('argReduce', o * n * i), base.argReduce(op, x, o, n, i)),
    cumsum: (x, o, n, i) => (hit('cumsum', o * n * i), base.cumsum(x, o, n, i)),
    matmul: (a, b, spec) => {
      counts.macs += spec.batch * spec.m * spec.k * spec.n;
      hit('matmul', 0);
      return base.matmul(a, b, spec);
    },
    softmax: (x, r, c) => (hit('softmax', r * c), base.softmax(x, r, c)),
    logSoftmax: (x, r, c) => (hit('logSoftmax', r * c), base.logSoftmax(x, r, c)),
    logsumexp: (x, r, c) => (hit('logsumexp', r * c), base.logsumexp(x, r, c)),
    layerNorm: (x, r, c, eps) => (hit('layerNorm', r * c), base.layerNorm(x, r, c, eps)),
    sparsemax: (x, r, c) => (hit('sparsemax', r * c), base.sparsemax(x, r, c)),
    entmax: (x, r, c, alpha) => (hit('entmax', r * c), base.entmax(x, r, c, alpha)),
    gather: (x, o, n, i, idx, k) => (hit('gather', o * k * i), base.gather(x, o, n, i, idx, k)),
    scatterAdd: (src, o, n, i, idx, k) => (hit('scatterAdd', o * k * i), base.scatterAdd(src, o, n, i, idx, k)),
    topk: (x, r, c, k, largest) => (hit('topk', r * c), base.topk(x, r, c, k, largest)),
    argsort: (x, r, c, desc) => (hit('argsort', r * c), base.argsort(x, r, c, desc)),
    topkScores: (q, keys, spec) => {
      counts.macs += spec.batch * spec.l * spec.m * spec.d; // the scores, as matmul(q, keysᵀ) counts them
      hit('topkScores', spec.batch * spec.l * spec.m); // the selection over every score, as topk counts it
      return base.topkScores(q, keys, spec);
    },
    attention: (q, k, v, spec) => {
      counts.macs += spec.batch * spec.l * spec.m * (spec.d + spec.dv); // scores + weighted sum
      hit('attention', spec.batch * spec.l * spec.m);
      return base.attention(q, k, v, spec);
    },
    attentionBackward: (q, k, v, out, dout, lse, spec) => {
      counts.macs += spec.batch * spec.l * spec.m * (3 * spec.d + 2 * spec.dv); // scores, dP, dq, dk, dv
      hit('attentionBackward', spec.batch * spec.l * spec.m);
      return base.attentionBackward(q, k, v, out, dout, lse, spec);
    },
    gatheredAttention: (q, k, v, spec) => {
      counts.macs += spec.rows * spec.width * (spec.d + spec.dv); // kept scores + weighted sum
      hit('gatheredAttention', spec.rows * spec.width);
      return base.gatheredAttention(q, k, v, spec);
    },
    gatheredAttentionBackward: (q, k, v, out, dout, lse, spec) => {
      counts.macs += spec.rows * spec.width * (3 * spec.d + 2 * spec.dv); // scores, dp, dq, dkeys, dvalues
      hit('gatheredAttentionBackward', spec.rows * spec.width);
      return base.gatheredAttentionBackward(q, k, v, out, dout, lse, spec);
    },
  };
}

const COUNTER = 'hopgrad-efficiency-counter';

/**
 * Run `fn` with every kernel counted: a counting backend wrapping the active backend's kernels (the CPU's
 * when the counter itself is active) is registered and made active for the call, then the previous one is
 * restored. Returns fn's result and the counts.
 */
export function countOps<T>(fn: () => T): { result: T; counts: OpCounts } {
  const active = getBackend();
  const base = backendKernels(active === COUNTER ? 'cpu' : active);
  const counts: OpCounts = { macs: 0, otherOps: 0, calls: {} };
  registerBackend(COUNTER, () => countingBackend(base, counts));
  const result = withBackend(COUNTER, fn);
  return { result, counts };
}

/** A least-squares fit of log y = slope · log x + c. */
export interface SlopeFit {
  slope: number;
  intercept: number;
  /** The x range and number of points the fit used. */
  from: number;
  to: number;
  points: number;
}

/**
 * Fit the log-log slope of y against x on the upper half of the x range: the points with
 * x ≥ √(min x · max x) (the geometric midpoint), at least the last two. Null with fewer than 2 points.
 */
export function fitLogLogSlope(xs: readonly number[], ys: readonly number[]): SlopeFit | null {
  check(xs.length === ys.length, 'fitLogLogSlope', () => `x has ${xs.length} values but y has ${ys.length}`);
  const pts = xs.map((x, i) => [x, ys[i]!] as const).filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(x) && Number.isFinite(y)).sort((a, b) => a[0] - b[0]);
  if (pts.length < 2) return null;
  const mid = Math.sqrt(pts[0]![0] * pts[pts.length - 1]![0]);
  let use = pts.filter(([x]) => x >= mid * (1 - 1e-12));
  if (use.length < 2) use = pts.slice(-2);
  const lx = use.map(([x]) => Math.log(x));
  const ly = use.map(([, y]) => Math.log(y));
  const n = use.length;
  const mx = lx.reduce((a, b) => a + b, 0) / n;
  const my = ly.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    sxx += (lx[i]! - mx) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, from: use[0]![0], to: use[n - 1]![0], points: n };
}

/** Options of `runEfficiency`. */
export interface EfficiencyConfig {
  kinds: readonly RetrieveKind[];
  lengths: readonly number[];
  /** Input (batch, L, dim) and heads (default 4, 16, 4). */
  batch: number;
  dim: number;
  heads: number;
  /** topk: kept memories (fraction or count; default 0.2). random: kept memories per query (count, capped at L; default 32). */
  topkK: number;
  randomK: number;
  /** window half-width (default ⌈√L / 2⌉ per L); prf features (default ⌈d ln d⌉ of the head width). */
  window?: number;
  features?: number;
  warmup: number;
  repeats: number;
  minSampleMs: number;
  /** Skip a configuration whose score matrix (B·H·L·width) would hold more elements than this. */
  maxDenseElements: number;
  /**
   * Skip a kind's larger L once one call is predicted to take longer than this (ms): the previous L's call
   * time scaled quadratically, (L / L_prev)² (conservative for the sub-quadratic kinds). Infinity: never.
   */
  maxCallMs: number;
  seed: number;
}

/** One measured (or skipped) configuration. */
export interface EfficiencyRow {
  kind: RetrieveKind;
  L: number;
  /** Elements of the per-call score matrix: B·H·L·M (dense kinds), B·H·L·k (random), B·H·L·(2w+1) (window), 0 (linear, prf). */
  scoreElements: number;
  skipped: string | null;
  macs: number | null;
  otherOps: number | null;
  timeMs: number | null;
  samplesMs: number[];
  callsPerSample: number;
}

/** The results (time fields are measurements of this machine: not reproducible; the counts are). */
export interface EfficiencyResult {
  config: EfficiencyConfig;
  rows: EfficiencyRow[];
  slopes: Record<string, { time: SlopeFit | null; macs: SlopeFit | null }>;
  stopped: boolean;
}

/** Callbacks of a run. */
export interface EfficiencyHooks {
  log?(line: string): void;
  progress?(total: number, label: string): ProgressLike;
  shouldStop?(): boolean;
}

/** The support width each query sees for `kind` at length L (0 for the kernel kinds). */
export function scoreWidth(kind: RetrieveKind, l: number, c: Pick<EfficiencyConfig, 'randomK' | 'window'>): number {
  if (kind === 'linear' || kind === 'prf') return 0;
  if (kind === 'random') return Math.min(l, c.randomK);
  if (kind === 'window') return Math.min(l, 2 * (c.window ?? defaultWindow(l)) + 1);
  return l;
}

const median = (v: readonly number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Measure one configuration: counts from one counted call, then the timed calls. */
function measure(kind: RetrieveKind, l: number, c: EfficiencyConfig): Omit<EfficiencyRow, 'kind' | 'L' | 'scoreElements' | 'skipped'> {
  const g = new Generator(c.seed);
  const layer = new Hopfield({
    inputSize: c.dim, numHeads: c.heads, kind, generator: g,
    ...(kind === 'topk' ? { k: c.topkK } : {}),
    ...(kind === 'random' ? { k: Math.min(l, c.randomK), seed: c.seed } : {}),
    ...(kind === 'window' && c.window !== undefined ? { window: c.window } : {}),
    ...(kind === 'prf' ? { features: c.features ?? defaultFeatures(c.dim / c.heads) } : {}),
  });
  layer.eval();
  const x = randn([c.batch, l, c.dim], { generator: g });
  const call = (): void => void noGrad(() => layer.forward(x)).contiguousData();
  const t00 = performance.now();
  const { counts } = countOps(call);
  // the counted call is the first warm-up call (and the calibration when warmup is 0)
  let once = performance.now() - t00;
  for (let i = 0; i < c.warmup; i++) {
    const t0 = performance.now();
    call();
    once = i === 0 ? performance.now() - t0 : Math.min(once, performance.now() - t0);
  }
  const n = Math.max(1, Math.ceil(c.minSampleMs / Math.max(once, 1e-3)));
  const samples: number[] = [];
  // calls over a second: at most 3 samples (their median is already far above timer and scheduling noise)
  const repeats = once > 1000 ? Math.min(c.repeats, 3) : c.repeats;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) call();
    samples.push((performance.now() - t0) / n);
  }
  return { macs: counts.macs, otherOps: counts.otherOps, timeMs: median(samples), samplesMs: samples, callsPerSample: n };
}

/** Validate the configuration (HopgradError naming the option). */
function checkConfig(c: EfficiencyConfig): void {
  const where = 'runEfficiency';
  check(c.kinds.length > 0 && c.kinds.every((k) => (KINDS as readonly string[]).includes(k)), where, () => `kinds must be a non-empty list of ${KINDS.join(', ')}, got [${c.kinds.join(', ')}]`);
  check(c.lengths.length > 0 && c.lengths.every((l) => Number.isSafeInteger(l) && l >= 1), where, () => `lengths must be integers >= 1, got [${c.lengths.join(', ')}]`);
  for (const [name, v] of [['batch', c.batch], ['dim', c.dim], ['heads', c.heads], ['randomK', c.randomK], ['repeats', c.repeats]] as const) {
    check(Number.isSafeInteger(v) && v >= 1, where, () => `${name} must be an integer >= 1, got ${v}`);
  }
  check(c.dim % c.heads === 0, where, () => `heads = ${c.heads} must divide dim = ${c.dim}`);
  check(Number.isSafeInteger(c.warmup) && c.warmup >= 0, where, () => `warmup must be an integer >= 0, got ${c.warmup}`);
  check(c.maxDenseElements > 0, where, () => `maxDenseElements must be > 0, got ${c.maxDenseElements}`);
  check(c.maxCallMs > 0, where, () => `maxCallMs must be > 0, got ${c.maxCallMs}`);
}

/** Measure every (kind, L) of the configuration, skipping those above the memory cap; fit the slopes. */
export function runEfficiency(config: EfficiencyConfig, hooks: EfficiencyHooks = {}): EfficiencyResult {
  checkConfig(config);
  const c = config;
  const lengths = [...new Set(c.lengths)].sort((a, b) => a - b);
  const rows: EfficiencyRow[] = [];
  const bar = hooks.progress?.(c.kinds.length * lengths.length, 'efficiency');
  let stopped = false;
  outer: for (const kind of c.kinds) {
    let prev: { l: number; ms: number } | null = null;
    for (const l of lengths) {
      if (hooks.shouldStop?.()) {
        stopped = true;
        break outer;
      }
      const scoreElements = c.batch * c.heads * l * scoreWidth(kind, l, c);
      const base = { kind, L: l, scoreElements };
      const predicted = prev === null ? 0 : prev.ms * (l / prev.l) ** 2;
      let skipped: string | null = null;
      if (scoreElements > c.maxDenseElements) {
        skipped = `score matrix of ${scoreElements} elements (B·H·L·${kind === 'random' || kind === 'window' ? 'width' : 'M'}) exceeds --max-dense-elements ${c.maxDenseElements}`;
      } else if (predicted > c.maxCallMs) {
        skipped = `one call predicted to take ${(predicted / 1000).toFixed(1)} s ((L/${prev!.l})² × ${prev!.ms.toFixed(0)} ms) > --max-call-ms ${c.maxCallMs}`;
      }
      if (skipped !== null) {
        hooks.log?.(`skip ${kind} L=${l}: ${skipped}`);
        rows.push({ ...base, skipped, macs: null, otherOps: null, timeMs: null, samplesMs: [], callsPerSample: 0 });
      } else {
        const m = measure(kind, l, c);
        prev = { l, ms: m.timeMs! };
        rows.push({ ...base, skipped: null, ...m });
      }
      const last = rows[rows.length - 1]!;
      bar?.tick(1, { kind, L: l, ...(last.timeMs !== null ? { ms: last.timeMs } : {}) });
    }
  }
  bar?.finish();
  const slopes: EfficiencyResult['slopes'] = {};
  for (const kind of c.kinds) {
    const ok = rows.filter((r) => r.kind === kind && r.skipped === null);
    slopes[kind] = {
      time: fitLogLogSlope(ok.map((r) => r.L), ok.map((r) => r.timeMs!)),
      macs: fitLogLogSlope(ok.map((r) => r.L), ok.map((r) => r.macs!)),
    };
  }
  return { config: c, rows, slopes, stopped };
}
