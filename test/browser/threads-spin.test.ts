// The thread pool as a browser main thread drives it, checked in Node: workers that boot asynchronously (Web
// Workers) are used only once they signalled ready, with one thread count per synchronous stretch; a caller that
// may not block spins on Atomics.load, and a worker that claims a job and never finishes makes dispatch give up
// after its deadline, terminate the workers and report failure (the runtime reruns the job on the calling thread),
// after which the pool runs on one thread; a job offered to fewer workers than its thread count posts only their
// slots, and each dispatch reports the caller's working and idle time. Workers are played by hand through the
// shared control block.
import { describe, expect, it } from 'vitest';
import { wasmModuleBytes } from '../../src/tensor/backend/wasm/module.js';
import { POOL_LAYOUT, type Spawner, ThreadPool, atomicsWaitAllowed } from '../../src/tensor/backend/wasm/threads.js';

const L = POOL_LAYOUT;
const BASE = 16;
const module = new WebAssembly.Module(wasmModuleBytes(true));

function setup(workers: number, opts: { timeoutMs?: number } = {}): { pool: ThreadPool; w: Int32Array; terminated: () => number } {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
  let terminated = 0;
  const spawn: Spawner = Object.assign(() => ({ terminate: () => { terminated++; } }), { asyncBoot: true });
  const pool = new ThreadPool(memory, module, BASE, workers, spawn, { canBlock: false, ...opts });
  return { pool, w: new Int32Array(memory.buffer, 0, 1024), terminated: () => terminated };
}

/** Play worker `i` claiming the job just posted (as WORKER_BODY does). */
function claim(w: Int32Array, i: number): boolean {
  const tag = (Atomics.load(w, BASE + L.GEN) & 0x0fffffff) * 4;
  return Atomics.compareExchange(w, BASE + L.CLAIM + i, tag, tag + 1) === tag;
}

describe('thread pool on a thread that cannot block (browser main thread)', () => {
  it('Node\'s main thread may block in Atomics.wait (the probe)', () => {
    expect(atomicsWaitAllowed()).toBe(true);
  });

  it('uses asynchronously booting workers only after they signalled ready, one count per synchronous stretch', async () => {
    const { pool, w } = setup(2);
    expect(pool.threads()).toBe(1); // nobody ready: one thread
    Atomics.store(w, BASE + L.READY + 1, 1); // worker 1 ready, worker 0 not: still only the caller (tids must be a prefix)
    await Promise.resolve();
    expect(pool.threads()).toBe(1);
    Atomics.store(w, BASE + L.READY + 0, 1);
    expect(pool.threads()).toBe(1); // held until the next microtask: a kernel call never sees the count change
    await Promise.resolve();
    expect(pool.threads()).toBe(3);
    expect(pool.readyWorkers()).toBe(2);
    Atomics.store(w, BASE + L.READY + 1, -1); // a worker that could not instantiate the module breaks the pool
    await Promise.resolve();
    expect(pool.threads()).toBe(1);
    expect(pool.isBroken()).toBe(true);
  });

  it('cancels slots nobody claimed and waits (spinning) for a worker that joined', () => {
    const { pool, w } = setup(2);
    Atomics.store(w, BASE + L.READY, 1);
    Atomics.store(w, BASE + L.READY + 1, 1);
    let ran = 0;
    expect(pool.dispatch(3, 64, 3, () => { ran++; })).toBe(true);
    expect(ran).toBe(1);
    expect(pool.lastJoined).toBe(0);
    // worker 0 joins and finishes while the caller runs its share
    const ok = pool.dispatch(3, 64, 3, () => {
      expect(claim(w, 0)).toBe(true);
      expect([Atomics.load(w, BASE + L.JOB), Atomics.load(w, BASE + L.ARGS), Atomics.load(w, BASE + L.NTH)]).toEqual([3, 64, 3]);
      Atomics.store(w, BASE + L.DONE, Atomics.load(w, BASE + L.GEN));
    });
    expect(ok).toBe(true);
    expect(pool.lastJoined).toBe(1);
    expect(pool.isBroken()).toBe(false);
  });

  it('gives up on a worker that claimed the job and never finished: false, workers terminated, one thread after', async () => {
    const { pool, w, terminated } = setup(2, { timeoutMs: 100 });
    Atomics.store(w, BASE + L.READY, 1);
    Atomics.store(w, BASE + L.READY + 1, 1);
    await Promise.resolve();
    expect(pool.threads()).toBe(3);
    const t0 = Date.now();
    const ok = pool.dispatch(5, 128, 3, () => { claim(w, 1); }); // worker 1 "dies" after claiming
    const waited = Date.now() - t0;
    expect(ok).toBe(false);
    expect(waited).toBeGreaterThanOrEqual(100);
    expect(waited).toBeLessThan(5000);
    expect(terminated()).toBe(2);
    expect(Atomics.load(w, BASE + L.QUIT)).toBe(1);
    await Promise.resolve();
    expect(pool.threads()).toBe(1);
  });

  it('reports a worker whose run threw (the caller reruns the job)', () => {
    const { pool, w } = setup(1);
    Atomics.store(w, BASE + L.READY, 1);
    const ok = pool.dispatch(1, 0, 2, () => {
      claim(w, 0);
      Atomics.store(w, BASE + L.ERR, 1);
      Atomics.store(w, BASE + L.DONE, Atomics.load(w, BASE + L.GEN));
    });
    expect(ok).toBe(false);
    expect(Atomics.load(w, BASE + L.ERR)).toBe(0);
    expect(pool.isBroken()).toBe(false);
  });

  it('offers a job only to the first `helpers` workers (the job still sees nth) and times the caller', () => {
    const { pool, w } = setup(3);
    for (let i = 0; i < 3; i++) Atomics.store(w, BASE + L.READY + i, 1);
    const ok = pool.dispatch(7, 256, 4, () => {
      expect(Atomics.load(w, BASE + L.NTH)).toBe(4);
      expect(claim(w, 2)).toBe(false); // not offered: its slot was never posted for this generation
      expect(claim(w, 0)).toBe(true);
      Atomics.store(w, BASE + L.DONE, Atomics.load(w, BASE + L.GEN));
      const until = performance.now() + 5;
      while (performance.now() < until); // the caller's share takes 5 ms
    }, 2);
    expect(ok).toBe(true);
    expect(pool.lastJoined).toBe(1);
    expect(pool.lastMainMs).toBeGreaterThanOrEqual(5);
    expect(pool.lastIdleMs).toBeGreaterThanOrEqual(0);
    expect(pool.lastIdleMs).toBeLessThan(pool.lastMainMs);
    // offered to none: nobody can claim, the caller runs it alone
    expect(pool.dispatch(7, 256, 4, () => { expect(claim(w, 0)).toBe(false); }, 0)).toBe(true);
    expect(pool.lastJoined).toBe(0);
  });
});
