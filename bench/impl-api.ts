// W1–W5 written against hopgrad's public API (src/index.ts) — what a user runs:
//   W1: matmul(A, B).dataSync()
//   W2: hopfield.retrieve(X, Ξ, { beta }).dataSync()                              (under noGrad)
//   W3: Q = R Wq, K = Y Wk, V = Y Wv; heads as a batch axis (reshape + transpose); hopfield.retrieve(q, k,
//       { values: v, beta }); heads back to features; O = Z Wo; loss = sum(O²); fwd+bwd: loss.backward() and the
//       four weight gradients read back
//   W4: bench/w4-model.ts's tidyStep(): zeroGrad, forward, BCE loss, backward, optim.AdamW step inside tidy(),
//       as tfjs's side runs inside tf.variableGrads / tf.tidy (bench/tidy-step.ts times it against the plain step())
//   W5: hopfield.retrieve(X, Ξ, { kind: 'topk', k } | { kind: 'window', window: w })   (under noGrad)
// Statically imported and type-checked; `loadApi` still feature-checks at run time (an op that is renamed or
// not yet installed on Tensor.prototype makes the bench fall back to kernels instead of crashing).
import * as hopgrad from '../src/index.js';
import type { Tensor } from '../src/index.js';
import type { Impl, W3Inputs } from './impl.js';
import { buildW4Model } from './w4-model.js';

type Api = typeof hopgrad;

const FNS = ['tensor', 'matmul', 'noGrad', 'setBackend'] as const;
const METHODS = ['matmul', 'transpose', 'reshape', 'square', 'sum', 'backward', 'dataSync'] as const;

/** The public API when it has everything W1–W5 need, else the list of what is missing. */
export async function loadApi(): Promise<{ api: Api } | { missing: string[] }> {
  const m = hopgrad as unknown as Record<string, unknown>;
  const missing: string[] = FNS.filter((f) => typeof m[f] !== 'function');
  if (typeof hopgrad.hopfield?.retrieve !== 'function') missing.push('hopfield.retrieve');
  const proto = hopgrad.Tensor.prototype as unknown as Record<string, unknown>;
  for (const k of METHODS) if (typeof proto[k] !== 'function') missing.push(`Tensor#${k}`);
  return missing.length ? { missing } : { api: hopgrad };
}

/** W3's layer on hopgrad tensors: loss = sum((concat_h softmax(β Q_h K_hᵀ) V_h · Wo)²). */
function w3Loss(api: Api, R: Tensor, Y: Tensor, w: Tensor[], inp: W3Inputs): Tensor {
  const { B, L, M, D, H, beta } = inp;
  const [wq, wk, wv, wo] = w as [Tensor, Tensor, Tensor, Tensor];
  const heads = (t: Tensor, n: number): Tensor => t.reshape([B, n, H, D / H]).transpose(1, 2); // [B, H, n, dh]
  const q = heads(R.matmul(wq), L);
  const k = heads(Y.matmul(wk), M);
  const v = heads(Y.matmul(wv), M);
  const z = api.hopfield.retrieve(q, k, { values: v, beta }).transpose(1, 2).reshape([B, L, D]); // concat heads
  return z.matmul(wo).square().sum();
}

export function apiImpl(api: Api, backend: string): Impl {
  api.setBackend(backend);
  const f32 = (data: Float32Array, shape: number[], requiresGrad = false): Tensor =>
    api.tensor(data, { dtype: 'float32', shape, requiresGrad });
  return {
    kind: 'api',
    backend,
    gemm(a, b, n) {
      const A = f32(a, [n, n]);
      const B = f32(b, [n, n]);
      return () => api.noGrad(() => api.matmul(A, B).dataSync());
    },
    retrieval(x, xi, B, L, M, d, beta) {
      const X = f32(x, [B, L, d]);
      const Xi = f32(xi, [B, M, d]);
      return () => api.noGrad(() => api.hopfield.retrieve(X, Xi, { beta }).dataSync());
    },
    hopfieldLayer(inp, backward) {
      const { B, L, M, D } = inp;
      const R = f32(inp.r, [B, L, D]);
      const Y = f32(inp.y, [B, M, D]);
      const w = [inp.wq, inp.wk, inp.wv, inp.wo].map((a) => f32(a, [D, D], backward));
      if (!backward) return () => [api.noGrad(() => w3Loss(api, R, Y, w, inp)).dataSync()];
      return () => {
        for (const p of w) p.grad = null;
        const loss = w3Loss(api, R, Y, w, inp);
        loss.backward();
        return [loss.dataSync(), ...w.map((p) => p.grad!.dataSync())];
      };
    },
    milStep() {
      const model = buildW4Model();
      return () => Float32Array.of(model.tidyStep());
    },
    sparseRetrieval(x, xi, L, M, d, beta, spec) {
      const X = f32(x, [L, d]);
      const Xi = f32(xi, [M, d]);
      const opts = spec.kind === 'topk' ? { kind: 'topk' as const, k: spec.k, beta } : { kind: 'window' as const, window: spec.w, beta };
      return () => api.noGrad(() => api.hopfield.retrieve(X, Xi, opts).dataSync());
    },
  };
}
