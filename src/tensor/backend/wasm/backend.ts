// The wasm backend object: the cpu backend with the WebAssembly SIMD kernels swapped in. Each of those handles
// float32 data and falls back to the cpu kernel per call for other dtypes, unsupported ops or broadcasts,
// calls below `minWork`, or when wasm memory cannot grow.
import type { Backend } from '../backend.js';
import { cpuBackend } from '../cpu/index.js';
import { binary, unary } from './elementwise.js';
import { matmul } from './matmul.js';
import { layerNorm, logSoftmax, logsumexp, softmax } from './rows.js';
import { attention, attentionBackward } from './attention.js';
import { gatheredAttention, gatheredAttentionBackward, topk } from './gathered.js';
import { topkScores } from './topk-scores.js';

/** The kernels the wasm backend implements in WebAssembly (every other kernel is the cpu one). */
export const wasmKernels = { matmul, softmax, logSoftmax, logsumexp, layerNorm, unary, binary, attention, attentionBackward,
  gatheredAttention, gatheredAttentionBackward, topk, topkScores } satisfies Partial<Backend>;

/** Names of the kernels wasm overrides. */
export type WasmKernelName = keyof typeof wasmKernels;

/** Names of the kernels wasm overrides, in a stable order; parity tests iterate this list. */
export const WASM_KERNELS: readonly WasmKernelName[] = Object.keys(wasmKernels) as WasmKernelName[];

/** Build the wasm backend (the module is compiled and instantiated on the first kernel call). */
export function createWasmBackend(): Backend {
  return { ...cpuBackend, ...wasmKernels, name: 'wasm' };
}
