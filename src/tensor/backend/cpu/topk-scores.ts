// CPU reference of the fused score + select kernel (Backend.topkScores, the top-K Hopfield kind's selection):
// query rows are scored in blocks of BLOCK_ROWS rows × m memories in one scratch buffer (memory O(BLOCK_ROWS·m),
// never the full l×m matrix), and each block goes through the cpu top-k selection (./indexing.ts, unsorted).
// The scores are computed exactly as `matmul(mul(q, scale), keysᵀ)` computes them on the cpu (q·scale rounded to
// q's dtype; four float64 partial sums over d, rounded once to the result dtype), so the kept sets equal the
// matmul + topk path's, ties included.
import { type TypedArray, allocate } from '../../dtype.js';
import { HopgradError } from '../../errors.js';
import type { TopkScoresSpec } from '../backend.js';
import { topk } from './indexing.js';

/** Query rows scored per block. */
const BLOCK_ROWS = 64;

/**
 * Throw a HopgradError naming what is wrong when `q`, `keys` and `spec` do not describe one topkScores problem
 * (shared by the cpu and wasm kernels).
 */
export function checkTopkScores(q: TypedArray, keys: TypedArray, spec: TopkScoresSpec): void {
  const { batch, l, m, d, k, scale, mask, sharedKeys } = spec;
  for (const [name, v] of [['batch', batch], ['l', l], ['m', m], ['d', d], ['k', k]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new HopgradError(`topkScores: ${name} must be a non-negative integer, got ${v}`);
  }
  if (k > m) throw new HopgradError(`topkScores: k = ${k} exceeds the ${m} memories`);
  if (q.length !== batch * l * d) throw new HopgradError(`topkScores: q holds ${q.length} values, expected batch·l·d = ${batch}·${l}·${d}`);
  const mats = sharedKeys ? 1 : batch;
  if (keys.length !== mats * m * d) {
    throw new HopgradError(`topkScores: keys hold ${keys.length} values, expected ${sharedKeys ? 'm·d' : 'batch·m·d'} = ${mats * m * d}`);
  }
  if (q instanceof Int32Array || keys instanceof Int32Array) throw new HopgradError('topkScores: q and keys must be float data, got int32');
  if (typeof scale !== 'number' && scale.length !== batch * l) {
    throw new HopgradError(`topkScores: scale holds ${scale.length} values, expected one per query row (${batch * l})`);
  }
  if (mask !== null && mask.length !== batch * m) throw new HopgradError(`topkScores: mask holds ${mask.length} flags, expected batch·m = ${batch * m}`);
}

/**
 * Fused score + select (Backend.topkScores): per query row r of batch element b, the k local memory indices with
 * the largest (scale_r·q_r)·ξ_j (ξ from b's keys, or the shared ones), padded memories at −∞; the order within a
 * row is unspecified. Returns [batch·l·k].
 */
export function topkScores(q: TypedArray, keys: TypedArray, spec: TopkScoresSpec): Int32Array {
  checkTopkScores(q, keys, spec);
  const { batch, l, m, d, k, scale, mask, sharedKeys } = spec;
  const rows = batch * l;
  const out = allocate('int32', rows * k) as Int32Array;
  if (rows === 0 || k === 0) return out;
  if (k === m) {
    // every memory is kept
    for (let r = 0; r < rows; r++) for (let j = 0; j < m; j++) out[r * k + j] = j;
    return out;
  }
  const f32 = q instanceof Float32Array;
  const f64Scores = q instanceof Float64Array || keys instanceof Float64Array;
  const block = Math.min(rows, BLOCK_ROWS);
  const scores = f64Scores ? new Float64Array(block * m) : new Float32Array(block * m);
  // the scaled query row in q's dtype (as mul(q, scale) stores it)
  const qs = f32 ? new Float32Array(d) : new Float64Array(d);
  for (let r0 = 0; r0 < rows; r0 += block) {
    const nr = Math.min(block, rows - r0);
    for (let i = 0; i < nr; i++) {
      const r = r0 + i;
      const b = Math.floor(r / l);
      const s0 = typeof scale === 'number' ? scale : scale[r]!;
      const s = f32 ? Math.fround(s0) : s0;
      for (let t = 0; t < d; t++) qs[t] = q[r * d + t]! * s;
      const kb = sharedKeys ? 0 : b * m * d;
      const base = i * m;
      for (let j = 0; j < m; j++) {
        if (mask !== null && mask[b * m + j] !== 0) { scores[base + j] = -Infinity; continue; }
        // the cpu matmul's transposed-B dot product: four float64 partial sums, rounded once on store
        const kj = kb + j * d;
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        let p = 0;
        for (; p + 3 < d; p += 4) {
          a0 += qs[p]! * keys[kj + p]!;
          a1 += qs[p + 1]! * keys[kj + p + 1]!;
          a2 += qs[p + 2]! * keys[kj + p + 2]!;
          a3 += qs[p + 3]! * keys[kj + p + 3]!;
        }
        for (; p < d; p++) a0 += qs[p]! * keys[kj + p]!;
        scores[base + j] = a0 + a1 + a2 + a3;
      }
    }
    const sel = topk(scores.subarray(0, nr * m), nr, m, k, true, false);
    out.set(sel.indices, r0 * k);
  }
  return out;
}
