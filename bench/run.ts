// CLI: `npm run bench -- [--backend wasm,cpu,gpujs,gpujs:webasm] [--workloads W1,W2,W3,W4,W5,S] [--compare] [--quick]
//        [--out bench/results] [--impl auto|api|kernels] [--no-bjs] [--no-contention]`.
// Defaults: the default backend (wasm where WebAssembly SIMD exists, else cpu), workloads W1–W5.
// --compare: also run TensorFlow.js (tfjs-wasm, bench/impl-tfjs.ts) in its own child process on the same cases and
// print the side-by-side table (hopgrad ms, tfjs ms, speed-up, target, met?, check values; bench/compare.ts).
// In compare mode each workload runs in its own child per configuration, alternating (--no-interleave: one child
// per configuration for everything); --rounds N: each (workload, configuration) child N times, the order reversed
// every round (A B, B A, ...), each side reporting its fastest round per case (bench/rounds.ts);
// --wait-budget S: a child's total idle-wait budget (default 120 s, split).
// --impl: public tensor API (auto = it when complete) or backend kernels; --no-bjs: skip the Benchmark.js
// cross-check; --no-contention: no idle wait / retries (foreign_cpu is still measured), for CI smoke runs.
// Workload S (bench/scaling.ts, every retrieval kind as L = M grows): --scaling-sizes 1024,2048,...,
// --scaling-kinds dense,...,prf, --scaling-max-quadratic 8192 (largest L for the L×M-scoring kinds),
// --scaling-mem-cap 4 (GiB, on the extrapolated peak), --scaling-calls N (quadratic cases at L ≥ 8192: 1 warm-up
// + N timed calls instead of §2's rule), --no-scaling-memory (skip the per-case peak-memory process).
// The parent re-invokes this script with --child once per backend (one process per framework configuration,
// bench-workloads.md §2), collects their reports, prints the markdown table and writes results.json/.md.
// Exit status 1 when a check value fails or an explicitly requested backend could not run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultBackend, parseBackend, registeredBackends } from './backends.js';
import { platformDescription } from './bjs.js';
import { type ImplChoice, runChild } from './child.js';
import { setWaitBudget } from './harness.js';
import { TFJS } from './impl-tfjs.js';
import { type BackendReport, type RunMeta, toMarkdown, writeResults } from './report.js';
import { bestOfRounds, roundOrder } from './rounds.js';
import { WORKLOADS } from './workloads.js';
import { DEFAULT_MAX_QUADRATIC, DEFAULT_MEM_CAP_GIB, SCALING_KINDS, SCALING_SIZES, type ScalingOptions, runScaling, scalingSpec } from './scaling.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    workloads: { type: 'string', default: WORKLOADS.join(',') },
    compare: { type: 'boolean', default: false },
    'no-interleave': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
    'wait-budget': { type: 'string' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results' },
    impl: { type: 'string', default: 'auto' },
    'no-bjs': { type: 'boolean', default: false },
    'no-contention': { type: 'boolean', default: false },
    'scaling-sizes': { type: 'string', default: SCALING_SIZES.join(',') },
    'scaling-kinds': { type: 'string', default: SCALING_KINDS.map((k) => k.kind).join(',') },
    'scaling-max-quadratic': { type: 'string', default: String(DEFAULT_MAX_QUADRATIC) },
    'scaling-mem-cap': { type: 'string', default: String(DEFAULT_MEM_CAP_GIB) },
    'scaling-calls': { type: 'string' },
    'no-scaling-memory': { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
    'child-out': { type: 'string' },
  },
});

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);
const workloads = list(values.workloads).map((w) => w.toUpperCase());
const impl = values.impl as ImplChoice;
if (!['auto', 'api', 'kernels'].includes(impl)) throw new Error(`--impl must be auto, api or kernels, got ${impl}`);
const unknown = workloads.filter((w) => w !== 'S' && !(WORKLOADS as readonly string[]).includes(w));
if (unknown.length) throw new Error(`unknown workloads ${unknown.join(', ')} (this harness implements ${WORKLOADS.join(', ')}, S)`);
const positive = (name: string, v: string | undefined): number => {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`--${name} must be a number > 0, got ${v}`);
  return n;
};
if (!/^[1-9]\d*$/.test(values.rounds)) throw new Error(`--rounds must be an integer >= 1, got ${values.rounds}`);
const rounds = Number(values.rounds);
if (rounds > 1 && (!values.compare || values['no-interleave'])) throw new Error('--rounds N > 1 needs --compare (interleaved: without --no-interleave)');
const scalingOpts: ScalingOptions = {
  sizes: list(values['scaling-sizes']).map((x) => {
    if (!/^[1-9]\d*$/.test(x)) throw new Error(`--scaling-sizes must list integers >= 1, got ${x}`);
    return Number(x);
  }),
  kinds: list(values['scaling-kinds']).map((k) => scalingSpec(k).kind),
  maxQuadratic: positive('scaling-max-quadratic', values['scaling-max-quadratic']),
  memCapBytes: positive('scaling-mem-cap', values['scaling-mem-cap']) * 2 ** 30,
  reducedCalls: values['scaling-calls'] === undefined ? null : positive('scaling-calls', values['scaling-calls']),
  contention: !values['no-contention'],
  memory: !values['no-scaling-memory'],
};

