// The wasm backend's runtime: options (`configureWasm`), the lazily created memory + instance, a bump arena
// reset at every kernel call (memory only grows, so a warm process allocates no wasm memory per call), job
// dispatch on one thread or on the worker pool, and per-kernel counters of which path each call took.
// Load-aware dispatch: after a dispatch in which the caller spent longer not working (posting, waiting for a
// worker that claimed a share and was descheduled or asleep) than working, that job (gemm, pack, softmax, …) is
// offered to no worker for a while (2, 4, …, 100 ms) — the caller then claims every chunk itself, so a busy
// machine makes threads cost about nothing instead of stalling the caller, while jobs large enough to gain from
// the cores' fair share keep their own, unaffected state.
//
// Memory is shared (and the module's import declared shared) wherever threads are possible; the first 4 KiB
// hold the thread pools' control blocks. Module compilation is synchronous where the engine allows it; where it
// does not (a browser main thread refuses large synchronous compiles) it completes asynchronously
// (`wasmReady()`), and kernels use the cpu reference until then.
import { HopgradError } from '../../errors.js';
import { COUNTER } from './gen-common.js';
import { JOB, type JobName, MAX_PAGES, type WasmExports, relaxedSimdSupported, simdSupported, wasmModuleBytes } from './module.js';
import { coreCount, platformSpawner, sharedMemoryPossible } from './platform.js';
import { DispatchBackoff, MAX_WORKERS, POOL_WORDS, ThreadPool, now } from './threads.js';

/** Options of `configureWasm` (an option left out keeps its value). */
export interface WasmOptions {
  /** Threads kernels may use, the calling thread included (default min(4, cores); 1 = no workers). */
  threads?: number;
  /**
   * Smallest call run in wasm (matmul: multiply-adds; other kernels: elements); smaller ones use cpu, where
   * copying into and out of wasm memory costs more than it saves (default 2048, measured on 2 AVX2 cores).
   */
  minWork?: number;
  /**
   * Smallest call split over threads (multiply-adds; elements weighted by their cost; default 2^19, about 35 µs
   * of GEMM on one AVX2 core: measured on 2 cores, 2 threads break even with 1 near 2^18.5 — matmul n = 72 — and
   * win from there, 0.87× at n = 80, 0.72× at n = 128). 0 splits every call and turns off `loadAware` (tests
   * that must exercise the workers).
   */
  minParallelWork?: number;
  /**
   * Back off from the workers while they cost more than they save (default true): after a dispatch in which the
   * caller idled (posting, waiting for a worker that claimed a share) longer than it worked and over 50 µs, that
   * job is offered to no worker for 2 ms, doubling on each further such dispatch up to 100 ms, reset by one that
   * pays (per job: a small job losing does not hold back large ones). Jobs not offered are run by the calling
   * thread alone (counted in `wasmStats().throttled`).
   */
  loadAware?: boolean;
  /** GEMM cache blocking: rows of k per packed B block (default 256). */
  blockK?: number;
  /** GEMM cache blocking: most rows of C per task (a multiple of the micro-kernel's 4 rows; default 64). */
  blockM?: number;
  /**
   * Accumulate GEMM with relaxed SIMD's f32x4.relaxed_madd (an FMA on most CPUs) where the engine supports it
   * (default true; Node 20 does not without --experimental-wasm-relaxed-simd). Changing it rebuilds the module.
   */
  relaxedSimd?: boolean;
}

/** Default options. */
export const WASM_DEFAULTS: Readonly<Required<WasmOptions>> = {
  threads: Math.min(4, coreCount()), minWork: 2048, minParallelWork: 1 << 19, blockK: 256, blockM: 64, relaxedSimd: true, loadAware: true,
};

const config: Required<WasmOptions> = { ...WASM_DEFAULTS };

/**
 * Kernel calls run in wasm or handed to the cpu kernel, wasm jobs split for the worker threads (`parallel`), of
 * those the jobs in which at least one worker took a share (`joined`) and the jobs not offered to any worker
 * because recent dispatches lost time waiting for workers (`throttled`, see `loadAware`); `joined` and `throttled` are left out while
 * empty. The other split jobs were offered, and the calling thread finished them alone.
 */
export interface WasmStats {
  wasm: Record<string, number>; parallel: Record<string, number>; joined?: Record<string, number>;
  throttled?: Record<string, number>; fallback: Record<string, number>;
}
let stats: Required<WasmStats> = { wasm: {}, parallel: {}, joined: {}, throttled: {}, fallback: {} };

const ARENA_START = 4096;
const PAGE = 65536;

/** One instantiated module on its memory, with the arena and the pool. */
export class WasmRuntime {
  f32!: Float32Array;
  f64!: Float64Array;
  i32!: Int32Array;
  private top = ARENA_START;
  private pool: ThreadPool | null = null;
  private poolSerial = 0;
  private readonly run: WasmExports['run'];

