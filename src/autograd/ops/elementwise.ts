// Elementwise ops with numpy broadcasting: arithmetic, activations and comparisons.
// Backward rules return gradients in the broadcast output shape; the tape sums them back to each input.
import { Tensor } from '../../tensor/tensor.js';
import { type DType } from '../../tensor/dtype.js';
import { broadcastShapes } from '../../tensor/shape.js';
import { check } from '../../tensor/errors.js';
import { kernels, type BinaryOp, type UnaryOp } from '../../tensor/backend/index.js';
import { type OpDef, type OpTable, binder } from '../engine.js';
import { type TensorLike, broadcastStrides, constant, needTensor, pair, resultDtype } from './util.js';

/** Raw (untracked) binary kernel call on tensors, with broadcasting. */
export function rawBinary(op: BinaryOp, a: Tensor, b: Tensor, where: string, outDtype?: DType): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, where);
  const dt = outDtype ?? resultDtype(a, b);
  // read the storage through broadcast strides directly (no copy) when the views start at their storage's start
  const sa = a._offset === 0 ? a._storage : a.contiguousData();
  const sb = b._offset === 0 ? b._storage : b.contiguousData();
  const ta = sa === a._storage ? a : new Tensor(sa, a.shape);
  const tb = sb === b._storage ? b : new Tensor(sb, b.shape);
  const data = kernels().binary(op, sa, broadcastStrides(ta, shape), sb, broadcastStrides(tb, shape), shape, dt);
  return new Tensor(data, shape);
}

/** Raw (untracked) unary kernel call. */
export function rawUnary(op: UnaryOp, x: Tensor, param?: number, outDtype?: DType): Tensor {
  return new Tensor(kernels().unary(op, x.contiguousData(), outDtype ?? x.dtype, param), x.shape);
}

// ---- binary ops ----------------------------------------------------------------------------------------

interface BinaryAttrs { add: undefined; sub: undefined; mul: undefined; div: undefined; pow: undefined; maximum: undefined; minimum: undefined }

function binaryDef(op: BinaryOp, grads: (dy: Tensor, a: Tensor, b: Tensor, out: Tensor, needs: readonly boolean[]) => (Tensor | null)[]): OpDef {
  return {
    forward: ([a, b]) => rawBinary(op, a!, b!, op),
    backward: (dy, { inputs: [a, b], out, needs }) => grads(dy, a!, b!, out, needs),
  };
}

const binaryOps: OpTable<BinaryAttrs> = {
  add: binaryDef('add', (dy) => [dy, dy]),
  sub: binaryDef('sub', (dy) => [dy, neg(dy)]),
  // d(ab) = b da + a db
  mul: binaryDef('mul', (dy, a, b, _o, n) => [n[0] ? mul(dy, b) : null, n[1] ? mul(dy, a) : null]),
  // d(a/b) = da/b − a db/b²
  div: binaryDef('div', (dy, a, b, out, n) => [n[0] ? div(dy, b) : null, n[1] ? neg(mul(dy, div(out, b))) : null]),
  // d(a^b) = b a^(b−1) da + a^b ln(a) db
  pow: binaryDef('pow', (dy, a, b, out, n) => [
    n[0] ? mul(dy, mul(b, pow(a, sub(b, 1)))) : null,
    n[1] ? mul(dy, mul(out, log(a))) : null,
  ]),
  // ties split the gradient evenly, like torch.maximum
  maximum: binaryDef('maximum', (dy, a, b, _o, n) => [
    n[0] ? mul(dy, tieSplit(a, b, 'gt')) : null,
    n[1] ? mul(dy, tieSplit(b, a, 'gt')) : null,
  ]),
  minimum: binaryDef('minimum', (dy, a, b, _o, n) => [
    n[0] ? mul(dy, tieSplit(a, b, 'lt')) : null,
    n[1] ? mul(dy, tieSplit(b, a, 'lt')) : null,
  ]),
};

