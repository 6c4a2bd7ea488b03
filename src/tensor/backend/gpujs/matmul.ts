// gpu.js batched matmul: one thread per output element of the flattened [batch, m, n] result, reading A and B
// through per-batch matrix indices and element strides (so transA/transB and broadcast batches share one kernel).
import type { TypedArray } from '../../dtype.js';
import type { MatmulSpec } from '../backend.js';
import { cpuBackend } from '../cpu/index.js';
import { MAX_INDEX, allFinite, divmod, isF32 } from './guards.js';
import { noteFallback, runKernel, worthIt } from './runtime.js';

// A(i,p) = a[aIdx[bt]·m·k + i·sai + p·sap], B(p,j) = b[bIdx[bt]·k·n + p·sbp + j·sbj]; the p loop is bounded by
// the uniform k (gpu.js caps it at loopMaxIterations, set far above any k we accept).
const MATMUL_SOURCE = `function (a, b, aIdx, bIdx, m, k, n, sai, sap, sbp, sbj) {
    const t = this.thread.x;
    ${divmod('row', 'j', 't', 'n')}
    ${divmod('bt', 'i', 'row', 'm')}
    const ao = aIdx[bt] * (m * k) + i * sai;
    const bo = bIdx[bt] * (k * n) + j * sbj;
    let s = 0;
    for (let p = 0; p < k; p++) {
      s += a[ao + p * sap] * b[bo + p * sbp];
    }
    return s;
  }`;

function toFloatIndex(idx: Int32Array): Float32Array {
  const f = new Float32Array(idx.length);
  for (let i = 0; i < idx.length; i++) f[i] = idx[i]!;
  return f;
}

/** Batched matmul on gpu.js for finite float32 inputs; other inputs (and empty or small products) use the cpu kernel. */
export function matmul(a: TypedArray, b: TypedArray, spec: MatmulSpec): TypedArray {
  const { batch, m, k, n, transA, transB, aIndex, bIndex } = spec;
  const outLen = batch * m * n;
  const ok = isF32(a) && isF32(b) && outLen > 0 && k > 0 && worthIt(outLen * k) &&
    outLen < MAX_INDEX && a.length < MAX_INDEX && b.length < MAX_INDEX &&
    allFinite(a) && allFinite(b);
  if (ok) {
    const sai = transA ? 1 : k;
    const sap = transA ? m : 1;
    const sbp = transB ? 1 : n;
    const sbj = transB ? k : 1;
    const out = runKernel('matmul', 'matmul', () => MATMUL_SOURCE, outLen,
      [a, b, toFloatIndex(aIndex), toFloatIndex(bIndex), m, k, n, sai, sap, sbp, sbj]);
    if (out) return out;
  }
  noteFallback('matmul');
  return cpuBackend.matmul(a, b, spec);
}
