// Workload definitions of bench-workloads.md §3: W1 (GEMM), W2 (dense Hopfield retrieval), W3 (Hopfield layer,
// fwd and fwd+bwd), W4 (MIL training step), W5 (sparse retrieval: top-20 %, window 32), with their inputs
// (seeds), FLOP counts (§2: matmul FLOPs only, 2 per multiply-add; W5: none, ms only) and check values.
import type { TypedArray } from '../src/tensor/dtype.js';
import { normal, weight } from './data.js';
import type { CallOutput, Impl, PreparedCall, W3Inputs } from './impl.js';
import { w4Flops } from './w4-model.js';

export type WorkloadName = 'W1' | 'W2' | 'W3' | 'W4' | 'W5';

/** Every workload of the doc, in order. */
export const WORKLOADS: readonly WorkloadName[] = ['W1', 'W2', 'W3', 'W4', 'W5'];

export interface CaseDef {
  /** key into REFERENCE, e.g. `W1/n=256`. */
  id: string;
  workload: WorkloadName;
  size: string;
  /** part of the --quick (CI smoke) set. */
  quick: boolean;
  /** matmul FLOPs of one call (0 for W5: ms only). */
  flops: number;
  /** Check from the first call (W4: loss0, the state evolves) instead of the last timed call. */
  checkFirstCall?: boolean;
  /** Create the inputs (untimed) and return the call; throws when the implementation cannot run the workload. */
  prepare(impl: Impl): PreparedCall;
  /** The check values of one call's output, in REFERENCE's order (default: [mean |out|]). */
  checks(out: CallOutput): number[];
}

/** mean |x| accumulated in float64 (the check value of W1, W2, W5 and W3's gradients). */
export function meanAbs(x: TypedArray): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]!);
  return s / x.length;
}

/** The outputs of a call as a list. */
export function outputs(out: CallOutput): readonly TypedArray[] {
  return ArrayBuffer.isView(out) ? [out as TypedArray] : (out as readonly TypedArray[]);
}

const meanAbsCheck = (out: CallOutput): number[] => [meanAbs(outputs(out)[0]!)];

function need<K extends 'hopfieldLayer' | 'milStep' | 'sparseRetrieval'>(impl: Impl, k: K): NonNullable<Impl[K]> {
  const f = impl[k];
  if (!f) throw new Error(`the ${impl.kind} implementation does not run ${k}`);
  return f.bind(impl) as NonNullable<Impl[K]>;
}

function w1(n: number): CaseDef {
  return {
    id: `W1/n=${n}`, workload: 'W1', size: `n=${n}`, quick: n === 256, flops: 2 * n ** 3, checks: meanAbsCheck,
    prepare: (impl) => impl.gemm(normal(101, [n, n]), normal(102, [n, n]), n),
  };
}

export const W2_D = 64;
export const W2_BETA = 0.125;

function w2(B: number, L: number, M: number): CaseDef {
  const d = W2_D;
  return {
    id: `W2/B=${B},L=M=${L}`, workload: 'W2', size: B === 1 ? `L=M=${L}` : `B=${B}, L=M=${L}`,
    quick: B === 1 && L === 256, flops: 4 * B * L * M * d, checks: meanAbsCheck,
    prepare: (impl) => impl.retrieval(normal(201, [B, L, d]), normal(202, [B, M, d]), B, L, M, d, W2_BETA),
  };
}

/** W3's sizes: B = 4, D = 64, H = 4 heads of 16, β = 1/√16. */
export const W3 = { B: 4, D: 64, H: 4, beta: 0.25 } as const;

/** W3's inputs for L = M (seeds 301, 302, 311–314). */
export function w3Inputs(L: number): W3Inputs {
  const { B, D, H, beta } = W3;
  return {
    r: normal(301, [B, L, D]), y: normal(302, [B, L, D]),
    wq: weight(311, D, D), wk: weight(312, D, D), wv: weight(313, D, D), wo: weight(314, D, D),
    B, L, M: L, D, H, beta,
  };
}

/** W3's FLOPs (§2): fwd 2BLD² + 4BMD² + 4BLMD + 2BLD²; fwd+bwd adds 2BLD² + 4BMD² + 8BLMD + 4BLD². */
export function w3Flops(L: number, M: number, backward: boolean): number {
  const { B, D } = W3;
  const fwd = 2 * B * L * D * D + 4 * B * M * D * D + 4 * B * L * M * D + 2 * B * L * D * D;
  return backward ? fwd + 2 * B * L * D * D + 4 * B * M * D * D + 8 * B * L * M * D + 4 * B * L * D * D : fwd;
}

function w3(L: number, backward: boolean): CaseDef {
  const mode = backward ? 'fwd+bwd' : 'fwd';
  return {
    id: `W3/${mode},L=M=${L}`, workload: 'W3', size: `${mode} L=M=${L}`, quick: L === 256, flops: w3Flops(L, L, backward),
    prepare: (impl) => need(impl, 'hopfieldLayer')(w3Inputs(L), backward),
    checks: (out) => {
      const [loss, ...grads] = outputs(out);
      return [loss![0]!, ...grads.map(meanAbs)];
    },
  };
}

const w4: CaseDef = {
  id: 'W4/step', workload: 'W4', size: '32 bags × 50 × 784', quick: true, flops: w4Flops(), checkFirstCall: true,
  prepare: (impl) => need(impl, 'milStep')(),
  checks: (out) => [outputs(out)[0]![0]!],
};

/** W5: B = 1, d = 64, β = 0.125 on W2's data; top-20 % keeps k = floor(M/5); window w = 32. */
function w5(kind: 'topk20' | 'window32', L: number): CaseDef {
  const d = W2_D;
  return {
    id: `W5/${kind},L=M=${L}`, workload: 'W5', size: `${kind} L=M=${L}`, quick: kind === 'topk20' && L === 1024, flops: 0,
    checks: meanAbsCheck,
    prepare: (impl) => need(impl, 'sparseRetrieval')(normal(201, [L, d]), normal(202, [L, d]), L, L, d, W2_BETA,
      kind === 'topk20' ? { kind: 'topk', k: Math.floor(L / 5) } : { kind: 'window', w: 32 }),
  };
}

export const CASES: readonly CaseDef[] = [
  w1(256), w1(512), w1(1024),
  w2(1, 256, 256), w2(1, 1024, 1024), w2(1, 4096, 4096), w2(4, 1024, 1024),
  w3(256, false), w3(256, true), w3(1024, false), w3(1024, true),
  w4,
  w5('topk20', 1024), w5('topk20', 4096), w5('window32', 4096),
];

/** The cases selected by workload names and the quick flag. */
export function selectCases(workloads: readonly string[], quick: boolean): CaseDef[] {
  return CASES.filter((c) => workloads.includes(c.workload) && (!quick || c.quick));
}
