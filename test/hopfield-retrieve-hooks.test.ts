// Tests of the retrieval-core hooks the layers use (src/hopfield/retrieve.ts, association.ts, feature-maps.ts,
// hopfield-core.ts): dropout on the association weights (seeded, rescaled by 1/(1 − p), applied to the kept
// weights only so window / random build no L×M tensor, and used by hopfieldCore), key padding masks for the
// kernel kinds (equal to dropping the padded memories), and tensor β for linear / prf (equal to separate calls).
import { describe, it, expect } from 'vitest';
import { Generator, HopgradError, Tensor, gradcheck, randn, tensor } from '../src/index.js';
import { type RetrieveOptions, retrieve, retrieveDetailed } from '../src/hopfield/retrieve.js';
import { linearAssociation, prfAssociation } from '../src/hopfield/feature-maps.js';
import { hopfieldCore } from '../src/hopfield/hopfield-core.js';
import { expectAllclose } from './helpers/allclose.js';
import { expectHalfDropout, graphTensors } from './helpers/graph.js';

const rn = (shape: number[], seed: number, scale = 1): Tensor => {
  const t = randn(shape, { dtype: 'float64', generator: new Generator(seed) });
  const d = t._storage as Float64Array;
  for (let i = 0; i < d.length; i++) d[i]! *= scale;
  return t;
};
/** The m × m identity as values: the output of a step is then its (dropped) weight matrix. */
const eye = (m: number): Tensor => new Tensor(Float64Array.from({ length: m * m }, (_, i) => (i % (m + 1) === 0 ? 1 : 0)), [m, m]);
const kindOpts: Record<string, RetrieveOptions> = {
  dense: {}, sparsemax: { kind: 'sparsemax', beta: 0.5 }, entmax: { kind: 'entmax', beta: 1 }, topk: { kind: 'topk', k: 5 },
  random: { kind: 'random', k: 5, seed: 2 }, window: { kind: 'window', window: 3 },
};

