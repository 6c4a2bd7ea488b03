// Property tests of the optimizers: N steps of SGD / Adam / AdamW on random float64 params, grads (some null) and
// per-group hyperparameters equal plain reference implementations of the published formulas; state dict round
// trips are exact; schedules and clipping keep their invariants. Set FC_SEED to replay a reported seed.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor } from '../src/tensor/tensor.js';
import {
  SGD, Adam, AdamW, type Optimizer, type Hyperparams, type SGDOptions, type AdamOptions,
  cosineAnnealing, linearWarmup, stepLr, exponentialLr, clipGradNorm,
} from '../src/optim/index.js';

const seedEnv = process.env.FC_SEED;
const FC = { numRuns: Number(process.env.FC_NUM_RUNS ?? 150), ...(seedEnv ? { seed: Number(seedEnv) } : {}) };

const num = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const maybeZero = (a: fc.Arbitrary<number>) => fc.oneof(fc.constant(0), a);

const sgdHyper: fc.Arbitrary<SGDOptions> = fc.record({
  lr: num(0, 1), momentum: maybeZero(num(0, 0.99)), dampening: num(0, 1), weightDecay: maybeZero(num(0, 0.1)),
  nesterov: fc.boolean(), maximize: fc.boolean(),
}).map((h) => (h.nesterov ? { ...h, dampening: 0, momentum: h.momentum > 0 ? h.momentum : 0.5 } : h));

// betas satisfy β1² ≤ β2 (Kingma & Ba's β1 < √β2; true of every practical setting, e.g. 0.9² ≤ 0.999). Then by
// Cauchy–Schwarz |m̂| ≤ t·sqrt(v̂), so rounding in m is amplified at most t-fold by the division — the comparison
// is well conditioned. Without it (say β1 = 0.9, β2 = 0 and a zero grad) m̂/(0 + eps) magnifies 1-ulp differences
// in m by up to 1/eps, and two correct implementations legitimately disagree. Likewise β1 is 0 or ≥ 1e-3: torch
// (and so hopgrad) updates m as lerp(m, g, 1 − β1), and for 0 < β1 < 2^-53 the weight 1 − β1 rounds to 1, dropping
// the β1·m term that the reference keeps.
const adamHyper: fc.Arbitrary<AdamOptions> = fc.record({
  lr: num(0, 1), b1: maybeZero(num(1e-3, 0.99)), b2frac: num(0, 1), eps: num(1e-8, 1e-2),
  weightDecay: maybeZero(num(0, 0.1)), amsgrad: fc.boolean(), maximize: fc.boolean(),
}).map(({ b1, b2frac, ...h }) => ({ ...h, betas: [b1, Math.min(0.9999, b1 * b1 + b2frac * (0.9999 - b1 * b1))] as const }));

/** A run: params (1–3 tensors of 1–4 elements) split over 1–2 groups, then 1–6 steps of grads (null at random). */
interface Scenario<H> { init: number[][]; split: number; hyper: [H, H]; grads: (number[] | null)[][] }
function scenario<H>(hyper: fc.Arbitrary<H>): fc.Arbitrary<Scenario<H>> {
  return fc.array(fc.array(num(-10, 10), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }).chain((init) => fc.record({
    init: fc.constant(init),
    split: fc.integer({ min: 1, max: init.length }),
    hyper: fc.tuple(hyper, hyper),
    grads: fc.array(fc.tuple(...init.map((p) => fc.option(fc.array(num(-10, 10), { minLength: p.length, maxLength: p.length }), { freq: 4 }))),
      { minLength: 1, maxLength: 6 }),
  }));
}

const f64 = (xs: number[]): Tensor => new Tensor(Float64Array.from(xs), [xs.length]);

type Group<H> = Partial<H> & { params: Tensor[] };
type Make<H> = (groups: Group<H>[]) => Optimizer<Hyperparams>;
function build<H>(make: Make<H>, s: Scenario<H>, ps: Tensor[]): Optimizer<Hyperparams> {
  const groups: Group<H>[] = [{ ...s.hyper[0], params: ps.slice(0, s.split) }];
  if (s.split < ps.length) groups.push({ ...s.hyper[1], params: ps.slice(s.split) });
  return make(groups);
}

/** Run the optimizer over the scenario's steps; returns the final param values. */
function runOpt<H>(make: Make<H>, s: Scenario<H>): number[][] {
  const ps = s.init.map(f64);
  const opt = build(make, s, ps);
  for (const step of s.grads) {
    setGrads(ps, step);
    opt.step();
  }
  return ps.map((p) => Array.from(p.contiguousData()));
}

