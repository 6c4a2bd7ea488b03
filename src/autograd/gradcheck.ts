// gradcheck: the tape's gradients against central finite differences, in float64.
import { Tensor } from '../tensor/tensor.js';
import { HopgradError, check } from '../tensor/errors.js';
import { kernels } from '../tensor/backend/index.js';
import { enableGrad, noGrad } from './engine.js';
import { backward } from './tape.js';

/** Options of gradcheck. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-6). */
  atol?: number;
  /** Relative tolerance (default 1e-4). */
  rtol?: number;
  /** Throw on the first mismatch (default true); otherwise return the report. */
  raiseException?: boolean;
}

/** What gradcheck found. */
export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic − numeric| over all checked entries. */
  maxAbsError: number;
  /** The first mismatch, when there is one. */
  mismatch?: { input: number; index: number; analytic: number; numeric: number };
}

function toF64(t: Tensor): Tensor {
  return new Tensor(kernels().cast(t.contiguousData(), 'float64'), t.shape);
}

/**
 * Check the gradients of `f` at `inputs` (every float input is perturbed; all are converted to float64)
 * against central differences of the scalar sum(f(...) · r) for a fixed random projection r, which checks
 * the full vector–Jacobian product of non-scalar outputs as well.
 */
export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-4;
  check(inputs.length > 0 && inputs.every((t) => t instanceof Tensor), 'gradcheck', 'inputs must be a non-empty list of Tensors');
  const xs = inputs.map((t) => (t.dtype === 'int32' ? t : toF64(t).requiresGrad_()));
  const out0 = noGrad(() => f(...xs));
  check(out0 instanceof Tensor, 'gradcheck', 'f must return a Tensor');
  // a fixed projection so non-scalar outputs are checked through a vector–Jacobian product
  const r = new Float64Array(out0.size);
  for (let i = 0; i < r.length; i++) r[i] = 0.5 + ((i * 7919) % 13) / 13;
  const project = (o: Tensor): number => {
    const d = o.contiguousData();
    let s = 0;
    for (let i = 0; i < d.length; i++) s += d[i]! * r[i]!;
    return s;
  };
  const out = enableGrad(() => f(...xs));
  if (out.requiresGrad) backward(out, new Tensor(r.slice(), out.shape));
  let maxAbs = 0;
  for (let k = 0; k < xs.length; k++) {
    const x = xs[k]!;
    if (x.dtype === 'int32') continue;
    const data = x._storage as Float64Array;
    const g = x.grad ? x.grad.contiguousData() : new Float64Array(x.size);
    for (let i = 0; i < x.size; i++) {
      const orig = data[i]!;
      data[i] = orig + eps;
      const fp = project(noGrad(() => f(...xs)));
      data[i] = orig - eps;
      const fm = project(noGrad(() => f(...xs)));
      data[i] = orig;
      const numeric = (fp - fm) / (2 * eps);
      const analytic = g[i]!;
      const err = Math.abs(analytic - numeric);
      if (!(err <= maxAbs)) maxAbs = err;
      if (!(err <= atol + rtol * Math.abs(numeric))) {
        const mismatch = { input: k, index: i, analytic, numeric };
        if (opts.raiseException ?? true) {
          throw new HopgradError(`gradcheck: input ${k}, flat index ${i}: analytic gradient ${analytic} vs numeric ${numeric} (|Δ| = ${err})`);
        }
        return { ok: false, maxAbsError: maxAbs, mismatch };
      }
    }
  }
  return { ok: true, maxAbsError: maxAbs };
}
