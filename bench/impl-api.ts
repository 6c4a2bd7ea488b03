// W1/W2 written against hopgrad's public tensor API (src/index.ts) — what a user runs:
//   W1: matmul(A, B).dataSync()
//   W2: X.matmul(Ξ.transpose(-1, -2)).mul(β).softmax(-1).matmul(Ξ).dataSync()   (under noGrad)
// Statically imported and type-checked; `loadApi` still feature-checks at run time (an op that is renamed or
// not yet installed on Tensor.prototype makes the bench fall back to kernels instead of crashing).
import * as hopgrad from '../src/index.js';
import type { Impl } from './impl.js';

type Api = typeof hopgrad;

const FNS = ['tensor', 'matmul', 'noGrad', 'setBackend'] as const;
const METHODS = ['matmul', 'transpose', 'mul', 'softmax', 'dataSync'] as const;

/** The public API when it has everything W1/W2 need, else the list of what is missing. */
export async function loadApi(): Promise<{ api: Api } | { missing: string[] }> {
  const m = hopgrad as unknown as Record<string, unknown>;
  const missing: string[] = FNS.filter((f) => typeof m[f] !== 'function');
  const proto = hopgrad.Tensor.prototype as unknown as Record<string, unknown>;
  for (const k of METHODS) if (typeof proto[k] !== 'function') missing.push(`Tensor#${k}`);
  return missing.length ? { missing } : { api: hopgrad };
}

export function apiImpl(api: Api, backend: string): Impl {
  api.setBackend(backend);
  return {
    kind: 'api',
    backend,
    gemm(a, b, n) {
      const A = api.tensor(a, { dtype: 'float32', shape: [n, n] });
      const B = api.tensor(b, { dtype: 'float32', shape: [n, n] });
      return () => api.noGrad(() => api.matmul(A, B).dataSync());
    },
    retrieval(x, xi, B, L, M, d, beta) {
      const X = api.tensor(x, { dtype: 'float32', shape: [B, L, d] });
      const Xi = api.tensor(xi, { dtype: 'float32', shape: [B, M, d] });
      return () => api.noGrad(() => X.matmul(Xi.transpose(-1, -2)).mul(beta).softmax(-1).matmul(Xi).dataSync());
    },
  };
}
