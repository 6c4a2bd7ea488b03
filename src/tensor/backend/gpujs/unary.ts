// gpu.js unary elementwise kernels: one kernel per (op, variant), each thread maps one float32 element.
// Ops whose GPU semantics differ from JavaScript's (NaN tests, sin/cos range reduction) are left to the cpu.
import type { DType, TypedArray } from '../../dtype.js';
import type { UnaryOp } from '../backend.js';
import { cpuBackend } from '../cpu/index.js';
import { MAX_INDEX, allIn, f32Call } from './guards.js';
import { noteFallback, runKernel, worthIt } from './runtime.js';

/** A unary op on gpu.js: its kernel body (reads x and uniform p, sets y) and the inputs it accepts. */
interface UnarySpec {
  body: string;
  /** the inputs the body is exact for (finite is always required); absent = every finite value. */
  domain?: (v: number) => boolean;
}

/** log1p(u) into `out`: a Taylor series near 0 (where log(1 + u) loses digits), log(1 + u) elsewhere. */
const log1p = (out: string, u: string): string => `let ${out} = 0;
    if (Math.abs(${u}) < 0.1) {
      ${out} = ${u} * (1 - ${u} * (0.5 - ${u} * (0.3333333333 - ${u} * (0.25 - ${u} * (0.2 - ${u} * (0.1666666667 - ${u} * (0.1428571429 - ${u} * 0.125)))))));
    } else {
      ${out} = Math.log(1 + ${u});
    }`;
/** expm1(u) into `out`: a Taylor series near 0 (where exp(u) − 1 cancels), exp(u) − 1 elsewhere. */
const expm1 = (out: string, u: string): string => `let ${out} = 0;
    if (Math.abs(${u}) < 0.1) {
      ${out} = ${u} * (1 + ${u} * (0.5 + ${u} * (0.1666666667 + ${u} * (0.04166666667 + ${u} * (0.008333333333 + ${u} * (0.001388888889 + ${u} * 0.0001984126984))))));
    } else {
      ${out} = Math.exp(${u}) - 1;
    }`;
/** tanh with its argument clamped to ±10 (tanh(10) rounds to 1 in float32) so GPU tanh cannot overflow to NaN. */
const tanh = (u: string): string => `Math.tanh(Math.min(Math.max(${u}, -10), 10))`;

const EXP_MAX = 88; // exp(88.7) overflows float32

const SPECS: Partial<Record<UnaryOp, UnarySpec>> = {
  neg: { body: 'y = -x;' },
  exp: { body: 'y = Math.exp(x);', domain: (v) => v < EXP_MAX },
  log: { body: 'y = Math.log(x);', domain: (v) => v > 0 },
  sqrt: { body: 'y = Math.sqrt(x);', domain: (v) => v >= 0 },
  rsqrt: { body: 'y = 1 / Math.sqrt(x);', domain: (v) => v > 0 },
  abs: { body: 'y = Math.abs(x);' },
  sign: { body: 'if (x > 0) { y = 1; } else { if (x < 0) { y = -1; } }' },
  square: { body: 'y = x * x;' },
  reciprocal: { body: 'y = 1 / x;', domain: (v) => v !== 0 },
  tanh: { body: `y = ${tanh('x')};` },
  sigmoid: { body: 'if (x >= 0) { y = 1 / (1 + Math.exp(-x)); } else { const e = Math.exp(x); y = e / (1 + e); }' },
  relu: { body: 'if (x > 0) { y = x; }' },
  elu: { body: `if (x > 0) { y = x; } else { ${expm1('em', 'x')} y = p * em; }` },
  gelu: { body: `y = 0.5 * x * (1 + ${tanh('0.7978845608 * (x + 0.044715 * x * x * x)')});` },
  softplus: {
    body: `if (x > 20) { y = x; } else { if (x < -20) { y = Math.exp(x); } else { const e = Math.exp(x); ${log1p('l', 'e')} y = l; } }`,
  },
  leakyRelu: { body: 'if (x > 0) { y = x; } else { y = p * x; }' },
  log1p: { body: `${log1p('l', 'x')} y = l;`, domain: (v) => v > -1 },
  expm1: { body: `${expm1('em', 'x')} y = em;`, domain: (v) => v < EXP_MAX },
  floor: { body: 'y = Math.floor(x);' },
  ceil: { body: 'y = Math.ceil(x);' },
  // JavaScript rounds halves up; floor(x + 0.5) is wrong for 0.49999997 (the sum rounds to 1)
  round: { body: 'const f = Math.floor(x); if (x - f >= 0.5) { y = f + 1; } else { y = f; }' },
};

/** powScalar specialisations by exponent (exact formulas), and the general x > 0 case. */
function powSpec(p: number): { key: string; spec: UnarySpec } {
  switch (p) {
    case 0: return { key: '0', spec: { body: 'y = 1;' } };
    case 1: return { key: '1', spec: { body: 'y = x;' } };
    case 2: return { key: '2', spec: { body: 'y = x * x;' } };
    case 3: return { key: '3', spec: { body: 'y = x * x * x;' } };
    case 0.5: return { key: '0.5', spec: { body: 'y = Math.sqrt(x);', domain: (v) => v >= 0 } };
    case -0.5: return { key: '-0.5', spec: { body: 'y = 1 / Math.sqrt(x);', domain: (v) => v > 0 } };
    case -1: return { key: '-1', spec: { body: 'y = 1 / x;', domain: (v) => v !== 0 } };
    case -2: return { key: '-2', spec: { body: 'y = 1 / (x * x);', domain: (v) => v !== 0 } };
    default: return { key: 'p', spec: { body: 'y = Math.pow(x, p);', domain: (v) => v > 0 } };
  }
}

/** The unary ops the gpujs backend compiles (the others, and out-of-domain inputs, run on the cpu kernel). */
export const GPUJS_UNARY_OPS: readonly UnaryOp[] = [...(Object.keys(SPECS) as UnaryOp[]), 'powScalar'];

const source = (body: string): string => `function (a, p) {
    const x = a[this.thread.x];
    let y = 0;
    ${body}
    return y;
  }`;

/** out[i] = f(x[i]) on gpu.js for finite float32 data inside the op's domain; otherwise the cpu kernel. */
export function unary(op: UnaryOp, x: TypedArray, outDtype: DType, param = 0): TypedArray {
  let key: string = op;
  let spec = SPECS[op];
  if (op === 'powScalar') {
    const s = powSpec(param);
    key = `powScalar:${s.key}`;
    spec = s.spec;
  }
  if (spec && f32Call(outDtype, x) && worthIt(x.length) && x.length < MAX_INDEX && allIn(x as Float32Array, spec.domain ?? (() => true))) {
    const body = spec.body;
    const out = runKernel('unary', `unary:${key}`, () => source(body), x.length, [x as Float32Array, param]);
    if (out) return out;
  }
  noteFallback('unary');
  return cpuBackend.unary(op, x, outDtype, param);
}
