// The gpujs backend's entry: registers 'gpujs' with the backend registry and re-exports its controls.
// Importing this module never throws and starts nothing: gpu.js's GPU instance is created by the factory
// (setBackend('gpujs') / backendKernels('gpujs')), and `auto` consults detectGpu() first.
import { registerBackend } from '../index.js';
import { createGpujsBackend } from './backend.js';
import { detectGpu } from './detect.js';
import { getGpu, gpujsMode } from './runtime.js';

export { GPUJS_KERNELS, createGpujsBackend, gpujsKernels } from './backend.js';
export type { GpujsKernelName } from './backend.js';
export { GPUJS_UNARY_OPS } from './unary.js';
export { GPUJS_BINARY_OPS } from './binary.js';
export { GPUJS_REDUCE_OPS } from './rows.js';
export { classifyRenderer, detectGpu } from './detect.js';
export type { GpuDetection } from './detect.js';
export {
  DEFAULT_MIN_WORK, GPUJS_MODES, configureGpujs, gpujsFailures, gpujsMode, gpujsStats, gpujsStatus, resetGpujsStats,
} from './runtime.js';
export type { GpujsMode, GpujsOptions, GpujsStats } from './runtime.js';

/** Modes that run on a GPU (auto never picks gpu.js's CPU-side modes). */
const GPU_MODES: readonly string[] = ['gpu', 'webgl2', 'webgl', 'headlessgl'];

try {
  registerBackend(
    'gpujs',
    () => (getGpu() ? createGpujsBackend() : null),
    () => GPU_MODES.includes(gpujsMode()) && detectGpu().available,
  );
} catch {
  // registration only touches a Map; nothing here should throw, but importing must never fail
}
