// The univariate forecasting model of `hopgrad forecast` (paper Appendix E.4.1, in the hflayers / STanHop
// style): embed the input sequence into tokens, one Hopfield self-association layer over the tokens (every
// token a query and a memory), Hopfield pooling of the tokens into a few vectors, and a linear head to the
// horizon. Any association kind in both Hopfield layers. Browser-safe (library code only).
//
//   x [B, L] ── (optional) minus its window mean μ ───────────────────────────────────────────┐
//   patches [B, N, P] (length P, stride S; the last patch ends at step L) ── Linear(P → d)      │
//     + learned position embedding [N, d]                       → tokens h [B, N, d]            │
//   h ← h + Hopfield(h)          (self-association over the N tokens, `numHeads` heads, kind)   │
//   z = HopfieldPooling(h)       (`quantity` learned queries retrieve from the tokens) [B, q·d] │
//   ŷ = Linear(q·d → H)(z) + μ   [B, H]  ◄───────────────────────────────────────────────────────┘
//
// The paper embeds every time step ("treat every signal as a query pattern"); with a univariate series a
// per-step embedding of one scalar carries no order for the permutation-invariant association, so tokens are
// patches (PatchTST-style) with positions; patchLength 1 / patchStride 1 recovers the per-step embedding.
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import type { Generator } from '../tensor/random.js';
import { add, indexSelect, mean, reshape, sub } from '../autograd/ops/index.js';
import { Module } from '../nn/module.js';
import { Linear } from '../nn/linear.js';
import { normal_ } from '../nn/init.js';
import { Hopfield, HopfieldPooling } from '../hopfield/index.js';
import type { AssociationOptions } from '../hopfield/index.js';
import type { RetrieveKind } from '../hopfield/retrieve.js';

/** Options of `ForecastModel`. */
export interface ForecastModelOptions {
  /** Input length L. */
  inputLength: number;
  /** Forecast horizon H. */
  horizon: number;
  /** Token width d (default 64). */
  hiddenSize?: number;
  /** Heads of both Hopfield layers (default 4; must divide hiddenSize). */
  numHeads?: number;
  /** Patch length P (default 16, clipped to L) and stride S (default P / 2). */
  patchLength?: number;
  patchStride?: number;
  /** Learned pooling queries q (default 2). */
  quantity?: number;
  /** Association of the self-association layer (default dense) and of the pooling (default: the same). */
  kind?: RetrieveKind;
  poolKind?: RetrieveKind;
  /** topk / random support (count or fraction of the memories; default 0.2), window half-width, prf features. */
  k?: number;
  window?: number;
  features?: number;
  /** β of both layers (default 1/√(d / numHeads), as hflayers). */
  beta?: number;
  /** Dropout on the association weights during training (default 0). */
  dropout?: number;
  /** Subtract each window's mean from its input and add it back to the forecast (default true). */
  instanceNorm?: boolean;
  /** Generator of the initial values and of the random kind's masks. */
  generator?: Generator;
}

/** The patch start offsets: every `stride` from 0, plus a last patch ending exactly at L when the grid misses it. */
export function patchStarts(l: number, p: number, s: number): number[] {
  check(Number.isInteger(l) && l >= 1, 'patchStarts', () => `input length must be an integer >= 1, got ${l}`);
  check(Number.isInteger(p) && p >= 1 && p <= l, 'patchStarts', () => `patch length must be an integer in [1, ${l}], got ${p}`);
  check(Number.isInteger(s) && s >= 1, 'patchStarts', () => `patch stride must be an integer >= 1, got ${s}`);
  const starts: number[] = [];
  for (let t = 0; t + p <= l; t += s) starts.push(t);
  if (starts[starts.length - 1]! + p < l) starts.push(l - p);
  return starts;
}

function association(kind: RetrieveKind, o: ForecastModelOptions): AssociationOptions {
  const a: AssociationOptions = { kind };
  if (kind === 'topk' || kind === 'random') a.k = o.k ?? 0.2;
  if (kind === 'window' && o.window !== undefined) a.window = o.window;
  if (kind === 'prf' && o.features !== undefined) a.features = o.features;
  if (o.beta !== undefined) a.beta = o.beta;
  if (o.dropout !== undefined && o.dropout > 0) a.dropout = o.dropout;
  return a;
}

