// Platform probes for the wasm backend, without importing any Node module statically (the backend stays
// browser-safe): Node's built-ins are reached through process.getBuiltinModule (Node ≥ 20.16), so bundlers see
// nothing to resolve. Provides the core count, whether shared memory can exist, whether this thread may block in
// Atomics.wait, and the thread spawner: Node worker_threads (unref'd, so they never keep the process alive), or
// in browsers — a window or a Web Worker — Web Workers started from a Blob URL of the same worker body, only when
// the context is cross-origin isolated (SharedArrayBuffer and shared WebAssembly.Memory need it); otherwise none,
// and kernels run on one thread.
import { type Spawner, WORKER_BODY, atomicsWaitAllowed } from './threads.js';

export { atomicsWaitAllowed };

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

/** The parts of the browser's Worker the pool uses. */
interface WebWorkerLike {
  postMessage(message: unknown): void;
  terminate(): void;
  onerror: ((ev: unknown) => unknown) | null;
  onmessageerror: ((ev: unknown) => unknown) | null;
}
type WebWorkerCtor = new (url: string, opts: { name: string }) => WebWorkerLike;
interface BrowserGlobals {
  Worker?: WebWorkerCtor;
  Blob?: new (parts: string[], opts: { type: string }) => unknown;
  URL?: { createObjectURL?: (blob: unknown) => string };
}

let workerUrl: string | null = null;

/**
 * Web Workers (classic, from one Blob URL of WORKER_BODY) that take their WorkerInit — the shared memory and the
 * compiled module, both structured-cloneable within a cross-origin isolated agent cluster — from their first
 * message. They boot asynchronously, which the pool handles (`asyncBoot`); a worker whose script fails raises
 * `error`, one that cannot instantiate the module writes −1 to its ready word.
 */
function webWorkerSpawner(): Spawner | null {
  const g = globalThis as BrowserGlobals;
  const WorkerCtor = g.Worker, BlobCtor = g.Blob, createUrl = g.URL?.createObjectURL;
  if (typeof WorkerCtor !== 'function' || typeof BlobCtor !== 'function' || typeof createUrl !== 'function' || !sharedMemoryPossible()) return null;
  const spawn = (init: Parameters<Spawner>[0], onFail: () => void): WebWorkerLike | null => {
    if (workerUrl === null) {
      const source = `${WORKER_BODY}\nself.onmessage = function (e) { self.onmessage = null; bootstrap(e.data); };\n`;
      workerUrl = createUrl(new BlobCtor([source], { type: 'text/javascript' }));
    }
    const w = new WorkerCtor(workerUrl, { name: `hopgrad-wasm-${init.index}` });
    w.onerror = () => { onFail(); };
    w.onmessageerror = () => { onFail(); };
    w.postMessage(init);
    return w;
  };
  return Object.assign(spawn, { asyncBoot: true });
}

/**
 * A spawner of worker threads for this platform, or null where kernels cannot use threads (no shared memory:
 * a page that is not cross-origin isolated; no Worker).
 */
export function platformSpawner(): Spawner | null {
  if (!nodeProcess()) return webWorkerSpawner();
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
