// Seeded, counter-based pseudo-random numbers that are bit-identical on every backend and platform.
// The stream is the one of ../shared/docs/bench-workloads.md: U(j) = ((lowbias32(key + j) >> 8) + 0.5) / 2^24
// with key = lowbias32(seed); normals by Box–Muller on consecutive pairs. A fresh Generator(s).normal(shape)
// therefore reproduces the benchmark data normal(s, shape) exactly (Generator(s).fillNormal(array)).
import { check } from './errors.js';

/** The lowbias32 integer hash (all arithmetic on uint32, wrapping). */
export function lowbias32(x: number): number {
  x >>>= 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

const TWO_PI = 2 * Math.PI;
const INV_2_24 = 1 / 16777216;

/**
 * A reproducible random stream. Every draw advances a counter, so a Generator's state is two integers
 * (seed, counter) and can be saved and restored (`state` / `setState`).
 */
export class Generator {
  private key: number;
  private counter = 0;
  private seedValue: number;

  constructor(seed = 0) {
    check(Number.isInteger(seed), 'Generator', () => `seed must be an integer, got ${seed}`);
    this.seedValue = seed >>> 0;
    this.key = lowbias32(this.seedValue);
  }

  /** The seed this generator was created (or last reseeded) with. */
  get seed(): number {
    return this.seedValue;
  }

  /** Reset to the start of the stream of `seed`. */
  manualSeed(seed: number): this {
    check(Number.isInteger(seed), 'manualSeed', () => `seed must be an integer, got ${seed}`);
    this.seedValue = seed >>> 0;
    this.key = lowbias32(this.seedValue);
    this.counter = 0;
    return this;
  }

  /** The generator's position, for checkpoints. */
  get state(): { seed: number; counter: number } {
    return { seed: this.seedValue, counter: this.counter };
  }

  setState(s: { seed: number; counter: number }): void {
    this.manualSeed(s.seed);
    this.counter = s.counter;
  }

  /** One uniform float64 in (0, 1). */
  uniform(): number {
    const u = ((lowbias32((this.key + this.counter) >>> 0) >>> 8) + 0.5) * INV_2_24;
    this.counter++;
    return u;
  }

  /** Fill `out` with standard normals times `scale` (Box–Muller on pairs; an odd tail still uses a pair). */
  fillNormal(out: { length: number; [i: number]: number }, scale = 1, mean = 0): void {
    const n = out.length;
    for (let p = 0; 2 * p < n; p++) {
      const u1 = this.uniform();
      const u2 = this.uniform();
      const r = Math.sqrt(-2 * Math.log(u1));
      out[2 * p] = r * Math.cos(TWO_PI * u2) * scale + mean;
      if (2 * p + 1 < n) out[2 * p + 1] = r * Math.sin(TWO_PI * u2) * scale + mean;
    }
  }

  /** Fill `out` with uniforms on [low, high). */
  fillUniform(out: { length: number; [i: number]: number }, low = 0, high = 1): void {
    for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * this.uniform();
  }

  /** A uniformly random integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.uniform() * n));
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}

/** The process-wide default generator that `randn`, `rand`, Dropout and initializers draw from. */
export const defaultGenerator = new Generator(0);

/** Reseed the default generator (like torch.manual_seed). */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}
