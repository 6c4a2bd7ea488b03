// A seeded PRNG for tests (mulberry32): test data follows from one small integer seed that fast-check can draw and
// shrink, so a failing case replays from its seed. Pure and browser-safe (bundled into the browser test page).

/** mulberry32: a generator of uniform numbers in [0, 1) determined by `seed` (taken as a uint32). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