/** Plain reference: per parameter, per element, the formulas as published (torch docs / Kingma & Ba / Loshchilov & Hutter). */
function runRef<H>(s: Scenario<H>, update: (p: number, g: number, st: Record<string, number>, h: H) => number): number[][] {
  const ps = s.init.map((p) => [...p]);
  const states = ps.map((p) => p.map(() => ({} as Record<string, number>)));
  for (const step of s.grads) {
    ps.forEach((p, j) => {
      const g = step[j];
      if (!g) return;
      const h = s.hyper[j < s.split ? 0 : 1];
      for (let i = 0; i < p.length; i++) p[i] = update(p[i]!, g[i]!, states[j]![i]!, h);
    });
  }
  return ps;
}

function sgdRef(p: number, grad: number, st: Record<string, number>, h: SGDOptions): number {
  let g = (h.maximize ? -grad : grad) + h.weightDecay * p;
  if (h.momentum !== 0) {
    st.buf = st.buf === undefined ? g : h.momentum * st.buf + (1 - h.dampening) * g;
    g = h.nesterov ? g + h.momentum * st.buf : st.buf;
  }
  return p - h.lr * g;
}

function adamRef(decoupled: boolean) {
  return (p: number, grad: number, st: Record<string, number>, h: AdamOptions): number => {
    const [b1, b2] = h.betas;
    const t = (st.t = (st.t ?? 0) + 1);
    let g = h.maximize ? -grad : grad;
    if (decoupled) p = p * (1 - h.lr * h.weightDecay);
    else g = g + h.weightDecay * p;
    st.m = b1 * (st.m ?? 0) + (1 - b1) * g;
    st.v = b2 * (st.v ?? 0) + (1 - b2) * g * g;
    st.vmax = Math.max(st.vmax ?? 0, st.v);
    const mHat = st.m / (1 - b1 ** t);
    const vHat = (h.amsgrad ? st.vmax : st.v) / (1 - b2 ** t);
    return p - (h.lr * mHat) / (Math.sqrt(vHat) + h.eps);
  };
}

/** Agreement to 1e-12 relative to the parameters' scale (max(1, |expected|)). */
function expectClose(actual: number[][], expected: number[][]): void {
  actual.forEach((a, j) => a.forEach((x, i) => {
    const y = expected[j]![i]!;
    if (!(Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(y)))) throw new Error(`param ${j}[${i}]: ${x} vs reference ${y}`);
  }));
}

type Ref<H> = (p: number, g: number, st: Record<string, number>, h: H) => number;
interface Case<H> { name: string; hyper: fc.Arbitrary<H>; make: Make<H>; ref: Ref<H> }
const setGrads = (ps: Tensor[], step: (number[] | null)[]): void => ps.forEach((p, j) => {
  const g = step[j];
  p.grad = g ? f64(g) : null;
});

function optimizerProperties<H>(c: Case<H>): void {
  it(`${c.name}: N steps on random params, grads and per-group hyperparameters equal the reference`, () => {
    fc.assert(fc.property(scenario(c.hyper), (s) => {
      expectClose(runOpt(c.make, s), runRef(s, c.ref));
    }), FC);
  });
  it(`${c.name}: saving after step k and continuing in a fresh optimizer is bit-identical to not saving`, () => {
    fc.assert(fc.property(scenario(c.hyper), fc.nat(), (s, kRaw) => {
      const k = kRaw % (s.grads.length + 1);
      const a = s.init.map(f64);
      const optA = build(c.make, s, a);
      s.grads.slice(0, k).forEach((step) => { setGrads(a, step); optA.step(); });
      const sd = optA.stateDict();
      const b = a.map((p) => f64(Array.from(p.contiguousData())));
      const optB = build(c.make, s, b);
      optB.loadStateDict({ tensors: sd.tensors, meta: JSON.parse(JSON.stringify(sd.meta)) });
      s.grads.slice(k).forEach((step) => { setGrads(a, step); optA.step(); setGrads(b, step); optB.step(); });
      expect(b.map((p) => Array.from(p.contiguousData()))).toEqual(a.map((p) => Array.from(p.contiguousData())));
    }), FC);
  });
}

describe('SGD', () => optimizerProperties<SGDOptions>({ name: 'SGD', hyper: sgdHyper, make: (g) => new SGD(g), ref: sgdRef }));
describe('Adam', () => optimizerProperties<AdamOptions>({ name: 'Adam', hyper: adamHyper, make: (g) => new Adam(g), ref: adamRef(false) }));
describe('AdamW', () => optimizerProperties<AdamOptions>({ name: 'AdamW', hyper: adamHyper, make: (g) => new AdamW(g), ref: adamRef(true) }));

