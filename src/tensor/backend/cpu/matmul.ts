// CPU batched GEMM on typed arrays. Loop orders keep the innermost loop unit-stride for each transpose case;
// rows accumulate in float64 so float32 results are rounded once.
import { type TypedArray, allocate, dtypeOf } from '../../dtype.js';
import type { MatmulSpec } from '../backend.js';

export function matmul(a: TypedArray, b: TypedArray, spec: MatmulSpec): TypedArray {
  const { batch, m, k, n, transA, transB, aIndex, bIndex } = spec;
  const dtype = dtypeOf(a) === 'float64' || dtypeOf(b) === 'float64' ? 'float64' : dtypeOf(a);
  const out = allocate(dtype, batch * m * n);
  const acc = new Float64Array(n);
  let tmp: Float64Array | null = null;
  for (let bt = 0; bt < batch; bt++) {
    const aOff = aIndex[bt]! * m * k;
    const bOff = bIndex[bt]! * k * n;
    const cOff = bt * m * n;
    if (!transB) {
      if (!transA) {
        // C[i,:] = Σ_p A[i,p] B[p,:]
        for (let i = 0; i < m; i++) {
          acc.fill(0);
          const ai = aOff + i * k;
          for (let p = 0; p < k; p++) {
            const av = a[ai + p]!;
            if (av === 0) continue;
            const bp = bOff + p * n;
            for (let j = 0; j < n; j++) acc[j]! += av * b[bp + j]!;
          }
          out.set(acc, cOff + i * n);
        }
      } else {
        // A stored [k, m]: C[i,:] = Σ_p A[p,i] B[p,:]; accumulate all rows of C in a float64 block
        if (!tmp || tmp.length < m * n) tmp = new Float64Array(m * n);
        tmp.fill(0, 0, m * n);
        for (let p = 0; p < k; p++) {
          const ap = aOff + p * m;
          const bp = bOff + p * n;
          for (let i = 0; i < m; i++) {
            const av = a[ap + i]!;
            if (av === 0) continue;
            const ci = i * n;
            for (let j = 0; j < n; j++) tmp[ci + j]! += av * b[bp + j]!;
          }
        }
        for (let t = 0; t < m * n; t++) out[cOff + t] = tmp[t]!;
      }
    } else {
      // B stored [n, k]: C[i,j] = <row i of A, row j of B>
      let aRows: TypedArray = a;
      let aBase = aOff;
      if (transA) {
        // A stored [k, m]: transpose this matrix once so rows are unit-stride
        const t = new Float64Array(m * k);
        for (let p = 0; p < k; p++) for (let i = 0; i < m; i++) t[i * k + p] = a[aOff + p * m + i]!;
        aRows = t;
        aBase = 0;
      }
      for (let i = 0; i < m; i++) {
        const ai = aBase + i * k;
        for (let j = 0; j < n; j++) {
          const bj = bOff + j * k;
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          let p = 0;
          for (; p + 3 < k; p += 4) {
            s0 += aRows[ai + p]! * b[bj + p]!;
            s1 += aRows[ai + p + 1]! * b[bj + p + 1]!;
            s2 += aRows[ai + p + 2]! * b[bj + p + 2]!;
            s3 += aRows[ai + p + 3]! * b[bj + p + 3]!;
          }
          for (; p < k; p++) s0 += aRows[ai + p]! * b[bj + p]!;
          out[cOff + i * n + j] = s0 + s1 + s2 + s3;
        }
      }
    }
  }
  return out;
}
