// The float32 tolerances of the gpujs-vs-cpu parity check, derived per kernel from float32 rounding error
// bounds and the GLSL ES 3.00 precision rules (§4.5.1), plus the comparison that applies them.
//
// Units: EPS = 2^-23 (float32 machine epsilon; one rounding costs at most EPS/2 relative). TINY = 2^-125 covers
// GPUs that flush float32 subnormals to zero. The cpu reference accumulates in float64 and rounds once, so each
// bound is the float32 kernel's error (which dominates) plus one rounding of the reference.
// - Correctly rounded ops (+ − × max min compare, neg/abs/relu/floor/... and leakyRelu's p·x with p rounded to
//   float32): |Δ| ≤ 2·EPS·|ref| + TINY (GLSL ES: +, −, × correctly rounded).
// - Division, reciprocal, sqrt, rsqrt, small integer powers: |Δ| ≤ 8·EPS·|ref| + TINY (GLSL: x/y 2.5 ULP,
//   inversesqrt 2 ULP, and up to three roundings for x³ or 1/x²).
// - Transcendentals (exp, log, tanh, sigmoid, elu, gelu, softplus, log1p, expm1, x^p): |Δ| ≤ (16 + 4|x|)·EPS·|ref|
//   + 2^-21·(1 + |x|): GLSL's exp is (3 + 2|x|) ULP and log is 3 ULP (absolute 2^-21 in [0.5, 2]); tanh and the
//   composites inherit those, and 1 + tanh(z) in gelu cancels to an absolute error ∝ |x|.
// - matmul: |Δ_ij| ≤ 2(k + 2)·EPS·Σ_p|A_ip||B_pj| + k·TINY: recursive float32 summation of k products errs by
//   at most γ_k·Σ|a||b| with γ_k ≈ k·EPS/2 (Higham, Accuracy and Stability, §3.1); factor 4 of headroom.
// - sum over n: |Δ| ≤ (n + 1)·EPS·Σ|x| + n·TINY (the same summation bound); max/min: exact (+ TINY).
// - softmax: |Δ| ≤ (8 + 2|x − max| + cols)·EPS·|ref| + TINY: exp's (3 + 2|x − max|) ULP, the row sum's
//   cols·EPS/2 relative error, and a division.
// - logSoftmax: |Δ| ≤ (8(|x| + |lse|) + 2·cols + 32)·EPS; logsumexp: |Δ| ≤ (8|ref| + 2·cols + 32)·EPS: the
//   subtraction of max (≤ |x| + |lse| in magnitude), log's few ULP, and log of the sum's relative error.
// Calls the gpujs backend hands to the cpu kernel (NaN/±∞ data, out-of-domain inputs, cpu-only ops) are held to
// the same bounds (they match exactly); −∞ and NaN must always match in place.
import type { MatmulSpec, UnaryOp } from '../../src/tensor/backend/backend.js';
import type { TypedArray } from '../../src/tensor/dtype.js';
import type { ParityCase } from './parity-cases.js';

const EPS = 2 ** -23;
const TINY = 2 ** -125;

const EXACT_UNARY: readonly UnaryOp[] = ['neg', 'abs', 'sign', 'relu', 'floor', 'ceil', 'round', 'square', 'leakyRelu', 'isnan', 'isfinite'];
const ALGEBRAIC_UNARY: readonly UnaryOp[] = ['reciprocal', 'sqrt', 'rsqrt'];

function unaryTol(op: UnaryOp, p: number): (x: number, ref: number) => number {
  if (EXACT_UNARY.includes(op) || (op === 'powScalar' && [0, 1, 2].includes(p))) return (_x, ref) => 2 * EPS * Math.abs(ref) + TINY;
  if (ALGEBRAIC_UNARY.includes(op) || (op === 'powScalar' && [3, 0.5, -0.5, -1, -2].includes(p))) return (_x, ref) => 8 * EPS * Math.abs(ref) + TINY;
  return (x, ref) => (16 + 4 * Math.abs(x)) * EPS * Math.abs(ref) + 2 ** -21 * (1 + Math.abs(x));
}

/** Row max and log-sum-exp of a [rows, cols] matrix in float64. */
function rowStats(x: Float32Array, rows: number, cols: number): { mx: Float64Array; lse: Float64Array } {
  const mx = new Float64Array(rows).fill(-Infinity);
  const lse = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) mx[r] = Math.max(mx[r]!, x[r * cols + j]!);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(x[r * cols + j]! - mx[r]!);
    lse[r] = mx[r] === -Infinity ? -Infinity : mx[r]! + Math.log(s);
  }
  return { mx, lse };
}

/**
 * The float32 GEMM error bound 2(k+2)·EPS·Σₚ|a_ip||b_pj| (+ k·TINY for flushed subnormals) of output element t
 * of a batched product, shared by every backend's parity test.
 */
export function matmulTolerance(
  spec: { m: number; k: number; n: number; transA: boolean; transB: boolean; aIndex: Int32Array; bIndex: Int32Array },
  a: ArrayLike<number>, b: ArrayLike<number>,
): (t: number) => number {
  const { m, k, n, transA, transB, aIndex, bIndex } = spec;
  return (t) => {
    const bt = Math.floor(t / (m * n)), i = Math.floor(t / n) % m, j = t % n;
    const ao = aIndex[bt]! * m * k, bo = bIndex[bt]! * k * n;
    let s = 0;
    for (let p = 0; p < k; p++) s += Math.abs(a[ao + (transA ? p * m + i : i * k + p)]!) * Math.abs(b[bo + (transB ? j * k + p : p * n + j)]!);
    return 2 * (k + 2) * EPS * s + k * TINY;
  };
}

