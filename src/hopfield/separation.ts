// Separation (association) functions of modern Hopfield models as fused ops over the last axis:
// sparsemax and α-entmax (α learnable), with exact backward rules; softmax lives in the fused core ops.
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import { fmt, normAxis } from '../tensor/shape.js';
import { kernels } from '../tensor/backend/index.js';
import { type OpTable, binder } from '../autograd/engine.js';
import { needTensor } from '../autograd/ops/util.js';
import { div, exp, gt, log, maximum, mul, powScalar, sub, where } from '../autograd/ops/elementwise.js';
import { sum } from '../autograd/ops/reduce.js';
import { expand, permute, rawContiguous } from '../autograd/ops/movement.js';

interface SeparationAttrs { sparsemax: undefined; entmax: undefined }

/** Rows × cols view of a tensor whose last axis is the one to normalize. */
function rows(x: Tensor): [number, number] {
  const cols = x.shape[x.ndim - 1] ?? 1;
  return [cols === 0 ? 0 : x.size / cols, cols];
}

const separationOps: OpTable<SeparationAttrs> = {
  sparsemax: {
    forward: ([x]) => {
      const [r, c] = rows(x!);
      return new Tensor(kernels().sparsemax(x!.contiguousData(), r, c), x!.shape);
    },
    // Jacobian-vector product on the support S: dz = 1_S ⊙ (g − mean_S g)
    backward: (dy, { out }) => {
      const s = gt(out, 0);
      const gs = mul(dy, s);
      // max(|S|, 1): an all −∞ row has an empty support and gets a zero gradient, not 0/0
      const meanS = div(sum(gs, -1, { keepDims: true }), maximum(sum(s, -1, { keepDims: true }), 1));
      return [mul(s, sub(dy, meanS))];
    },
  },
  // inputs: x [..., n] and α broadcastable to [..., 1]
  entmax: {
    forward: ([x, alpha]) => {
      const [r, c] = rows(x!);
      const aShape = [...x!.shape.slice(0, -1), 1];
      const a = rawContiguous(expand(alpha!, aShape).detach());
      const av = Float64Array.from(a.contiguousData());
      return new Tensor(kernels().entmax(x!.contiguousData(), r, c, av), x!.shape);
    },
    // with s = p^{2−α} on the support: dz = s ⊙ g − s ⟨s, g⟩/Σs;
    // dα = Σ g ⊙ [(p − p̃)/(α−1)² − (p ln p − p̃ Σ p ln p)/(α−1)], p̃ = s/Σs (Peters et al. 2019)
    backward: (dy, { inputs: [x, alpha], out: p, needs }) => {
      const a = expand(alpha!, [...x!.shape.slice(0, -1), 1]);
      const supp = gt(p, 0);
      const safeP = where(supp, p, 1);
      const s = mul(supp, powScalarT(safeP, sub(2, a)));
      // Σs ≥ Σp = 1 on a non-empty support (p^{2−α} ≥ p); max(Σs, 1) only guards an all −∞ row
      const sSum = maximum(sum(s, -1, { keepDims: true }), 1);
      let dx: Tensor | null = null;
      if (needs[0]) {
        const q = div(sum(mul(dy, s), -1, { keepDims: true }), sSum);
        dx = sub(mul(dy, s), mul(q, s));
      }
      let da: Tensor | null = null;
      if (needs[1]) {
        const plogp = mul(supp, mul(safeP, log(safeP)));
        const ent = sum(plogp, -1, { keepDims: true });
        const pTilde = div(s, sSum);
        const am1 = sub(a, 1);
        const term = sub(div(sub(p, pTilde), mul(am1, am1)), div(sub(plogp, mul(pTilde, ent)), am1));
        da = sum(mul(dy, term), -1, { keepDims: true });
      }
      return [dx, da];
    },
  },
};

/** x ** e for a tensor exponent, on positive x. */
function powScalarT(x: Tensor, e: Tensor): Tensor {
  return e.size === 1 ? powScalar(x, e.item()) : exp(mul(log(x), e));
}

const apply = binder(separationOps);

/** Move `axis` last, apply `f`, move it back. */
function alongAxis(x: Tensor, axis: number, where: string, f: (y: Tensor) => Tensor): Tensor {
  const a = normAxis(axis, x.ndim, where);
  if (a === x.ndim - 1) return f(x);
  const perm = Array.from({ length: x.ndim }, (_, i) => i);
  perm.splice(a, 1);
  perm.push(a);
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => { inv[p] = i; });
  return permute(f(permute(x, perm)), inv);
}

/** Options of the separation functions. */
export interface SeparationOptions {
  /** The axis to normalize over (default −1). */
  axis?: number;
  /** Entries to exclude (true / nonzero = excluded): they get probability 0, broadcast against the input. */
  mask?: Tensor;
}

function applyMask(x: Tensor, mask: Tensor | undefined, where_: string): Tensor {
  if (!mask) return x;
  needTensor(mask, where_, 'mask');
  return where(mask, -Infinity, x);
}

/** Sparsemax: the Euclidean projection of the scores onto the probability simplex (sparse output). */
export function sparsemax(x: Tensor, opts: SeparationOptions = {}): Tensor {
  needTensor(x, 'sparsemax');
  check(x.ndim >= 1, 'sparsemax', () => `needs at least one axis, got shape ${fmt(x.shape)}`);
  check(x.dtype !== 'int32', 'sparsemax', 'needs a float tensor, got int32');
  return alongAxis(applyMask(x, opts.mask, 'sparsemax'), opts.axis ?? -1, 'sparsemax', (y) => apply('sparsemax', [y], undefined));
}

/**
 * α-entmax for 1 < α ≤ 2 (α = 2 is sparsemax; α → 1 approaches softmax). `alpha` is a number or a tensor
 * broadcastable to the input with the normalized axis of size 1 (one α per row or per head), and is
 * differentiable, so α can be learned.
 */
export function entmax(x: Tensor, alpha: number | Tensor = 1.5, opts: SeparationOptions = {}): Tensor {
  needTensor(x, 'entmax');
  check(x.ndim >= 1, 'entmax', () => `needs at least one axis, got shape ${fmt(x.shape)}`);
  check(x.dtype !== 'int32', 'entmax', 'needs a float tensor, got int32');
  let a: Tensor;
  if (typeof alpha === 'number') {
    check(alpha > 1 && alpha <= 2, 'entmax', () => `alpha must be in (1, 2], got ${alpha} (use softmax for alpha = 1)`);
    const s = x.dtype === 'float64' ? new Float64Array([alpha]) : new Float32Array([alpha]);
    a = new Tensor(s, []);
  } else {
    a = needTensor(alpha, 'entmax', 'alpha');
    const d = a.contiguousData();
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      check(v > 1 && v <= 2, 'entmax', () => `alpha must be in (1, 2], got ${v} at flat index ${i}`);
    }
  }
  return alongAxis(applyMask(x, opts.mask, 'entmax'), opts.axis ?? -1, 'entmax', (y) => {
    const rowShape = [...y.shape.slice(0, -1), 1];
    check(a.ndim <= rowShape.length && a.shape.every((d, i) => d === 1 || d === rowShape[rowShape.length - a.ndim + i]), 'entmax',
      () => `alpha of shape ${fmt(a.shape)} does not broadcast to one value per row ${fmt(rowShape)}`);
    return apply('entmax', [y, a], undefined);
  });
}

export { separationOps };
export type { SeparationAttrs };
