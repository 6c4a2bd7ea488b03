// Dropout as a layer: inverted dropout in training mode, the identity in evaluation mode.
import { Tensor } from '../tensor/tensor.js';
import { type Generator } from '../tensor/random.js';
import { Module } from './module.js';
import { checkDropoutP, dropout } from './functional.js';

/**
 * Zeroes each entry with probability p in training mode and scales the rest by 1/(1 − p) (inverted dropout);
 * the identity after `eval()`. p must be in [0, 1]; p = 1 gives zeros. The mask is drawn from `generator`
 * (default: the default generator), so seeded runs are reproducible.
 */
export class Dropout extends Module {
  readonly p: number;
  readonly generator: Generator | undefined;

  constructor(p = 0.5, opts: { generator?: Generator } = {}) {
    super();
    checkDropoutP(p, 'Dropout');
    this.p = p;
    this.generator = opts.generator;
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, this.generator === undefined ? {} : { generator: this.generator });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
