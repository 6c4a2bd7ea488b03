// Stochastic gradient descent with momentum, dampening, Nesterov momentum, L2 weight decay and maximize:
// the update of torch.optim.SGD, done as one fused float64 loop per parameter.
import { type StateSchema, Optimizer, type FloatArray, type ParamState, type ParamsInput } from './optimizer.js';
import { check } from '../tensor/errors.js';
import { checkBool, checkFinite, checkNonNegative } from './validate.js';

/** SGD's hyperparameters (PyTorch's names in camelCase). */
export type SGDOptions = {
  /** Learning rate (torch default 1e-3). */
  lr: number;
  /** Momentum factor (default 0: plain SGD). */
  momentum: number;
  /** Dampening of the gradient added to the momentum buffer (default 0). */
  dampening: number;
  /** L2 penalty: `weightDecay * param` is added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
};

/** Defaults of SGD, as torch.optim.SGD. */
export const SGD_DEFAULTS: Readonly<SGDOptions> = Object.freeze({
  lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false,
});

const SCHEMA: StateSchema = { scalars: [], buffers: [], optionalBuffers: ['momentum_buffer'] };

/**
 * torch.optim.SGD. Per element, with g the gradient:
 * ```
 * g = maximize ? -g : g
 * if weightDecay ≠ 0:  g = g + weightDecay·p
 * if momentum ≠ 0:
 *   buf = first step ? g : momentum·buf + (1 − dampening)·g
 *   g = nesterov ? g + momentum·buf : buf
 * p = p − lr·g
 * ```
 * State per parameter: `momentum_buffer` (when momentum ≠ 0), in the parameter's dtype.
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super('SGD', params, SGD_DEFAULTS, options);
  }

  protected override checkHyper(h: SGDOptions, ctx: string): void {
    checkNonNegative('SGD', 'lr', h.lr, ctx);
    checkNonNegative('SGD', 'momentum', h.momentum, ctx);
    checkFinite('SGD', 'dampening', h.dampening, ctx);
    checkNonNegative('SGD', 'weightDecay', h.weightDecay, ctx);
    checkBool('SGD', 'nesterov', h.nesterov, ctx);
    checkBool('SGD', 'maximize', h.maximize, ctx);
    check(!h.nesterov || (h.momentum > 0 && h.dampening === 0), 'SGD',
      () => `nesterov requires momentum > 0 and dampening 0, got momentum ${h.momentum} and dampening ${h.dampening}${ctx}`);
  }

  protected override stateSchema(): StateSchema {
    return SCHEMA;
  }

  protected override updateParam(p: FloatArray, grad: ArrayLike<number>, state: ParamState, h: SGDOptions): void {
    const { lr, momentum, dampening, weightDecay: wd, nesterov, maximize } = h;
    const n = p.length;
    const negLr = -lr;
    if (momentum === 0) {
      for (let i = 0; i < n; i++) {
        let g = maximize ? -grad[i]! : grad[i]!;
        if (wd !== 0) g = g + wd * p[i]!;
        p[i] = p[i]! + negLr * g;
      }
      return;
    }
    let buf = state.buffers.momentum_buffer;
    const first = buf === undefined;
    if (buf === undefined) {
      buf = new (p.constructor as new (n: number) => FloatArray)(n);
      state.buffers.momentum_buffer = buf;
    }
    const keep = 1 - dampening;
    for (let i = 0; i < n; i++) {
      let g = maximize ? -grad[i]! : grad[i]!;
      if (wd !== 0) g = g + wd * p[i]!;
      buf[i] = first ? g : buf[i]! * momentum + keep * g;
      const b = buf[i]!;
      g = nesterov ? g + momentum * b : b;
      p[i] = p[i]! + negLr * g;
    }
  }
}
