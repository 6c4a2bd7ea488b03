// Step time of W4's training step (bench/w4-model.ts) with and without tidy(), alternating in one process so both
// see the same machine state: `npx tsx bench/tidy-step.ts [--rounds 20]`. Prints the median ms of each and the
// pool counters. (bench/memory.ts measures the memory side in separate processes.)
import { parseArgs } from 'node:util';
import { poolStats } from '../src/index.js';
import { buildW4Model } from './w4-model.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be an integer >= 1, got ${values.rounds}`);

const a = buildW4Model();
const b = buildW4Model();
const plain = (): number => a.step();
const tidied = (): number => b.tidyStep();
for (let i = 0; i < 5; i++) { plain(); tidied(); }
const ta: number[] = [];
const tb: number[] = [];
for (let r = 0; r < rounds; r++) {
  let t = performance.now();
  plain();
  ta.push(performance.now() - t);
  t = performance.now();
  tidied();
  tb.push(performance.now() - t);
}
const median = (x: number[]): string => [...x].sort((p, q) => p - q)[x.length >> 1]!.toFixed(1);
console.log(`W4 step, ${rounds} alternating rounds: plain ${median(ta)} ms, inside tidy ${median(tb)} ms (median)`);
console.log('pool', poolStats());
