// The browser run: hopgrad's built ESM bundle in headless Chromium (WebGL2 on SwiftShader), checking gpu detection,
// setBackend('auto') → wasm (not gpu.js) on a software renderer, gpujs (webgl2) vs cpu kernel parity, and the wasm
// backend: the default, wasm vs cpu parity, its Web Workers on shared memory on the cross-origin isolated page (and
// inside a Web Worker), one thread on a second page served without COOP/COEP. It FAILS, never skips, when
// /usr/bin/chromium is missing: CI installs Debian's chromium first (see .ci/run). FC_SEED replays a seed;
// FC_RUNS_BROWSER sets the runs per kernel (default 30).
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, type BrowserRunResult, runBrowserTests } from './harness.js';

const runs = Number(process.env.FC_RUNS_BROWSER ?? 30);
const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

describe('browser: built bundle in headless Chromium', () => {
  let result: BrowserRunResult | null = null;
  let error: unknown = null;

  beforeAll(async () => {
    try { result = await runBrowserTests({ runs, ...seed }); } catch (e) { error = e; }
  }, 300_000);

  it(`finds Chromium at ${CHROMIUM}`, () => {
    expect(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium), as .ci/run does`).toBe(true);
  });

  it('runs every in-page check successfully', () => {
    if (error) throw error instanceof Error ? error : new Error(String(error));
    const r = result;
    expect(r, 'the browser run produced no report').not.toBeNull();
    if (!r) return;
    console.log(`browser run: seed ${String(r.report.info['seed'])}, ${runs} runs per kernel, bundle ${r.bundleBytes} bytes, ` +
      `build ${r.phaseMs.build} ms, pages ${r.phaseMs.pages} ms`);
    const failed = r.report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    expect(failed, `failed in-page checks:\n${failed.join('\n')}\nbrowser console:\n${r.console.join('\n')}`).toEqual([]);
    expect(r.report.checks.length).toBeGreaterThan(5);
  });
});