describe('weightDropout: dropout on the association weights inside the step', () => {
  const [l, m] = [24, 20];
  const q = rn([l, 3], 1);
  const s = rn([m, 3], 2);
  for (const [name, o] of Object.entries(kindOpts)) {
    it(`${name}: each weight is 0 or w/(1 − p), seeded, about a fraction p dropped`, () => {
      const p = 0.4;
      const drop = (seed: number): Tensor => retrieve(q, s, { ...o, values: eye(m), weightDropout: { p, generator: new Generator(seed) } });
      const w = retrieveDetailed(q, s, { ...o, values: eye(m), returnWeights: true }).weights!.contiguousData();
      const z = drop(7).contiguousData();
      let kept = 0;
      let dropped = 0;
      for (let i = 0; i < w.length; i++) {
        if (z[i] === 0) { if (w[i]! > 0) dropped++; } else {
          expect(Math.abs(z[i]! - w[i]! / (1 - p))).toBeLessThan(1e-12);
          kept++;
        }
      }
      const frac = dropped / (kept + dropped);
      expect(kept + dropped).toBeGreaterThan(60);
      expect(frac).toBeGreaterThan(0.2);
      expect(frac).toBeLessThan(0.6);
      expect(Array.from(drop(7).contiguousData())).toEqual(Array.from(z)); // same seed, same masks
      expect(Array.from(drop(8).contiguousData())).not.toEqual(Array.from(z));
    });
  }

  it('p = 0 is the plain step (no draws); p = 1 retrieves zeros; retrieveDetailed returns the weights before dropout', () => {
    for (const o of Object.values(kindOpts)) {
      const g = new Generator(3);
      expectAllclose(retrieve(q, s, { ...o, weightDropout: { p: 0, generator: g } }), retrieve(q, s, o), { rtol: 0, atol: 0 });
      expect(g.uniform()).toBe(new Generator(3).uniform());
      expect(Array.from(retrieve(q, s, { ...o, weightDropout: { p: 1 } }).contiguousData()).every((x) => x === 0)).toBe(true);
      const r = retrieveDetailed(q, s, { ...o, returnWeights: true, weightDropout: { p: 0.5, generator: new Generator(1) } });
      expectAllclose(r.weights!, retrieveDetailed(q, s, { ...o, returnWeights: true }).weights!, { rtol: 0, atol: 0 });
    }
  });

  it('every step of a multi-step retrieval draws fresh masks from the generator', () => {
    const g = new Generator(4);
    const two = retrieve(q, s, { steps: 2, weightDropout: { p: 0.3, generator: g } });
    const g2 = new Generator(4);
    const x1 = retrieve(q, s, { weightDropout: { p: 0.3, generator: g2 } });
    expectAllclose(two, retrieve(x1, s, { weightDropout: { p: 0.3, generator: g2 } }), { rtol: 1e-13, atol: 1e-15 });
  });

  it('float64 gradients through the dropped weights (fixed masks) for every droppable kind', () => {
    const qq = rn([2, 4, 3], 11);
    const ss = rn([2, 6, 3], 12);
    for (const o of Object.values(kindOpts)) {
      const f = (a: Tensor, b: Tensor): Tensor => retrieve(a, b, { ...o, k: o.k === undefined ? undefined : 3, window: o.window === undefined ? undefined : 1, weightDropout: { p: 0.3, generator: new Generator(9) } });
      expect(gradcheck(f, [qq, ss]).ok, o.kind ?? 'dense').toBe(true);
    }
  });

  it('window and random drop only their kept weights: no L×M tensor in the graph (forward and backward)', () => {
    const [ll, mm, d] = [96, 80, 2];
    const qq = rn([ll, d], 51).requiresGrad_();
    const ss = rn([mm, d], 52).requiresGrad_();
    for (const [o, width] of [[{ kind: 'window', window: 2 }, 5], [{ kind: 'random', k: 3, seed: 1 }, 3]] as const) {
      const out = retrieve(qq, ss, { ...o, weightDropout: { p: 0.5, generator: new Generator(1) } });
      const g = graphTensors(out);
      expect(g.some((t) => t._node?.op === 'mul' && t.shape.join() === `${ll},${width}`)).toBe(true); // the dropped weights
      expect(Math.max(...g.map((t) => t.size))).toBeLessThanOrEqual(ll * width * d);
      out.sum().backward();
      expect(qq.grad!.shape).toEqual([ll, d]);
      qq.zeroGrad();
      ss.zeroGrad();
    }
  });

  it('linear and prf refuse weight dropout (p > 0) with a clear error, accept p = 0', () => {
    for (const kind of ['linear', 'prf'] as const) {
      const f = () => retrieve(q, s, { kind, weightDropout: { p: 0.2 } });
      expect(f).toThrow(HopgradError);
      expect(f).toThrow(new RegExp(`retrieve: weightDropout is not defined for kind '${kind}': .* L×M weight matrix`));
      expectAllclose(retrieve(q, s, { kind, weightDropout: { p: 0 } }), retrieve(q, s, { kind }), { rtol: 0, atol: 0 });
    }
    expect(() => retrieve(q, s, { weightDropout: { p: 0.2, generator: {} as Generator } })).toThrow(/weightDropout\.generator must be a Generator/);
    expect(() => retrieve(q, s, { weightDropout: null as unknown as { p: number } })).toThrow(/weightDropout must be an object/);
  });
});

describe('hopfieldCore dropout goes through weightDropout', () => {
  it('window: a training step with dropout builds no L×M tensor; dense: same result as dropping the dense weights', () => {
    const [l, d] = [96, 4];
    const y = rn([l, d], 5).requiresGrad_();
    const out = hopfieldCore(y, y, y, {}, { kind: 'window', window: 2, dropout: 0.5, training: true, generator: new Generator(2) }).output;
    expect(Math.max(...graphTensors(out).map((t) => t.size))).toBeLessThan(l * l);
    out.sum().backward();
    expect(y.grad!.shape).toEqual([l, d]);
    const r = rn([2, 5, 4], 6);
    const core = hopfieldCore(r, r, r, {}, { numHeads: 2, dropout: 0.5, training: true, generator: new Generator(3), returnAssociation: true });
    const heads = r.reshape([2, 5, 2, 2]).transpose(1, 2);
    const w = core.association!;
    const mask = new Generator(3);
    const md = Float64Array.from({ length: w.size }, () => (mask.uniform() >= 0.5 ? 2 : 0));
    const want = w.mul(new Tensor(md, [...w.shape])).matmul(heads).transpose(1, 2).reshape([2, 5, 4]);
    expectAllclose(core.output, want, { rtol: 1e-12, atol: 1e-14 });
  });

  it('linear / prf keep the dense fallback: zeros or w/(1 − p) on the identity values', () => {
    const y = rn([1, 6, 3], 1);
    for (const kind of ['linear', 'prf'] as const) {
      const res = hopfieldCore(y, y, eye(6).reshape([1, 6, 6]), {}, { kind, dropout: 0.5, training: true, generator: new Generator(1), returnAssociation: true });
      const w = res.association!.contiguousData();
      const z = res.output.contiguousData();
      expectHalfDropout(z, w, 36);
    }
  });
});

