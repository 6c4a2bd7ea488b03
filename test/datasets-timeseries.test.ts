// Forecasting plumbing: chronological split (Informer's ETT rule), standardization fitted on the training part,
// sliding windows — on ETTh1 and as properties over random sizes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { resolve } from 'node:path';
import { chronologicalSplit, slidingWindows, standardize } from '../src/io/index.js';
import { loadTimeSeriesCsv } from '../src/node/index.js';

const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
const ett = resolve(import.meta.dirname, '../../shared/data/ett/ETTh1.csv');

describe('chronologicalSplit', () => {
  it('ETTh1: 70/10/20 gives 12,194 / 1,742 / 3,484 (Informer: floor train and test, the rest is validation)', () => {
    expect(chronologicalSplit(17_420)).toEqual([{ start: 0, end: 12_194 }, { start: 12_194, end: 13_936 }, { start: 13_936, end: 17_420 }]);
    const n = 17_421; // train = floor(12194.7), test = floor(3484.2), validation the rest
    expect(chronologicalSplit(n).map((r) => r.end - r.start)).toEqual([12_194, 1743, 3484]);
  });

  it('partitions 0..n into consecutive non-empty parts with sizes floor(n·f) but the second', () => {
    fc.assert(fc.property(fc.integer({ min: 20, max: 100_000 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }),
      (n, a, b, c) => {
        const f = [a / (a + b + c), b / (a + b + c), c / (a + b + c)];
        const parts = chronologicalSplit(n, f);
        expect(parts[0]!.start).toBe(0);
        expect(parts[2]!.end).toBe(n);
        expect(parts[1]!.start).toBe(parts[0]!.end);
        expect(parts[2]!.start).toBe(parts[1]!.end);
        expect(parts[0]!.end).toBe(Math.floor(n * f[0]! + 1e-9));
        expect(parts[2]!.end - parts[2]!.start).toBe(Math.floor(n * f[2]! + 1e-9));
      }), { numRuns: 200, ...seed });
  });

  it('validates fractions and n', () => {
    expect(() => chronologicalSplit(100, [0.5, 0.6])).toThrow(/fractions must sum to 1/);
    expect(() => chronologicalSplit(100, [1])).toThrow(/at least 2 parts/);
    expect(() => chronologicalSplit(100, [0.5, 0, 0.5])).toThrow(/fractions\[1\] must be positive, got 0/);
    expect(() => chronologicalSplit(3, [0.1, 0.1, 0.8])).toThrow(/part 0 \(fraction 0.1\) of 3 steps is empty/);
    expect(() => chronologicalSplit(2.5)).toThrow(/n must be a positive integer, got 2.5/);
  });
});

describe('standardize', () => {
  it('fits mean and population std on the training part; apply and invert are inverses', () => {
    const { values } = loadTimeSeriesCsv(ett, { column: 'OT' });
    const [train] = chronologicalSplit(values.length);
    const part = values.subarray(train!.start, train!.end);
    const s = standardize(part);
    const z = s.apply(part);
    let m = 0;
    for (const v of z) m += v;
    m /= z.length;
    let v2 = 0;
    for (const v of z) v2 += (v - m) ** 2;
    expect(Math.abs(m)).toBeLessThan(1e-12);
    expect(Math.abs(v2 / z.length - 1)).toBeLessThan(1e-12);
    const back = s.invert(s.apply(values));
    let worst = 0;
    for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(back[i]! - values[i]!));
    expect(worst).toBeLessThan(1e-12);
    expect(standardize([1, 2, 3, 4])).toMatchObject({ mean: 2.5, std: Math.sqrt(1.25) });
  });

  it('rejects constant, empty and non-finite training data', () => {
    expect(() => standardize([3, 3, 3])).toThrow(/constant \(std 0\)/);
    expect(() => standardize([])).toThrow(/non-empty array/);
    expect(() => standardize([1, NaN])).toThrow(/train\[1\] is NaN/);
  });
});

describe('slidingWindows', () => {
  it('window i has inputs [i·s, i·s+L) and targets right after; batch copies rows to float32', () => {
    const v = Float64Array.from({ length: 10 }, (_, i) => i);
    const w = slidingWindows(v, 3, 2);
    expect(w.count).toBe(6);
    expect(Array.from(w.input(0))).toEqual([0, 1, 2]);
    expect(Array.from(w.target(0))).toEqual([3, 4]);
    expect(Array.from(w.target(5))).toEqual([8, 9]);
    const b = w.batch([5, 1]);
    expect(Array.from(b.inputs)).toEqual([5, 6, 7, 1, 2, 3]);
    expect(Array.from(b.targets)).toEqual([8, 9, 4, 5]);
    const s = slidingWindows(v, 3, 2, { stride: 2 });
    expect(s.count).toBe(3);
    expect(Array.from(s.input(2))).toEqual([4, 5, 6]);
    expect(() => w.input(6)).toThrow(/window index 6 is out of range \[0, 6\)/);
    expect(() => slidingWindows(v, 8, 3)).toThrow(/series of 10 steps is shorter than one window \(inputLength 8 \+ horizon 3 = 11\)/);
    expect(() => slidingWindows(v, 0, 3)).toThrow(/inputLength must be a positive integer, got 0/);
  });

  it('count = floor((n − L − H)/stride) + 1 and the last window ends inside the series', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 7 }),
      (L, H, extra, stride) => {
        const v = Float64Array.from({ length: L + H + extra }, (_, i) => i);
        const w = slidingWindows(v, L, H, { stride });
        expect(w.count).toBe(Math.floor(extra / stride) + 1);
        const last = w.target(w.count - 1);
        expect(last[last.length - 1]! <= v.length - 1).toBe(true);
        expect(w.input(w.count - 1)[0]).toBe((w.count - 1) * stride);
      }), { numRuns: 200, ...seed });
  });

  it('ETTh1 with L = H = 720: the training part gives 10,755 windows as views', () => {
    const { values } = loadTimeSeriesCsv(ett);
    const [train] = chronologicalSplit(values.length);
    const w = slidingWindows(values.subarray(train!.start, train!.end), 720, 720);
    expect(w.count).toBe(12_194 - 1440 + 1);
    expect(w.input(0).buffer).toBe(values.buffer);
  });
});
