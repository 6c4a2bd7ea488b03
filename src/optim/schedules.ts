// Learning-rate schedules as pure functions step → lr (closed forms of PyTorch's schedulers), and LRScheduler,
// which writes a schedule's value into an optimizer's param groups each step.
import { check } from '../tensor/errors.js';
import { checkNonNegative, checkPositiveInt, checkCount, describe } from './validate.js';

/** A learning-rate schedule: the lr to use at step `t` (t = 0, 1, 2, ...; any finite t ≥ 0 is accepted). */
export type Schedule = (t: number) => number;

function checkStep(where: string, t: unknown): asserts t is number {
  checkNonNegative(where, 'step', t);
}

/** A constant learning rate `lr` at every step. */
export function constantLr(options: { lr: number }): Schedule {
  const { lr } = options;
  checkNonNegative('constantLr', 'lr', lr);
  return (t) => {
    checkStep('constantLr', t);
    return lr;
  };
}

/**
 * Linear warmup: `startLr + (baseLr − startLr)·t / warmupSteps` for t < warmupSteps, then `baseLr`.
 * With the default startLr 0, step 0 has lr 0 and step `warmupSteps` is the first at `baseLr`.
 */
export function linearWarmup(options: { baseLr: number; warmupSteps: number; startLr?: number }): Schedule {
  const { baseLr, warmupSteps, startLr = 0 } = options;
  checkNonNegative('linearWarmup', 'baseLr', baseLr);
  checkCount('linearWarmup', 'warmupSteps', warmupSteps);
  checkNonNegative('linearWarmup', 'startLr', startLr);
  return (t) => {
    checkStep('linearWarmup', t);
    return t < warmupSteps ? startLr + ((baseLr - startLr) * t) / warmupSteps : baseLr;
  };
}

/**
 * Cosine annealing, the closed form of torch's CosineAnnealingLR:
 * `etaMin + (baseLr − etaMin)·(1 + cos(π·s/tMax))/2` where `s = t − warmupSteps` counts steps after warmup.
 * During warmup (t < warmupSteps) the lr rises linearly from 0: `baseLr·t/warmupSteps`. So t = warmupSteps gives
 * baseLr and t = warmupSteps + tMax gives etaMin, both exactly; `tMax` is the length of the cosine phase, not
 * counting warmup. After the cosine phase the lr stays at etaMin (torch's closed form would rise again with
 * period 2·tMax). Values never leave [etaMin, baseLr] and never increase after warmup.
 */
export function cosineAnnealing(options: { baseLr: number; tMax: number; etaMin?: number; warmupSteps?: number }): Schedule {
  const { baseLr, tMax, etaMin = 0, warmupSteps = 0 } = options;
  checkNonNegative('cosineAnnealing', 'baseLr', baseLr);
  checkPositiveInt('cosineAnnealing', 'tMax', tMax);
  checkNonNegative('cosineAnnealing', 'etaMin', etaMin);
  check(etaMin <= baseLr, 'cosineAnnealing', () => `etaMin must not exceed baseLr ${baseLr}, got ${etaMin}`);
  checkCount('cosineAnnealing', 'warmupSteps', warmupSteps);
  return (t) => {
    checkStep('cosineAnnealing', t);
    if (t < warmupSteps) return (baseLr * t) / warmupSteps;
    const s = t - warmupSteps;
    if (s >= tMax) return etaMin;
    // = etaMin + (baseLr − etaMin)(1 + cos)/2, written so that s = 0 gives baseLr exactly; the clamp only
    // absorbs rounding at the ends.
    const lr = baseLr - ((baseLr - etaMin) * (1 - Math.cos((Math.PI * s) / tMax))) / 2;
    return Math.min(baseLr, Math.max(etaMin, lr));
  };
}

/** Step decay, torch's StepLR: `baseLr·gamma^floor(t / stepSize)`. */
export function stepLr(options: { baseLr: number; stepSize: number; gamma?: number }): Schedule {
  const { baseLr, stepSize, gamma = 0.1 } = options;
  checkNonNegative('stepLr', 'baseLr', baseLr);
  checkPositiveInt('stepLr', 'stepSize', stepSize);
  checkNonNegative('stepLr', 'gamma', gamma);
  return (t) => {
    checkStep('stepLr', t);
    return baseLr * gamma ** Math.floor(t / stepSize);
  };
}

/** Exponential decay, torch's ExponentialLR: `baseLr·gamma^t`. */
export function exponentialLr(options: { baseLr: number; gamma: number }): Schedule {
  const { baseLr, gamma } = options;
  checkNonNegative('exponentialLr', 'baseLr', baseLr);
  checkNonNegative('exponentialLr', 'gamma', gamma);
  return (t) => {
    checkStep('exponentialLr', t);
    return baseLr * gamma ** t;
  };
}

/** Anything with param groups that have a writable `lr` (every Optimizer). */
export interface LrTarget {
  readonly paramGroups: readonly { lr: number }[];
}

/** The JSON state of an LRScheduler. */
export interface LRSchedulerState {
  lastEpoch: number;
  /** Each group's lr when the scheduler was created. */
  initialLrs: number[];
}

