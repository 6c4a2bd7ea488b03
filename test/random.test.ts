// Unit tests of the seeded counter-based Generator (src/tensor/random.ts): the lowbias32 hash and uniform
// stream against independently computed values, Box–Muller pairing, state save/restore, reseeding, ints and
// permutations, and the default generator behind manualSeed.
import { describe, expect, it } from 'vitest';
import { Generator, defaultGenerator, lowbias32, manualSeed } from '../src/tensor/random.js';
import { HopgradError } from '../src/tensor/errors.js';

describe('lowbias32 and the uniform stream', () => {
  it('matches values computed independently (Python, uint32 arithmetic)', () => {
    expect([0, 1, 2, 12345, 0xffffffff].map(lowbias32)).toEqual([0, 1753845952, 3507691905, 2435775735, 1734902346]);
    // U(j) = ((lowbias32(key + j) >> 8) + 0.5) / 2^24 with key = lowbias32(42)
    const g = new Generator(42);
    expect([g.uniform(), g.uniform(), g.uniform()]).toEqual([0.3754269778728485, 0.562692254781723, 0.9912889301776886]);
  });

  it('draws lie strictly inside (0, 1)', () => {
    const g = new Generator(0);
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < 100000; i++) {
      const u = g.uniform();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
    }
    expect(lo).toBeGreaterThan(0);
    expect(hi).toBeLessThan(1);
    expect(lo).toBeLessThan(1e-4);
    expect(hi).toBeGreaterThan(1 - 1e-4);
  });
});

describe('Generator', () => {
  it('normals use consecutive uniform pairs (Box–Muller); an odd tail still consumes a pair', () => {
    const g = new Generator(9);
    const u1 = g.uniform();
    const u2 = g.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const out = new Float64Array(3);
    const h = new Generator(9);
    h.fillNormal(out);
    expect(out[0]).toBe(r * Math.cos(2 * Math.PI * u2));
    expect(out[1]).toBe(r * Math.sin(2 * Math.PI * u2));
    expect(h.state.counter).toBe(4);
    const scaled = new Float64Array(2);
    new Generator(9).fillNormal(scaled, 3, 10);
    expect(scaled[0]).toBe(out[0]! * 3 + 10);
  });

  it('state saves and restores the position; the returned state is a copy', () => {
    const g = new Generator(123);
    g.fillNormal(new Float64Array(5));
    const st = g.state;
    expect(st).toEqual({ seed: 123, counter: 6 });
    const a = Array.from({ length: 4 }, () => g.uniform());
    st.counter = 0;
    expect(g.state.counter).toBe(10);
    g.setState({ seed: 123, counter: 6 });
    expect(Array.from({ length: 4 }, () => g.uniform())).toEqual(a);
  });

  it('manualSeed restarts the stream; seeds are taken as uint32', () => {
    const g = new Generator(5);
    const first = g.uniform();
    g.uniform();
    expect(g.manualSeed(5)).toBe(g);
    expect(g.uniform()).toBe(first);
    expect(new Generator(-1).seed).toBe(0xffffffff);
    expect(new Generator(-1).uniform()).toBe(new Generator(0xffffffff).uniform());
    expect(new Generator(1).uniform()).not.toBe(new Generator(2).uniform());
  });

  it('int(n) stays in [0, n) and hits every value', () => {
    const g = new Generator(11);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const k = g.int(7);
      expect(Number.isInteger(k) && k >= 0 && k < 7).toBe(true);
      seen.add(k);
    }
    expect(seen.size).toBe(7);
  });

  it('permutation returns each index once, and every position sees several values', () => {
    const g = new Generator(2);
    const firsts = new Set<number>();
    for (let t = 0; t < 200; t++) {
      const p = g.permutation(6);
      expect(Array.from(p).sort()).toEqual([0, 1, 2, 3, 4, 5]);
      firsts.add(p[0]!);
    }
    expect(firsts.size).toBe(6);
    expect(g.permutation(0).length).toBe(0);
  });

  it('normals have mean ≈ 0 and variance ≈ 1; uniforms mean ≈ ½', () => {
    const n = 200000;
    const x = new Float64Array(n);
    new Generator(77).fillNormal(x);
    const mean = x.reduce((s, v) => s + v, 0) / n;
    const v = x.reduce((s, y) => s + (y - mean) ** 2, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(v - 1)).toBeLessThan(0.015);
    const u = new Float64Array(n);
    new Generator(78).fillUniform(u, -1, 3);
    expect(Math.abs(u.reduce((s, y) => s + y, 0) / n - 1)).toBeLessThan(0.01);
  });

  it('rejects non-integer seeds', () => {
    expect(() => new Generator(0.5)).toThrow(HopgradError);
    expect(() => new Generator(1).manualSeed(NaN)).toThrow('manualSeed: seed must be an integer, got NaN');
  });
});

describe('the default generator', () => {
  it('manualSeed reseeds it to the start of the stream', () => {
    manualSeed(31);
    expect(defaultGenerator.state).toEqual({ seed: 31, counter: 0 });
    const a = defaultGenerator.uniform();
    manualSeed(31);
    expect(defaultGenerator.uniform()).toBe(a);
    expect(a).toBe(new Generator(31).uniform());
  });
});
