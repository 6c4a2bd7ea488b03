// Activation functions as modules (torch.nn.ReLU, …), each a thin wrapper over its op.
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import { normAxis } from '../tensor/shape.js';
import { elu, gelu, leakyRelu, logSoftmax, mul, relu, sigmoid, softmax, softplus, tanh } from '../autograd/ops/index.js';
import { Module } from './module.js';

/** max(x, 0). */
export class ReLU extends Module {
  forward(x: Tensor): Tensor { return relu(x); }
}

/** GELU, tanh approximation (torch.nn.GELU(approximate='tanh')). */
export class GELU extends Module {
  forward(x: Tensor): Tensor { return gelu(x); }
  override extraRepr(): string { return "approximate='tanh'"; }
}

/** Hyperbolic tangent. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor { return tanh(x); }
}

/** Logistic sigmoid. */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor { return sigmoid(x); }
}

/** SiLU / swish: x·σ(x). */
export class SiLU extends Module {
  forward(x: Tensor): Tensor { return mul(x, sigmoid(x)); }
}

/** log(1 + eˣ), stable. */
export class Softplus extends Module {
  forward(x: Tensor): Tensor { return softplus(x); }
}

/** ELU: x for x > 0, α(eˣ − 1) otherwise. */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
    check(Number.isFinite(alpha), 'ELU', () => `alpha must be finite, got ${String(alpha)}`);
  }
  forward(x: Tensor): Tensor { return elu(x, this.alpha); }
  override extraRepr(): string { return `alpha=${this.alpha}`; }
}

/** Leaky ReLU: x for x > 0, negativeSlope·x otherwise (default slope 0.01). */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
    check(Number.isFinite(negativeSlope), 'LeakyReLU', () => `negativeSlope must be finite, got ${String(negativeSlope)}`);
  }
  forward(x: Tensor): Tensor { return leakyRelu(x, this.negativeSlope); }
  override extraRepr(): string { return `negativeSlope=${this.negativeSlope}`; }
}

function checkAxis(axis: unknown, where: string): number {
  check(Number.isInteger(axis), where, () => `axis must be an integer, got ${String(axis)}`);
  return axis as number;
}

/** Softmax along `axis` (default −1). */
export class Softmax extends Module {
  readonly axis: number;
  constructor(axis = -1) {
    super();
    this.axis = checkAxis(axis, 'Softmax');
  }
  forward(x: Tensor): Tensor {
    normAxis(this.axis, Math.max(x.ndim, 1), 'Softmax');
    return softmax(x, this.axis);
  }
  override extraRepr(): string { return `axis=${this.axis}`; }
}

/** log-softmax along `axis` (default −1). */
export class LogSoftmax extends Module {
  readonly axis: number;
  constructor(axis = -1) {
    super();
    this.axis = checkAxis(axis, 'LogSoftmax');
  }
  forward(x: Tensor): Tensor {
    normAxis(this.axis, Math.max(x.ndim, 1), 'LogSoftmax');
    return logSoftmax(x, this.axis);
  }
  override extraRepr(): string { return `axis=${this.axis}`; }
}
