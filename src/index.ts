// hopgrad's public entry: tensor creation, autodiff, nn, optim, hopfield and io. Browser-safe: Node-only
// parts (files, CLI, worker threads) live behind 'hopgrad/node'.
export { Tensor } from './tensor/tensor.js';
export type { NestedArray } from './tensor/tensor.js';
export type { DType, TypedArray } from './tensor/dtype.js';
export { HopgradError } from './tensor/errors.js';
export { Generator, manualSeed } from './tensor/random.js';
export {
  tensor, scalar, zeros, ones, full, zerosLike, onesLike, arange, linspace, eye,
  randn, rand, normal, uniform, bernoulli, permutation,
} from './tensor/creation.js';
export type { TensorOptions, RandomOptions } from './tensor/creation.js';
export { tidy, keep, dispose, isTidying } from './tensor/tidy.js';
export type { TensorContainer } from './tensor/tidy.js';
export { poolStats, resetPoolStats, clearPool, configurePool } from './tensor/pool.js';
export type { PoolStats, PoolOptions } from './tensor/pool.js';
export { setBackend, getBackend, listBackends, backendKernels, registerBackend, withBackend } from './tensor/backend/index.js';
export type { AttentionSpec, Backend, BackendName, GatheredSpec, MatmulSpec } from './tensor/backend/index.js';
export * from './autograd/index.js';
import './tensor/backend/gpujs/index.js';
export {
  configureGpujs, detectGpu, classifyRenderer, gpujsStatus, gpujsStats, resetGpujsStats, gpujsFailures,
  DEFAULT_MIN_WORK, GPUJS_KERNELS, GPUJS_UNARY_OPS, GPUJS_BINARY_OPS, GPUJS_REDUCE_OPS,
} from './tensor/backend/gpujs/index.js';
export type { GpuDetection, GpujsMode, GpujsOptions, GpujsStats, GpujsKernelName } from './tensor/backend/gpujs/index.js';
import './tensor/backend/wasm/index.js';
export {
  configureWasm, wasmAvailable, wasmReady, wasmStatus, wasmStats, resetWasmStats, stopWasmThreads, wasmOptions,
  WASM_DEFAULTS, WASM_KERNELS, WASM_UNARY_OPS, WASM_BINARY_OPS,
} from './tensor/backend/wasm/index.js';
export type { WasmOptions, WasmStats, WasmStatus, WasmKernelName } from './tensor/backend/wasm/index.js';
import { initDefaultBackend } from './tensor/backend/index.js';
initDefaultBackend();
export * as io from './io/index.js';
export * as optim from './optim/index.js';
export * as nn from './nn/index.js';
export * as hopfield from './hopfield/index.js';
