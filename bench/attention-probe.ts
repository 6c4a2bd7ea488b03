// A probe of the fused attention (scaledDotProductAttention, taken by hopfield.retrieve's dense path) against
// the unfused composition matmul → mul → softmax → matmul, on W2 (dense retrieval, noGrad + dataSync) and W3
// fwd+bwd (Hopfield layer with projections, loss and the four weight gradients read back), inputs from
// bench/data.ts as bench-workloads.md §1/§3 specify; median of 7 calls after 2 warm-up calls, with the check
// values. A probe, not the full §2 timing rules (those are bench/run.ts's).
// Run: npx tsx bench/attention-probe.ts [--backend wasm|cpu] [--cases W2,W3]
import '../src/tensor/backend/wasm/index.js';
import * as hg from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { normal, weight } from './data.js';

const argv = process.argv.slice(2);
const arg = (name: string, def: string): string => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] ?? def : def; };
const backend = arg('--backend', 'wasm');
const cases = arg('--cases', 'W2,W3').split(',');
hg.setBackend(backend);

/**
 * Median wall ms of `f` over 7 calls after 2 warm-up calls, the median process CPU ms (all threads: on a machine
 * shared with other work, CPU time / threads estimates the unloaded wall time), and the last call's result.
 */
function time<T>(f: () => T): { ms: number; cpu: number; last: T } {
  let last = f();
  last = f();
  const ts: number[] = [], cs: number[] = [];
  for (let i = 0; i < 7; i++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    last = f();
    ts.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cs.push((c.user + c.system) / 1000);
  }
  ts.sort((a, b) => a - b);
  cs.sort((a, b) => a - b);
  return { ms: ts[3]!, cpu: cs[3]!, last };
}

const meanAbs = (a: ArrayLike<number>): number => { let s = 0; for (let i = 0; i < a.length; i++) s += Math.abs(a[i]!); return s / a.length; };
const f32 = (data: Float32Array, shape: number[], requiresGrad = false): Tensor => hg.tensor(data, { dtype: 'float32', shape, requiresGrad });

/** The unfused attention: softmax(β q kᵀ) v through the separate ops. */
function unfused(q: Tensor, k: Tensor, v: Tensor, beta: number): Tensor {
  return hg.matmul(hg.softmax(hg.mul(hg.matmul(q, hg.transpose(k, -2, -1)), beta), -1), v);
}

const rows: string[] = [
  '| case | fused ms | fused CPU ms | unfused ms | unfused CPU ms | unfused/fused (wall) | check (fused) | reference |',
  '|---|---|---|---|---|---|---|---|',
];
function report(name: string, fused: { ms: number; cpu: number }, plain: { ms: number; cpu: number }, check: string, ref: string): void {
  const line = `| ${name} | ${fused.ms.toFixed(1)} | ${fused.cpu.toFixed(0)} | ${plain.ms.toFixed(1)} | ${plain.cpu.toFixed(0)} | ${(plain.ms / fused.ms).toFixed(2)} | ${check} | ${ref} |`;
  rows.push(line);
  console.log(line);
}

if (cases.includes('W2')) {
  for (const [B, L, ref] of [[1, 256, '0.1223'], [1, 1024, '0.107663'], [1, 4096, '0.101302'], [4, 1024, '0.107218']] as const) {
    const d = 64, beta = 0.125;
    const X = f32(normal(201, [B, L, d]), [B, L, d]);
    const Xi = f32(normal(202, [B, L, d]), [B, L, d]);
    const fused = time(() => hg.noGrad(() => hg.hopfield.retrieve(X, Xi, { beta }).dataSync()));
    const plain = time(() => hg.noGrad(() => unfused(X, Xi, Xi, beta).dataSync()));
    report(`W2 B=${B} L=M=${L}`, fused, plain, meanAbs(fused.last).toFixed(6), ref);
  }
}

if (cases.includes('W3')) {
  for (const [L, ref] of [[256, '1750.32 / 8.00467'], [1024, '4925.2 / 24.2963']] as const) {
    const B = 4, D = 64, H = 4, dh = 16, beta = 0.25;
    const R = f32(normal(301, [B, L, D]), [B, L, D]);
    const Y = f32(normal(302, [B, L, D]), [B, L, D]);
    const w = [311, 312, 313, 314].map((s) => f32(weight(s, D, D), [D, D], true)) as [Tensor, Tensor, Tensor, Tensor];
    const heads = (t: Tensor): Tensor => t.reshape([B, L, H, dh]).transpose(1, 2);
    const step = (att: (q: Tensor, k: Tensor, v: Tensor) => Tensor) => (): Float32Array[] => {
      for (const p of w) p.grad = null;
      const z = att(heads(R.matmul(w[0])), heads(Y.matmul(w[1])), heads(Y.matmul(w[2]))).transpose(1, 2).reshape([B, L, D]);
      const loss = z.matmul(w[3]).square().sum();
      loss.backward();
      return [loss.dataSync() as Float32Array, ...w.map((p) => p.grad!.dataSync() as Float32Array)];
    };
    const fused = time(step((q, k, v) => hg.hopfield.retrieve(q, k, { values: v, beta })));
    const plain = time(step((q, k, v) => unfused(q, k, v, beta)));
    report(`W3 fwd+bwd B=4 L=M=${L}`, fused, plain, `${fused.last[0]![0]!.toFixed(2)} / ${meanAbs(fused.last[1]!).toFixed(5)}`, ref);
  }
}

console.log(`\nbackend ${backend}; ${JSON.stringify(hg.wasmStatus())}; load average ${JSON.stringify((await import('node:os')).loadavg().map((x) => +x.toFixed(2)))}`);
console.log(rows.join('\n'));
process.exit(0);
