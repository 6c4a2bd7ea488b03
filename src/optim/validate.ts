// Hyperparameter checks shared by the optimizers, schedules and clipping: each throws a HopgradError
// whose message names the class or function, the parameter and the offending value.
import { HopgradError } from '../tensor/errors.js';

/** Render a value for an error message: numbers as JS prints them (NaN, -1, Infinity), others briefly. */
export function describe(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return v.length <= 8 ? `[${v.map(describe).join(', ')}]` : `an array of length ${v.length}`;
  if (typeof v === 'function') return 'a function';
  const ctor = (v as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' && ctor.name !== 'Object' ? `a ${ctor.name}` : 'an object';
}

function fail(where: string, name: string, what: string, v: unknown, ctx: string): never {
  throw new HopgradError(`${where}: ${name} must be ${what}, got ${describe(v)}${ctx}`);
}

/** `v` is a finite number ≥ 0. */
export function checkNonNegative(where: string, name: string, v: unknown, ctx = ''): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(where, name, 'a non-negative number', v, ctx);
}

/** `v` is a finite number > 0. */
export function checkPositive(where: string, name: string, v: unknown, ctx = ''): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(where, name, 'a positive number', v, ctx);
}

/** `v` is a finite number. */
export function checkFinite(where: string, name: string, v: unknown, ctx = ''): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(where, name, 'a finite number', v, ctx);
}

/** `v` is an integer ≥ 0 (a step count). */
export function checkCount(where: string, name: string, v: unknown, ctx = ''): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(where, name, 'a non-negative integer', v, ctx);
}

/** `v` is an integer ≥ 1. */
export function checkPositiveInt(where: string, name: string, v: unknown, ctx = ''): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) fail(where, name, 'a positive integer', v, ctx);
}

/** `v` is a boolean. */
export function checkBool(where: string, name: string, v: unknown, ctx = ''): asserts v is boolean {
  if (typeof v !== 'boolean') fail(where, name, 'a boolean', v, ctx);
}

/** `v` is a number in [0, 1) (a moving-average coefficient). */
export function checkBeta(where: string, name: string, v: unknown, ctx = ''): asserts v is number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) fail(where, name, 'a number in [0, 1)', v, ctx);
}

/** `v` is a pair of numbers in [0, 1) (Adam's betas). */
export function checkBetas(where: string, name: string, v: unknown, ctx = ''): asserts v is readonly [number, number] {
  if (!Array.isArray(v) || v.length !== 2) fail(where, name, 'a pair [beta1, beta2]', v, ctx);
  checkBeta(where, `${name}[0]`, v[0], ctx);
  checkBeta(where, `${name}[1]`, v[1], ctx);
}
