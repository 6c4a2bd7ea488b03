// The active backend: `setBackend('cpu' | 'gpujs' | 'auto')`, `getBackend()`, and `kernels()` for the ops.
import { HopgradError } from '../errors.js';
import type { Backend, BackendName } from './backend.js';
import { cpuBackend } from './cpu/index.js';

export type { AttentionSpec, Backend, BackendName, BinaryOp, GatheredSpec, MatmulSpec, ReduceOp, UnaryOp } from './backend.js';

/** A factory for an optional backend; it returns null where the backend cannot run here. */
export type BackendFactory = () => Backend | null;

const factories = new Map<string, BackendFactory>();
const instances = new Map<string, Backend>([['cpu', cpuBackend]]);
let active: Backend = cpuBackend;
/** How `auto` decides: the first registered backend whose `preferred()` says yes, else cpu. */
const autoCandidates: { name: string; preferred: () => boolean }[] = [];

/** Register an optional backend (done by e.g. src/tensor/backend/gpujs when imported). */
export function registerBackend(name: string, factory: BackendFactory, preferred?: () => boolean): void {
  factories.set(name, factory);
  instances.delete(name);
  if (preferred) autoCandidates.push({ name, preferred });
}

function instantiate(name: string): Backend | null {
  const have = instances.get(name);
  if (have) return have;
  const f = factories.get(name);
  if (!f) return null;
  const b = f();
  if (b) instances.set(name, b);
  return b;
}

/**
 * Choose the backend that runs kernels from now on: 'cpu' (the typed-array reference), 'wasm' (WebAssembly
 * SIMD, threads where shared memory allows), 'gpujs', a registered name, or 'auto': gpu.js only on a real GPU
 * (software renderers are detected and skipped), else wasm where WebAssembly SIMD exists, else cpu.
 */
export function setBackend(name: BackendName | string): Backend {
  if (name === 'auto') {
    for (const c of autoCandidates) {
      let ok = false;
      try { ok = c.preferred(); } catch { ok = false; }
      if (ok) {
        const b = instantiate(c.name);
        if (b) return (active = b);
      }
    }
    return (active = cpuBackend);
  }
  const b = instantiate(name);
  if (!b) {
    const known = ['cpu', ...factories.keys()].join(', ');
    throw new HopgradError(`setBackend: backend '${name}' is not available here (known: ${known}, auto)`);
  }
  return (active = b);
}

/** The name of the backend that runs kernels now. */
export function getBackend(): string {
  return active.name;
}

/** @internal the active backend's kernels (what the ops call). */
export function kernels(): Backend {
  return active;
}

/** Run `fn` with `name` as the active backend, restoring the previous one afterwards. */
export function withBackend<T>(name: BackendName | string, fn: () => T): T {
  const prev = active;
  setBackend(name);
  try {
    return fn();
  } finally {
    active = prev;
  }
}

/** @internal a backend's kernels by name, without making it active (for parity tests and benchmarks). */
export function backendKernels(name: string): Backend {
  const b = instantiate(name);
  if (!b) throw new HopgradError(`backendKernels: backend '${name}' is not available here`);
  return b;
}

/** Names of the registered backends (cpu first). */
export function listBackends(): string[] {
  return ['cpu', ...factories.keys()];
}

/**
 * @internal Select the default backend once, when the library is imported: the environment variable
 * HOPGRAD_BACKEND (Node; any name setBackend accepts) if set, else wasm where it is registered and WebAssembly
 * SIMD exists, else cpu. Unlike `auto` it never probes for a GPU (that would create a WebGL context at import).
 */
export function initDefaultBackend(): void {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['HOPGRAD_BACKEND'];
  if (env !== undefined && env !== '') {
    setBackend(env); // an unknown name throws, naming the known ones
    return;
  }
  active = instantiate('wasm') ?? cpuBackend;
}