  constructor(readonly memory: WebAssembly.Memory, readonly module: WebAssembly.Module, readonly shared: boolean, readonly relaxed: boolean) {
    this.run = (new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as WasmExports).run;
    this.refresh();
  }

  private refresh(): void {
    const buf = this.memory.buffer;
    this.f32 = new Float32Array(buf);
    this.f64 = new Float64Array(buf);
    this.i32 = new Int32Array(buf);
  }

  /** Bytes of wasm memory now. */
  bytes(): number { return this.memory.buffer.byteLength; }

  /** Start a kernel call: every earlier allocation is free again. */
  reset(): void { this.top = ARENA_START; }

  /** Reserve `bytes` (64-byte aligned, with 64 bytes of slack after it); null past the memory limit. */
  alloc(bytes: number): number | null {
    const p = this.top;
    const end = p + Math.ceil((bytes + 64) / 64) * 64;
    if (end > MAX_PAGES * PAGE) return null;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE));
      } catch {
        return null;
      }
      this.refresh();
    }
    this.top = end;
    return p;
  }

  /** Threads a job of `work` units would run on now (starting the pool on first need). */
  threadsFor(work: number): number {
    if (config.threads <= 1 || !this.shared || work < config.minParallelWork) return 1;
    if (!this.pool || this.pool.workers !== config.threads - 1) this.startPool();
    return this.pool ? this.pool.threads() : 1;
  }

  private startPool(): void {
    this.pool?.close();
    this.pool = null;
    const spawn = platformSpawner();
    if (!spawn) return;
    // a fresh control block per pool (old workers may linger briefly): 16 + 7·72 words < CONTROL_WORDS
    const base = 16 + (this.poolSerial++ % 7) * POOL_WORDS;
    this.i32.fill(0, base, base + POOL_WORDS);
    this.pool = new ThreadPool(this.memory, this.module, base, Math.min(MAX_WORKERS, config.threads - 1), spawn);
  }

  /** Stop the worker threads (they restart on the next parallel call). */
  stopThreads(): void {
    this.pool?.close();
    this.pool = null;
  }

  /** The calling thread plus the workers that have started. */
  activeThreads(): number {
    return this.pool && !this.pool.isBroken() ? 1 + this.pool.readyWorkers() : 1;
  }

  /** Run `job` with its argument block at `args` on `nth` threads (from threadsFor). */
  exec(job: JobName, args: number, nth: number, kernel: string): void {
    const id = JOB[job];
    this.i32[args / 4 + COUNTER] = 0;
    if (nth > 1 && this.pool) {
      const pool = this.pool;
      count(stats.parallel, kernel);
      const backoff = this.backoffs.get(id) ?? this.backoffs.set(id, new DispatchBackoff()).get(id)!;
      const helpers = !config.loadAware || config.minParallelWork === 0 || backoff.allows(now()) ? nth - 1 : 0;
      if (helpers === 0) {
        // this job is backing off: the caller claims every chunk itself (it keeps nth, so its chunks stay the same)
        count(stats.throttled, kernel);
        this.run(id, args, 0, nth);
        return;
      }
      const ok = pool.dispatch(id, args, nth, () => this.run(id, args, 0, nth), helpers);
      if (ok) {
        if (pool.lastJoined > 0) count(stats.joined, kernel);
        backoff.record(pool.lastMainMs, pool.lastIdleMs, now());
        return;
      }
      // a worker failed: redo the whole job here (jobs overwrite their outputs; the chunk counter restarts)
      this.i32[args / 4 + COUNTER] = 0;
    }
    this.run(id, args, 0, 1);
  }

  /** Per job id: whether it is offered to the workers now (loadAware; minParallelWork 0 always offers). */
  private readonly backoffs = new Map<number, DispatchBackoff>();
}

function count(rec: Record<string, number>, k: string): void {
  rec[k] = (rec[k] ?? 0) + 1;
}

let runtimeState: WasmRuntime | null = null;
let failure: string | null = null;
let pending: Promise<boolean> | null = null;

function createMemory(shared: boolean): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared } as WebAssembly.MemoryDescriptor);
}

