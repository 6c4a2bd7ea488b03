// Support sets 𝓜 of the sparse-structured Hopfield models (paper (3.9)–(3.11)) as per-query index lists:
// the count K of top-K / random masks, the sliding window |i − j| ≤ w, and seeded random draws of k distinct
// memories per query. Index sets are rectangular [rows, width] with a validity flag, so the window and random
// models gather only their ≤ 2w+1 or k memories per query and never build an L×M matrix.
import { check } from '../tensor/errors.js';
import { Generator, defaultGenerator } from '../tensor/random.js';

/**
 * The support size of a top-K or random mask: an integer count in 1..M, or a fraction 0 < k < 1 of M, which
 * becomes ⌈k·M⌉ (so any positive fraction keeps at least one memory and K/M never falls below the fraction).
 */
export function resolveK(k: number, m: number, where: string, kind: string): number {
  check(typeof k === 'number' && Number.isFinite(k), where, () => `k must be a count in 1..${m} or a fraction in (0, 1) for kind '${kind}', got ${String(k)}`);
  if (k > 0 && k < 1) return Math.min(m, Math.max(1, Math.ceil(k * m - 1e-12 * m)));
  check(Number.isInteger(k) && k >= 1 && k <= m, where,
    () => `k must be a count in 1..${m} (M = ${m} memories) or a fraction in (0, 1) for kind '${kind}', got ${k}`);
  return k;
}

/**
 * The default half-width of the window model for L queries: w = ⌈√L / 2⌉. The paper (§3.2, "Efficient
 * Modern Hopfield Model with O(L√L) Complexity") uses "the sliding window pattern of window size √L" after
 * Longformer, whose window size counts the whole window (½ on each side); a half-width of ⌈√L/2⌉ gives a
 * window of 2w + 1 ≥ √L memories, hence O(L√L·d).
 */
export function defaultWindow(l: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(l) / 2));
}

/** Validate a window half-width: an integer w ≥ 0. */
export function checkWindow(w: unknown, where: string): number {
  check(typeof w === 'number' && Number.isInteger(w) && w >= 0, where, () => `window must be an integer w >= 0 (half-width: query i sees memories |i - j| <= w), got ${String(w)}`);
  return w;
}

/** A rectangular per-query index set: `rows × width` local memory indices and which of them are real. */
export interface IndexSet {
  /** Local memory index (0..M−1) per row and slot; invalid slots hold some valid index. */
  readonly index: Int32Array;
  /** 1 where the slot is outside the support (to be masked at −∞), else 0; null when every slot is valid. */
  readonly invalid: Uint8Array | null;
  /** Slots per row. */
  readonly width: number;
}

/**
 * The sliding window of L queries over M memories: query i sees memories j with |i − j| ≤ w, clipped at both
 * ends (no wrap-around), for any L, M and w. Width min(2w + 1, M); a query with i − w ≥ M sees no memory (all
 * its slots invalid). The set is the same for every batch element, so it is built once for L rows.
 */
export function windowIndex(l: number, m: number, w: number): IndexSet {
  const width = Math.min(2 * w + 1, m);
  const index = new Int32Array(l * width);
  let invalid: Uint8Array | null = null;
  for (let i = 0; i < l; i++) {
    const lo = Math.max(0, i - w);
    const hi = Math.min(m - 1, i + w);
    for (let c = 0; c < width; c++) {
      const j = lo + c;
      if (j <= hi) index[i * width + c] = j;
      else {
        index[i * width + c] = Math.min(lo, m - 1);
        (invalid ??= new Uint8Array(l * width))[i * width + c] = 1;
      }
    }
  }
  return { index, invalid, width };
}

/**
 * k distinct memories out of M for each of `rows` queries (rows = batch · L, in row-major order), by a partial
 * Fisher–Yates shuffle per row drawn from `gen`: reproducible from the generator's seed, different per query
 * and per batch element, O(M + rows·k) time.
 */
export function randomIndex(rows: number, m: number, k: number, gen: Generator): IndexSet {
  const index = new Int32Array(rows * k);
  const perm = new Int32Array(m);
  for (let j = 0; j < m; j++) perm[j] = j;
  const swaps = new Int32Array(k);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < k; j++) {
      const s = j + gen.int(m - j);
      swaps[j] = s;
      const t = perm[j]!;
      perm[j] = perm[s]!;
      perm[s] = t;
      index[r * k + j] = perm[j]!;
    }
    // undo the swaps (in reverse) so perm is the identity again for the next row
    for (let j = k - 1; j >= 0; j--) {
      const s = swaps[j]!;
      const t = perm[j]!;
      perm[j] = perm[s]!;
      perm[s] = t;
    }
  }
  return { index, invalid: null, width: k };
}

/** The generator a random mask draws from: a fresh one from `seed`, else `generator`, else the default one. */
export function maskGenerator(seed: number | undefined, generator: Generator | undefined, where: string): Generator {
  if (seed !== undefined) {
    check(Number.isInteger(seed), where, () => `seed must be an integer, got ${String(seed)}`);
    return new Generator(seed);
  }
  if (generator !== undefined) {
    check(generator instanceof Generator, where, () => `generator must be a Generator, got ${typeof generator}`);
    return generator;
  }
  return defaultGenerator;
}

/**
 * Global row indices into batch-flattened memories [nb·M, ·] for an index set over `rows` = nb·L rows:
 * row r (batch element ⌊r / L⌋) reads memory b·M + index. `shared` index sets (the window) hold L rows only and
 * are reused for every batch element.
 */
export function flatRows(set: IndexSet, nb: number, l: number, m: number): Int32Array {
  const { index, width } = set;
  const out = new Int32Array(nb * l * width);
  const perBatch = l * width;
  const shared = index.length === perBatch;
  for (let b = 0; b < nb; b++) {
    const base = b * m;
    const src = shared ? 0 : b * perBatch;
    for (let t = 0; t < perBatch; t++) out[b * perBatch + t] = base + index[src + t]!;
  }
  return out;
}
