// The complexity claims (Remark 3.7, §3.2, Appendix C) checked by counting work, not time: a counting Backend
// wraps the CPU kernels (installed with registerBackend + withBackend), and `retrieve` runs each kind at
// L = M growing ×2 five times. Work is the multiply-adds of every matmul plus the elements every other kernel
// reads and writes; the claims are on the log–log slope of work against L (2 for dense and top-K scoring, ≤ 1.15
// for the window, random, linear and PRF kinds with fixed w, k, m_f, 1.5 for the paper's default window ~√L)
// and, for the sub-quadratic kinds, that no kernel ever reads or writes an L·M-element tensor. Not counted:
// index bookkeeping outside kernels (window / random index lists, O(L·width), and input validation, O((L+M)·d)).
import fc from 'fast-check';
import { Tensor } from '../../tensor/tensor.js';
import { Generator } from '../../tensor/random.js';
import { type Backend, backendKernels, registerBackend, withBackend } from '../../tensor/backend/index.js';
import { noGrad } from '../../autograd/engine.js';
import { type RetrieveOptions, retrieve } from '../retrieve.js';
import type { Claim } from './claim.js';
import { inequality } from './claim.js';

/** The kinds whose cost the paper states; 'window-sqrt' is the window with its default half-width ⌈√L/2⌉. */
export type CostKind = 'dense' | 'topk' | 'random' | 'window' | 'window-sqrt' | 'linear' | 'prf';

/** What a counted run saw. */
export interface Tally {
  /** Multiply-adds of matmuls plus elements read and written by every other kernel. */
  work: number;
  /** The largest tensor (input or output) any kernel touched, in elements. */
  largest: number;
}

const tally: Tally = { work: 0, largest: 0 };
const BACKEND = 'verify-counting';
let registered = false;

function sizeOf(v: unknown): number {
  if (ArrayBuffer.isView(v)) return (v as unknown as { length: number }).length;
  if (v !== null && typeof v === 'object') return Object.values(v).reduce((s: number, x) => s + (ArrayBuffer.isView(x) ? sizeOf(x) : 0), 0);
  return 0;
}

function note(args: unknown[], out: unknown, macs: number): void {
  let io = sizeOf(out);
  tally.largest = Math.max(tally.largest, io);
  for (const a of args) {
    const n = ArrayBuffer.isView(a) ? sizeOf(a) : 0;
    tally.largest = Math.max(tally.largest, n);
    io += n;
  }
  tally.work += io + macs;
}

/** The CPU kernels with every call counted into `tally` (a Proxy, so every kernel of the interface is covered). */
function countingBackend(): Backend {
  const cpu = backendKernels('cpu');
  return new Proxy(cpu, {
    get(target, prop, receiver) {
      if (prop === 'name') return BACKEND;
      const f = Reflect.get(target, prop, receiver) as unknown;
      if (typeof f !== 'function') return f;
      return (...args: unknown[]) => {
        const out = (f as (...a: unknown[]) => unknown).apply(target, args);
        const spec = prop === 'matmul' ? (args[2] as { batch: number; m: number; k: number; n: number }) : null;
        // the fused attention kernels: scores + weighted sum forward; scores, dP, dq, dk, dv backward
        const att = prop === 'attention' ? args[3] : prop === 'attentionBackward' ? args[6] : null;
        const a = att as { batch: number; l: number; m: number; d: number; dv: number } | null;
        const attMacs = a ? a.batch * a.l * a.m * (prop === 'attention' ? a.d + a.dv : 3 * a.d + 2 * a.dv) : 0;
        // the fused gathered attention (window / random / top-K): the same per kept slot instead of per memory
        const gat = prop === 'gatheredAttention' ? args[3] : prop === 'gatheredAttentionBackward' ? args[6] : null;
        const gs = gat as { rows: number; width: number; d: number; dv: number } | null;
        const gatMacs = gs ? gs.rows * gs.width * (prop === 'gatheredAttention' ? gs.d + gs.dv : 3 * gs.d + 2 * gs.dv) : 0;
        // the fused score + select: the scores' multiply-adds as matmul counts them, plus the l·m scores the selection
        // reads (the elements topk would have read)
        const tks = prop === 'topkScores' ? (args[2] as { batch: number; l: number; m: number; d: number }) : null;
        const tksWork = tks ? tks.batch * tks.l * tks.m * (tks.d + 1) : 0;
        note(args, out, (spec ? spec.batch * spec.m * spec.k * spec.n : 0) + attMacs + gatMacs + tksWork);
        return out;
      };
    },
  });
}

/** Run `fn` on the counting backend and return what its kernels did. */
export function countWork(fn: () => void): Tally {
  if (!registered) {
    registerBackend(BACKEND, countingBackend);
    registered = true;
  }
  tally.work = 0;
  tally.largest = 0;
  withBackend(BACKEND, () => noGrad(fn));
  return { ...tally };
}

/** One complexity instance: the kind, pattern size d, the fixed k / w / m_f, and the sizes L = M. */
export interface CostInstance { kind: CostKind; d: number; k: number; w: number; features: number; sizes: number[] }

function options(c: CostInstance): RetrieveOptions {
  switch (c.kind) {
    case 'topk': return { kind: 'topk', k: c.k };
    case 'random': return { kind: 'random', k: c.k, seed: 1 };
    case 'window': return { kind: 'window', window: c.w };
    case 'window-sqrt': return { kind: 'window' };
    case 'prf': return { kind: 'prf', features: c.features, seed: 1 };
    default: return { kind: c.kind };
  }
}

/** Measurements already made: the counts are a deterministic function of the kind, its parameters and n. */
const measured = new Map<string, Tally>();

