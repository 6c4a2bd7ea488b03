// The gpujs backend object: the cpu backend with the kernels gpu.js compiles swapped in. Each of those falls
// back to the cpu kernel per call (float64/int32 data, non-finite values, out-of-domain inputs, gpu.js errors).
import type { Backend } from '../backend.js';
import { cpuBackend } from '../cpu/index.js';
import { binary } from './binary.js';
import { matmul } from './matmul.js';
import { logSoftmax, logsumexp, reduce, softmax } from './rows.js';
import { unary } from './unary.js';

/** The kernels the gpujs backend implements with gpu.js (every other kernel is the cpu one). */
export const gpujsKernels = { matmul, softmax, logSoftmax, logsumexp, unary, binary, reduce } satisfies Partial<Backend>;

/** Names of the kernels gpujs overrides; parity tests iterate this list. */
export type GpujsKernelName = keyof typeof gpujsKernels;

/** Names of the kernels gpujs overrides, in a stable order. */
export const GPUJS_KERNELS: readonly GpujsKernelName[] = Object.keys(gpujsKernels) as GpujsKernelName[];

/** Build the gpujs backend (kernels read the gpu.js runtime lazily, so `configureGpujs` applies at once). */
export function createGpujsBackend(): Backend {
  return { ...cpuBackend, ...gpujsKernels, name: 'gpujs' };
}
