// Time and count the work of one Hopfield layer per association kind on (4, L, 16) with 4 heads, as
// `hopgrad efficiency` does (paper Fig. 6–8), with the same experiment function (src/experiments/efficiency.ts):
// a table of median forward time and counted matmul multiply-adds per (kind, L), and the fitted log-log slopes.
// Flags: --max-l L (default 1440), --repeats N (3).
import { getBackend, hopfield } from '../src/index.js';
import { experiments } from '../src/node/index.js';

const { KINDS } = hopfield;
const { DEFAULT_LENGTHS, runEfficiency } = experiments.efficiency;

function num(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) {
    console.error(`efficiency example: --${name} needs a positive integer, got '${process.argv[i + 1] ?? ''}'`);
    process.exit(2);
  }
  return v;
}

const maxL = num('max-l', 1440);
const r = runEfficiency({
  kinds: KINDS, lengths: DEFAULT_LENGTHS.filter((l) => l <= maxL), batch: 4, dim: 16, heads: 4, topkK: 0.2, randomK: 32,
  warmup: 1, repeats: num('repeats', 3), minSampleMs: 20, maxDenseElements: 2 ** 27, maxCallMs: 30_000, seed: 0,
}, { log: (line) => console.log(line) });
console.log(`backend ${getBackend()}; one Hopfield layer, input (4, L, 16), 4 heads`);
console.log('kind       L       time ms      matmul MACs');
for (const row of r.rows) {
  console.log(`${row.kind.padEnd(10)} ${String(row.L).padStart(5)}  ${(row.timeMs?.toPrecision(4) ?? '-').padStart(10)}  ${String(row.macs ?? row.skipped).padStart(14)}`);
}
for (const [kind, s] of Object.entries(r.slopes)) {
  console.log(`${kind.padEnd(10)} slope time ${s.time?.slope.toFixed(2) ?? '-'}, MACs ${s.macs?.slope.toFixed(2) ?? '-'}`);
}
