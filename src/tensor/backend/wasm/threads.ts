// The wasm backend's thread pool: workers that instantiate the same module on the same shared memory and run
// jobs the main thread posts through a control block of i32 words (Atomics wait/notify). Fork–join: the main
// thread writes (job, args, nth), marks every worker's claim word "posted" for this generation, bumps the
// generation word and runs the job itself (tid 0). A worker that wakes claims its slot with compareExchange and
// joins; jobs hand out work through an atomic chunk counter, so whoever runs takes what is left. When the main
// thread is done it cancels the slots nobody claimed (a worker descheduled by a busy machine costs nothing) and
// waits only for workers that did claim: in Atomics.wait where this thread may block, else (a browser's main
// thread) by spinning on Atomics.load, bounded by a deadline after which the pool is closed (its workers
// terminated) and the caller reruns the job on its own thread. This file is browser-safe; how a worker is
// started (Node's worker_threads, or Web Workers from a Blob URL) is injected as a `Spawner`; a spawner whose
// workers boot asynchronously (Web Workers start only once the creating thread returns to its event loop) makes
// the pool use a worker only after it signalled ready in shared memory.

/** Control-block word offsets (relative to the pool's base word). */
const GEN = 0, JOB = 1, ARGS = 2, NTH = 3, QUIT = 4, READY = 8, CLAIM = 24, DONE = 40, ERR = 56;
/** The control block's layout: word offsets from the pool's base (tests play a worker with them). */
export const POOL_LAYOUT = { GEN, JOB, ARGS, NTH, QUIT, READY, CLAIM, DONE, ERR } as const;
/** Words one pool's control block uses; the most workers a pool may have; words of the control view. */
export const POOL_WORDS = 72;
export const MAX_WORKERS = 15;
export const CONTROL_WORDS = 1024;
/** A claim word holds tag·4 + state, tag = generation mod 2^28. */
const POSTED = 0, CLAIMED = 1, CANCELLED = 2;
const tagOf = (g: number): number => (g & 0x0fffffff) * 4;

/** The data a worker starts from. */
export interface WorkerInit { module: WebAssembly.Module; memory: WebAssembly.Memory; base: number; index: number }

/** A started worker, as much of it as the pool needs. */
export interface WorkerLike { terminate(): unknown }

/**
 * Starts one worker running WORKER_BODY's bootstrap(init), or returns null; `onFail` is called if it dies.
 * `asyncBoot`: workers start only after the creating thread returns to its event loop (Web Workers), so the pool
 * uses a worker only once it signalled ready.
 */
export type Spawner = ((init: WorkerInit, onFail: () => void) => WorkerLike | null) & { asyncBoot?: boolean };

let blockProbe: boolean | null = null;

/**
 * Whether this thread may block in Atomics.wait: true in Node and in Web Workers, false on a browser's main
 * thread (where Atomics.wait throws a TypeError). Probed once, with a zero timeout on a private word.
 */
export function atomicsWaitAllowed(): boolean {
  if (blockProbe === null) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      blockProbe = true;
    } catch {
      blockProbe = false;
    }
  }
  return blockProbe;
}

/** Spin iterations before a thread sleeps in Atomics.wait (short jobs follow each other closely). */
const SPIN = 20000;

/**
 * The worker's program (plain JavaScript, CommonJS or classic-worker style): `init` is the WorkerInit;
 * `bootstrap(init)` loops until the pool quits.
 */
export const WORKER_BODY = `
function bootstrap(init) {
  const { module, memory, base, index } = init;
  const w = new Int32Array(memory.buffer, 0, ${CONTROL_WORDS});
  let run;
  try {
    run = new WebAssembly.Instance(module, { env: { memory } }).exports.run;
  } catch (e) {
    Atomics.store(w, base + ${READY} + index, -1);
    return;
  }
  let gen = Atomics.load(w, base + ${GEN});
  Atomics.store(w, base + ${READY} + index, 1);
  for (;;) {
    let spins = 0;
    while (Atomics.load(w, base + ${GEN}) === gen && spins < ${SPIN}) spins++;
    if (Atomics.load(w, base + ${GEN}) === gen) Atomics.wait(w, base + ${GEN}, gen);
    const g = Atomics.load(w, base + ${GEN});
    if (g === gen) continue;
    gen = g;
    if (Atomics.load(w, base + ${QUIT}) !== 0) return;
    const tag = (g & 0x0fffffff) * 4;
    if (Atomics.compareExchange(w, base + ${CLAIM} + index, tag + ${POSTED}, tag + ${CLAIMED}) !== tag + ${POSTED}) continue;
    try {
      run(Atomics.load(w, base + ${JOB}), Atomics.load(w, base + ${ARGS}), index + 1, Atomics.load(w, base + ${NTH}));
    } catch (e) {
      Atomics.store(w, base + ${ERR} + index, 1);
    }
    Atomics.store(w, base + ${DONE} + index, g);
    Atomics.notify(w, base + ${DONE} + index);
  }
}
`;

/**
 * How long the calling thread waits for a worker that claimed a job, after finishing its own share, before
 * declaring the pool broken (ms). By then the job's chunks are all taken, so a live worker owes at most its
 * current chunk: blocking threads allow a long stall of the machine; a spinning browser main thread (which
 * freezes the page meanwhile) gives up sooner.
 */
const TIMEOUT_MS = 120_000;
const SPIN_TIMEOUT_MS = 10_000;

