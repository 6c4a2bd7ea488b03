// Peak memory of one S-workload call, measured in a fresh process so no earlier case's retained allocations
// hide it: `tsx bench/scaling-mem.ts <backend> <kind> <L>` prints one JSON line (a MemoryResult).
// Method: run the kind once at L = 64 (compiles the code paths), create the L-sized inputs, collect garbage
// twice, reset the kernel's peak-RSS mark (write "5" to /proc/self/clear_refs), read VmRSS, run one call, read
// VmHWM: peakRssDelta = VmHWM − VmRSS is the most extra resident memory the call needed (including its output).
// Also reported: the change of process.memoryUsage().arrayBuffers over the call. Off Linux peakRssDelta is null.
import { readFileSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { configureBackend, parseBackend, registeredBackends } from './backends.js';
import { scalingCall, type MemoryResult } from './scaling.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function status(field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<MemoryResult> {
  const [backend = 'cpu', kind = 'dense', ls = '1024'] = process.argv.slice(2);
  await registeredBackends();
  const cfg = parseBackend(backend);
  await configureBackend(cfg);
  scalingCall(kind, 64, cfg.name)();
  const call = scalingCall(kind, Number(ls), cfg.name);
  gc();
  gc();
  const canReset = resetPeak();
  const rss0 = status('VmRSS');
  const ab0 = process.memoryUsage().arrayBuffers;
  const out = call();
  const ab1 = process.memoryUsage().arrayBuffers;
  const hwm = status('VmHWM');
  if (out.length === 0) throw new Error('empty output');
  return {
    peakRssDelta: canReset && rss0 !== null && hwm !== null ? hwm - rss0 : null,
    arrayBuffersDelta: ab1 - ab0,
    baselineRss: rss0,
  };
}

main().then(
  (r) => process.stdout.write(JSON.stringify(r) + '\n'),
  (e: Error) => {
    process.stdout.write(JSON.stringify({ peakRssDelta: null, arrayBuffersDelta: NaN, baselineRss: null, error: e.message }) + '\n');
    process.exitCode = 1;
  },
);