describe('key padding mask for linear and prf', () => {
  const q = rn([2, 5, 3], 61);
  const s = rn([2, 6, 3], 62);
  const v = rn([2, 6, 2], 63);
  const mask = tensor([[0, 0, 1, 0, 1, 0], [1, 0, 0, 0, 0, 0]], { dtype: 'int32' });
  const keep = [[0, 1, 3, 5], [1, 2, 3, 4, 5]];
  const kinds: RetrieveOptions[] = [{ kind: 'linear' }, { kind: 'linear', beta: 0.3 }, { kind: 'prf', features: 16, seed: 2 }, { kind: 'prf', beta: 2, features: 9, seed: 5 }];
  for (const o of kinds) {
    it(`${o.kind} β=${o.beta ?? 'default'}: masked equals dropping the padded memories; padded weights 0; gradients`, () => {
      const r = retrieveDetailed(q, s, { ...o, values: v, mask, returnWeights: true });
      for (let b = 0; b < 2; b++) {
        const idx = new Tensor(Int32Array.from(keep[b]!), [keep[b]!.length]);
        const want = retrieve(q.select(0, b), s.select(0, b).indexSelect(0, idx), { ...o, values: v.select(0, b).indexSelect(0, idx) });
        expectAllclose(r.output.select(0, b), want, { rtol: 1e-12, atol: 1e-14 });
        const w = r.weights!.select(0, b).toArray() as number[][];
        for (const row of w) {
          row.forEach((p, j) => (keep[b]!.includes(j) ? expect(p).toBeGreaterThan(0) : expect(p).toBe(0)));
          expect(Math.abs(row.reduce((a, c) => a + c, 0) - 1)).toBeLessThan(1e-12);
        }
      }
      expect(gradcheck((a, b, c) => retrieve(a!, b!, { ...o, values: c!, mask }), [q, s, v]).ok).toBe(true);
    });
  }

  it('the functional associations take the mask too; a shared [M] mask; all-padded entries retrieve zeros with zero gradients', () => {
    const shared = tensor([0, 1, 0, 0, 0, 1]);
    const idx = new Tensor(Int32Array.of(0, 2, 3, 4), [4]);
    expectAllclose(linearAssociation(q, s, v, { beta: 0.5, mask: shared }), linearAssociation(q, s.indexSelect(1, idx), v.indexSelect(1, idx), { beta: 0.5 }), { rtol: 1e-12, atol: 1e-14 });
    expectAllclose(prfAssociation(q, s, v, { beta: 0.5, mask: shared, features: 8 }), prfAssociation(q, s.indexSelect(1, idx), v.indexSelect(1, idx), { beta: 0.5, features: 8 }), { rtol: 1e-12, atol: 1e-14 });
    const partly = tensor([[1, 1, 1, 1, 1, 1], [0, 1, 0, 0, 0, 0]]);
    for (const kind of ['linear', 'prf'] as const) {
      const [qq, ss] = [q.detach().requiresGrad_(), s.detach().requiresGrad_()];
      const out = retrieve(qq, ss, { kind, mask: partly });
      expect(Array.from(out.select(0, 0).dataSync()).every((x) => x === 0)).toBe(true);
      expect(Array.from(out.select(0, 1).dataSync()).some((x) => x !== 0)).toBe(true);
      out.sum().backward();
      const gq = qq.grad!.select(0, 0).dataSync();
      expect(Array.from(gq).every((x) => x === 0)).toBe(true);
      expect(Array.from(ss.grad!.dataSync()).every((x) => Number.isFinite(x))).toBe(true);
      expect(Array.from(ss.grad!.select(0, 0).dataSync()).every((x) => x === 0)).toBe(true);
    }
  });

  it('prf: the key shift ignores padded keys (large unpadded keys would underflow against a small padded one)', () => {
    // unpadded keys of norm 40 have log-features near −β·40²/2 = −800, a padded key of norm 0.1 near 0: shifting
    // by a max that included the padded key would underflow every unpadded feature (exp(−800) = 0 in float64)
    const d = Float64Array.from(s.contiguousData());
    for (let r = 0; r < 12; r++) {
      const n = Math.hypot(d[3 * r]!, d[3 * r + 1]!, d[3 * r + 2]!);
      const target = r === 2 || r === 4 ? 0.1 : 40;
      for (let c = 0; c < 3; c++) d[3 * r + c]! *= target / n;
    }
    const far = new Tensor(d, [2, 6, 3]);
    const o = { kind: 'prf', beta: 1, features: 16, seed: 2 } as const;
    const out = retrieve(q, far, { ...o, values: v, mask });
    const idx = new Tensor(Int32Array.from(keep[0]!), [4]);
    const want = retrieve(q.select(0, 0), far.select(0, 0).indexSelect(0, idx), { ...o, values: v.select(0, 0).indexSelect(0, idx) });
    expectAllclose(out.select(0, 0), want, { rtol: 1e-10, atol: 1e-12 });
  });

  it('masked linear / prf stay linear in L + M (graph walk)', () => {
    const [l, m, d] = [96, 80, 2];
    const qq = rn([l, d], 71);
    const ss = rn([m, d], 72);
    const pad = new Tensor(Float64Array.from({ length: m }, (_, j) => (j % 7 === 0 ? 1 : 0)), [m]);
    for (const [o, width] of [[{ kind: 'linear' }, 2], [{ kind: 'prf', features: 4 }, 4]] as const) {
      const sizes = graphTensors(retrieve(qq, ss, { ...o, mask: pad })).map((t) => t.size);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(l * width * d);
    }
  });
});

