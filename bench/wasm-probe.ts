// A quick probe of the WebAssembly SIMD backend against the cpu backend on W1 (n = 256, 1024) and W2
// (L = M = 1024), same data and check values as bench-workloads.md; median of 5 calls after one warm-up —
// a probe until the wasm backend is wired into `npm run bench`, not the full timing rules.
// Run: npx tsx bench/wasm-probe.ts
import '../src/tensor/backend/wasm/index.js';
import { matmul, noGrad, setBackend, softmax, tensor } from '../src/index.js';
import { normal } from './data.js';

function median(f: () => void): number {
  f();
  const ts: number[] = [];
  for (let i = 0; i < 5; i++) { const t0 = performance.now(); f(); ts.push(performance.now() - t0); }
  return ts.sort((a, b) => a - b)[2]!;
}

for (const backend of ['cpu', 'wasm']) {
  setBackend(backend);
  for (const n of [256, 1024]) {
    const a = tensor(normal(101, [n, n]), { shape: [n, n] });
    const b = tensor(normal(102, [n, n]), { shape: [n, n] });
    const ms = median(() => { matmul(a, b).dataSync(); });
    console.log(`${backend} W1 n=${n}: ${ms.toFixed(1)} ms, ${(2 * n ** 3 / ms / 1e6).toFixed(1)} GFLOP/s`);
  }
  const x = tensor(normal(201, [1, 1024, 64]), { shape: [1, 1024, 64] });
  const xi = tensor(normal(202, [1, 1024, 64]), { shape: [1, 1024, 64] });
  let check = 0;
  const ms = median(() => {
    const out = noGrad(() => softmax(x.matmul(xi.transpose(-1, -2)).mul(0.125), -1).matmul(xi)).dataSync();
    let s = 0;
    for (const v of out) s += Math.abs(v);
    check = s / out.length;
  });
  console.log(`${backend} W2 L=M=1024: ${ms.toFixed(1)} ms, mean|out| ${check.toFixed(6)} (reference 0.107663)`);
}
process.exit(0);
