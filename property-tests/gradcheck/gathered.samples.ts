// Gradient-check cases for the fused gathered attention op: random index sets (per row, or one set shared by
// every batch element with per-batch memory offsets, or memories shared by all batch elements), excluded slots
// (some rows entirely), a number or a per-row tensor scale; float64 throughout. Softmax attention is smooth, so
// any finite inputs are away from kinks.
import fc from 'fast-check';
import { Tensor } from '../../src/index.js';
import { gatheredAttention } from '../../src/autograd/ops/gathered.js';
import type { GatheredAttrs, GatheredIndex } from '../../src/autograd/ops/gathered.js';
import { type CaseArb, f64 } from './case.js';

/** A gathered-attention problem: sizes, an index layout and the data. */
const caseArb: CaseArb = fc.record({
  nb: fc.integer({ min: 1, max: 2 }),
  l: fc.integer({ min: 1, max: 3 }),
  m: fc.integer({ min: 1, max: 4 }),
  d: fc.integer({ min: 1, max: 3 }),
  dv: fc.integer({ min: 1, max: 3 }),
  width: fc.integer({ min: 1, max: 3 }),
  layout: fc.constantFrom('perRow', 'shared', 'sharedMemory'),
  tensorScale: fc.boolean(),
  seed: fc.nat(),
}).chain((p) => {
  const rows = p.nb * p.l;
  const period = p.layout === 'perRow' ? rows : p.l;
  const memRows = p.layout === 'sharedMemory' ? p.m : p.nb * p.m;
  return fc.record({
    index: fc.array(fc.integer({ min: 0, max: p.m - 1 }), { minLength: period * p.width, maxLength: period * p.width }),
    excluded: fc.option(fc.array(fc.constantFrom(0, 0, 1), { minLength: rows * p.width, maxLength: rows * p.width })),
    q: f64([rows, p.d]),
    k: f64([memRows, p.d]),
    v: f64([memRows, p.dv]),
    s: f64([rows], 0.2, 1.5),
  }).map(({ index, excluded, q, k, v, s }) => {
    const ix: GatheredIndex = {
      index: Int32Array.from(index), width: p.width, period, groupRows: p.l,
      groupStride: p.layout === 'sharedMemory' ? 0 : p.m, excluded: excluded ? Uint8Array.from(excluded) : null,
    };
    const inputs = p.tensorScale ? [q, k, v, s] : [q, k, v];
    return {
      inputs,
      run: (...xs: Tensor[]) => gatheredAttention(xs[0]!, xs[1]!, xs[2]!, p.tensorScale ? xs[3]! : 0.7, ix),
      label: `gatheredAttention nb=${p.nb} l=${p.l} m=${p.m} d=${p.d} dv=${p.dv} width=${p.width} ${p.layout}${excluded ? ' excluded' : ''}${p.tensorScale ? ' tensor scale' : ''}`,
    };
  });
});

/** One case arbitrary per op of the gathered group. */
export const gatheredCases: { [K in keyof GatheredAttrs]: CaseArb } = {
  gatheredAttention: caseArb,
};