function childArgs(backend: string, out: string, only: readonly string[], waitBudgetS: number | null): string[] {
  const a = [...process.execArgv, process.argv[1]!, '--child', '--backend', backend, '--workloads', only.join(','),
    '--impl', impl, '--child-out', out];
  if (waitBudgetS !== null) a.push('--wait-budget', String(waitBudgetS));
  if (values.quick) a.push('--quick');
  if (values['no-bjs']) a.push('--no-bjs');
  if (values['no-contention']) a.push('--no-contention');
  for (const k of ['scaling-sizes', 'scaling-kinds', 'scaling-max-quadratic', 'scaling-mem-cap', 'scaling-calls'] as const) {
    if (values[k] !== undefined) a.push(`--${k}`, values[k]);
  }
  if (values['no-scaling-memory']) a.push('--no-scaling-memory');
  return a;
}

async function runInChild(backend: string, dir: string, only: readonly string[] = workloads, waitBudgetS: number | null = null): Promise<BackendReport> {
  const out = join(dir, `${backend.replace(/[^\w-]/g, '_')}-${only.join('_')}.json`);
  const code = await new Promise<number | null>((resolve) => {
    const p = spawn(process.execPath, childArgs(backend, out, only, waitBudgetS), { stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('exit', (c) => resolve(c));
    p.on('error', () => resolve(-1));
  });
  try {
    return JSON.parse(readFileSync(out, 'utf8')) as BackendReport;
  } catch {
    return { backend, impl: null, skipped: `child process exited with ${code} without a report`, cases: [] };
  }
}

/** One configuration's reports from several children (interleaved compare mode, any rounds) as one report. */
function mergeReports(rs: BackendReport[]): BackendReport {
  const first = rs.find((r) => !r.skipped) ?? rs[0]!;
  const scaling = rs.find((r) => r.scaling)?.scaling;
  const skipped = rs.filter((r) => r.skipped).map((r) => r.skipped);
  return {
    ...first, cases: bestOfRounds(rs.flatMap((r) => r.cases)), ...(scaling ? { scaling } : {}),
    ...(skipped.length === rs.length ? { skipped: skipped.join('; ') } : {}),
  };
}

async function main(): Promise<number> {
  if (values.child) {
    if (values['wait-budget'] !== undefined) setWaitBudget(positive('wait-budget', values['wait-budget']) * 1000);
    if (values.backend !== TFJS) await registeredBackends();
    const cfg = parseBackend(values.backend ?? 'cpu');
    const r: BackendReport = await runChild(cfg, {
      workloads: workloads.filter((w) => w !== 'S'), quick: values.quick, choice: impl, bjs: !values['no-bjs'], contention: !values['no-contention'],
    });
    // S runs through hopfield.retrieve (public API) on the backend runChild configured and probed (hopgrad only)
    if (workloads.includes('S') && !r.skipped && cfg.name !== TFJS) r.scaling = await runScaling(cfg.name, scalingOpts);
    writeFileSync(values['child-out'] ?? '/dev/stdout', JSON.stringify(r));
    return 0;
  }
  const explicit = values.backend !== undefined;
  const backends = explicit ? list(values.backend!) : [await defaultBackend()];
  if (values.compare && !backends.includes(TFJS)) backends.push(TFJS);
  const dir = mkdtempSync(join(tmpdir(), 'hopgrad-bench-'));
  let reports: BackendReport[] = [];
  try {
    if (values.compare && !values['no-interleave'] && backends.length > 1) {
      // compare mode: one child per (workload, configuration), configurations alternating within each workload, so
      // the paired cases run minutes apart at most (the machine's load drifts); the idle-wait budget is split
      const groups: string[][] = workloads.filter((w) => w !== 'S').map((w) => [w]);
      const parts: BackendReport[][] = backends.map(() => []);
      const budget = Math.max(10, 120 / ((groups.length + 1) * rounds));
      for (const g of groups) {
        for (let r = 0; r < rounds; r++) {
          for (const i of roundOrder(backends.map((_, j) => j), r)) parts[i]!.push(await runInChild(backends[i]!, dir, g, budget));
        }
      }
      // the scaling series (hopgrad only) once, after the paired workloads
      if (workloads.includes('S')) for (const [i, b] of backends.entries()) parts[i]!.push(await runInChild(b, dir, ['S'], budget));
      reports = parts.map(mergeReports);
    } else {
      for (const b of backends) reports.push(await runInChild(b, dir)); // one at a time: they would contend
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const meta: RunMeta = {
    date: new Date().toISOString(),
    command: `tsx bench/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
    platform: platformDescription(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    quick: values.quick,
  };
  process.stdout.write('\n' + toMarkdown(meta, reports));
  const files = writeResults(values.out, meta, reports);
  process.stdout.write(`\nwrote ${files.json} and ${files.md}\n`);
  const failed = reports.some((r) => r.cases.some((c) => !c.checkOk) || r.scaling?.cases.some((c) => c.checkOk === false || c.error))
    || (explicit && reports.some((r) => r.skipped));
  return failed ? 1 : 0;
}

process.exitCode = await main();