/** 1 where a wins (a `cmp` b), ½ on ties, 0 where it loses. */
function tieSplit(a: Tensor, b: Tensor, cmp: 'gt' | 'lt'): Tensor {
  const win = rawBinary(cmp, a, b, cmp, a.dtype);
  const tie = rawBinary('eq', a, b, 'eq', a.dtype);
  return rawBinary('add', win, rawBinary('mul', tie, constant(0.5, a.dtype), 'mul'), 'add');
}

const applyBinary = binder(binaryOps);

function binaryPublic(name: keyof BinaryAttrs) {
  return (a: TensorLike, b: TensorLike): Tensor => {
    const [ta, tb] = pair(a, b, name);
    return applyBinary(name, [ta, tb], undefined);
  };
}

/** a + b with broadcasting. */ export const add = binaryPublic('add');
/** a − b with broadcasting. */ export const sub = binaryPublic('sub');
/** a · b elementwise with broadcasting. */ export const mul = binaryPublic('mul');
/** a / b with broadcasting. */ export const div = binaryPublic('div');
/** a ** b elementwise with broadcasting. */ export const pow = binaryPublic('pow');
/** Elementwise maximum (NaN propagates). */ export const maximum = binaryPublic('maximum');
/** Elementwise minimum (NaN propagates). */ export const minimum = binaryPublic('minimum');

// ---- unary ops -----------------------------------------------------------------------------------------

interface UnaryAttrs {
  neg: undefined; exp: undefined; log: undefined; sqrt: undefined; rsqrt: undefined; abs: undefined;
  square: undefined; reciprocal: undefined; tanh: undefined; sigmoid: undefined; relu: undefined;
  elu: number; gelu: undefined; softplus: undefined; leakyRelu: number; sin: undefined; cos: undefined;
  log1p: undefined; expm1: undefined; powScalar: number;
}