/** Throw (failing the property) unless `cond`; cheaper than expect() inside long loops. */
function ensure(cond: boolean, msg: () => string): void {
  if (!cond) throw new Error(msg());
}

describe('schedule properties', () => {
  const cosineArb = fc.record({
    baseLr: fc.oneof(fc.constant(0), num(1e-10, 10)), frac: num(0, 1), tMax: fc.integer({ min: 1, max: 1000 }), warmupSteps: fc.integer({ min: 0, max: 100 }),
  }).map(({ baseLr, frac, tMax, warmupSteps }) => ({ baseLr, etaMin: baseLr * frac, tMax, warmupSteps }));
  it('cosine: endpoints exact, non-decreasing warmup, non-increasing cosine, values in [etaMin, baseLr], torch closed form', () => {
    fc.assert(fc.property(cosineArb, (o) => {
      const s = cosineAnnealing(o);
      const W = o.warmupSteps;
      expect(s(0)).toBe(W === 0 ? o.baseLr : 0);
      expect(s(W)).toBe(o.baseLr);
      expect(s(W + o.tMax)).toBe(o.etaMin);
      for (let t = 1; t <= W; t++) ensure(s(t) >= s(t - 1), () => `warmup decreases at t=${t}`);
      for (let t = W + 1; t <= W + o.tMax + 2; t++) {
        const lr = s(t);
        ensure(lr <= s(t - 1), () => `cosine increases at t=${t}: ${s(t - 1)} -> ${lr}`);
        ensure(lr >= o.etaMin && lr <= o.baseLr, () => `lr ${lr} at t=${t} outside [etaMin, baseLr]`);
        const u = t - W;
        const torch = u <= o.tMax ? o.etaMin + ((o.baseLr - o.etaMin) * (1 + Math.cos((Math.PI * u) / o.tMax))) / 2 : o.etaMin;
        ensure(Math.abs(lr - torch) <= 1e-12 * o.baseLr, () => `t=${t}: ${lr} vs torch closed form ${torch}`);
      }
    }), FC);
  });
  it('linear warmup is non-decreasing up to baseLr and flat after', () => {
    fc.assert(fc.property(num(0, 10), fc.integer({ min: 1, max: 200 }), (baseLr, W) => {
      const s = linearWarmup({ baseLr, warmupSteps: W });
      expect(s(0)).toBe(0);
      for (let t = 1; t <= W + 3; t++) ensure(s(t) >= s(t - 1) && s(t) <= baseLr, () => `t=${t}: ${s(t - 1)} -> ${s(t)}`);
      expect(s(W)).toBe(baseLr);
    }), FC);
  });
  it('step and exponential decay with gamma ≤ 1 are non-increasing and start at baseLr', () => {
    fc.assert(fc.property(num(0, 10), num(0, 1), fc.integer({ min: 1, max: 20 }), (baseLr, gamma, stepSize) => {
      for (const s of [stepLr({ baseLr, stepSize, gamma }), exponentialLr({ baseLr, gamma })]) {
        expect(s(0)).toBe(baseLr);
        for (let t = 1; t < 60; t++) ensure(s(t) <= s(t - 1), () => `increases at t=${t}`);
      }
    }), FC);
  });
});

describe('clipGradNorm properties', () => {
  it('returns the 2-norm of all grads and scales them into the maxNorm ball, preserving direction', () => {
    const grads = fc.array(fc.array(num(-100, 100), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 3 });
    fc.assert(fc.property(grads, num(0, 50), (gs, maxNorm) => {
      const ps = gs.map((g) => { const p = f64(g.map(() => 0)); p.grad = f64(g); return p; });
      const ref = Math.sqrt(gs.flat().reduce((acc, x) => acc + x * x, 0));
      const total = clipGradNorm(ps, maxNorm);
      expect(Math.abs(total - ref)).toBeLessThanOrEqual(1e-12 * ref);
      const coef = Math.min(1, maxNorm / (ref + 1e-6));
      const after = ps.map((p) => Array.from(p.grad!.contiguousData()));
      after.forEach((a, j) => a.forEach((x, i) => expect(Math.abs(x - gs[j]![i]! * coef)).toBeLessThanOrEqual(1e-12 * Math.abs(gs[j]![i]!))));
      const norm = Math.sqrt(after.flat().reduce((acc, x) => acc + x * x, 0));
      expect(norm).toBeLessThanOrEqual(Math.max(maxNorm, ref) * (1 + 1e-12));
    }), FC);
  });
});
