// Shared test helpers over autograd graphs and association dropout.
import { expect } from 'vitest';
import type { Tensor } from '../../src/tensor/tensor.js';

/** Every tensor in the graph that produced `out` (outputs and inputs of every node). */
export function graphTensors(out: Tensor): Tensor[] {
  const seen = new Set<Tensor>();
  const stack = [out];
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t._node) stack.push(...t._node.inputs);
  }
  return [...seen];
}

/**
 * Inverted dropout with p = 0.5 on association weights `w` gave `z`: every entry is 0 or 2·w, and the zeros are
 * neither almost none nor almost all of the n entries (between 6 and 30 of 36).
 */
export function expectHalfDropout(z: ArrayLike<number>, w: ArrayLike<number>, n: number): void {
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    expect(z[i] === 0 || Math.abs(z[i]! - 2 * w[i]!) < 1e-12).toBe(true);
    if (z[i] === 0) zeros++;
  }
  expect(zeros).toBeGreaterThan(5);
  expect(zeros).toBeLessThan(31);
}
