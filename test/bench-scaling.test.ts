// Workload S (bench/scaling.ts): the computation of every retrieval kind at tiny L (shapes, finiteness, dense
// against a direct float64 evaluation, the W2 check value at L = 256), the log-log slope fit on synthetic power
// laws, the case plan (quadratic size cap, memory cap, reduced calls), a tiny end-to-end run and its markdown.
import { describe, expect, it } from 'vitest';
import { normal } from '../bench/data.js';
import { checkMatches } from '../bench/reference.js';
import {
  SCALING_BETA, SCALING_D, SCALING_KINDS, type ScalingOptions, fitLogLog, fits, planCase, runScaling, scalingCall, scalingSpec,
} from '../bench/scaling.js';
import { scalingMarkdown } from '../bench/scaling-report.js';
import { meanAbs } from '../bench/workloads.js';

/** softmax(β X Ξᵀ) Ξ in float64 from the generator's data. */
function denseDirect(l: number): Float64Array {
  const d = SCALING_D;
  const x = normal(201, [l, d]);
  const xi = normal(202, [l, d]);
  const out = new Float64Array(l * d);
  const s = new Float64Array(l);
  for (let i = 0; i < l; i++) {
    let mx = -Infinity;
    for (let j = 0; j < l; j++) {
      let a = 0;
      for (let c = 0; c < d; c++) a += x[i * d + c]! * xi[j * d + c]!;
      s[j] = SCALING_BETA * a;
      mx = Math.max(mx, s[j]!);
    }
    let z = 0;
    for (let j = 0; j < l; j++) z += (s[j] = Math.exp(s[j]! - mx));
    for (let j = 0; j < l; j++) for (let c = 0; c < d; c++) out[i * d + c]! += (s[j]! / z) * xi[j * d + c]!;
  }
  return out;
}

const base: ScalingOptions = {
  sizes: [1024, 2048, 4096, 8192, 16384], kinds: SCALING_KINDS.map((k) => k.kind), maxQuadratic: 8192,
  memCapBytes: 4 * 2 ** 30, reducedCalls: null, contention: false, memory: false,
};

describe('workload S: the computation', () => {
  for (const spec of SCALING_KINDS) {
    it(`${spec.kind}: one step at L = M = 96 gives a finite [96, 64] float32 output, the same on every call`, () => {
      const call = scalingCall(spec.kind, 96);
      const a = call();
      expect(a).toBeInstanceOf(Float32Array);
      expect(a.length).toBe(96 * SCALING_D);
      expect(Array.from(a).every(Number.isFinite)).toBe(true);
      expect(Array.from(call())).toEqual(Array.from(a)); // random / prf: seeded, so every call computes the same thing
    });
  }

  it('dense equals softmax(β X Ξᵀ) Ξ evaluated directly; the L = 256 check value is W2\'s', () => {
    const got = scalingCall('dense', 40)();
    const want = denseDirect(40);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5);
    expect(checkMatches(meanAbs(scalingCall('dense', 256)()), 0.1223)).toBe(true);
  });

  it('the kinds have the documented fixed parameters', () => {
    expect(scalingSpec('topk').params(1024)).toEqual({ k: 204 });
    expect(scalingSpec('topk').params(4096)).toEqual({ k: 819 });
    expect(scalingSpec('window').params(4096)).toEqual({ window: 32 });
    expect(scalingSpec('random').params(4096)).toEqual({ k: 64, seed: 0 });
    expect(scalingSpec('prf').params(4096)).toEqual({ features: 256, seed: 0 });
    expect(scalingSpec('entmax').params(4096)).toEqual({ alpha: 1.5 });
    expect(SCALING_KINDS.filter((k) => k.quadratic).map((k) => k.kind)).toEqual(['dense', 'sparsemax', 'entmax', 'topk']);
    expect(() => scalingSpec('bogus')).toThrow(/unknown scaling kind bogus/);
  });
});

describe('workload S: the log-log slope', () => {
  it('recovers the exponent and prefactor of a power law exactly (r² = 1)', () => {
    for (const [c, e] of [[3, 1.7], [0.02, 2], [50, 1], [7, 0.5]] as const) {
      const f = fitLogLog([1024, 2048, 4096, 8192, 16384].map((x) => ({ x, y: c * x ** e })));
      expect(f.slope).toBeCloseTo(e, 10);
      expect(Math.exp(f.intercept)).toBeCloseTo(c, 8);
      expect(f.r2).toBeCloseTo(1, 12);
    }
  });

  it('is the least-squares slope under noise, ignores non-positive points, NaN below two points', () => {
    const pts = [{ x: 1, y: Math.E ** 1 }, { x: Math.E, y: Math.E ** 2.2 }, { x: Math.E ** 2, y: Math.E ** 2.8 }];
    // ln y = 1, 2.2, 2.8 at ln x = 0, 1, 2: slope (0·… ) = Σ(lx − 1)(ly − 2) / Σ(lx − 1)² = (1 + 0.8) / 2 = 0.9
    expect(fitLogLog(pts).slope).toBeCloseTo(0.9, 12);
    expect(fitLogLog(pts).r2).toBeLessThan(1);
    expect(fitLogLog([...pts, { x: 5, y: 0 }, { x: -1, y: 3 }]).slope).toBeCloseTo(0.9, 12);
    expect(fitLogLog([{ x: 2, y: 3 }]).slope).toBeNaN();
    expect(fitLogLog([{ x: 2, y: 3 }, { x: 2, y: 5 }]).slope).toBeNaN();
  });
});