/** The allowed |gpujs − cpu| of each output element of a case (see the header for the derivations). */
export function tolerance(c: ParityCase, ref: TypedArray): (i: number) => number {
  const fin = (v: number): number => (Number.isFinite(v) ? Math.abs(v) : 0);
  switch (c.kernel) {
    case 'matmul':
      return matmulTolerance(c.spec, c.a, c.b);
    case 'softmax': {
      const { mx } = rowStats(c.x, c.rows, c.cols);
      return (t) => {
        const d = fin(c.x[t]! - mx[Math.floor(t / c.cols)]!);
        return (8 + 2 * d + c.cols) * EPS * Math.abs(ref[t]!) + TINY;
      };
    }
    case 'logSoftmax': {
      const { lse } = rowStats(c.x, c.rows, c.cols);
      return (t) => (8 * (fin(c.x[t]!) + fin(lse[Math.floor(t / c.cols)]!)) + 2 * c.cols + 32) * EPS;
    }
    case 'logsumexp': return (t) => (8 * fin(ref[t]!) + 2 * c.cols + 32) * EPS;
    case 'unary': {
      const f = unaryTol(c.op, c.param);
      return (t) => f(fin(c.x[t]!), ref[t]!);
    }
    case 'binary': {
      const f = c.op === 'div' ? 4 : 2;
      return (t) => f * EPS * Math.abs(ref[t]!) + TINY;
    }
    case 'reduce': {
      if (c.op !== 'sum') return () => TINY;
      return (t) => {
        const o = Math.floor(t / c.inner), i = t % c.inner;
        let s = 0;
        for (let j = 0; j < c.n; j++) s += Math.abs(c.x[(o * c.n + j) * c.inner + i]!);
        return (c.n + 1) * EPS * s + c.n * TINY;
      };
    }
    default: return c satisfies never;
  }
}

/** A one-line summary of a matmul call (its spec) for failure messages. */
export function describeMatmul(s: MatmulSpec): string {
  return `matmul batch=${s.batch} m=${s.m} k=${s.k} n=${s.n} transA=${s.transA} transB=${s.transB} aIndex=[${s.aIndex.join(',')}] bIndex=[${s.bIndex.join(',')}]`;
}

/** A one-line summary of a case (kernel, op, shapes) for failure messages. */
export function describeCase(c: ParityCase): string {
  switch (c.kernel) {
    case 'matmul': return describeMatmul(c.spec);
    case 'softmax': case 'logSoftmax': case 'logsumexp': return `${c.kernel} rows=${c.rows} cols=${c.cols}`;
    case 'unary': return `unary ${c.op}(param=${c.param}) n=${c.x.length}`;
    case 'binary': return `binary ${c.op} out=[${c.outShape.join(',')}] aStrides=[${c.aStrides.join(',')}] (len ${c.a.length}) bStrides=[${c.bStrides.join(',')}] (len ${c.b.length})`;
    case 'reduce': return `reduce ${c.op} [${c.outer},${c.n},${c.inner}]`;
    default: return c satisfies never;
  }
}

/** The largest |gpujs − cpu| / tolerance over the finite outputs (≤ 1 passes; for reporting how tight bounds are). */
export function worstRatio(c: ParityCase, got: TypedArray, want: TypedArray): number {
  const tol = tolerance(c, want);
  let worst = 0;
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    const g = got[i]!, w = want[i]!;
    if (Number.isFinite(g) && Number.isFinite(w)) worst = Math.max(worst, Math.abs(g - w) / tol(i));
  }
  return worst;
}

/** null when `got` (gpujs) matches `want` (cpu) within the case's tolerance, else a description of the worst miss. */
export function checkParity(c: ParityCase, got: TypedArray, want: TypedArray): string | null {
  const head = describeCase(c);
  if (got.constructor !== want.constructor) return `${head}: dtype ${got.constructor.name} vs cpu ${want.constructor.name}`;
  if (got.length !== want.length) return `${head}: length ${got.length} vs cpu ${want.length}`;
  const tol = tolerance(c, want);
  let worst: { i: number; excess: number; tol: number } | null = null;
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (!Number.isFinite(g) || !Number.isFinite(w)) {
      if (Object.is(g, w) || g === w) continue; // NaN in both places, or the same infinity
      return `${head}: [${i}] gpujs ${g} vs cpu ${w} (special values must match exactly)`;
    }
    const t = tol(i);
    const d = Math.abs(g - w);
    if (d > t && (!worst || d / t > worst.excess)) worst = { i, excess: d / t, tol: t };
  }
  if (!worst) return null;
  const { i } = worst;
  return `${head}: [${i}] gpujs ${got[i]} vs cpu ${want[i]}, |Δ| = ${Math.abs(got[i]! - want[i]!)} > tolerance ${worst.tol} (${worst.excess.toFixed(2)}×)`;
}
