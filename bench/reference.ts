// Reference medians (ms per call, fp32) and check values of bench-workloads.md §4, measured by the doc's
// authors on the 2-core AMD EPYC machine kind: numpy/PyTorch (OpenBLAS, 2 threads), TensorFlow.js 4.22 wasm
// (1 thread; `tuned` and `plain`), jax-js. Compare ratios measured in one run, not absolute times across days.

export interface Reference {
  numpy?: number;
  pytorch?: number;
  tfjsWasmTuned?: number;
  tfjsWasmPlain?: number;
  jaxJs?: number;
  /** expected check value (mean |output|). */
  check: number;
}

/** Keyed by case id: `W1/n=256`, `W2/B=1,L=M=256`, ... */
export const REFERENCE: Record<string, Reference> = {
  'W1/n=256': { numpy: 0.28, pytorch: 0.37, tfjsWasmTuned: 2.31, tfjsWasmPlain: 2.31, jaxJs: 3.04, check: 12.7587 },
  'W1/n=512': { numpy: 1.94, pytorch: 2.1, tfjsWasmTuned: 14.7, tfjsWasmPlain: 14.7, jaxJs: 13.6, check: 18.0888 },
  'W1/n=1024': { numpy: 16.4, pytorch: 14.7, tfjsWasmTuned: 89.8, tfjsWasmPlain: 89.8, jaxJs: 94.2, check: 25.5322 },
  'W2/B=1,L=M=256': { numpy: 0.46, pytorch: 0.24, tfjsWasmTuned: 2.03, tfjsWasmPlain: 8.32, jaxJs: 3.67, check: 0.1223 },
  'W2/B=1,L=M=1024': { numpy: 4.76, pytorch: 4.46, tfjsWasmTuned: 22.1, tfjsWasmPlain: 82.8, jaxJs: 26.1, check: 0.107663 },
  'W2/B=1,L=M=4096': { numpy: 122, pytorch: 121, tfjsWasmTuned: 312, tfjsWasmPlain: 1750, jaxJs: 344, check: 0.101302 },
  'W2/B=4,L=M=1024': { numpy: 27.7, pytorch: 19.4, tfjsWasmTuned: 155, tfjsWasmPlain: 827, jaxJs: 149, check: 0.107218 },
};

/** Relative tolerance on mean|·| check values (the doc's frameworks agree to ~1e-4; W2 L=256 is given to 4 digits). */
export const CHECK_RTOL = 1e-3;

/** Whether `got` matches the reference check value within CHECK_RTOL. */
export function checkMatches(got: number, expected: number): boolean {
  return Number.isFinite(got) && Math.abs(got - expected) <= CHECK_RTOL * Math.abs(expected);
}