function unaryDef<A extends number | undefined>(op: UnaryOp, grad: (dy: Tensor, x: Tensor, out: Tensor, p: A) => Tensor): OpDef<A> {
  return {
    forward: ([x], p) => {
      check(x!.dtype !== 'int32', op, 'needs a float tensor, got int32 (cast it first)');
      return rawUnary(op, x!, p);
    },
    backward: (dy, { inputs: [x], out, attrs }) => [grad(dy, x!, out, attrs)],
  };
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

const unaryOps: OpTable<UnaryAttrs> = {
  neg: unaryDef('neg', (dy) => neg(dy)),
  exp: unaryDef('exp', (dy, _x, y) => mul(dy, y)), // d e^x = e^x dx (saves the output)
  log: unaryDef('log', (dy, x) => div(dy, x)),
  sqrt: unaryDef('sqrt', (dy, _x, y) => div(dy, mul(y, 2))), // d √x = dx / (2√x)
  rsqrt: unaryDef('rsqrt', (dy, _x, y) => mul(dy, mul(pow(y, 3), -0.5))), // d x^(−½) = −½ x^(−3/2)
  abs: unaryDef('abs', (dy, x) => mul(dy, rawUnary('sign', x))),
  square: unaryDef('square', (dy, x) => mul(dy, mul(x, 2))),
  reciprocal: unaryDef('reciprocal', (dy, _x, y) => neg(mul(dy, mul(y, y)))),
  tanh: unaryDef('tanh', (dy, _x, y) => mul(dy, sub(1, mul(y, y)))), // 1 − tanh²
  sigmoid: unaryDef('sigmoid', (dy, _x, y) => mul(dy, mul(y, sub(1, y)))), // σ(1 − σ)
  relu: unaryDef('relu', (dy, x) => mul(dy, rawBinary('gt', x, constant(0, x.dtype), 'relu', x.dtype))),
  // elu'(x) = 1 for x > 0, α eˣ = elu(x) + α otherwise
  elu: unaryDef('elu', (dy, x, y, alpha) => mul(dy, where(rawBinary('gt', x, constant(0, x.dtype), 'elu', x.dtype), 1, add(y, alpha)))),
  // derivative of the tanh approximation: ½(1 + t) + ½x(1 − t²)·c(1 + 3·0.044715x²), t = tanh(c(x + 0.044715x³))
  gelu: unaryDef('gelu', (dy, x) => {
    const x2 = mul(x, x);
    const t = tanh(mul(add(x, mul(mul(x2, x), 0.044715)), SQRT_2_OVER_PI));
    const dt = mul(sub(1, mul(t, t)), mul(add(mul(x2, 3 * 0.044715), 1), SQRT_2_OVER_PI));
    return mul(dy, add(mul(add(t, 1), 0.5), mul(mul(x, dt), 0.5)));
  }),
  softplus: unaryDef('softplus', (dy, x) => mul(dy, sigmoid(x))),
  leakyRelu: unaryDef('leakyRelu', (dy, x, _y, slope) => mul(dy, where(rawBinary('gt', x, constant(0, x.dtype), 'leakyRelu', x.dtype), 1, slope))),
  sin: unaryDef('sin', (dy, x) => mul(dy, cos(x))),
  cos: unaryDef('cos', (dy, x) => neg(mul(dy, sin(x)))),
  log1p: unaryDef('log1p', (dy, x) => div(dy, add(x, 1))),
  expm1: unaryDef('expm1', (dy, _x, y) => mul(dy, add(y, 1))),
  powScalar: unaryDef('powScalar', (dy, x, _y, p) => mul(dy, mul(powScalar(x, p - 1), p))),
};

const applyUnary = binder(unaryOps);

function unaryPublic(name: Exclude<keyof UnaryAttrs, 'elu' | 'leakyRelu' | 'powScalar'>) {
  return (x: Tensor): Tensor => applyUnary(name, [needTensor(x, name)], undefined);
}

/** −x. */ export const neg = unaryPublic('neg');
/** eˣ. */ export const exp = unaryPublic('exp');
/** Natural logarithm. */ export const log = unaryPublic('log');
/** Square root. */ export const sqrt = unaryPublic('sqrt');
/** 1/√x. */ export const rsqrt = unaryPublic('rsqrt');
/** |x|. */ export const abs = unaryPublic('abs');
/** x². */ export const square = unaryPublic('square');
/** 1/x. */ export const reciprocal = unaryPublic('reciprocal');
/** Hyperbolic tangent. */ export const tanh = unaryPublic('tanh');
/** Logistic sigmoid 1/(1 + e^−x), stable for large |x|. */ export const sigmoid = unaryPublic('sigmoid');
/** max(x, 0). */ export const relu = unaryPublic('relu');
/** GELU, tanh approximation (torch.nn.GELU(approximate='tanh')). */ export const gelu = unaryPublic('gelu');
/** log(1 + eˣ), stable. */ export const softplus = unaryPublic('softplus');
/** sin x. */ export const sin = unaryPublic('sin');
/** cos x. */ export const cos = unaryPublic('cos');
/** log(1 + x), accurate near 0. */ export const log1p = unaryPublic('log1p');
/** eˣ − 1, accurate near 0. */ export const expm1 = unaryPublic('expm1');

/** ELU: x for x > 0, α(eˣ − 1) otherwise. */
export function elu(x: Tensor, alpha = 1): Tensor {
  check(Number.isFinite(alpha), 'elu', () => `alpha must be finite, got ${alpha}`);
  return applyUnary('elu', [needTensor(x, 'elu')], alpha);
}
/** Leaky ReLU with negative slope `slope`. */
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  check(Number.isFinite(slope), 'leakyRelu', () => `slope must be finite, got ${slope}`);
  return applyUnary('leakyRelu', [needTensor(x, 'leakyRelu')], slope);
}
/** x ** p for a number p. */
export function powScalar(x: Tensor, p: number): Tensor {
  check(Number.isFinite(p), 'powScalar', () => `exponent must be finite, got ${p}`);
  return applyUnary('powScalar', [needTensor(x, 'powScalar')], p);
}

