// Gradient-check cases for the fused attention op (scaledDotProductAttention): random small shapes with an
// optional batch axis, an optional key padding mask (fully padded rows included) and a number or tensor scale
// (per row or shared; its gradient is checked too). Softmax attention is smooth, so no kinks to avoid.
import fc from 'fast-check';
import { Tensor } from '../../src/index.js';
import { scaledDotProductAttention } from '../../src/autograd/ops/attention.js';
import type { AttentionAttrs } from '../../src/autograd/ops/attention.js';
import { type CaseArb, f64 } from './case.js';

const dims = fc.record({
  batch: fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 1 }),
  l: fc.integer({ min: 1, max: 3 }),
  m: fc.integer({ min: 1, max: 4 }),
  d: fc.integer({ min: 1, max: 3 }),
  dv: fc.integer({ min: 1, max: 3 }),
  scaleKind: fc.constantFrom('default', 'number', 'row', 'shared'),
  masked: fc.boolean(),
});

const attentionCase: CaseArb = dims.chain(({ batch, l, m, d, dv, scaleKind, masked }) => {
  const nb = batch.reduce((a, b) => a * b, 1);
  return fc.tuple(
    f64([...batch, l, d]), f64([...batch, m, d]), f64([...batch, m, dv]),
    f64(scaleKind === 'row' ? [l, 1] : [1], 0.2, 1.5),
    fc.double({ min: -1.5, max: 1.5, noNaN: true }),
    fc.array(fc.boolean(), { minLength: nb * m, maxLength: nb * m }),
  ).map(([q, k, v, s, sNum, pad]) => {
    const mask = masked ? new Tensor(Int32Array.from(pad, (p) => (p ? 1 : 0)), [...batch, m]) : undefined;
    const tensorScale = scaleKind === 'row' || scaleKind === 'shared';
    const label = `sdpa q${fmt(q)} k${fmt(k)} v${fmt(v)} scale=${scaleKind}${masked ? ` mask=${pad.map(Number).join('')}` : ''}`;
    const opts = (sc?: Tensor): { scale?: number | Tensor; mask?: Tensor } => {
      const o: { scale?: number | Tensor; mask?: Tensor } = {};
      if (sc) o.scale = sc; else if (scaleKind === 'number') o.scale = sNum;
      if (mask) o.mask = mask;
      return o;
    };
    return tensorScale
      ? { inputs: [q, k, v, s], run: (a: Tensor, b: Tensor, c: Tensor, sc: Tensor) => scaledDotProductAttention(a, b, c, opts(sc)), label }
      : { inputs: [q, k, v], run: (a: Tensor, b: Tensor, c: Tensor) => scaledDotProductAttention(a, b, c, opts()), label };
  });
});

function fmt(t: Tensor): string {
  return `[${t.shape.join(',')}]`;
}

export const attentionCases: { [K in keyof AttentionAttrs]: CaseArb } = {
  scaledDotProductAttention: attentionCase,
};
