// Pins bench/data.ts (and so src/tensor/random.ts's Generator) to the reference values of
// /work/shared/docs/bench-workloads.md §1: bit-identical float32 output of normal(seed, shape, scale).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { normal, weight } from '../bench/data.js';

const sha256 = (a: Float32Array): string =>
  createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

describe('bench data generator', () => {
  it('normal(1,[5]) equals the reference values exactly', () => {
    const ref = [0.6331514716148376, -1.308870553970337, 0.5304943323135376, -0.42722705006599426, 0.0024804873391985893];
    expect(Array.from(normal(1, [5]))).toEqual(ref);
  });

  it('sha256 of normal(101,[1024,1024]) as float32 little-endian matches', () => {
    // typed arrays use the platform byte order; every supported platform is little endian
    expect(new Uint8Array(new Uint16Array([1]).buffer)[0]).toBe(1);
    expect(sha256(normal(101, [1024, 1024]))).toBe('390c5d4d7e61d7fdd1c131cec2a6fdaec707ba456f9495a6c4371c87a0efe61f');
  });

  it('content depends only on (seed, number of elements): a shorter tensor is a prefix', () => {
    const big = normal(201, [1, 4096, 64]);
    const small = normal(201, [1, 256, 64]);
    expect(Array.from(small)).toEqual(Array.from(big.subarray(0, small.length)));
    expect(Array.from(normal(7, [3]))).toEqual(Array.from(normal(7, [4]).subarray(0, 3)));
  });

  it('weight(seed, fanIn, fanOut) is normal(seed, [fanIn, fanOut], 1/sqrt(fanIn))', () => {
    const w = weight(311, 64, 32);
    expect(w.length).toBe(64 * 32);
    expect(Array.from(w)).toEqual(Array.from(normal(311, [64, 32], 0.125)));
    const z = normal(311, [64 * 32]);
    for (let i = 0; i < 16; i++) expect(w[i]! / z[i]!).toBeCloseTo(0.125, 6);
  });
});