// ---- where and clamp -----------------------------------------------------------------------------------

interface SelectAttrs { where: undefined; clamp: { min: number; max: number } }

const selectOps: OpTable<SelectAttrs> = {
  // inputs: cond, a, b (cond is never differentiated)
  where: {
    forward: ([c, a, b]) => {
      const shape = broadcastShapes(broadcastShapes(c!.shape, a!.shape, 'where'), b!.shape, 'where');
      const dt = resultDtype(a!, b!);
      const x = (t: Tensor, d: DType) => expandData(t, shape, d);
      return new Tensor(kernels().where(x(c!, c!.dtype), x(a!, dt), x(b!, dt), dt), shape);
    },
    backward: (dy, { inputs: [c], needs }) => {
      const z = constant(0, dy.dtype);
      return [null, needs[1] ? where(c!, dy, z) : null, needs[2] ? where(c!, z, dy) : null];
    },
  },
  clamp: {
    forward: ([x], { min, max }) => rawBinary('minimum', rawBinary('maximum', x!, constant(min, x!.dtype), 'clamp'), constant(max, x!.dtype), 'clamp'),
    // gradient passes where min ≤ x ≤ max
    backward: (dy, { inputs: [x], attrs: { min, max } }) => {
      const inside = rawBinary('mul', rawBinary('ge', x!, constant(min, x!.dtype), 'clamp', x!.dtype), rawBinary('le', x!, constant(max, x!.dtype), 'clamp', x!.dtype), 'clamp');
      return [mul(dy, inside)];
    },
  },
};

/** Contiguous data of `t` broadcast to `shape` in dtype `d`. */
function expandData(t: Tensor, shape: readonly number[], d: DType) {
  const k = kernels();
  const data = k.strided(t._storage, shape, broadcastStrides(t, shape), t._offset);
  return t.dtype === d ? data : k.cast(data, d);
}

const applySelect = binder(selectOps);

/** Elementwise choice: a where cond ≠ 0, else b (all three broadcast). */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  needTensor(cond, 'where', 'cond');
  const [ta, tb] = pair(a, b, 'where');
  return applySelect('where', [cond, ta, tb], undefined);
}

/** Limit values to [min, max] (either bound may be omitted). */
export function clamp(x: Tensor, min = -Infinity, max = Infinity): Tensor {
  needTensor(x, 'clamp');
  check(!(min > max), 'clamp', () => `min ${min} is greater than max ${max}`);
  return applySelect('clamp', [x], { min, max });
}

// ---- comparisons and predicates (not differentiable) ---------------------------------------------------

function comparePublic(op: BinaryOp) {
  return (a: TensorLike, b: TensorLike): Tensor => {
    const [ta, tb] = pair(a, b, op);
    return rawBinary(op, ta, tb, op, resultDtype(ta, tb));
  };
}
/** 1 where a = b, else 0 (in the operands' dtype). */ export const eq = comparePublic('eq');
/** 1 where a ≠ b. */ export const ne = comparePublic('ne');
/** 1 where a < b. */ export const lt = comparePublic('lt');
/** 1 where a ≤ b. */ export const le = comparePublic('le');
/** 1 where a > b. */ export const gt = comparePublic('gt');
/** 1 where a ≥ b. */ export const ge = comparePublic('ge');
/** 1 where x is NaN. */ export const isnan = (x: Tensor): Tensor => rawUnary('isnan', needTensor(x, 'isnan'));
/** 1 where x is finite. */ export const isfinite = (x: Tensor): Tensor => rawUnary('isfinite', needTensor(x, 'isfinite'));
/** Sign of x (−1, 0, 1); not differentiable. */ export const sign = (x: Tensor): Tensor => rawUnary('sign', needTensor(x, 'sign'));

