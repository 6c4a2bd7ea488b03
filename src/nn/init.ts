// Parameter initializers (torch.nn.init): seeded, in-place fills drawing from a Generator (default: the
// process-wide defaultGenerator), with PyTorch's fan and gain conventions for Xavier/Glorot and Kaiming/He.
import { Tensor } from '../tensor/tensor.js';
import { check } from '../tensor/errors.js';
import { fmt } from '../tensor/shape.js';
import { type Generator, defaultGenerator } from '../tensor/random.js';

/** Options of the random initializers. */
export interface InitOptions {
  /** Draw from this generator (default: the default generator, reseeded by `manualSeed`). */
  generator?: Generator;
}

/** Nonlinearities `calculateGain` knows (PyTorch's names in camelCase). */
export type Nonlinearity = 'linear' | 'identity' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

/** Which fan Kaiming initialization preserves: the forward pass's variance (fanIn) or the backward's (fanOut). */
export type FanMode = 'fanIn' | 'fanOut';

/** Options of `kaimingUniform_` / `kaimingNormal_`. */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky ReLU that follows (default 0). */
  a?: number;
  /** Default 'fanIn'. */
  mode?: FanMode;
  /** Default 'leakyRelu' (with slope `a`), PyTorch's default. */
  nonlinearity?: Nonlinearity;
}

/** Options of `xavierUniform_` / `xavierNormal_`. */
export interface XavierOptions extends InitOptions {
  /** Scale factor (default 1; see `calculateGain`). */
  gain?: number;
}

/** The target of an in-place fill: a contiguous float tensor (the storage is written directly). */
function target(t: unknown, where: string): Float32Array | Float64Array {
  check(t instanceof Tensor, where, () => `tensor must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  check(t.dtype !== 'int32', where, () => `tensor must have a float dtype, got int32`);
  check(t.isContiguous(), where, () => `tensor must be contiguous to be filled in place (shape ${fmt(t.shape)})`);
  return t._storage as Float32Array | Float64Array;
}

function gen(opts: InitOptions, where: string): Generator {
  const g = opts.generator ?? defaultGenerator;
  check(typeof g === 'object' && g !== null && typeof g.uniform === 'function', where, 'generator must be a Generator');
  return g;
}

function finite(v: number, name: string, where: string): void {
  check(typeof v === 'number' && Number.isFinite(v), where, () => `${name} must be a finite number, got ${String(v)}`);
}

/** The recommended gain for a nonlinearity (PyTorch's calculate_gain); `param` is leakyRelu's slope (default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  const where = 'calculateGain';
  switch (nonlinearity) {
    case 'linear': case 'identity': case 'conv1d': case 'conv2d': case 'conv3d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      finite(slope, 'the negative slope', where);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default: {
      const name = String(nonlinearity);
      const hint = name === 'leaky_relu' ? " (use 'leakyRelu')" : '';
      check(false, where, () => `unknown nonlinearity '${name}'${hint}; known: linear, identity, conv1d, conv2d, conv3d, sigmoid, tanh, relu, leakyRelu, selu`);
    }
  }
}

/** fanIn and fanOut of a weight of shape [out, in, ...receptive field] (PyTorch's convention; needs ≥ 2 dims). */
export function calculateFans(shape: readonly number[], where = 'calculateFans'): { fanIn: number; fanOut: number } {
  check(shape.length >= 2, where, () => `fan in and fan out need a tensor with at least 2 dimensions, got shape ${fmt(shape)}`);
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i]!;
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

/** Fill with U(low, high). Returns the tensor. */
export function uniform_(t: Tensor, low = 0, high = 1, opts: InitOptions = {}): Tensor {
  const where = 'uniform_';
  const s = target(t, where);
  finite(low, 'low', where);
  finite(high, 'high', where);
  check(low <= high, where, () => `low ${low} must not exceed high ${high}`);
  gen(opts, where).fillUniform(s, low, high);
  return t;
}

/** Fill with N(mean, std²). Returns the tensor. */
export function normal_(t: Tensor, mean = 0, std = 1, opts: InitOptions = {}): Tensor {
  const where = 'normal_';
  const s = target(t, where);
  finite(mean, 'mean', where);
  finite(std, 'std', where);
  check(std >= 0, where, () => `std must be non-negative, got ${std}`);
  gen(opts, where).fillNormal(s, std, mean);
  return t;
}

/** Fill with `value`. Returns the tensor. */
export function constant_(t: Tensor, value: number): Tensor {
  const s = target(t, 'constant_');
  check(typeof value === 'number' && !Number.isNaN(value), 'constant_', () => `value must be a number, got ${String(value)}`);
  s.fill(value);
  return t;
}

/** Fill with zeros. Returns the tensor. */
export function zeros_(t: Tensor): Tensor {
  target(t, 'zeros_').fill(0);
  return t;
}

/** Fill with ones. Returns the tensor. */
export function ones_(t: Tensor): Tensor {
  target(t, 'ones_').fill(1);
  return t;
}

/** Xavier/Glorot uniform: U(−a, a) with a = gain·√(6 / (fanIn + fanOut)). Returns the tensor. */
export function xavierUniform_(t: Tensor, opts: XavierOptions = {}): Tensor {
  const where = 'xavierUniform_';
  target(t, where);
  const gain = opts.gain ?? 1;
  finite(gain, 'gain', where);
  const { fanIn, fanOut } = calculateFans(t.shape, where);
  const a = fanIn + fanOut === 0 ? 0 : Math.abs(gain) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, opts);
}

/** Xavier/Glorot normal: N(0, std²) with std = gain·√(2 / (fanIn + fanOut)). Returns the tensor. */
export function xavierNormal_(t: Tensor, opts: XavierOptions = {}): Tensor {
  const where = 'xavierNormal_';
  target(t, where);
  const gain = opts.gain ?? 1;
  finite(gain, 'gain', where);
  const { fanIn, fanOut } = calculateFans(t.shape, where);
  const std = fanIn + fanOut === 0 ? 0 : Math.abs(gain) * Math.sqrt(2 / (fanIn + fanOut));
  return normal_(t, 0, std, opts);
}

/** The standard deviation Kaiming initialization targets: gain / √fan. */
function kaimingStd(t: Tensor, opts: KaimingOptions, where: string): number {
  target(t, where);
  const a = opts.a ?? 0;
  finite(a, 'a', where);
  const mode = opts.mode ?? 'fanIn';
  check(mode === 'fanIn' || mode === 'fanOut', where, () => `mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  const { fanIn, fanOut } = calculateFans(t.shape, where);
  const fan = mode === 'fanIn' ? fanIn : fanOut;
  const gain = calculateGain(opts.nonlinearity ?? 'leakyRelu', a);
  return fan === 0 ? 0 : gain / Math.sqrt(fan);
}

/**
 * Kaiming/He uniform: U(−b, b) with b = gain·√(3 / fan), gain from `nonlinearity` (default leakyRelu with
 * slope `a`). PyTorch's Linear uses a = √5, giving b = 1/√fanIn. Returns the tensor.
 */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, opts, 'kaimingUniform_');
  return uniform_(t, -bound, bound, opts);
}

/** Kaiming/He normal: N(0, std²) with std = gain / √fan. Returns the tensor. */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, opts, 'kaimingNormal_'), opts);
}