/** Overrides of a pool's environment probes (tests). */
export interface PoolOptions {
  /** Whether the calling thread may block in Atomics.wait (default: probed). */
  canBlock?: boolean;
  /** ms to wait for a worker that claimed a job after the caller's own share (default 120 s blocking, 10 s spinning). */
  timeoutMs?: number;
}

/** A pool of `workers` threads plus the calling thread. */
export class ThreadPool {
  private readonly handles: (WorkerLike | null)[] = [];
  private broken = false;
  /** Whether dispatch may block in Atomics.wait (else it spins on Atomics.load). */
  private readonly canBlock: boolean;
  private readonly timeoutMs: number;
  /** Workers boot asynchronously: threads() counts only those that signalled ready. */
  private readonly gated: boolean;
  /** threads() while gated, held until the next microtask so one synchronous kernel call sees one value. */
  private held: number | null = null;
  /** Workers that took part in the last dispatch (claimed their slot before the caller cancelled it). */
  lastJoined = 0;

  constructor(private readonly memory: WebAssembly.Memory, module: WebAssembly.Module, private readonly base: number,
    readonly workers: number, spawn: Spawner, opts: PoolOptions = {}) {
    this.gated = spawn.asyncBoot === true;
    this.canBlock = opts.canBlock ?? atomicsWaitAllowed();
    this.timeoutMs = opts.timeoutMs ?? (this.canBlock ? TIMEOUT_MS : SPIN_TIMEOUT_MS);
    for (let index = 0; index < workers; index++) {
      let h: WorkerLike | null = null;
      try {
        h = spawn({ module, memory, base, index }, () => { this.broken = true; });
      } catch {
        h = null;
      }
      this.handles.push(h);
      if (!h) this.broken = true;
    }
  }

  private words(): Int32Array {
    return new Int32Array(this.memory.buffer, 0, CONTROL_WORDS);
  }

  /**
   * Threads a job may use, or 1 when broken: 1 + workers (workers still starting simply claim nothing), or with
   * asynchronously booting workers 1 + the leading run of workers that signalled ready — fixed until the next
   * microtask, so a kernel that sizes per-thread scratch by one call and runs with another sees the same count.
   */
  threads(): number {
    if (this.broken || this.workers === 0) return 1;
    if (this.held !== null) return this.held;
    const w = this.words();
    let ready = 0;
    for (let i = 0; i < this.workers; i++) {
      const r = Atomics.load(w, this.base + READY + i);
      if (r < 0) this.broken = true;
      if (r === 1 && ready === i) ready++;
    }
    if (this.broken) return 1;
    if (!this.gated) return 1 + this.workers;
    this.held = 1 + ready;
    queueMicrotask(() => { this.held = null; });
    return 1 + ready;
  }

  /** Workers that have started and wait for jobs. */
  readyWorkers(): number {
    const w = this.words();
    let n = 0;
    for (let i = 0; i < this.workers; i++) if (Atomics.load(w, this.base + READY + i) === 1) n++;
    return n;
  }

  /** Whether a worker failed to start or died. */
  isBroken(): boolean { return this.broken; }

  /**
   * Run `job` on up to `nth` threads (nth ≤ threads()): workers that wake in time get tids 1..nth−1, `main`
   * runs tid 0 here. Returns false when a worker's run threw or timed out (the caller reruns the job here).
   */
  dispatch(job: number, args: number, nth: number, main: () => void): boolean {
    const w = this.words();
    const b = this.base;
    const g = (Atomics.load(w, b + GEN) + 1) | 0;
    const tag = tagOf(g);
    Atomics.store(w, b + JOB, job);
    Atomics.store(w, b + ARGS, args);
    Atomics.store(w, b + NTH, nth);
    for (let i = 0; i < nth - 1; i++) Atomics.store(w, b + CLAIM + i, tag + POSTED);
    Atomics.store(w, b + GEN, g);
    Atomics.notify(w, b + GEN);
    let ok = true;
    let timedOut = false;
    try {
      main();
    } finally {
      const deadline = Date.now() + this.timeoutMs;
      this.lastJoined = 0;
      for (let i = 0; i < nth - 1 && !timedOut; i++) {
        if (Atomics.compareExchange(w, b + CLAIM + i, tag + POSTED, tag + CANCELLED) === tag + POSTED) continue;
        this.lastJoined++;
        let spins = 0;
        for (;;) {
          const v = Atomics.load(w, b + DONE + i);
          if (v === g) break;
          if (spins < SPIN) { spins++; continue; }
          if (Date.now() > deadline) { ok = false; timedOut = true; break; }
          if (this.canBlock) Atomics.wait(w, b + DONE + i, v, 1000);
          else spins -= 1000; // spin on, reading the clock every 1000 loads
        }
        if (Atomics.load(w, b + ERR + i) !== 0) { ok = false; Atomics.store(w, b + ERR + i, 0); }
      }
      // a worker that claimed the job and never finished is stuck or dead: stop every worker, so none can still
      // write into memory the caller reuses, and run on one thread from now on
      if (timedOut) this.close();
    }
    return ok;
  }

  /** Ask the workers to exit and terminate them. */
  close(): void {
    const w = this.words();
    Atomics.store(w, this.base + QUIT, 1);
    Atomics.add(w, this.base + GEN, 1);
    Atomics.notify(w, this.base + GEN);
    for (const h of this.handles) {
      try { h?.terminate(); } catch { /* already gone */ }
    }
    this.handles.length = 0;
    this.broken = true;
  }
}
