// The buffer pool: typed arrays released by tidy()/dispose() wait in free lists per (dtype, length) and are
// handed out again by `allocate`, so a warm training step inside tidy() allocates no fresh memory. The pool
// holds at most `maxBytes` (least recently released arrays are dropped first); it only ever contains arrays
// that `allocate` made and that no live tensor uses (the storage reference counts below decide that).
// Arrays released by tidy() (at a scope's end, or by dispose() while a scope is open) are reserved for
// allocations inside a tidy() scope: an allocation outside tidy() usually lives until the GC takes it, so handing
// it a recycled array would only move a fresh allocation into the next tidy() step (a plain step interleaved with
// tidy() steps would drain the pool each time). Outside tidy(), `allocate` reuses only arrays that dispose()
// released outside any scope.
import { HopgradError } from './errors.js';

/** The element types a pooled array may have (mirrors DType without importing it, to keep this module a leaf). */
type PoolDType = 'float32' | 'float64' | 'int32';
type PoolArray = Float32Array | Float64Array | Int32Array;

/** Counters of the buffer pool (see `poolStats`). */
export interface PoolStats {
  /** Allocations served from a free list. */
  hits: number;
  /** Allocations that created a fresh typed array (pool misses). */
  misses: number;
  /** Bytes of the fresh arrays (misses). */
  freshBytes: number;
  /** Arrays returned to the pool by tidy()/dispose(). */
  releases: number;
  /** Arrays dropped from the pool to stay under `maxBytes`. */
  evictions: number;
  /** Bytes now waiting in the free lists. */
  bytesPooled: number;
  /** Arrays now waiting in the free lists. */
  arraysPooled: number;
  /** Most bytes ever waiting in the free lists at once. */
  highWaterBytes: number;
}

/** Options of the pool (see `configurePool`). */
export interface PoolOptions {
  /** Most bytes the free lists may hold (default 256 MiB); 0 turns reuse off (released arrays are dropped). */
  maxBytes: number;
}

const BYTES: Record<PoolDType, number> = { float32: 4, float64: 8, int32: 4 };

let maxBytes = 256 * 2 ** 20;
const free = new Map<string, PoolArray[]>();
/** Every pooled array in release order (oldest first), with its free-list key: the LRU order. */
const lru = new Map<PoolArray, string>();
/** Arrays made by `allocate` (only these may ever be pooled: a user's own typed array never is). */
const born = new WeakSet<PoolArray>();
/** Live (not disposed) tensors per storage; a storage goes back to the pool only at 0. */
const refs = new WeakMap<PoolArray, number>();
const stats: PoolStats = { hits: 0, misses: 0, freshBytes: 0, releases: 0, evictions: 0, bytesPooled: 0, arraysPooled: 0, highWaterBytes: 0 };

/** Where `poolTake` reports the arrays it hands out while a tidy() scope is open (its scratch candidates). */
let sink: PoolArray[] | null = null;
/** True while tidy() closes a scope: what is released then goes to the reserved (tidy-only) free lists. */
let closing = false;

/** Free-list key: reserved (tidy-only, `t`) or general (`g`) lists, per dtype and length. */
const keyOf = (reserved: boolean, dtype: PoolDType, n: number): string => `${reserved ? 't' : 'g'}${dtype}:${n}`;
const dtypeOfArray = (a: PoolArray): PoolDType => (a instanceof Float32Array ? 'float32' : a instanceof Float64Array ? 'float64' : 'int32');

function fresh(dtype: PoolDType, n: number): PoolArray {
  const a = dtype === 'float32' ? new Float32Array(n) : dtype === 'float64' ? new Float64Array(n) : new Int32Array(n);
  stats.misses++;
  stats.freshBytes += n * BYTES[dtype];
  born.add(a);
  if (sink !== null) sink.push(a);
  return a;
}

/**
 * @internal An array of `n` elements of `dtype`: a pooled one when a free list it may use has it (inside a tidy()
 * scope any; outside, only arrays dispose() released outside tidy), else a fresh one.
 * With `zero` the contents are all zeros; without, a pooled array keeps its old contents (the caller
 * overwrites every element).
 */
export function poolTake(dtype: PoolDType, n: number, zero: boolean): PoolArray {
  if (n > 0) {
    // inside tidy(): the reserved lists first, then the general ones; outside: the general lists only
    let a = sink !== null ? free.get(keyOf(true, dtype, n))?.pop() : undefined;
    if (a === undefined) a = free.get(keyOf(false, dtype, n))?.pop();
    if (a !== undefined) {
      lru.delete(a);
      stats.hits++;
      stats.bytesPooled -= a.byteLength;
      stats.arraysPooled--;
      if (zero) a.fill(0);
      if (sink !== null) sink.push(a);
      return a;
    }
  }
  return fresh(dtype, n);
}

