// Errors raised at hopgrad's public boundary: one class, messages that name the op, the parameter and the values.

/** Every error hopgrad raises for bad input is a HopgradError; `message` names the op and what is wrong. */
export class HopgradError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HopgradError';
  }
}

/** Throw a HopgradError with `where: message` unless `cond` holds. */
export function check(cond: unknown, where: string, message: string | (() => string)): asserts cond {
  if (!cond) throw new HopgradError(`${where}: ${typeof message === 'function' ? message() : message}`);
}
