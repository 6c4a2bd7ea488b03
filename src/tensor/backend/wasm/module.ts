// Assembles the wasm backend's module from the generators (gen-*.ts) at import time: every job has the
// signature (args, tid, nth) and reads its arguments from an i32 block at `args`; `run(job, args, tid, nth)`
// dispatches by job id, so worker threads need only that one export. The module imports its memory as
// env.memory (shared when threads are possible) and is otherwise self-contained; the bytes are built here, in
// this repository, from the generators (no prebuilt binary).
import { I32, ModuleBuilder } from './encoder.js';
import { binaryJob, unaryJob } from './gen-elementwise.js';
import { gemmJob, packJob } from './gen-gemm.js';
import { lnNormJob, lnStatsJob, lseStatsJob, softmaxJob, subRowJob } from './gen-rows.js';
import { attentionJobs } from './gen-attention.js';
import { gatheredJobs } from './gen-gathered.js';
import { topkScoresJob } from './gen-topk-scores.js';

/** Job ids understood by the module's `run` export. */
export const JOB = {
  gemm: 0, packB: 1, softmax: 2, lseStats: 3, subRow: 4, lnStats: 5, lnNorm: 6, unary: 7, binary: 8,
  attnFwd: 20, attnBwd: 21,
  gatheredFwd: 30, gatheredBwdRows: 31, gatheredBwdScatter: 32, topkSelect: 33, topkScores: 34,
} as const;
export type JobName = keyof typeof JOB;

/** The most pages the backend's memory may grow to (2 GiB: every byte address fits a positive i32). */
export const MAX_PAGES = 32768;

/** The exports the backend calls. */
export interface WasmExports {
  run(job: number, args: number, tid: number, nth: number): void;
}

const cache = new Map<string, Uint8Array<ArrayBuffer>>();

/**
 * The module's bytes; `shared` selects a shared memory import (required to instantiate with shared memory),
 * `relaxed` the GEMM micro-kernel on f32x4.relaxed_madd (only for engines with relaxed SIMD).
 */
export function wasmModuleBytes(shared: boolean, relaxed = false): Uint8Array<ArrayBuffer> {
  const key = `${shared}/${relaxed}`;
  const have = cache.get(key);
  if (have) return have;
  const mod = new ModuleBuilder();
  const base = {
    gemm: gemmJob(mod, relaxed), packB: packJob(mod), softmax: softmaxJob(mod), lseStats: lseStatsJob(mod),
    subRow: subRowJob(mod), lnStats: lnStatsJob(mod), lnNorm: lnNormJob(mod), unary: unaryJob(mod), binary: binaryJob(mod),
    ...attentionJobs(mod),
    ...gatheredJobs(mod),
  };
  // the fused score + select job calls the GEMM and selection jobs
  const jobs: Record<JobName, number> = { ...base, topkScores: topkScoresJob(mod, base.gemm, base.topkSelect) };
  mod.func('run', [I32, I32, I32, I32], [], (c, [job, args, tid, nth]) => {
    for (const name of Object.keys(JOB) as JobName[]) {
      c.get(job).i32(JOB[name]).op('i32.eq').if(() => { c.get(args).get(tid).get(nth).call(jobs[name]).op('return'); });
    }
    c.op('unreachable');
  });
  const bytes = mod.encode({ initial: 1, maximum: MAX_PAGES, shared });
  cache.set(key, bytes);
  return bytes;
}

/** A tiny module using one SIMD instruction: validates only where WebAssembly SIMD is supported. */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: [] → [v128]
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0xfd, 0x62, 0x0b, // i32.const 0; i8x16.splat; i8x16.popcnt
]);

/** A module using f32x4.relaxed_madd: validates only where relaxed SIMD is supported. */
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type: [v128 ×3] → [v128]
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // f32x4.relaxed_madd
]);

let simd: boolean | null = null;
let relaxedSimd: boolean | null = null;

/** Whether this engine runs WebAssembly relaxed SIMD (f32x4.relaxed_madd; cached). */
export function relaxedSimdSupported(): boolean {
  if (relaxedSimd === null) {
    try {
      relaxedSimd = simdSupported() && WebAssembly.validate(RELAXED_PROBE);
    } catch {
      relaxedSimd = false;
    }
  }
  return relaxedSimd;
}

/** Whether this engine runs WebAssembly SIMD (validates a probe module; cached). */
export function simdSupported(): boolean {
  if (simd === null) {
    try {
      simd = typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
    } catch {
      simd = false;
    }
  }
  return simd;
}