describe('workload S: the case plan', () => {
  const dense = scalingSpec('dense');
  const window = scalingSpec('window');
  it('caps quadratic kinds at --scaling-max-quadratic, not the sub-quadratic ones', () => {
    expect(planCase(dense, 8192, base, [])).toEqual({ run: true, calls: 'rules' });
    const p = planCase(dense, 16384, base, []);
    expect(p.run).toBe(false);
    expect(!p.run && p.reason).toMatch(/quadratic kind above --scaling-max-quadratic 8192 \(L×M float32 scores = 1\.00 GiB per matrix\)/);
    expect(planCase(window, 16384, base, [])).toEqual({ run: true, calls: 'rules' });
  });
  it('skips a case whose extrapolated peak memory exceeds the cap (×4 per doubling when quadratic, ×2 otherwise)', () => {
    const gib = 2 ** 30;
    const p = planCase(dense, 8192, base, [{ l: 2048, peak: 0.1 * gib }, { l: 4096, peak: 1.1 * gib }]);
    expect(!p.run && p.reason).toMatch(/predicted peak 4\.4 GiB \(from 1\.10 GiB at L=4096\) > --scaling-mem-cap 4\.0 GiB/);
    expect(planCase(window, 16384, base, [{ l: 8192, peak: 1.9 * gib }]).run).toBe(true);
    expect(planCase(window, 16384, base, [{ l: 8192, peak: 2.1 * gib }]).run).toBe(false);
  });
  it('--scaling-calls reduces only the quadratic cases at L ≥ 8192', () => {
    const o = { ...base, reducedCalls: 3, maxQuadratic: 16384 };
    expect(planCase(dense, 16384, o, [])).toEqual({ run: true, calls: 'reduced' });
    expect(planCase(dense, 8192, o, [])).toEqual({ run: true, calls: 'reduced' });
    expect(planCase(dense, 4096, o, [])).toEqual({ run: true, calls: 'rules' });
    expect(planCase(window, 16384, o, [])).toEqual({ run: true, calls: 'rules' });
  });
});

describe('workload S: end to end at tiny sizes', () => {
  it('times the cases (harness rules), checks outputs, fits a slope per kind and renders the tables', async () => {
    const kinds = ['dense', 'window', 'linear'];
    const rep = await runScaling('cpu', { ...base, kinds, sizes: [64, 128], maxQuadratic: 64 });
    expect(rep.cases.length).toBe(6);
    for (const c of rep.cases) {
      if (scalingSpec(c.kind).quadratic && c.l === 128) {
        expect(c.skipped).toMatch(/above --scaling-max-quadratic 64/);
        continue;
      }
      expect(c.error).toBeUndefined();
      expect(c.checkOk).toBe(true);
      expect(c.timing!.count).toBeGreaterThanOrEqual(7);
    }
    const fit = rep.fits.find((f) => f.kind === 'window')!;
    expect(fit.sizes).toEqual([64, 128]);
    expect(Number.isFinite(fit.slope)).toBe(true);
    expect(Number.isFinite(fit.cpuSlope)).toBe(true);
    expect(rep.fits.find((f) => f.kind === 'dense')!.slope).toBeNaN(); // one measured size: no slope
    expect(fits(rep.cases).map((f) => f.kind)).toEqual(kinds);
    const md = scalingMarkdown('cpu', rep);
    expect(md).toMatch(/\| kind \| parameters \| L=64 \| L=128 \| slope \(r²\) \|\n/);
    expect(md).toMatch(/\| kind \| L=64 \| L=128 \| CPU slope \(r²\) \| memory slope \|\n/);
    expect(md).toMatch(/\| linear \| [\d.]+( \*)? \| [\d.]+( \*)? \| -?\d\.\d\d \([\d.]+\) \| n\/a \|/);
    expect(md).toMatch(/\| window \| w = 32 \(W5\) \| [\d.]+( \*)? \| [\d.]+( \*)? \| -?\d\.\d\d \(/);
    expect(md).toMatch(/\| dense \| 128 \| .*skipped: quadratic kind above/);
  });
});
