// CLI: `npm run bench -- [--backend cpu,gpujs,gpujs:webasm] [--workloads W1,W2] [--quick] [--out bench/results]
//        [--impl auto|api|kernels] [--no-bjs] [--no-contention]`.
// --impl: public tensor API (auto = it when complete) or backend kernels; --no-bjs: skip the Benchmark.js
// cross-check; --no-contention: no idle wait / retries (foreign_cpu is still measured), for CI smoke runs.
// The parent re-invokes this script with --child once per backend (one process per framework configuration,
// bench-workloads.md §2), collects their reports, prints the markdown table and writes results.json/.md.
// Exit status 1 when a check value fails or an explicitly requested backend could not run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseBackend, registeredBackends } from './backends.js';
import { platformDescription } from './bjs.js';
import { type ChildReport, type ImplChoice, runChild } from './child.js';
import { type RunMeta, toMarkdown, writeResults } from './report.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    workloads: { type: 'string', default: 'W1,W2' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results' },
    impl: { type: 'string', default: 'auto' },
    'no-bjs': { type: 'boolean', default: false },
    'no-contention': { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
    'child-out': { type: 'string' },
  },
});

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);
const workloads = list(values.workloads).map((w) => w.toUpperCase());
const impl = values.impl as ImplChoice;
if (!['auto', 'api', 'kernels'].includes(impl)) throw new Error(`--impl must be auto, api or kernels, got ${impl}`);
const unknown = workloads.filter((w) => w !== 'W1' && w !== 'W2');
if (unknown.length) throw new Error(`unknown workloads ${unknown.join(', ')} (this harness implements W1, W2)`);

function childArgs(backend: string, out: string): string[] {
  const a = [...process.execArgv, process.argv[1]!, '--child', '--backend', backend, '--workloads', workloads.join(','),
    '--impl', impl, '--child-out', out];
  if (values.quick) a.push('--quick');
  if (values['no-bjs']) a.push('--no-bjs');
  if (values['no-contention']) a.push('--no-contention');
  return a;
}

async function runInChild(backend: string, dir: string): Promise<ChildReport> {
  const out = join(dir, `${backend.replace(/[^\w-]/g, '_')}.json`);
  const code = await new Promise<number | null>((resolve) => {
    const p = spawn(process.execPath, childArgs(backend, out), { stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('exit', (c) => resolve(c));
    p.on('error', () => resolve(-1));
  });
  try {
    return JSON.parse(readFileSync(out, 'utf8')) as ChildReport;
  } catch {
    return { backend, impl: null, skipped: `child process exited with ${code} without a report`, cases: [] };
  }
}

async function main(): Promise<number> {
  if (values.child) {
    await registeredBackends();
    const r = await runChild(parseBackend(values.backend ?? 'cpu'), {
      workloads, quick: values.quick, choice: impl, bjs: !values['no-bjs'], contention: !values['no-contention'],
    });
    writeFileSync(values['child-out'] ?? '/dev/stdout', JSON.stringify(r));
    return 0;
  }
  const explicit = values.backend !== undefined;
  const backends = explicit ? list(values.backend!) : await registeredBackends();
  const dir = mkdtempSync(join(tmpdir(), 'hopgrad-bench-'));
  const reports: ChildReport[] = [];
  try {
    for (const b of backends) reports.push(await runInChild(b, dir)); // one at a time: they would contend
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
  const failed = reports.some((r) => r.cases.some((c) => !c.checkOk)) || (explicit && reports.some((r) => r.skipped));
  return failed ? 1 : 0;
}

process.exitCode = await main();
