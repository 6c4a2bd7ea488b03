// The wasm backend's entry: registers 'wasm' (WebAssembly SIMD kernels, multi-threaded on Node's worker threads
// or on Web Workers in cross-origin isolated pages) with the backend registry and re-exports its controls.
// Importing this module never throws and starts nothing: the module bytes are generated and compiled on the
// first kernel call, worker threads start on the first call large enough to split. Where WebAssembly SIMD
// exists, wasm is the default backend (see initDefaultBackend) and `auto`'s choice after a real GPU.
import { registerBackend } from '../index.js';
import { createWasmBackend } from './backend.js';
import { wasmAvailable } from './runtime.js';

export { WASM_KERNELS, createWasmBackend, wasmKernels } from './backend.js';
export type { WasmKernelName } from './backend.js';
export { WASM_BINARY_OPS, WASM_UNARY_OPS } from './gen-elementwise.js';
export { wasmModuleBytes } from './module.js';
export {
  WASM_DEFAULTS, configureWasm, resetWasmStats, stopWasmThreads, wasmAvailable, wasmOptions, wasmReady, wasmStats, wasmStatus,
} from './runtime.js';
export type { WasmOptions, WasmStats, WasmStatus } from './runtime.js';

try {
  registerBackend('wasm', () => (wasmAvailable() ? createWasmBackend() : null), wasmAvailable);
} catch {
  // registration only touches a Map; importing must never fail
}