/** Patch embedding → Hopfield self-association (residual) → Hopfield pooling → linear head (see the file header). */
export class ForecastModel extends Module<[Tensor], Tensor> {
  declare embed: Linear;
  declare position: Tensor;
  declare hopfield: Hopfield;
  declare pooling: HopfieldPooling;
  declare head: Linear;
  readonly inputLength: number;
  readonly horizon: number;
  readonly instanceNorm: boolean;
  /** Patch start offsets (N of them). */
  readonly starts: readonly number[];
  readonly patchLength: number;
  private readonly gatherIndex: Tensor;

  constructor(opts: ForecastModelOptions) {
    super();
    const where = 'ForecastModel';
    check(opts !== null && typeof opts === 'object', where, 'options must be an object with inputLength and horizon');
    const { inputLength: l, horizon: h } = opts;
    check(Number.isInteger(l) && l >= 1, where, () => `inputLength must be an integer >= 1, got ${l}`);
    check(Number.isInteger(h) && h >= 1, where, () => `horizon must be an integer >= 1, got ${h}`);
    const d = opts.hiddenSize ?? 64;
    const heads = opts.numHeads ?? 4;
    check(Number.isInteger(d) && d >= 1 && Number.isInteger(heads) && heads >= 1 && d % heads === 0, where,
      () => `numHeads = ${heads} must divide hiddenSize = ${d}`);
    const p = Math.min(opts.patchLength ?? 16, l);
    const s = opts.patchStride ?? Math.max(1, Math.floor(p / 2));
    this.starts = patchStarts(l, p, s);
    this.patchLength = p;
    this.inputLength = l;
    this.horizon = h;
    this.instanceNorm = opts.instanceNorm ?? true;
    const q = opts.quantity ?? 2;
    check(Number.isInteger(q) && q >= 1, where, () => `quantity must be an integer >= 1, got ${q}`);
    const kind = opts.kind ?? 'dense';
    const g = opts.generator ? { generator: opts.generator } : {};
    const n = this.starts.length;
    const idx = new Int32Array(n * p);
    this.starts.forEach((t, i) => { for (let j = 0; j < p; j++) idx[i * p + j] = t + j; });
    this.gatherIndex = new Tensor(idx, [n * p]);
    this.registerModule('embed', new Linear(p, d, g));
    this.registerParameter('position', normal_(new Tensor(new Float32Array(n * d), [n, d]), 0, 0.02, g));
    this.registerModule('hopfield', new Hopfield({ inputSize: d, numHeads: heads, ...association(kind, opts), ...g }));
    this.registerModule('pooling', new HopfieldPooling({ inputSize: d, numHeads: heads, quantity: q, ...association(opts.poolKind ?? kind, opts), ...g }));
    this.registerModule('head', new Linear(q * d, h, g));
  }

  /** Number of tokens N. */
  get tokens(): number {
    return this.starts.length;
  }

  /** Forecast [B, H] from inputs [B, L] (standardized values). */
  forward(x: Tensor): Tensor {
    check(x instanceof Tensor && x.ndim === 2 && x.shape[1] === this.inputLength, 'ForecastModel',
      () => `input must be [B, ${this.inputLength}] (a batch of input windows), got ${x instanceof Tensor ? `[${x.shape.join(', ')}]` : typeof x}`);
    const b = x.shape[0]!;
    let mu: Tensor | null = null;
    let xin = x;
    if (this.instanceNorm) {
      mu = mean(x, -1, { keepDims: true });
      xin = sub(x, mu);
    }
    const patches = reshape(indexSelect(xin, 1, this.gatherIndex), [b, this.tokens, this.patchLength]);
    let tok = add(this.embed.forward(patches), this.position);
    tok = add(tok, this.hopfield.forward(tok));
    const pooled = this.pooling.forward(tok);
    const y = this.head.forward(pooled);
    return mu ? add(y, mu) : y;
  }

  override extraRepr(): string {
    return `inputLength=${this.inputLength}, horizon=${this.horizon}, tokens=${this.tokens}, patchLength=${this.patchLength}, instanceNorm=${this.instanceNorm}`;
  }
}
