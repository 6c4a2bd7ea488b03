// gpu.js runtime for the gpujs backend: loads gpu.js, owns the lazily created GPU instance for the configured
// mode, caches compiled kernels by key, runs 1-D float32 kernels, and counts which path each kernel call took.
//
// Loading: gpu.js 2.24 is CommonJS. In Node, `import * as ns from 'gpu.js'` resolves its `main` (src/index.js);
// Node's CJS named-export detection exposes `GPU`. Its headless-gl backend does `try { require('gl') }`, so a
// missing native `gl` build only makes that mode unsupported. A browser bundler follows the package's `browser`
// field to dist/gpu-browser.js (UMD, module.exports = GPU with GPU.GPU = GPU). Evaluating gpu.js creates no
// canvas or context; those appear only when a GPU instance is constructed, which happens here on first use.
import * as gpujsNamespace from 'gpu.js';

/** gpu.js modes the backend can run in ('gpu' = gpu.js's own choice: headlessgl → webgl2 → webgl → webasm). */
export type GpujsMode = 'gpu' | 'webgl2' | 'webgl' | 'headlessgl' | 'webasm' | 'cpu';

/** Every accepted mode. */
export const GPUJS_MODES: readonly GpujsMode[] = ['gpu', 'webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu'];

/** Options of `configureGpujs` (an option left out keeps its current value). */
export interface GpujsOptions {
  /** The gpu.js mode (default 'gpu'). The core reads no environment; Node scripts may pass one in. */
  mode?: GpujsMode;
  /**
   * Smallest call sent to gpu.js, in work units (matmul: batch·m·k·n multiply-adds; other kernels: elements
   * read). Smaller calls use the cpu kernel: each gpu.js call uploads its inputs and reads the result back, a
   * fixed cost that dwarfs small kernels. Default 65536; an estimate (no real GPU was available to calibrate).
   */
  minWork?: number;
}

/** Default `minWork`. */
export const DEFAULT_MIN_WORK = 65536;

/** Arguments the backend passes to kernels: flat float arrays and scalars. */
export type KernelArg = Float32Array | number;

/** The slice of a gpu.js kernel shortcut the backend uses. */
export interface GpujsKernel {
  (...args: KernelArg[]): unknown;
  setOutput(output: number[]): unknown;
  destroy?(): unknown;
}

/** The slice of gpu.js's GPU class the backend uses. */
interface GpuLike {
  // gpu.js's createKernel is loosely typed (IGPUKernelSettings has many optional fields); narrowed here.
  createKernel(source: string, settings: Record<string, unknown>): unknown;
  destroy(): unknown;
  Kernel: unknown;
}
type GpuConstructor = new (settings: { mode: string }) => GpuLike;

/** Where each gpujs kernel call went: compiled gpu.js kernel, cpu fallback, or a gpu.js failure (then cpu). */
export interface GpujsStats {
  gpu: Record<string, number>;
  fallback: Record<string, number>;
  failures: Record<string, number>;
}

/** An export of gpu.js by name, whichever module shape the loader produced (Node CJS interop or a bundled UMD). */
export function gpujsExport(name: string): unknown {
  // local cast: the namespace's shape differs between Node (named exports) and bundlers (default = GPU class)
  const ns = gpujsNamespace as unknown as Record<string, unknown> & { default?: Record<string, unknown> | null };
  return ns[name] ?? ns.default?.[name] ?? (name === 'GPU' ? ns.default : undefined);
}

function resolveGpuClass(): GpuConstructor | null {
  const c = gpujsExport('GPU');
  return typeof c === 'function' ? (c as GpuConstructor) : null;
}

/** gpu.js kernel classes by the mode name they implement (GL kernels all report mode 'gpu' themselves). */
const KERNEL_CLASSES: readonly [string, string][] = [
  ['HeadlessGLKernel', 'headlessgl'], ['WebGL2Kernel', 'webgl2'], ['WebGLKernel', 'webgl'],
  ['WebGPUKernel', 'webgpu'], ['WebAssemblyKernel', 'webasm'], ['CPUKernel', 'cpu'],
];

function kernelModeOf(k: unknown): string | null {
  if (!k) return null;
  for (const [name, m] of KERNEL_CLASSES) if (gpujsExport(name) === k) return m;
  return null;
}

let mode: GpujsMode = 'gpu';
let minWork = DEFAULT_MIN_WORK;
let gpu: GpuLike | null = null;
let startError: string | null = null;
const kernelCache = new Map<string, GpujsKernel>();
/** the last error of each kernel key whose compile or run threw (that call went to the cpu kernel). */
const lastErrors = new Map<string, string>();
/** consecutive failures per key; at MAX_FAILURES the key goes to cpu without retrying (a compile error, say). */
const failureCounts = new Map<string, number>();
const MAX_FAILURES = 3;
let stats: GpujsStats = { gpu: {}, fallback: {}, failures: {} };

function reset(): void {
  if (gpu) {
    try {
      const p = gpu.destroy();
      if (p && typeof (p as Promise<void>).catch === 'function') (p as Promise<void>).catch(() => undefined);
    } catch { /* a failed destroy only leaks the old context */ }
  }
  gpu = null;
  startError = null;
  kernelCache.clear();
  lastErrors.clear();
  failureCounts.clear();
}

