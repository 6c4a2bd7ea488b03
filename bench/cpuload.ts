// Machine load probes for the contention rules of bench-workloads.md §2 (Linux /proc; elsewhere they report null):
// wait until the machine is >= 90 % idle, and measure `foreign_cpu`, the fraction of the whole machine's CPU
// time used by processes other than this one during a case.
import { readFileSync } from 'node:fs';

/** Cumulative CPU counters in clock ticks: machine-wide (all CPUs) and this process (all its threads). */
export interface CpuSample {
  total: number;
  busy: number;
  self: number;
}

/** Read /proc/stat's aggregate line and /proc/self/stat's utime + stime; null where /proc is missing. */
export function sampleCpu(): CpuSample | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal [guest guest_nice: already counted in user/nice]
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (f.length < 8 || f.some((v) => !Number.isFinite(v))) return null;
    const total = f.reduce((a, b) => a + b, 0);
    const idle = f[3]! + f[4]!;
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based)
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const self = Number(rest[11]) + Number(rest[12]);
    if (!Number.isFinite(self)) return null;
    return { total, busy: total - idle, self };
  } catch {
    return null;
  }
}

/** Busy fraction of the whole machine used by other processes between two samples (clamped to [0, 1]). */
export function foreignBetween(a: CpuSample, b: CpuSample): number {
  const dt = b.total - a.total;
  if (dt <= 0) return 0;
  const f = (b.busy - a.busy - (b.self - a.self)) / dt;
  return Math.min(1, Math.max(0, f));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Wait until one 250 ms window shows the machine >= `idleFraction` idle, for at most `maxMs`.
 * Returns the time waited and the last idle fraction seen (null where /proc is unavailable).
 */
export async function waitForIdle(maxMs: number, idleFraction = 0.9): Promise<{ waitedMs: number; idle: number | null }> {
  const t0 = performance.now();
  let idle: number | null = null;
  for (;;) {
    const a = sampleCpu();
    if (!a) return { waitedMs: 0, idle: null };
    await sleep(250);
    const b = sampleCpu();
    if (!b) return { waitedMs: performance.now() - t0, idle: null };
    const dt = b.total - a.total;
    idle = dt > 0 ? 1 - (b.busy - a.busy) / dt : 1;
    const waited = performance.now() - t0;
    if (idle >= idleFraction || waited >= maxMs) return { waitedMs: waited, idle };
  }
}
