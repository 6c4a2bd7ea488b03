// W1–W5 in TensorFlow.js with its WebAssembly backend (compare mode, `--compare`): the JavaScript peer run on
// identical inputs under identical timing rules in its own child process. Written the fastest reasonable way
// (the doc's "tuned", bench/tfjs-ops.ts): rank-2 untransposed matmuls with custom gradients, batch elements and
// heads as loops of rank-2 products, gradients via tf.variableGrads, W4 with a hand-written AdamW matching torch.optim.AdamW (tfjs has none),
// W5 top-k via tf.topk (its k-th value as a threshold mask on the dense scores) and window via banded blocks.
// Inputs are created as tf tensors before timing; each call ends with dataSync of the outputs and dispose of the
// call's tensors. tfjs is imported lazily, so hopgrad-only runs never load it. tfjs-wasm uses 1 thread under Node.
import type * as TF from '@tensorflow/tfjs';
import { normal, weight } from './data.js';
import type { Impl, PreparedCall, W3Inputs } from './impl.js';
import { type TunedOps, tunedOps } from './tfjs-ops.js';
import { W4 } from './w4-model.js';

/** The backend label of the TensorFlow.js wasm configuration. */
export const TFJS = 'tfjs-wasm';

type Tf = typeof TF;
let status: Record<string, unknown> | null = null;

/** Version, backend and thread count of the loaded tfjs (null before tfjsImpl). */
export function tfjsStatus(): Record<string, unknown> | null {
  return status;
}

/** Read back every output and dispose of them (part of the timed call, §2). */
function readBack(ts: readonly TF.Tensor[]): Float32Array[] {
  const out = ts.map((t) => t.dataSync() as Float32Array);
  for (const t of ts) t.dispose();
  return out;
}

/** (x − mean) / √(var + eps) · g + s over the last axis (biased variance), like torch's LayerNorm. */
function layerNorm(tf: Tf, x: TF.Tensor2D, g: TF.Tensor, s: TF.Tensor): TF.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).mul(tf.rsqrt(variance.add(1e-5))).mul(g).add(s) as TF.Tensor2D;
}

function hopfieldLayer(tf: Tf, o: TunedOps, inp: W3Inputs, backward: boolean): PreparedCall {
  const { B, L, M, D, H, beta } = inp;
  const dh = D / H;
  const R = tf.tensor2d(inp.r, [B * L, D]);
  const Y = tf.tensor2d(inp.y, [B * M, D]);
  const w = [inp.wq, inp.wk, inp.wv, inp.wo].map((a) => tf.variable(tf.tensor2d(a, [D, D])));
  const [wq, wk, wv, wo] = w as [TF.Variable<TF.Rank.R2>, TF.Variable<TF.Rank.R2>, TF.Variable<TF.Rank.R2>, TF.Variable<TF.Rank.R2>];
  const loss = (): TF.Scalar => {
    const q = o.xw(R, wq), k = o.xw(Y, wk), v = o.xw(Y, wv);
    const zs: TF.Tensor2D[] = [];
    for (let b = 0; b < B; b++) {
      const part = (t: TF.Tensor2D, n: number, h: number): TF.Tensor2D => tf.slice(t, [b * n, h * dh], [n, dh]);
      // per batch element and head: rank-2 products; heads concatenated along features (head-major)
      const hs = Array.from({ length: H }, (_, h) => o.attend(part(q, L, h), part(k, M, h), part(v, M, h), beta));
      zs.push(tf.concat(hs, 1));
    }
    return tf.sum(tf.square(o.mm(tf.concat(zs, 0), wo)));
  };
  if (!backward) return () => readBack([tf.tidy(loss)]);
  return () => {
    const { value, grads } = tf.variableGrads(loss, w);
    return readBack([value, ...w.map((p) => grads[p.name]!)]);
  };
}