/** Choose the gpu.js mode and size threshold of the gpujs backend (drops compiled kernels; the next call recompiles). */
export function configureGpujs(options: GpujsOptions = {}): void {
  if (options.mode !== undefined) {
    if (!GPUJS_MODES.includes(options.mode)) throw new Error(`configureGpujs: unknown mode '${String(options.mode)}'`);
    mode = options.mode;
  }
  if (options.minWork !== undefined) {
    if (!(options.minWork >= 0)) throw new Error(`configureGpujs: minWork must be ≥ 0, got ${options.minWork}`);
    minWork = options.minWork;
  }
  reset();
}

/** @internal true when a call of `work` units is worth sending to gpu.js (see GpujsOptions.minWork). */
export function worthIt(work: number): boolean {
  return work >= minWork;
}

/** The configured gpu.js mode (starts nothing). */
export function gpujsMode(): GpujsMode {
  return mode;
}

/** The GPU instance for the configured mode, created on first use; null when gpu.js cannot start here. */
export function getGpu(): GpuLike | null {
  if (gpu || startError) return gpu;
  try {
    const GPU = resolveGpuClass();
    if (!GPU) throw new Error('gpu.js did not load (no GPU class)');
    gpu = new GPU({ mode });
  } catch (e) {
    startError = e instanceof Error ? e.message : String(e);
    gpu = null;
  }
  return gpu;
}

/**
 * What the gpujs backend runs on (starting gpu.js if needed): the requested mode, the gpu.js kernel type it got
 * ('webgl2', 'webasm', ...), whether it started, its start error, how many kernels are compiled, and minWork.
 */
export function gpujsStatus(): {
  mode: GpujsMode; kernelMode: string | null; started: boolean; error: string | null; kernels: number; minWork: number;
} {
  const g = getGpu();
  return { mode, kernelMode: kernelModeOf(g?.Kernel), started: g !== null, error: startError, kernels: kernelCache.size, minWork };
}

/** Per-kernel call counts since the last `resetGpujsStats` (tests use them to prove the gpu path ran). */
export function gpujsStats(): GpujsStats {
  return { gpu: { ...stats.gpu }, fallback: { ...stats.fallback }, failures: { ...stats.failures } };
}

/** Zero the call counters. */
export function resetGpujsStats(): void {
  stats = { gpu: {}, fallback: {}, failures: {} };
}

/** The last failure message per kernel key since `configureGpujs` (compile or run errors that sent calls to cpu). */
export function gpujsFailures(): Record<string, string> {
  return Object.fromEntries(lastErrors);
}

/** @internal count a call that went to the cpu kernel. */
export function noteFallback(kernel: string): void {
  stats.fallback[kernel] = (stats.fallback[kernel] ?? 0) + 1;
}

/** Loop bound compiled into every kernel: loops break on their (uniform) bound long before this. */
const LOOP_MAX = 1 << 24;

/**
 * Run the kernel cached under `key` (compiled from `source()` on first use) with a 1-D output of `n` floats.
 * Returns a fresh, exactly sized Float32Array, or null when gpu.js is unavailable, this call failed, or this
 * kernel failed MAX_FAILURES times in a row (the caller then uses the cpu kernel).
 */
export function runKernel(kernel: string, key: string, source: () => string, n: number, args: KernelArg[]): Float32Array | null {
  if ((failureCounts.get(key) ?? 0) >= MAX_FAILURES) return null;
  const g = getGpu();
  if (!g) return null;
  try {
    let k = kernelCache.get(key);
    if (!k) {
      k = g.createKernel(source(), {
        output: [n], pipeline: false, immutable: true, dynamicOutput: true, dynamicArguments: true,
        precision: 'single', tactic: 'precision', loopMaxIterations: LOOP_MAX,
      }) as GpujsKernel;
      kernelCache.set(key, k);
    }
    k.setOutput([n]);
    const r = k(...args);
    const out = freshFloat32(r, n);
    stats.gpu[kernel] = (stats.gpu[kernel] ?? 0) + 1;
    failureCounts.delete(key);
    return out;
  } catch (e) {
    // e.g. an input beyond the device's texture size: drop the kernel (rebuilt next call) and use cpu this time
    try { kernelCache.get(key)?.destroy?.(); } catch { /* only frees GPU memory */ }
    kernelCache.delete(key);
    lastErrors.set(key, e instanceof Error ? e.message : String(e));
    failureCounts.set(key, (failureCounts.get(key) ?? 0) + 1);
    stats.failures[kernel] = (stats.failures[kernel] ?? 0) + 1;
    return null;
  }
}

/** Copy gpu.js's result into an exactly sized Float32Array that owns its buffer (GL returns oversized views). */
function freshFloat32(r: unknown, n: number): Float32Array {
  if (r instanceof Float32Array && r.length === n && r.byteOffset === 0 && r.buffer.byteLength === n * 4) return r;
  if (r instanceof Float32Array && r.length >= n) return r.slice(0, n);
  throw new Error(`gpu.js returned ${Object.prototype.toString.call(r)} for a 1-D output of ${n}`);
}
