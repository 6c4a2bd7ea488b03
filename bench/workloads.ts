// Workload definitions of bench-workloads.md §3: W1 (GEMM) and W2 (dense Hopfield retrieval), with their inputs
// (seeds), FLOP counts (§2: matmul FLOPs only, 2 per multiply-add) and check values (mean |output|).
import type { TypedArray } from '../src/tensor/dtype.js';
import { normal } from './data.js';
import type { Impl, PreparedCall } from './impl.js';

export type WorkloadName = 'W1' | 'W2';

export interface CaseDef {
  /** key into REFERENCE, e.g. `W1/n=256`. */
  id: string;
  workload: WorkloadName;
  size: string;
  /** part of the --quick (CI smoke) set. */
  quick: boolean;
  flops: number;
  /** Create the inputs (untimed) and return the call. */
  prepare(impl: Impl): PreparedCall;
}

function w1(n: number): CaseDef {
  return {
    id: `W1/n=${n}`, workload: 'W1', size: `n=${n}`, quick: n === 256, flops: 2 * n ** 3,
    prepare: (impl) => impl.gemm(normal(101, [n, n]), normal(102, [n, n]), n),
  };
}

export const W2_D = 64;
export const W2_BETA = 0.125;

function w2(B: number, L: number, M: number): CaseDef {
  const d = W2_D;
  return {
    id: `W2/B=${B},L=M=${L}`, workload: 'W2', size: B === 1 ? `L=M=${L}` : `B=${B}, L=M=${L}`,
    quick: B === 1 && L === 256, flops: 4 * B * L * M * d,
    prepare: (impl) => impl.retrieval(normal(201, [B, L, d]), normal(202, [B, M, d]), B, L, M, d, W2_BETA),
  };
}

export const CASES: readonly CaseDef[] = [
  w1(256), w1(512), w1(1024),
  w2(1, 256, 256), w2(1, 1024, 1024), w2(1, 4096, 4096), w2(4, 1024, 1024),
];

/** The check value of both workloads: mean |x| accumulated in float64. */
export function meanAbs(x: TypedArray): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]!);
  return s / x.length;
}

/** The cases selected by workload names and the quick flag. */
export function selectCases(workloads: readonly string[], quick: boolean): CaseDef[] {
  return CASES.filter((c) => workloads.includes(c.workload) && (!quick || c.quick));
}
