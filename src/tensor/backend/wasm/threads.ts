// The wasm backend's thread pool: workers that instantiate the same module on the same shared memory and run
// jobs the main thread posts through a control block of i32 words (Atomics wait/notify). Fork–join: the main
// thread writes (job, args, nth), marks the claim words of the workers it offers the job to "posted" for this
// generation, bumps the generation word and runs the job itself (tid 0). A worker that wakes claims its slot
// with compareExchange and joins; jobs hand out work through an atomic chunk counter, so whoever runs takes
// what is left and the caller keeps claiming chunks until none are left. When the main thread is done it
// cancels the slots nobody claimed (a worker descheduled by a busy machine costs nothing) and waits only for
// workers that did claim: spinning briefly, then in Atomics.wait where this thread may block, else (a browser's
// main thread) by spinning on Atomics.load, bounded by a deadline after which the pool is closed (its workers
// terminated) and the caller reruns the job on its own thread. Workers spin briefly on the generation word
// before they sleep, so jobs that follow each other closely start without a wake-up. Each dispatch reports how
// long the caller worked and how long it spent not working (posting, waiting for workers), which the runtime
// uses to stop offering jobs to workers while that costs more than it saves. This file is browser-safe; how a
// worker is started (Node's worker_threads, or Web Workers from a Blob URL) is injected as a `Spawner`; a spawner
// whose workers boot asynchronously (Web Workers start only once the creating thread returns to its event loop)
// makes the pool use a worker only after it signalled ready in shared memory.

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
export interface WorkerInit {
  module: WebAssembly.Module; memory: WebAssembly.Memory; base: number; index: number;
  /** Tests: the worker spins a random 0..jitterUs µs before it claims a job and again before it reports it done. */
  jitterUs?: number;
}

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

/** Milliseconds from a monotonic clock (performance.now where it exists). */
export const now: () => number = typeof performance === 'object' && typeof performance.now === 'function' ? () => performance.now() : () => Date.now();

/** Spin iterations before a thread sleeps in Atomics.wait (short jobs follow each other closely). */
const SPIN = 20000;

/**
 * The worker's program (plain JavaScript, CommonJS or classic-worker style): `init` is the WorkerInit;
 * `bootstrap(init)` loops until the pool quits.
 */
export const WORKER_BODY = `
function bootstrap(init) {
  const { module, memory, base, index } = init;
  const jitter = init.jitterUs || 0;
  const delay = (us) => { const until = performance.now() + Math.random() * us / 1000; while (performance.now() < until); };
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
    if (jitter > 0) delay(jitter);
    const tag = (g & 0x0fffffff) * 4;
    if (Atomics.compareExchange(w, base + ${CLAIM} + index, tag + ${POSTED}, tag + ${CLAIMED}) !== tag + ${POSTED}) continue;
    try {
      run(Atomics.load(w, base + ${JOB}), Atomics.load(w, base + ${ARGS}), index + 1, Atomics.load(w, base + ${NTH}));
    } catch (e) {
      Atomics.store(w, base + ${ERR} + index, 1);
    }
    if (jitter > 0) delay(jitter);
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
  /** ms the caller ran its share of the last dispatch, and ms it spent on anything else (posting, waiting). */
  lastMainMs = 0;
  lastIdleMs = 0;

  constructor(private readonly memory: WebAssembly.Memory, module: WebAssembly.Module, readonly base: number,
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
   * Run `job` on up to `nth` threads (nth ≤ threads()): the job is offered to `helpers` workers (default nth − 1,
   * at most that), those that wake in time get tids 1..helpers, `main` runs tid 0 here; the job still sees `nth`
   * (its chunk size), and chunks nobody else claims the caller takes. Returns false when a worker's run threw or
   * timed out (the caller reruns the job here). Sets lastJoined, lastMainMs and lastIdleMs.
   */
  dispatch(job: number, args: number, nth: number, main: () => void, helpers = nth - 1): boolean {
    const w = this.words();
    const b = this.base;
    const offered = Math.max(0, Math.min(helpers, nth - 1, this.workers));
    const t0 = now();
    const g = (Atomics.load(w, b + GEN) + 1) | 0;
    const tag = tagOf(g);
    Atomics.store(w, b + JOB, job);
    Atomics.store(w, b + ARGS, args);
    Atomics.store(w, b + NTH, nth);
    for (let i = 0; i < offered; i++) Atomics.store(w, b + CLAIM + i, tag + POSTED);
    Atomics.store(w, b + GEN, g);
    // sleeping workers wake (spinning ones see the new generation anyway); none is woken for a job offered to none
    if (offered > 0) Atomics.notify(w, b + GEN);
    let ok = true;
    let timedOut = false;
    let t1 = t0, t2 = t0;
    try {
      t1 = now();
      main();
    } finally {
      t2 = now();
      const deadline = Date.now() + this.timeoutMs;
      this.lastJoined = 0;
      for (let i = 0; i < offered && !timedOut; i++) {
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
      this.lastMainMs = t2 - t1;
      this.lastIdleMs = (t1 - t0) + (now() - t2);
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

/** Idle time of a dispatch below which it never counts as a loss, and the back-off bounds (ms). */
const IDLE_FLOOR_MS = 0.05, BACKOFF_MIN_MS = 2, BACKOFF_MAX_MS = 100;

/**
 * When to stop offering jobs to workers: a dispatch in which the caller idled (posting, waiting for a worker that
 * claimed a share — descheduled by a busy machine, or asleep) longer than it worked, and over 50 µs, lost time;
 * then no worker is offered a job for 2 ms, doubling with each further loss up to 100 ms. A dispatch whose idle
 * time is at most half its working time resets the back-off.
 */
export class DispatchBackoff {
  private until = 0;
  private step = 0;

  /** Whether jobs may be offered to workers at time `t` (ms). */
  allows(t: number): boolean {
    return this.step === 0 || t >= this.until;
  }

  /** The back-off now (ms; 0: none). */
  get stepMs(): number { return this.step; }

  /** Record a dispatch offered to workers, ending at time `t`: ms the caller worked and ms it idled. */
  record(mainMs: number, idleMs: number, t: number): void {
    if (idleMs > Math.max(mainMs, IDLE_FLOOR_MS)) {
      this.step = Math.min(BACKOFF_MAX_MS, this.step > 0 ? 2 * this.step : BACKOFF_MIN_MS);
      this.until = t + this.step;
    } else if (idleMs <= mainMs / 2) {
      this.step = 0;
    }
  }
}
