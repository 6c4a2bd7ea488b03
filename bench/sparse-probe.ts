// A probe of the truly sparse Hopfield kinds (issue 6, bench-workloads.md §3 W5) through the public API:
// `hopfield.retrieve(X, Ξ, { beta: 0.125, kind: 'topk', k: ⌊M/5⌋ })` at L = M ∈ {1024, 4096} and
// `{ kind: 'window', window: 32 }` at L = M = 4096, X = normal(201, [1, L, 64]), Ξ = normal(202, [1, M, 64]), under
// noGrad + dataSync (forward) and as forward + backward (loss = Σ out, gradients of X and Ξ read back); then the
// scaling series of window (w = 32) and random (k = 64, seed 0) at L = M = 1k..16k with the least-squares slope of
// log ms on log L. Timing rules of §2 via bench/harness.ts (contention handling off: the foreign CPU share is
// printed instead). Check values: topk20 L=1024 mean|out| against the reference 0.183183, window32 L=4096
// against a float64 dense masked reference computed here.
// Run: npx tsx bench/sparse-probe.ts [--backend wasm|cpu] [--no-scaling] [--no-backward]
import '../src/tensor/backend/wasm/index.js';
import { hopfield, noGrad, setBackend, tensor, type Tensor } from '../src/index.js';
import { normal } from './data.js';
import { timeCase } from './harness.js';

const argv = process.argv.slice(2);
const backend = argv.includes('--backend') ? argv[argv.indexOf('--backend') + 1]! : 'wasm';
setBackend(backend);
const D = 64;
const BETA = 0.125;

function inputs(l: number, m: number, grad = false): { x: Tensor; xi: Tensor } {
  const x = tensor(normal(201, [1, l, D]), { shape: [1, l, D] });
  const xi = tensor(normal(202, [1, m, D]), { shape: [1, m, D] });
  if (grad) { x.requiresGrad_(); xi.requiresGrad_(); }
  return { x, xi };
}

function meanAbs(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]!);
  return s / a.length;
}

/** mean|out| of the window model by a float64 dense masked reference: full scores, |i − j| > w at −∞, softmax, · Ξ. */
function windowReference(l: number, m: number, w: number): number {
  const x = normal(201, [1, l, D]);
  const xi = normal(202, [1, m, D]);
  const s = new Float64Array(m);
  const o = new Float64Array(D);
  let tot = 0;
  for (let i = 0; i < l; i++) {
    let mx = -Infinity;
    for (let j = 0; j < m; j++) {
      let v = -Infinity;
      if (Math.abs(i - j) <= w) {
        v = 0;
        for (let t = 0; t < D; t++) v += x[i * D + t]! * xi[j * D + t]!;
        v *= BETA;
      }
      s[j] = v;
      if (v > mx) mx = v;
    }
    o.fill(0);
    let z = 0;
    for (let j = 0; j < m; j++) {
      const e = Math.exp(s[j]! - mx);
      z += e;
      if (e !== 0) for (let t = 0; t < D; t++) o[t]! += e * xi[j * D + t]!;
    }
    for (let t = 0; t < D; t++) tot += Math.abs(o[t]! / z);
  }
  return tot / (l * D);
}

interface Row { name: string; ms: number; min: number; calls: number; foreign: number | null; check?: number }
const rows: Row[] = [];

async function time(name: string, call: () => number): Promise<Row> {
  let check = NaN;
  const t = await timeCase(() => { check = call(); }, { flops: 0, threads: null, contention: false });
  const row = { name, ms: t.median, min: t.min, calls: t.times.length, foreign: t.foreign_cpu, check };
  rows.push(row);
  console.log(`${name.padEnd(34)} median ${t.median.toFixed(2).padStart(9)} ms  min ${t.min.toFixed(2).padStart(9)}  calls ${t.times.length}  foreign cpu ${t.foreign_cpu === null ? '?' : t.foreign_cpu.toFixed(2)}  mean|out| ${check.toFixed(6)}`);
  return row;
}

function forward(l: number, opts: hopfield.RetrieveOptions): () => number {
  const { x, xi } = inputs(l, l);
  return () => meanAbs(noGrad(() => hopfield.retrieve(x, xi, { beta: BETA, ...opts })).dataSync());
}

function forwardBackward(l: number, opts: hopfield.RetrieveOptions): () => number {
  const { x, xi } = inputs(l, l, true);
  return () => {
    x.zeroGrad(); xi.zeroGrad();
    const out = hopfield.retrieve(x, xi, { beta: BETA, ...opts });
    out.sum().backward();
    x.grad!.dataSync(); xi.grad!.dataSync();
    return meanAbs(out.dataSync());
  };
}

/** Least-squares slope of log y on log x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const lx = xs.map(Math.log), ly = ys.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length, my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0, den = 0;
  for (let i = 0; i < lx.length; i++) { num += (lx[i]! - mx) * (ly[i]! - my); den += (lx[i]! - mx) ** 2; }
  return num / den;
}

console.log(`backend ${backend}, d = ${D}, beta = ${BETA}`);
const topk1 = await time('topk20 L=M=1024 fwd', forward(1024, { kind: 'topk', k: Math.floor(1024 / 5) }));
console.log(`  check topk20 L=1024 mean|out| ${topk1.check!.toFixed(6)} (reference 0.183183)`);
await time('topk20 L=M=4096 fwd', forward(4096, { kind: 'topk', k: Math.floor(4096 / 5) }));
const win = await time('window32 L=M=4096 fwd', forward(4096, { kind: 'window', window: 32 }));
const ref = windowReference(4096, 4096, 32);
console.log(`  check window32 L=4096 mean|out| ${win.check!.toFixed(6)} (float64 dense masked reference ${ref.toFixed(6)})`);
if (!argv.includes('--no-backward')) {
  await time('topk20 L=M=1024 fwd+bwd', forwardBackward(1024, { kind: 'topk', k: Math.floor(1024 / 5) }));
  await time('topk20 L=M=4096 fwd+bwd', forwardBackward(4096, { kind: 'topk', k: Math.floor(4096 / 5) }));
  await time('window32 L=M=4096 fwd+bwd', forwardBackward(4096, { kind: 'window', window: 32 }));
  await time('random64 L=M=4096 fwd+bwd', forwardBackward(4096, { kind: 'random', k: 64, seed: 0 }));
}
if (!argv.includes('--no-scaling')) {
  const sizes = [1024, 2048, 4096, 8192, 16384];
  for (const [label, opts] of [['window32', { kind: 'window', window: 32 }], ['random64', { kind: 'random', k: 64, seed: 0 }]] as const) {
    const ms: number[] = [];
    for (const l of sizes) ms.push((await time(`${label} L=M=${l} fwd`, forward(l, opts))).ms);
    console.log(`  ${label}: log-log slope in L = ${slope(sizes, ms).toFixed(3)} (target <= 1.15)`);
  }
}
process.exit(0);
