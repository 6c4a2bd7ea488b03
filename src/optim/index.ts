// The optimizers package: what `import { optim } from 'hopgrad'` exposes as a namespace
// (Optimizer, SGD, Adam, AdamW, learning-rate schedules and LRScheduler, gradient clipping).
export {
  Optimizer,
  type HyperValue,
  type Hyperparams,
  type FloatArray,
  type ParamGroup,
  type ParamGroupInput,
  type ParamsInput,
  type ParamState,
} from './optimizer.js';
export {
  OPTIMIZER_STATE_FORMAT,
  type OptimizerStateDict,
  type OptimizerStateMeta,
  type StateSchema,
} from './state-dict.js';
export { SGD, SGD_DEFAULTS, type SGDOptions } from './sgd.js';
export { Adam, AdamW, ADAM_DEFAULTS, ADAMW_DEFAULTS, type AdamOptions } from './adam.js';
export {
  type Schedule,
  constantLr,
  linearWarmup,
  cosineAnnealing,
  stepLr,
  exponentialLr,
  LRScheduler,
  type LrTarget,
  type LRSchedulerState,
} from './schedules.js';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './clip.js';
