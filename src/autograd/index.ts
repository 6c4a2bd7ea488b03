// Autodiff: the tape, grad mode, functional transforms, gradcheck and the ops.
import './tape.js';
export { noGrad, enableGrad, isGradEnabled, setDebugNaN, isDebugNaN } from './engine.js';
export type { OpDef, OpTable, ForwardCtx, BackwardCtx } from './engine.js';
export { backward } from './tape.js';
export { grad, valueAndGrad } from './functional.js';
export type { Argnums } from './functional.js';
export { gradcheck } from './gradcheck.js';
export type { GradcheckOptions, GradcheckResult } from './gradcheck.js';
export * from './ops/index.js';
