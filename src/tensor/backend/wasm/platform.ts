// Platform probes for the wasm backend, without importing any Node module statically (the backend stays
// browser-safe): Node's built-ins are reached through process.getBuiltinModule (Node ≥ 20.16), so bundlers see
// nothing to resolve. Provides the core count, whether this thread may block in Atomics.wait, and the thread
// spawner: Node worker_threads (unref'd, so they never keep the process alive); browsers get none for now
// (their main thread cannot block, so synchronous kernels run on one thread there).
import { type Spawner, WORKER_BODY } from './threads.js';

interface NodeProcessLike { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown }

interface WorkerThreadsLike {
  Worker: new (src: string, opts: { eval: boolean; workerData: unknown; execArgv: string[] }) => {
    unref(): void;
    terminate(): unknown;
    on(event: 'error' | 'exit', f: () => void): unknown;
  };
  isMainThread: boolean;
}

function nodeProcess(): NodeProcessLike | null {
  const p = (globalThis as { process?: NodeProcessLike }).process;
  return p && typeof p.versions?.node === 'string' ? p : null;
}

function builtin<T>(id: string): T | null {
  try {
    const m = nodeProcess()?.getBuiltinModule?.(id);
    return (m ?? null) as T | null;
  } catch {
    return null;
  }
}

/** Logical cores available to this process (1 when unknown). */
export function coreCount(): number {
  const os = builtin<{ availableParallelism?: () => number; cpus: () => unknown[] }>('node:os');
  if (os) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/** Whether shared WebAssembly memory can exist here (SharedArrayBuffer, and cross-origin isolation in browsers). */
export function sharedMemoryPossible(): boolean {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return false;
  if (nodeProcess()) return true;
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

/** A spawner of worker threads for this platform, or null where synchronous kernels cannot use threads. */
export function platformSpawner(): Spawner | null {
  if (!nodeProcess()) return null; // browsers: the main thread cannot Atomics.wait; Web Workers come later
  const wt = builtin<WorkerThreadsLike>('node:worker_threads');
  if (!wt) return null;
  const source = `${WORKER_BODY}\nbootstrap(require('node:worker_threads').workerData);\n`;
  return (init, onFail) => {
    // execArgv: [] so loader flags of the parent (--import tsx, --input-type=module) do not change how the
    // worker's plain CommonJS source is read
    const w = new wt.Worker(source, { eval: true, workerData: init, execArgv: [] });
    w.unref();
    w.on('error', onFail);
    w.on('exit', onFail);
    return w;
  };
}
