// Adam (L2 weight decay folded into the gradient) and AdamW (decoupled weight decay), with AMSGrad and
// maximize: torch.optim.Adam / AdamW's update in torch's operation order, one fused float64 loop per parameter.
import { type StateSchema, Optimizer, type FloatArray, type ParamState, type ParamsInput } from './optimizer.js';
import { checkBetas, checkBool, checkNonNegative } from './validate.js';

/** Adam / AdamW hyperparameters (PyTorch's names in camelCase). */
export type AdamOptions = {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the first and second moment averages, each in [0, 1) (default [0.9, 0.999]). */
  betas: readonly [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay rate (default 0.01). */
  weightDecay: number;
  /** Use the running maximum of the second moment (AMSGrad). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
};

/** Defaults of Adam, as torch.optim.Adam. */
export const ADAM_DEFAULTS: Readonly<AdamOptions> = Object.freeze({
  lr: 1e-3, betas: [0.9, 0.999] as const, eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false,
});
/** Defaults of AdamW, as torch.optim.AdamW (weightDecay 0.01). */
export const ADAMW_DEFAULTS: Readonly<AdamOptions> = Object.freeze({ ...ADAM_DEFAULTS, weightDecay: 0.01 });

const SCHEMA: StateSchema = { scalars: ['step'], buffers: ['exp_avg', 'exp_avg_sq'], optionalBuffers: ['max_exp_avg_sq'] };

function checkAdam(where: string, h: AdamOptions, ctx: string): void {
  checkNonNegative(where, 'lr', h.lr, ctx);
  checkBetas(where, 'betas', h.betas, ctx);
  checkNonNegative(where, 'eps', h.eps, ctx);
  checkNonNegative(where, 'weightDecay', h.weightDecay, ctx);
  checkBool(where, 'amsgrad', h.amsgrad, ctx);
  checkBool(where, 'maximize', h.maximize, ctx);
}

function buffer(p: FloatArray, state: ParamState, name: string): FloatArray {
  let b = state.buffers[name];
  if (b === undefined) {
    b = new (p.constructor as new (n: number) => FloatArray)(p.length);
    state.buffers[name] = b;
  }
  return b;
}

/**
 * One Adam step on one parameter. With t the step count (from 1), per element:
 * ```
 * g = maximize ? -g : g
 * decoupled: p = p·(1 − lr·wd)        else: g = g + wd·p
 * m = lerp(m, g, 1 − β1)              (= β1·m + (1 − β1)·g)
 * v = β2·v + (1 − β2)·g²              (amsgrad: vmax = max(vmax, v), used below in place of v)
 * denom = sqrt(v) / sqrt(1 − β2^t) + eps
 * p = p − (lr / (1 − β1^t)) · m / denom
 * ```
 */
function adamUpdate(p: FloatArray, grad: ArrayLike<number>, state: ParamState, h: AdamOptions, decoupled: boolean): void {
  const { lr, eps, weightDecay: wd, amsgrad, maximize } = h;
  const [beta1, beta2] = h.betas;
  const m = buffer(p, state, 'exp_avg');
  const v = buffer(p, state, 'exp_avg_sq');
  const vmax = amsgrad ? buffer(p, state, 'max_exp_avg_sq') : v;
  const t = (state.scalars.step ?? 0) + 1;
  state.scalars.step = t;
  const negStepSize = -(lr / (1 - beta1 ** t));
  const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
  const w = 1 - beta1; // torch: exp_avg.lerp_(grad, 1 - beta1)
  const small = w < 0.5;
  const oneMinusB2 = 1 - beta2;
  const decay = 1 - lr * wd;
  const l2 = !decoupled && wd !== 0;
  const shrink = decoupled && wd !== 0;
  const n = p.length;
  if (!amsgrad && !maximize && !l2 && small) {
    // the common case (Adam without decay, AdamW) as one tight loop: the same operations in the same order,
    // each stored value rounded once to p's dtype exactly as the general loop's store-then-read does
    const d = shrink ? decay : 1;
    if (p instanceof Float32Array && m instanceof Float32Array && v instanceof Float32Array) {
      plainAdam32(p, grad, m, v, n, d, w, beta2, oneMinusB2, bc2Sqrt, eps, negStepSize);
    } else {
      plainAdam64(p, grad, m, v, n, d, w, beta2, oneMinusB2, bc2Sqrt, eps, negStepSize);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    let g = maximize ? -grad[i]! : grad[i]!;
    if (shrink) p[i] = p[i]! * decay;
    else if (l2) g = g + wd * p[i]!;
    const mi = m[i]!;
    m[i] = small ? mi + w * (g - mi) : g - (g - mi) * (1 - w);
    v[i] = v[i]! * beta2 + oneMinusB2 * g * g;
    if (amsgrad) vmax[i] = Math.max(vmax[i]!, v[i]!);
    const denom = Math.sqrt(vmax[i]!) / bc2Sqrt + eps;
    p[i] = p[i]! + (negStepSize * m[i]!) / denom;
  }
}

/**
 * adamUpdate's loop for float32 state without amsgrad, maximize or L2 decay, lerp weight w < 0.5; `fround` is the
 * rounding a Float32Array store does, so the values kept in locals equal the ones read back (d = 1: no shrink).
 */
function plainAdam32(p: Float32Array, grad: ArrayLike<number>, m: Float32Array, v: Float32Array, n: number, d: number,
  w: number, beta2: number, oneMinusB2: number, bc2Sqrt: number, eps: number, negStepSize: number): void {
  const f32 = Math.fround;
  for (let i = 0; i < n; i++) {
    const g = grad[i]!;
    const pi = f32(p[i]! * d); // p = p·(1 − lr·wd) (exact for d = 1; a branch here costs a third of the loop)
    const mi = m[i]!;
    const mn = f32(mi + w * (g - mi)); // m = lerp(m, g, 1 − β1)
    const vn = f32(v[i]! * beta2 + oneMinusB2 * g * g); // v = β2·v + (1 − β2)·g²
    m[i] = mn;
    v[i] = vn;
    p[i] = pi + (negStepSize * mn) / (Math.sqrt(vn) / bc2Sqrt + eps);
  }
}

/** plainAdam32 for float64 (or mixed) state: each value is stored, then read back, as the general loop does. */
function plainAdam64(p: FloatArray, grad: ArrayLike<number>, m: FloatArray, v: FloatArray, n: number, d: number,
  w: number, beta2: number, oneMinusB2: number, bc2Sqrt: number, eps: number, negStepSize: number): void {
  for (let i = 0; i < n; i++) {
    const g = grad[i]!;
    if (d !== 1) p[i] = p[i]! * d;
    const mi = m[i]!;
    m[i] = mi + w * (g - mi);
    v[i] = v[i]! * beta2 + oneMinusB2 * g * g;
    p[i] = p[i]! + (negStepSize * m[i]!) / (Math.sqrt(v[i]!) / bc2Sqrt + eps);
  }
}

/**
 * torch.optim.Adam: bias-corrected moment estimates, weight decay as an L2 term added to the gradient, optional
 * AMSGrad. State per parameter: `step`, `exp_avg`, `exp_avg_sq` (and `max_exp_avg_sq` with amsgrad), buffers in
 * the parameter's dtype; arithmetic in float64, each value rounded once when stored.
 */
export class Adam extends Optimizer<AdamOptions> {
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('Adam', params, ADAM_DEFAULTS, options);
  }

  protected override checkHyper(h: AdamOptions, ctx: string): void {
    checkAdam('Adam', h, ctx);
  }

  protected override stateSchema(): StateSchema {
    return SCHEMA;
  }

  protected override updateParam(p: FloatArray, grad: ArrayLike<number>, state: ParamState, h: AdamOptions): void {
    adamUpdate(p, grad, state, h, false);
  }
}

/**
 * torch.optim.AdamW: Adam with decoupled weight decay — each step first shrinks the parameter,
 * p ← p·(1 − lr·weightDecay), then takes the Adam step with the raw gradient. Defaults lr 1e-3,
 * betas [0.9, 0.999], eps 1e-8, weightDecay 0.01. Same state as Adam.
 */
export class AdamW extends Optimizer<AdamOptions> {
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('AdamW', params, ADAMW_DEFAULTS, options);
  }

  protected override checkHyper(h: AdamOptions, ctx: string): void {
    checkAdam('AdamW', h, ctx);
  }

  protected override stateSchema(): StateSchema {
    return SCHEMA;
  }

  protected override updateParam(p: FloatArray, grad: ArrayLike<number>, state: ParamState, h: AdamOptions): void {
    adamUpdate(p, grad, state, h, true);
  }
}
