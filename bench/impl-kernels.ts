// W1/W2 written directly against a backend's kernels (backendKernels(name)): the exact kernel sequence the
// public ops perform (matmul with transB, scalar mul, row softmax, matmul), without tensor/autograd overhead.
import { backendKernels } from '../src/tensor/backend/index.js';
import type { MatmulSpec } from '../src/tensor/backend/backend.js';
import type { Impl } from './impl.js';

function spec(batch: number, m: number, k: number, n: number, transB: boolean): MatmulSpec {
  const idx = Int32Array.from({ length: batch }, (_, i) => i);
  return { batch, m, k, n, transA: false, transB, aIndex: idx, bIndex: idx };
}

export function kernelsImpl(backend: string): Impl {
  const K = backendKernels(backend);
  return {
    kind: 'kernels',
    backend,
    gemm(a, b, n) {
      const s = spec(1, n, n, n, false);
      return () => K.matmul(a, b, s);
    },
    retrieval(x, xi, B, L, M, d, beta) {
      const sScores = spec(B, L, d, M, true);
      const sOut = spec(B, L, M, d, false);
      const betaArr = new Float32Array([beta]);
      return () => {
        const s = K.matmul(x, xi, sScores);
        const scaled = K.binary('mul', s, [L * M, M, 1], betaArr, [0, 0, 0], [B, L, M], 'float32');
        const p = K.softmax(scaled, B * L, M);
        return K.matmul(p, xi, sOut);
      };
    },
  };
}
