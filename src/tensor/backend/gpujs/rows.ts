// gpu.js row kernels: softmax / logSoftmax / logsumexp (a per-row statistics pass, then one thread per
// element) and sum/max/min over the middle axis of [outer, n, inner]. −Infinity entries count as masked.
import type { TypedArray } from '../../dtype.js';
import type { ReduceOp } from '../backend.js';
import { cpuBackend } from '../cpu/index.js';
import { MASK_LIMIT, MAX_INDEX, allFinite, divmod, isF32, scanMasked } from './guards.js';
import { noteFallback, runKernel, worthIt } from './runtime.js';

const M = MASK_LIMIT.toExponential(); // '3.4e+38': entries ≤ −M are masked (−Infinity)

// Output [2·rows]: thread r < rows → row max; thread rows + r → Σ exp(x − max) over the unmasked entries.
const STATS_SOURCE = `function (x, rows, cols) {
    const t = this.thread.x;
    let r = t;
    let which = 0;
    if (t >= rows) { r = t - rows; which = 1; }
    const o = r * cols;
    let mx = x[o];
    for (let j = 1; j < cols; j++) {
      const v = x[o + j];
      if (v > mx) { mx = v; }
    }
    let res = mx;
    if (which > 0) {
      let s = 0;
      if (mx > -${M}) {
        for (let j = 0; j < cols; j++) {
          const v = x[o + j];
          if (v > -${M}) { s += Math.exp(v - mx); }
        }
      }
      res = s;
    }
    return res;
  }`;

/** Per-element pass over [rows, cols] given the stats; `expr` sees v, mx, s and sets y (default 0 when masked). */
const elementSource = (expr: string, masked: string): string => `function (x, st, rows, cols) {
    const t = this.thread.x;
    ${divmod('r', 'j', 't', 'cols')}
    const mx = st[r];
    const s = st[rows + r];
    const v = x[t];
    let y = ${masked};
    if (v > -${M}) { ${expr} }
    return y;
  }`;
const SOFTMAX_SOURCE = elementSource('y = Math.exp(v - mx) / s;', '0');
const LOG_SOFTMAX_SOURCE = elementSource('y = (v - mx) - Math.log(s);', '-Infinity');

const LSE_SOURCE = `function (x, cols) {
    const o = this.thread.x * cols;
    let mx = x[o];
    for (let j = 1; j < cols; j++) {
      const v = x[o + j];
      if (v > mx) { mx = v; }
    }
    let res = -Infinity;
    if (mx > -${M}) {
      let s = 0;
      for (let j = 0; j < cols; j++) {
        const v = x[o + j];
        if (v > -${M}) { s += Math.exp(v - mx); }
      }
      res = mx + Math.log(s);
    }
    return res;
  }`;

function rowsOk(x: TypedArray, rows: number, cols: number): x is Float32Array {
  return isF32(x) && rows > 0 && cols > 0 && rows * cols === x.length && worthIt(x.length) && x.length < MAX_INDEX;
}

function stats(x: Float32Array, rows: number, cols: number, kernel: string): Float32Array | null {
  return runKernel(kernel, 'rows:stats', () => STATS_SOURCE, 2 * rows, [x, rows, cols]);
}

/** Row softmax on gpu.js (finite or −Infinity-masked float32 rows; all-masked rows give zeros, like cpu). */
export function softmax(x: TypedArray, rows: number, cols: number): TypedArray {
  if (rowsOk(x, rows, cols) && scanMasked(x) !== 'bad') {
    const st = stats(x, rows, cols, 'softmax');
    const out = st && runKernel('softmax', 'rows:softmax', () => SOFTMAX_SOURCE, rows * cols, [x, st, rows, cols]);
    if (out) return out;
  }
  noteFallback('softmax');
  return cpuBackend.softmax(x, rows, cols);
}

/** Row log-softmax on gpu.js; masked (−Infinity) entries stay −Infinity, all-masked rows included, as on the cpu. */
export function logSoftmax(x: TypedArray, rows: number, cols: number): TypedArray {
  const scan = isF32(x) ? scanMasked(x) : 'bad';
  if (rowsOk(x, rows, cols) && scan !== 'bad') {
    const st = stats(x, rows, cols, 'logSoftmax');
    const out = st && runKernel('logSoftmax', 'rows:logSoftmax', () => LOG_SOFTMAX_SOURCE, rows * cols, [x, st, rows, cols]);
    if (out) {
      // GLSL has no −Infinity literal (gpu.js writes −FLT_MAX): restore masked entries (whole masked rows too)
      if (scan === 'masked') for (let i = 0; i < out.length; i++) if (x[i] === -Infinity) out[i] = -Infinity;
      return out;
    }
  }
  noteFallback('logSoftmax');
  return cpuBackend.logSoftmax(x, rows, cols);
}

/** Row log-sum-exp on gpu.js (−Infinity for all-masked rows). */
export function logsumexp(x: TypedArray, rows: number, cols: number): TypedArray {
  const scan = isF32(x) ? scanMasked(x) : 'bad';
  if (rowsOk(x, rows, cols) && scan !== 'bad') {
    const out = runKernel('logsumexp', 'rows:logsumexp', () => LSE_SOURCE, rows, [x, cols]);
    if (out) {
      if (scan === 'masked') for (let r = 0; r < rows; r++) if (!(out[r]! > -MASK_LIMIT)) out[r] = -Infinity;
      return out;
    }
  }
  noteFallback('logsumexp');
  return cpuBackend.logsumexp(x, rows, cols);
}

const REDUCE_STEP: Partial<Record<ReduceOp, string>> = {
  sum: 'acc += v;',
  max: 'if (v > acc) { acc = v; }',
  min: 'if (v < acc) { acc = v; }',
};

/** The reductions the gpujs backend compiles (prod stays on the cpu, which accumulates in float64). */
export const GPUJS_REDUCE_OPS: readonly ReduceOp[] = Object.keys(REDUCE_STEP) as ReduceOp[];

const reduceSource = (step: string): string => `function (x, n, inner) {
    const t = this.thread.x;
    ${divmod('o', 'i', 't', 'inner')}
    const base = o * n * inner + i;
    let acc = x[base];
    for (let j = 1; j < n; j++) {
      const v = x[base + j * inner];
      ${step}
    }
    return acc;
  }`;

/** sum/max/min over the middle axis of finite float32 [outer, n, inner] data on gpu.js; else the cpu kernel. */
export function reduce(op: ReduceOp, x: TypedArray, outer: number, n: number, inner: number): TypedArray {
  const step = REDUCE_STEP[op];
  if (step && isF32(x) && outer * inner > 0 && n > 0 && x.length === outer * n * inner && worthIt(x.length) &&
    x.length < MAX_INDEX && allFinite(x)) {
    const out = runKernel('reduce', `reduce:${op}`, () => reduceSource(step), outer * inner, [x, n, inner]);
    if (out) return out;
  }
  noteFallback('reduce');
  return cpuBackend.reduce(op, x, outer, n, inner);
}
