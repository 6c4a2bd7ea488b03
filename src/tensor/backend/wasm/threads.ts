// The wasm backend's thread pool: workers that instantiate the same module on the same shared memory and run
// jobs the main thread posts through a control block of i32 words (Atomics wait/notify). Fork–join: the main
// thread writes (job, args, nth), marks every worker's claim word "posted" for this generation, bumps the
// generation word and runs the job itself (tid 0). A worker that wakes claims its slot with compareExchange and
// joins; jobs hand out work through an atomic chunk counter, so whoever runs takes what is left. When the main
// thread is done it cancels the slots nobody claimed (a worker descheduled by a busy machine costs nothing) and
// waits only for workers that did claim. This file is browser-safe; how a worker is started (Node's
// worker_threads, or later Web Workers) is injected as a `Spawner`.

/** Control-block word offsets (relative to the pool's base word). */
const GEN = 0, JOB = 1, ARGS = 2, NTH = 3, QUIT = 4, READY = 8, CLAIM = 24, DONE = 40, ERR = 56;
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

/** Starts one worker running WORKER_BODY's bootstrap(init), or returns null; `onFail` is called if it dies. */
export type Spawner = (init: WorkerInit, onFail: () => void) => WorkerLike | null;

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

/** How long the main thread waits for a worker before declaring the pool broken (ms). */
const TIMEOUT_MS = 120_000;

/** A pool of `workers` threads plus the calling thread. */
export class ThreadPool {
  private readonly handles: (WorkerLike | null)[] = [];
  private broken = false;

  constructor(private readonly memory: WebAssembly.Memory, module: WebAssembly.Module, private readonly base: number,
    readonly workers: number, spawn: Spawner) {
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

  /** Threads a job may use: 1 + workers (workers still starting simply claim nothing), or 1 when broken. */
  threads(): number {
    if (this.broken || this.workers === 0) return 1;
    const w = this.words();
    for (let i = 0; i < this.workers; i++) if (Atomics.load(w, this.base + READY + i) < 0) this.broken = true;
    return this.broken ? 1 : 1 + this.workers;
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
    try {
      main();
    } finally {
      const deadline = Date.now() + TIMEOUT_MS;
      for (let i = 0; i < nth - 1; i++) {
        if (Atomics.compareExchange(w, b + CLAIM + i, tag + POSTED, tag + CANCELLED) === tag + POSTED) continue;
        let spins = 0;
        for (;;) {
          const v = Atomics.load(w, b + DONE + i);
          if (v === g) break;
          if (spins < SPIN) { spins++; continue; }
          if (Date.now() > deadline) { ok = false; this.broken = true; break; }
          Atomics.wait(w, b + DONE + i, v, 1000);
        }
        if (Atomics.load(w, b + ERR + i) !== 0) { ok = false; Atomics.store(w, b + ERR + i, 0); }
      }
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