describe('tensor β for linear and prf', () => {
  const q = rn([3, 4, 3], 81);
  const s = rn([3, 5, 3], 82);
  const betas = [0.3, 1, 1.7];
  const beta = tensor(betas, { dtype: 'float64' }).reshape([3, 1, 1]);
  for (const o of [{ kind: 'linear' }, { kind: 'prf', features: 12, seed: 3 }] as const) {
    it(`${o.kind}: one β per batch row equals separate calls; per-head β over shared memories; scalar tensor = number`, () => {
      const out = retrieve(q, s, { ...o, beta });
      for (let b = 0; b < 3; b++) {
        expectAllclose(out.select(0, b), retrieve(q.select(0, b), s.select(0, b), { ...o, beta: betas[b]! }), { rtol: 1e-12, atol: 1e-14 });
      }
      // heads: queries [H, L, d] against one memory set [M, d], β [H, 1, 1]
      const heads = retrieve(q, s.select(0, 0), { ...o, beta });
      for (let h = 0; h < 3; h++) {
        expectAllclose(heads.select(0, h), retrieve(q.select(0, h), s.select(0, 0), { ...o, beta: betas[h]! }), { rtol: 1e-12, atol: 1e-14 });
      }
      expectAllclose(retrieve(q, s, { ...o, beta: tensor(0.7, { dtype: 'float64' }) }), retrieve(q, s, { ...o, beta: 0.7 }), { rtol: 1e-13, atol: 1e-15 });
      expect(gradcheck((b, x, y) => retrieve(x!, y!, { ...o, beta: b! }), [beta, q, s]).ok).toBe(true);
      expect(gradcheck((b) => retrieve(q, s, { ...o, beta: b!, mask: tensor([0, 0, 1, 0, 0]) }), [beta]).ok).toBe(true);
    });
  }

  it('a β per query row is refused with the reason, by retrieve and by the functional associations', () => {
    const rowBeta = tensor([[1], [2], [3], [4]], { dtype: 'float64' });
    expect(() => retrieve(q, s, { kind: 'linear', beta: rowBeta })).toThrow(/kind 'linear' takes beta per batch element or head .*got shape \[4,1\].*O\(L·M\)/);
    expect(() => linearAssociation(q, s, s, { beta: rowBeta })).toThrow(/linearAssociation: beta tensor of shape \[4,1\] must broadcast to \[\.\.\., 1, 1\]/);
    expect(() => prfAssociation(q, s, s, { beta: tensor([[[-1]]]) })).toThrow(/prfAssociation: beta must be finite and > 0, got -1/);
    expect(() => prfAssociation(q, s, s, { beta: tensor([1, 2], { dtype: 'float64' }).reshape([2, 1, 1]) })).toThrow(/batch dimensions of beta \[2,1,1\]/);
    expect(() => linearAssociation(q, s, s, { beta: 1, mask: tensor([0, 1]) })).toThrow(/linearAssociation: mask of shape \[2\] must be a Tensor broadcastable to \[\.\.\., M\] with M = 5/);
  });
});