/**
 * @internal While `on`, released arrays go to the reserved (tidy-only) free lists even when no scope is open
 * any more (tidy() closes a scope after popping it).
 */
export function setScopeClosing(on: boolean): void {
  closing = on;
}

/** @internal Collect the arrays handed out from now on into `list` (null: stop); used by tidy() scopes. */
export function setAllocationSink(list: PoolArray[] | null): void {
  sink = list;
}

/** @internal Never pool `a` (it escapes to user code as a plain array, e.g. from dataSync()). */
export function disownArray(a: PoolArray): void {
  born.delete(a);
}

/**
 * @internal At the end of a tidy() scope, for an array handed out during it: pool it when no tensor ever wrapped
 * it or every tensor that did was released (a kernel's scratch), unless `protect` has it (returned raw: then it is
 * disowned for good, since the caller may keep it).
 */
export function reclaimScratch(a: PoolArray, protect: ReadonlySet<unknown>): void {
  if (protect.has(a)) {
    born.delete(a);
    return;
  }
  if ((refs.get(a) ?? 0) === 0) pool(a);
}

/** @internal A tensor now uses `storage` (called by the Tensor constructor). */
export function retainStorage(storage: PoolArray): void {
  refs.set(storage, (refs.get(storage) ?? 0) + 1);
}

/**
 * @internal A tensor using `storage` was disposed: when no live tensor uses it any more and `allocate` made it,
 * it goes back to the pool. `protect` lists arrays that must not be pooled (e.g. returned raw from tidy()).
 */
export function releaseStorage(storage: PoolArray, protect?: ReadonlySet<unknown>): void {
  const c = (refs.get(storage) ?? 1) - 1;
  refs.set(storage, c);
  if (c > 0) return;
  if (protect?.has(storage)) born.delete(storage);
  else pool(storage);
}

/** Put an array `allocate` made into its free list (unless it is already there or too big for the cap). */
function pool(storage: PoolArray): void {
  if (!born.has(storage) || lru.has(storage)) return;
  if (storage.length === 0 || storage.byteLength > maxBytes) return;
  const key = keyOf(closing || sink !== null, dtypeOfArray(storage), storage.length);
  let list = free.get(key);
  if (!list) free.set(key, (list = []));
  list.push(storage);
  lru.set(storage, key);
  stats.releases++;
  stats.bytesPooled += storage.byteLength;
  stats.arraysPooled++;
  evict();
  if (stats.bytesPooled > stats.highWaterBytes) stats.highWaterBytes = stats.bytesPooled;
}

/** Drop the least recently released arrays until the pool fits in `maxBytes`. */
function evict(): void {
  for (const [a, key] of lru) {
    if (stats.bytesPooled <= maxBytes) return;
    lru.delete(a);
    const list = free.get(key)!;
    list.splice(list.indexOf(a), 1);
    if (list.length === 0) free.delete(key);
    stats.bytesPooled -= a.byteLength;
    stats.arraysPooled--;
    stats.evictions++;
  }
}

/** A snapshot of the pool's counters: hits, misses (fresh allocations), releases, bytes pooled, high-water mark. */
export function poolStats(): PoolStats {
  return { ...stats };
}

/** Zero the pool's counters (the pooled arrays stay; `bytesPooled`/`arraysPooled` keep describing them). */
export function resetPoolStats(): void {
  stats.hits = 0; stats.misses = 0; stats.freshBytes = 0; stats.releases = 0; stats.evictions = 0;
  stats.highWaterBytes = stats.bytesPooled;
}

/** Drop every pooled array (they become ordinary garbage). */
export function clearPool(): void {
  lru.clear();
  free.clear();
  stats.bytesPooled = 0;
  stats.arraysPooled = 0;
}

/** Set the pool's byte cap (`maxBytes` ≥ 0, finite); returns the options now in force. Shrinking evicts at once. */
export function configurePool(options: Partial<PoolOptions> = {}): PoolOptions {
  if (options === null || typeof options !== 'object') throw new HopgradError(`configurePool: options must be an object, got ${String(options)}`);
  const m = options.maxBytes;
  if (m !== undefined) {
    if (typeof m !== 'number' || !Number.isFinite(m) || m < 0) {
      throw new HopgradError(`configurePool: maxBytes must be a finite number >= 0, got ${String(m)}`);
    }
    maxBytes = Math.floor(m);
    evict();
  }
  return { maxBytes };
}
