// Backend configurations for the bench: `cpu`, `wasm`, `wasm:<threads>` (wasm limited to that many threads),
// `gpujs` or `gpujs:<mode>` (a gpu.js mode: gpu, webgl2, webgl, headlessgl, webasm, cpu). Registers optional backends, configures one per child process, and reports where
// the gpujs kernels really ran (gpu.js kernel vs cpu fallback), so a "gpujs" row can't silently be the cpu.
import type { GpujsMode, GpujsStats } from '../src/tensor/backend/gpujs/index.js';

export interface BackendConfig {
  /** the label in results, e.g. `gpujs:webasm`. */
  label: string;
  /** the registry name passed to setBackend / backendKernels. */
  name: string;
  mode?: string;
}

export function parseBackend(label: string): BackendConfig {
  const [name = '', mode] = label.split(':');
  return mode ? { label, name, mode } : { label, name };
}

/** Import the library so optional backends register; the names registered (cpu first). */
export async function registeredBackends(): Promise<string[]> {
  const m = await import('../src/index.js');
  // gpujs registers itself when its module is imported (src/index.ts does not import it yet)
  await import('../src/tensor/backend/gpujs/index.js').catch(() => undefined);
  return m.listBackends();
}

/** The backend hopgrad uses by default here (wasm where WebAssembly SIMD exists, else cpu). */
export async function defaultBackend(): Promise<string> {
  const m = await import('../src/index.js');
  return m.getBackend();
}

type Gpujs = typeof import('../src/tensor/backend/gpujs/index.js');
let gpujs: Gpujs | null = null;

/** Apply the configuration (gpu.js mode) before the backend is first used; returns its status for the report. */
export async function configureBackend(cfg: BackendConfig): Promise<Record<string, unknown> | null> {
  if (cfg.name === 'wasm' && cfg.mode !== undefined) {
    // `wasm:<threads>`: the wasm backend limited to that many threads (the caller's included), e.g. `wasm:1`
    const n = Number(cfg.mode);
    if (!Number.isInteger(n) || n < 1) throw new Error(`wasm takes a thread count (wasm:1, wasm:2, ...), got ${cfg.label}`);
    const m = await import('../src/index.js');
    m.configureWasm({ threads: n });
    return { threads: n };
  }
  if (cfg.name !== 'gpujs') {
    if (cfg.mode) throw new Error(`backend ${cfg.name} takes no mode (got ${cfg.label})`);
    return null;
  }
  gpujs = await import('../src/tensor/backend/gpujs/index.js');
  if (cfg.mode) gpujs.configureGpujs({ mode: cfg.mode as GpujsMode });
  return { ...gpujs.gpujsStatus() };
}

/** Zero the per-kernel path counters (gpujs only). */
export function resetPaths(): void {
  gpujs?.resetGpujsStats();
}

/** Per-kernel path counts since resetPaths (gpujs only), plus any gpu.js failure messages. */
export function paths(): (GpujsStats & { failureMessages: Record<string, string> }) | null {
  return gpujs ? { ...gpujs.gpujsStats(), failureMessages: gpujs.gpujsFailures() } : null;
}