function init(): void {
  if (runtimeState || failure || pending) return;
  if (!simdSupported()) { failure = 'WebAssembly SIMD is not supported here'; return; }
  // shared memory where threads are possible (and the engine grants the address space), else unshared
  let shared = sharedMemoryPossible();
  let memory: WebAssembly.Memory | null = null;
  for (const s of shared ? [true, false] : [false]) {
    try {
      memory = createMemory(s);
      shared = s;
      break;
    } catch (e) {
      failure = `wasm memory could not be created: ${String(e)}`;
    }
  }
  if (!memory) return;
  failure = null;
  const mem = memory;
  const relaxed = config.relaxedSimd && relaxedSimdSupported();
  const bytes = wasmModuleBytes(shared, relaxed);
  const start = (module: WebAssembly.Module): boolean => {
    try {
      runtimeState = new WasmRuntime(mem, module, shared, relaxed);
      return true;
    } catch (e) {
      failure = `wasm module failed to instantiate: ${String(e)}`;
      return false;
    }
  };
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (syncError) {
    // engines that refuse synchronous compilation of large modules (browser main threads): compile in the background
    pending = WebAssembly.compile(bytes).then(start, (e: unknown) => {
      failure = `wasm module failed to compile: ${String(e)} (synchronously: ${String(syncError)})`;
      return false;
    }).finally(() => { pending = null; });
    return;
  }
  start(module);
}

/** The runtime, created on first use; null where wasm cannot run (or until an async compile finishes). */
export function wasmRuntime(): WasmRuntime | null {
  init();
  return runtimeState;
}

/** Resolves once the module is compiled (true) or known not to work here (false). */
export function wasmReady(): Promise<boolean> {
  init();
  return pending ?? Promise.resolve(runtimeState !== null);
}

/** Whether this engine can run the wasm backend (WebAssembly with SIMD). */
export function wasmAvailable(): boolean {
  return simdSupported();
}

/** Change the wasm backend's options (threads restart when their count changes; relaxedSimd rebuilds the module). */
export function configureWasm(opts: WasmOptions): void {
  if (typeof opts !== 'object' || opts === null) throw new HopgradError(`configureWasm: options must be an object, got ${String(opts)}`);
  const check = (name: 'threads' | 'minWork' | 'minParallelWork' | 'blockK' | 'blockM', min: number): void => {
    const v = opts[name];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= min)) {
      throw new HopgradError(`configureWasm: ${name} must be an integer ≥ ${min}, got ${String(v)}`);
    }
  };
  check('threads', 1); check('minWork', 0); check('minParallelWork', 0); check('blockK', 1); check('blockM', 4);
  if (opts.blockM !== undefined && opts.blockM % 4 !== 0) throw new HopgradError(`configureWasm: blockM must be a multiple of 4, got ${opts.blockM}`);
  for (const name of ['relaxedSimd', 'loadAware'] as const) {
    const v = opts[name];
    if (v !== undefined && typeof v !== 'boolean') throw new HopgradError(`configureWasm: ${name} must be a boolean, got ${String(v)}`);
  }
  const threadsChanged = opts.threads !== undefined && opts.threads !== config.threads;
  const relaxedChanged = opts.relaxedSimd !== undefined && opts.relaxedSimd !== config.relaxedSimd;
  Object.assign(config, Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)));
  if (threadsChanged || relaxedChanged) runtimeState?.stopThreads();
  if (relaxedChanged && !pending) runtimeState = null; // rebuilt with the other GEMM kernel on the next call
}

/** The current options. */
export function wasmOptions(): Readonly<Required<WasmOptions>> {
  return { ...config };
}

/** What the wasm backend runs on here. */
export interface WasmStatus {
  available: boolean; ready: boolean; sharedMemory: boolean; relaxedSimd: boolean; threads: number; activeThreads: number;
  memoryBytes: number; error: string | null;
}

/** The backend's state: SIMD support, shared memory, configured and running threads, memory size. */
export function wasmStatus(): WasmStatus {
  const rt = runtimeState;
  return {
    available: wasmAvailable(), ready: rt !== null, sharedMemory: rt?.shared ?? false, relaxedSimd: rt?.relaxed ?? false, threads: config.threads,
    activeThreads: rt?.activeThreads() ?? 1, memoryBytes: rt?.bytes() ?? 0, error: failure,
  };
}

/** Stop the worker threads now (they are unref'd, so this is never needed for a process to exit). */
export function stopWasmThreads(): void {
  runtimeState?.stopThreads();
}

/** Counters of where calls ran since the last reset. */
export function wasmStats(): WasmStats {
  const joined = Object.keys(stats.joined).length > 0 ? { joined: { ...stats.joined } } : {};
  const throttled = Object.keys(stats.throttled).length > 0 ? { throttled: { ...stats.throttled } } : {};
  return { wasm: { ...stats.wasm }, parallel: { ...stats.parallel }, ...joined, ...throttled, fallback: { ...stats.fallback } };
}

/** Zero the counters. */
export function resetWasmStats(): void {
  stats = { wasm: {}, parallel: {}, joined: {}, throttled: {}, fallback: {} };
}

/** @internal note a call that ran in wasm / fell back to cpu. */
export function noteWasm(kernel: string): void { count(stats.wasm, kernel); }
/** @internal */
export function noteFallback(kernel: string): void { count(stats.fallback, kernel); }

/** @internal the current option values for the kernel drivers. */
export function options(): Readonly<Required<WasmOptions>> {
  return config;
}