function milStep(tf: Tf, o: TunedOps): PreparedCall {
  const { bags: Bg, instances: N, features: F, hidden: Hd, heads, headDim, beta } = W4;
  const x = tf.tensor2d(normal(401, [Bg, N, F]), [Bg * N, F]);
  const y = tf.tensor2d(Float32Array.from({ length: Bg }, (_, b) => b % 2), [Bg, 1]);
  const v = (data: Float32Array, shape: number[]): TF.Variable => tf.variable(tf.tensor(data, shape));
  const zeros = (n: number): Float32Array => new Float32Array(n);
  const ones = (n: number): Float32Array => new Float32Array(n).fill(1);
  const P = [
    v(weight(411, F, Hd), [F, Hd]), v(zeros(Hd), [Hd]), v(ones(Hd), [Hd]), v(zeros(Hd), [Hd]),
    v(normal(412, [1, Hd]), [1, Hd]), v(weight(413, Hd, Hd), [Hd, Hd]), v(weight(414, Hd, Hd), [Hd, Hd]),
    v(weight(415, Hd, Hd), [Hd, Hd]), v(weight(416, Hd, Hd), [Hd, Hd]), v(ones(Hd), [Hd]), v(zeros(Hd), [Hd]),
    v(weight(417, Hd, 1), [Hd, 1]), v(zeros(1), [1]),
  ];
  type V2 = TF.Variable<TF.Rank.R2>;
  const [wEmb, bEmb, g1, s1, query, wq, wk, wv, wo, g2, s2, wCls, bCls] = P as [
    V2, TF.Variable, TF.Variable, TF.Variable, V2, V2, V2, V2, V2, TF.Variable, TF.Variable, V2, TF.Variable];
  const m1 = P.map((p) => tf.variable(tf.zerosLike(p), false));
  const m2 = P.map((p) => tf.variable(tf.zerosLike(p), false));
  const lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
  let t = 0;
  const loss = (): TF.Scalar => {
    const h = layerNorm(tf, tf.relu(o.xw(x, wEmb).add(bEmb)) as TF.Tensor2D, g1, s1); // [B·N, Hd]
    const q = o.mm(query, wq).reshape([1, heads, headDim]);
    // scores[b·n, j] = q_j · k_{b,n,j}: the single query against every instance, per head (elementwise + sum)
    const s = o.mm(h, wk).reshape([Bg * N, heads, headDim]).mul(q).sum(-1).mul(beta);
    const a = tf.softmax(s.reshape([Bg, N, heads]).transpose([0, 2, 1])); // over each bag's instances: [B, heads, N]
    const vv = o.mm(h, wv).reshape([Bg, N, heads, headDim]);
    const z = a.transpose([0, 2, 1]).reshape([Bg, N, heads, 1]).mul(vv).sum(1).reshape([Bg, Hd]) as TF.Tensor2D; // concat heads
    const out = layerNorm(tf, o.mm(z, wo), g2, s2);
    const logit = o.mm(out, wCls).add(bCls);
    // BCEWithLogits = max(x, 0) − x·y + log(1 + e^−|x|), mean over bags
    return tf.mean(tf.relu(logit).sub(logit.mul(y)).add(tf.log1p(tf.exp(tf.neg(tf.abs(logit))))));
  };
  return () => {
    const { value, grads } = tf.variableGrads(loss, P);
    t++;
    const bc1 = 1 - b1 ** t, bc2 = 1 - b2 ** t;
    tf.tidy(() => {
      P.forEach((p, i) => {
        const g = grads[p.name]!;
        const m = m1[i]!, s = m2[i]!;
        m.assign(m.mul(b1).add(g.mul(1 - b1)));
        s.assign(s.mul(b2).add(g.square().mul(1 - b2)));
        // torch.optim.AdamW: p ← p(1 − lr·wd) − (lr / bc1) · m / (√s / √bc2 + eps)
        p.assign(p.mul(1 - lr * wd).sub(m.div(s.sqrt().div(Math.sqrt(bc2)).add(eps)).mul(lr / bc1)));
      });
    });
    tf.dispose(grads);
    return readBack([value]);
  };
}

/** Load tfjs with its wasm backend and build the implementation; `threads` is what tfjs-wasm really uses. */
export async function tfjsImpl(): Promise<{ impl: Impl; threads: number }> {
  const tf = await import('@tensorflow/tfjs');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend could not start');
  await tf.ready();
  tf.enableProdMode();
  const threads = wasm.getThreadsCount();
  const o = tunedOps(tf);
  status = { tfjs: tf.version.tfjs, backend: tf.getBackend(), threads };
  const impl: Impl = {
    kind: 'tfjs',
    backend: TFJS,
    gemm(a, b, n) {
      const A = tf.tensor2d(a, [n, n]);
      const B = tf.tensor2d(b, [n, n]);
      return () => readBack([tf.matMul(A, B)])[0]!;
    },
    retrieval(x, xi, B, L, M, d, beta) {
      const X = tf.unstack(tf.tensor3d(x, [B, L, d])) as TF.Tensor2D[];
      const Xi = tf.unstack(tf.tensor3d(xi, [B, M, d])) as TF.Tensor2D[];
      return () => readBack([tf.tidy(() => tf.concat(X.map((xb, b) => o.attend(xb, Xi[b]!, Xi[b]!, beta)), 0))])[0]!;
    },
    hopfieldLayer: (inp, backward) => hopfieldLayer(tf, o, inp, backward),
    milStep: () => milStep(tf, o),
    sparseRetrieval(x, xi, L, M, d, beta, spec) {
      const X = tf.tensor2d(x, [L, d]);
      const Xi = tf.tensor2d(xi, [M, d]);
      if (spec.kind === 'topk') {
        const k = spec.k;
        return () => readBack([tf.tidy(() => {
          const s = o.mmT(X.mul(beta), Xi);
          const kth = tf.topk(s, k).values.slice([0, k - 1], [L, 1]); // the k-th largest score per query
          const masked = tf.where(tf.greaterEqual(s, kth), s, tf.fill([L, M], -Infinity));
          return o.mm(tf.softmax(masked), Xi);
        })])[0]!;
      }
      // window: query blocks of C rows against the memory span covering their bands (C + 2w columns), each a
      // rank-2 matmul with a −∞ mask outside |i − j| ≤ w; the masks are built before timing. (Faster in tfjs than
      // gathering a [L, 2w+1, d] band: that needs its slow batched matmul or [L, 2w+1, d] elementwise work.)
      const w = spec.w, C = 64, span = Math.min(M, C + 2 * w);
      const blocks: { q0: number; rows: number; s0: number; mask: TF.Tensor2D }[] = [];
      for (let q0 = 0; q0 < L; q0 += C) {
        const rows = Math.min(C, L - q0);
        const s0 = Math.max(0, Math.min(M - span, q0 - w));
        const mask = Float32Array.from({ length: rows * span }, (_, e) => (Math.abs(q0 + Math.floor(e / span) - s0 - (e % span)) <= w ? 0 : -Infinity));
        blocks.push({ q0, rows, s0, mask: tf.tensor2d(mask, [rows, span]) });
      }
      return () => readBack([tf.tidy(() => {
        const xs = X.mul(beta);
        const xiT = tf.transpose(Xi);
        return tf.concat(blocks.map(({ q0, rows, s0, mask }) => {
          const s = tf.matMul(tf.slice(xs, [q0, 0], [rows, d]), tf.slice(xiT, [0, s0], [d, span])).add(mask);
          return tf.matMul(tf.softmax(s), tf.slice(Xi, [s0, 0], [span, d]));
        }), 0);
      })])[0]!;
    },
  };
  return { impl, threads };
}