/** All differentiable elementwise ops, for the registry. */
export const elementwiseOps = { ...binaryOps, ...unaryOps, ...selectOps };
export type ElementwiseAttrs = BinaryAttrs & UnaryAttrs & SelectAttrs;

// ---- fluent methods ------------------------------------------------------------------------------------

declare module '../../tensor/tensor.js' {
  interface Tensor {
    add(b: TensorLike): Tensor; sub(b: TensorLike): Tensor; mul(b: TensorLike): Tensor; div(b: TensorLike): Tensor;
    pow(b: TensorLike): Tensor; maximum(b: TensorLike): Tensor; minimum(b: TensorLike): Tensor;
    neg(): Tensor; exp(): Tensor; log(): Tensor; sqrt(): Tensor; rsqrt(): Tensor; abs(): Tensor; square(): Tensor;
    reciprocal(): Tensor; tanh(): Tensor; sigmoid(): Tensor; relu(): Tensor; gelu(): Tensor; softplus(): Tensor;
    sin(): Tensor; cos(): Tensor; log1p(): Tensor; expm1(): Tensor; sign(): Tensor; isnan(): Tensor; isfinite(): Tensor;
    elu(alpha?: number): Tensor; leakyRelu(slope?: number): Tensor; clamp(min?: number, max?: number): Tensor;
    eq(b: TensorLike): Tensor; ne(b: TensorLike): Tensor; lt(b: TensorLike): Tensor; le(b: TensorLike): Tensor;
    gt(b: TensorLike): Tensor; ge(b: TensorLike): Tensor;
  }
}

Object.assign(Tensor.prototype, {
  add(this: Tensor, b: TensorLike) { return add(this, b); },
  sub(this: Tensor, b: TensorLike) { return sub(this, b); },
  mul(this: Tensor, b: TensorLike) { return mul(this, b); },
  div(this: Tensor, b: TensorLike) { return div(this, b); },
  pow(this: Tensor, b: TensorLike) { return typeof b === 'number' ? powScalar(this, b) : pow(this, b); },
  maximum(this: Tensor, b: TensorLike) { return maximum(this, b); },
  minimum(this: Tensor, b: TensorLike) { return minimum(this, b); },
  neg(this: Tensor) { return neg(this); },
  exp(this: Tensor) { return exp(this); },
  log(this: Tensor) { return log(this); },
  sqrt(this: Tensor) { return sqrt(this); },
  rsqrt(this: Tensor) { return rsqrt(this); },
  abs(this: Tensor) { return abs(this); },
  square(this: Tensor) { return square(this); },
  reciprocal(this: Tensor) { return reciprocal(this); },
  tanh(this: Tensor) { return tanh(this); },
  sigmoid(this: Tensor) { return sigmoid(this); },
  relu(this: Tensor) { return relu(this); },
  gelu(this: Tensor) { return gelu(this); },
  softplus(this: Tensor) { return softplus(this); },
  sin(this: Tensor) { return sin(this); },
  cos(this: Tensor) { return cos(this); },
  log1p(this: Tensor) { return log1p(this); },
  expm1(this: Tensor) { return expm1(this); },
  sign(this: Tensor) { return sign(this); },
  isnan(this: Tensor) { return isnan(this); },
  isfinite(this: Tensor) { return isfinite(this); },
  elu(this: Tensor, alpha?: number) { return elu(this, alpha); },
  leakyRelu(this: Tensor, slope?: number) { return leakyRelu(this, slope); },
  clamp(this: Tensor, min?: number, max?: number) { return clamp(this, min, max); },
  eq(this: Tensor, b: TensorLike) { return eq(this, b); },
  ne(this: Tensor, b: TensorLike) { return ne(this, b); },
  lt(this: Tensor, b: TensorLike) { return lt(this, b); },
  le(this: Tensor, b: TensorLike) { return le(this, b); },
  gt(this: Tensor, b: TensorLike) { return gt(this, b); },
  ge(this: Tensor, b: TensorLike) { return ge(this, b); },
});