/**
 * Drives an optimizer's learning rates from schedules, like torch's LRScheduler: creating it sets each group's lr
 * for step 0 (`lastEpoch` 0); each `step()` advances `lastEpoch` by one and writes the lrs for it. Call it after
 * `optimizer.step()`.
 *
 * - one schedule: it is the lr of group 0; every other group keeps its ratio to group 0's initial lr, i.e. group g
 *   gets `schedule(t) · initialLr[g] / initialLr[0]` (all groups get `schedule(t)` when their lrs start equal).
 *   Group 0's initial lr must then be positive.
 * - an array of schedules, one per group: group g gets `schedules[g](t)` exactly.
 */
export class LRScheduler {
  /** The step whose lrs were last written (0 after construction). */
  lastEpoch = 0;
  private readonly schedules: readonly Schedule[];
  private readonly perGroup: boolean;
  private initialLrs: number[];
  private lastLrs: number[] = [];

  /**
   * @param optimizer the optimizer whose groups' `lr` this scheduler writes
   * @param schedule one schedule (scaled per group, see above) or one schedule per group
   */
  constructor(readonly optimizer: LrTarget, schedule: Schedule | readonly Schedule[]) {
    const groups = optimizer?.paramGroups;
    check(Array.isArray(groups) && groups.length > 0, 'LRScheduler',
      () => `optimizer must have param groups, got ${describe(optimizer)}`);
    this.perGroup = Array.isArray(schedule);
    this.schedules = this.perGroup ? [...(schedule as readonly Schedule[])] : [schedule as Schedule];
    this.schedules.forEach((s, i) => check(typeof s === 'function', 'LRScheduler',
      () => `schedule${this.perGroup ? `[${i}]` : ''} must be a function step → lr, got ${describe(s)}`));
    check(!this.perGroup || this.schedules.length === groups.length, 'LRScheduler',
      () => `schedule must have one function per param group (${groups.length}), got ${this.schedules.length}`);
    this.initialLrs = groups.map((g) => g.lr);
    check(this.perGroup || groups.length === 1 || (this.initialLrs[0] ?? 0) > 0, 'LRScheduler',
      () => `group 0's lr must be positive to scale a single schedule across ${groups.length} groups, got ${this.initialLrs[0]}`);
    this.apply();
  }

  /** The lr of each group at step `t` (does not write them). */
  lrsAt(t: number): number[] {
    const groups = this.optimizer.paramGroups;
    check(groups.length === this.initialLrs.length, 'LRScheduler',
      () => `the optimizer has ${groups.length} param groups but had ${this.initialLrs.length} when the scheduler was created`);
    return groups.map((_, g) => {
      const lr = this.perGroup ? this.schedules[g]!(t)
        : g === 0 ? this.schedules[0]!(t) : (this.schedules[0]!(t) * this.initialLrs[g]!) / this.initialLrs[0]!;
      checkNonNegative('LRScheduler', `schedule(${t}) for param group ${g}`, lr);
      return lr;
    });
  }

  /** Advance one step and write the new lrs into the optimizer's groups. */
  step(): void {
    this.lastEpoch += 1;
    this.apply();
  }

  /** The lrs last written, one per group. */
  getLastLr(): number[] {
    return [...this.lastLrs];
  }

  /** JSON-able state (the schedules themselves are code and are not saved). */
  stateDict(): LRSchedulerState {
    return { lastEpoch: this.lastEpoch, initialLrs: [...this.initialLrs] };
  }

  /** Restore `stateDict()`'s state and write the lrs for the restored step; changes nothing if it is invalid. */
  loadStateDict(state: LRSchedulerState): void {
    const where = 'LRScheduler.loadStateDict';
    check(state !== null && typeof state === 'object', where, () => `state must be an object, got ${describe(state)}`);
    checkCount(where, 'lastEpoch', state.lastEpoch);
    const lrs: unknown = state.initialLrs;
    check(Array.isArray(lrs) && lrs.length === this.initialLrs.length, where,
      () => `initialLrs must list ${this.initialLrs.length} lr(s), got ${describe(lrs)}`);
    lrs.forEach((v, i) => checkNonNegative(where, `initialLrs[${i}]`, v));
    check(this.perGroup || lrs.length === 1 || (lrs[0] as number) > 0, where,
      () => `initialLrs[0] must be positive to scale a single schedule across ${lrs.length} groups, got ${describe(lrs[0])}`);
    const prev = { e: this.lastEpoch, l: this.initialLrs };
    this.lastEpoch = state.lastEpoch;
    this.initialLrs = [...(lrs as number[])];
    try {
      this.apply();
    } catch (e) {
      this.lastEpoch = prev.e;
      this.initialLrs = prev.l;
      throw e;
    }
  }

  private apply(): void {
    const lrs = this.lrsAt(this.lastEpoch);
    this.optimizer.paramGroups.forEach((g, i) => { g.lr = lrs[i]!; });
    this.lastLrs = lrs;
  }
}
