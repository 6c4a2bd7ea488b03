// Reference medians (ms per call, fp32) and check values of bench-workloads.md §4, measured by the doc's
// authors on the 2-core AMD EPYC machine kind: numpy/PyTorch (OpenBLAS, 2 threads), TensorFlow.js 4.22 wasm
// (1 thread; `tuned` and `plain`), jax-js. Compare ratios measured in one run, not absolute times across days.

export interface Reference {
  numpy?: number;
  pytorch?: number;
  tfjsWasmTuned?: number;
  tfjsWasmPlain?: number;
  jaxJs?: number;
  /** expected (first) check value: mean |output|, W3's loss, W4's loss0. */
  check: number;
  /** every expected check value when there are several (W3 fwd+bwd: loss, mean|dWq|, |dWk|, |dWv|, |dWo|). */
  checks?: readonly number[];
  /** names of the check values (default `mean|out|`). */
  checkNames?: readonly string[];
  /** where the check value comes from when the doc lists none (W5 beyond top-20 % L=1024). */
  checkSource?: string;
}

const W3_GRADS = ['loss', 'mean|dWq|', 'mean|dWk|', 'mean|dWv|', 'mean|dWo|'] as const;
const W5_F64 = 'bench/w5-reference.ts (float64, computed directly)';

/** Keyed by case id: `W1/n=256`, `W2/B=1,L=M=256`, ... */
export const REFERENCE: Record<string, Reference> = {
  'W1/n=256': { numpy: 0.28, pytorch: 0.37, tfjsWasmTuned: 2.31, tfjsWasmPlain: 2.31, jaxJs: 3.04, check: 12.7587 },
  'W1/n=512': { numpy: 1.94, pytorch: 2.1, tfjsWasmTuned: 14.7, tfjsWasmPlain: 14.7, jaxJs: 13.6, check: 18.0888 },
  'W1/n=1024': { numpy: 16.4, pytorch: 14.7, tfjsWasmTuned: 89.8, tfjsWasmPlain: 89.8, jaxJs: 94.2, check: 25.5322 },
  'W2/B=1,L=M=256': { numpy: 0.46, pytorch: 0.24, tfjsWasmTuned: 2.03, tfjsWasmPlain: 8.32, jaxJs: 3.67, check: 0.1223 },
  'W2/B=1,L=M=1024': { numpy: 4.76, pytorch: 4.46, tfjsWasmTuned: 22.1, tfjsWasmPlain: 82.8, jaxJs: 26.1, check: 0.107663 },
  'W2/B=1,L=M=4096': { numpy: 122, pytorch: 121, tfjsWasmTuned: 312, tfjsWasmPlain: 1750, jaxJs: 344, check: 0.101302 },
  'W2/B=4,L=M=1024': { numpy: 27.7, pytorch: 19.4, tfjsWasmTuned: 155, tfjsWasmPlain: 827, jaxJs: 149, check: 0.107218 },
  'W3/fwd,L=M=256': { pytorch: 2.62, tfjsWasmTuned: 16.4, tfjsWasmPlain: 67.3, jaxJs: 37.7, check: 1750.32, checkNames: ['loss'] },
  'W3/fwd+bwd,L=M=256': {
    pytorch: 9.91, tfjsWasmTuned: 56.1, tfjsWasmPlain: 237, jaxJs: 70.1, check: 1750.32,
    checks: [1750.32, 8.00467, 11.4897, 12.1132, 8.53469], checkNames: W3_GRADS,
  },
  'W3/fwd,L=M=1024': { pytorch: 158, tfjsWasmTuned: 140, tfjsWasmPlain: 887, jaxJs: 353, check: 4925.2, checkNames: ['loss'] },
  'W3/fwd+bwd,L=M=1024': {
    pytorch: 370, tfjsWasmTuned: 660, tfjsWasmPlain: 3930, jaxJs: 577, check: 4925.2,
    checks: [4925.2, 24.2963, 38.5906, 37.7541, 24.554], checkNames: W3_GRADS,
  },
  'W4/step': { pytorch: 30.0, tfjsWasmTuned: 205, tfjsWasmPlain: 1698, check: 0.804239, checkNames: ['loss0'] },
  // W5: PyTorch only in the doc (top-20 %: topk + scatter + dense softmax; window: banded unfold)
  'W5/topk20,L=M=1024': { pytorch: 15.9, check: 0.183183 },
  'W5/topk20,L=M=4096': { pytorch: 335, check: 0.17296925898649232, checkSource: W5_F64 },
  'W5/window32,L=M=4096': { pytorch: 29.8, check: 0.18078696409621411, checkSource: W5_F64 },
};

/** The expected check values of a case, in order (one unless `checks` lists several). */
export function expectedChecks(r: Reference | undefined): readonly number[] | null {
  return r ? (r.checks ?? [r.check]) : null;
}

/** Relative tolerance on mean|·| check values (the doc's frameworks agree to ~1e-4; W2 L=256 is given to 4 digits). */
export const CHECK_RTOL = 1e-3;

/** Whether `got` matches the reference check value within CHECK_RTOL. */
export function checkMatches(got: number, expected: number): boolean {
  return Number.isFinite(got) && Math.abs(got - expected) <= CHECK_RTOL * Math.abs(expected);
}
