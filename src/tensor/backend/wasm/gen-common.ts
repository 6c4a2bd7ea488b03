// Conventions shared by the wasm module's jobs: every job is (args, tid, nth), and threads share its work by
// claiming chunks from an atomic counter in the argument block (word COUNTER, zeroed by the driver before each
// run). A thread that starts late, or never, just finds fewer chunks left, so no job waits on a slow thread.
import { type Code, I32, type Local } from './encoder.js';

/** The argument-block word every job uses as its chunk counter. */
export const COUNTER = 15;
/** Words of every job's argument block. */
export const ARGS_WORDS = 16;

/**
 * Emit: repeatedly claim chunk t = counter++ of [0, total) in chunks of ⌈total / (4·nth)⌉ items and run
 * `body(lo, hi)` on it, until the chunks run out.
 */
export function claimLoop(c: Code, args: Local, nth: Local, total: Local, body: (lo: Local, hi: Local) => void): void {
  const [chunk, lo, hi] = c.locals(I32, 3);
  c.get(nth).i32(4).op('i32.mul').set(chunk);
  c.get(total).get(chunk).op('i32.add').i32(1).op('i32.sub').get(chunk).op('i32.div_u').set(chunk);
  c.get(chunk).i32(1).get(chunk).i32(1).op('i32.gt_s').op('select').set(chunk); // at least 1
  c.block((exit) => c.loop((next) => {
    c.get(args).i32(1).mem('i32.atomic.rmw.add', COUNTER * 4).get(chunk).op('i32.mul').tee(lo).get(total).op('i32.ge_u').brIf(exit);
    c.get(lo).get(chunk).op('i32.add').set(hi);
    c.get(hi).get(total).get(hi).get(total).op('i32.lt_u').op('select').set(hi);
    body(lo, hi);
    c.br(next);
  }));
}
