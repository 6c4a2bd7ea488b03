// Backend configurations for the bench: `cpu`, `gpujs` or `gpujs:<mode>` (a gpu.js mode: gpu, webgl2, webgl,
// headlessgl, webasm, cpu). Registers optional backends, configures one per child process, and reports where
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

type Gpujs = typeof import('../src/tensor/backend/gpujs/index.js');
let gpujs: Gpujs | null = null;

/** Apply the configuration (gpu.js mode) before the backend is first used; returns its status for the report. */
export async function configureBackend(cfg: BackendConfig): Promise<Record<string, unknown> | null> {
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