/** Counted work and largest tensor of one `retrieve` at L = M = n (float64 Gaussian queries and memories). */
export function measure(c: CostInstance, n: number): Tally {
  const key = JSON.stringify([c.kind, c.d, c.kind === 'topk' || c.kind === 'random' ? c.k : 0, c.kind === 'window' ? c.w : 0, c.kind === 'prf' ? c.features : 0, n]);
  const have = measured.get(key);
  if (have) return have;
  const t = measureOnce(c, n);
  measured.set(key, t);
  return t;
}

function measureOnce(c: CostInstance, n: number): Tally {
  const g = new Generator(n);
  const rnd = (rows: number): Tensor => {
    const data = new Float64Array(rows * c.d);
    g.fillNormal(data);
    return new Tensor(data, [rows, c.d]);
  };
  const q = rnd(n);
  const s = rnd(n);
  return countWork(() => { retrieve(q, s, options(c)); });
}

/** The least-squares slope of log y against log x. */
export function logSlope(x: readonly number[], y: readonly number[]): number {
  const lx = x.map(Math.log);
  const ly = y.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0;
  let den = 0;
  lx.forEach((v, i) => { num += (v - mx) * (ly[i]! - my); den += (v - mx) ** 2; });
  return num / den;
}

const CLAIMED: Record<CostKind, { text: string; slope: [number, number]; subquadratic: boolean }> = {
  dense: { text: 'dense O(L·M·d) (Remark 3.7): with M = L the work grows as L²', slope: [1.85, 2.15], subquadratic: false },
  topk: { text: 'top-K: quadratic scoring (§3.2, "inefficient"), sparse aggregation: work grows as L²', slope: [1.85, 2.15], subquadratic: false },
  random: { text: 'random mask O(k·L·d) (§3.2): with k fixed the work grows at most linearly in L', slope: [0, 1.15], subquadratic: true },
  window: { text: 'window O(L·w·d) (§3.2): with w fixed the work grows at most linearly in L', slope: [0, 1.15], subquadratic: true },
  'window-sqrt': { text: 'window with the paper’s width ~√L (default w = ⌈√L/2⌉): O(L√L·d), slope 1.5', slope: [1.35, 1.65], subquadratic: true },
  linear: { text: 'linear (C.1)–(C.2) O((L + M)·d·m_f), m_f = d: linear in L', slope: [0, 1.15], subquadratic: true },
  prf: { text: 'random features (C.6)–(C.7) O((L + M)·d·m_f), m_f fixed: linear in L', slope: [0, 1.15], subquadratic: true },
};

/** The claims are deterministic in the sizes, so few runs suffice: fast-check varies d, k, w, m_f and the start size. */
export function costArb(kind: CostKind): fc.Arbitrary<CostInstance> {
  return fc.record({
    d: fc.integer({ min: 1, max: 8 }), k: fc.integer({ min: 1, max: 8 }), w: fc.integer({ min: 0, max: 4 }),
    features: fc.integer({ min: 1, max: 16 }), start: fc.constantFrom(16, 24, 32),
  }).map(({ d, k, w, features, start }) => ({ kind, d, k, w, features, sizes: [0, 1, 2, 3, 4].map((i) => start * 2 ** i) }));
}

function complexityClaim(kind: CostKind): Claim<CostInstance> {
  const spec = CLAIMED[kind];
  return {
    runWeight: 200, // deterministic in the sizes: a few runs vary d, k, w and m_f
    id: 'complexity',
    reading: kind,
    statement: `${spec.text}: counted kernel work W at L = M doubling 5 times has log–log slope ${spec.subquadratic ? '' : 'of W(2L) − 2W(L) (the L² part) '}(over the 3 largest sizes) in [${spec.slope.join(', ')}]${spec.subquadratic ? ', and no kernel touches an L·M-element tensor' : ''}.`,
    arbitrary: () => costArb(kind),
    evaluate(c) {
      const runs = c.sizes.map((n) => measure(c, n));
      // sub-quadratic kinds: the slope of the work itself over the three largest sizes (an upper bound: lower-order
      // terms only lower it). Quadratic kinds: the slope of the second differences Q(L) = W(2L) − 2W(L) = 2aL² for
      // W = aL² + bL (+ c), which removes the linear part (top-K's K·L·d aggregation) that bends W at small L
      const w = runs.map((r) => r.work);
      const slope = spec.subquadratic
        ? logSlope(c.sizes.slice(-3), w.slice(-3))
        : logSlope(c.sizes.slice(1, 4), w.slice(1, 4).map((v, i) => w[i + 2]! - 2 * v));
      const [lo, hi] = spec.slope;
      const n = c.sizes[c.sizes.length - 1]!;
      const largest = runs[runs.length - 1]!.largest;
      const details = { slope, largestTensor: largest, LM: n * n, workAtLargest: runs[runs.length - 1]!.work };
      // a NaN slope: W(2L) − 2W(L) ≤ 0, no L² part at all
      const ev = Number.isNaN(slope) ? { holds: false, lhs: Infinity, rhs: (hi - lo) / 2, margin: -1, details } : inequality(Math.abs(slope - (lo + hi) / 2), (hi - lo) / 2, details);
      if (spec.subquadratic && largest >= n * n) return { ...ev, holds: false, margin: Math.min(ev.margin, (n * n - largest) / (n * n)) };
      return ev;
    },
    describe: (c) => ({ ...c, memories: 'M = L rows of d float64 N(0, 1) numbers drawn from Generator(L) after the L queries' }),
  };
}

/** Every complexity claim, one per kind. */
export const complexityClaims: Claim[] = (['dense', 'topk', 'random', 'window', 'window-sqrt', 'linear', 'prf'] as const).map(complexityClaim) as Claim[];
