// Browser test harness (Node side): builds hopgrad with tsc (tsconfig.build.json, into a scratch dir), bundles the
// built ESM entry for the browser with esbuild, bundles test/browser/page.ts against it, serves both from a
// localhost http server with COOP/COEP headers (a document requested with ?coi=0 gets none, so that page is not
// cross-origin isolated), and runs the page — cross-origin isolated, then without COOP/COEP — in one Debian
// headless Chromium via playwright-core.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { chromium } from 'playwright-core';
import type { PageReport } from './page.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const REPO = resolve(here, '..', '..');
/** Debian's chromium (CI installs it with apt; playwright's own browsers are never downloaded). */
export const CHROMIUM = process.env['HOPGRAD_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * Chromium flags. `--disable-gpu` keeps Chromium off any host GPU; WebGL then needs SwiftShader: `--use-gl=angle
 * --use-angle=swiftshader` selects ANGLE's SwiftShader (Vulkan) device and `--enable-unsafe-swiftshader` keeps
 * WebGL allowed on it (Chromium ≥ 137 stops falling back to SwiftShader for WebGL without this flag).
 * The profile is a fresh temporary directory (playwright takes it as launchPersistentContext's userDataDir).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless', '--no-sandbox', '--disable-gpu', '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
  '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Options of a browser run. */
export interface BrowserRunOptions {
  /** ESM file to bundle as the library (default: the tsc-built dist/index.js of the public entry). */
  entry?: string;
  /** fast-check runs per kernel in the page (default 30). */
  runs?: number;
  /** fast-check seed for the page (default: time-based, reported in info.seed). */
  seed?: number;
  /** also time matmul n=256/512 on gpujs(webgl2) and cpu (≈ 15 s on SwiftShader; reported, never asserted). */
  bench?: boolean;
  /** also time W1 n=512/1024 on 1 and 2 wasm threads (reported in info.wasmTiming, never asserted). */
  wasmBench?: boolean;
  /** also run the page served without COOP/COEP (wasm single-threaded; default true). */
  plain?: boolean;
  /** wall-clock limit for the page in ms (default 240 s). */
  timeoutMs?: number;
}

/** What a browser run produced. */
export interface BrowserRunResult {
  report: PageReport; console: string[]; bundleBytes: number;
  /** Wall ms of the phases: building the site (tsc + esbuild) and running the pages in Chromium. */
  phaseMs: { build: number; pages: number };
}

/** Compile src with tsc (tsconfig.build.json) into `outDir`; returns the built public entry. */
function tscBuild(outDir: string): string {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir, '--declaration', 'false',
    '--sourceMap', 'false'], { cwd: REPO, encoding: 'utf8' });
  const entry = join(outDir, 'index.js');
  // tsc emits despite type errors (npm test's typecheck reports those); only a missing output is fatal here
  if (!existsSync(entry)) throw new Error(`tsc build produced no ${entry}:\n${r.stdout}${r.stderr}`);
  return entry;
}

/**
 * esbuild plugin: the page's import of src/index.js becomes the external specifier `spec` ('hopgrad' in the page,
 * mapped by its import map; './hopgrad.js' in the worker script, since workers have no import maps).
 */
function hopgradExternal(spec: string): Plugin {
  return {
    name: 'hopgrad-external',
    setup(b) {
      const target = join(REPO, 'src', 'index.js');
      b.onResolve({ filter: /index\.js$/ }, (args) =>
        (resolve(args.resolveDir, args.path) === target ? { path: spec, external: true } : undefined));
    },
  };
}

/** Build hopgrad.js (the library bundle), page.js, worker.js and index.html into `www`; returns the library bundle size. */
export async function buildSite(work: string, www: string, entry?: string): Promise<number> {
  mkdirSync(www, { recursive: true });
  const libEntry = entry ?? tscBuild(join(work, 'dist'));
  await build({
    entryPoints: [libEntry], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    outfile: join(www, 'hopgrad.js'), logLevel: 'silent',
  });
  const page = await build({
    entryPoints: [join(REPO, 'test', 'browser', 'page.ts')], bundle: true, format: 'esm', platform: 'browser',
    target: 'es2022', outfile: join(www, 'page.js'), logLevel: 'silent', plugins: [hopgradExternal('hopgrad')], metafile: true,
  });
  const worker = await build({
    entryPoints: [join(REPO, 'test', 'browser', 'worker-page.ts')], bundle: true, format: 'esm', platform: 'browser',
    target: 'es2022', outfile: join(www, 'worker.js'), logLevel: 'silent', plugins: [hopgradExternal('./hopgrad.js')], metafile: true,
  });
  // the page must test the library bundle, not a second copy of the sources
  const leaked = [...Object.keys(page.metafile.inputs), ...Object.keys(worker.metafile.inputs)].filter((f) => f.startsWith('src/'));
  if (leaked.length > 0) throw new Error(`page.js bundled library sources instead of importing 'hopgrad': ${leaked.join(', ')}`);
  writeFileSync(join(www, 'index.html'), `<!doctype html>
<html><head><meta charset="utf-8"><title>hopgrad browser tests</title><link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "hopgrad": "./hopgrad.js" } }</script>
<script type="module" src="./page.js"></script></head><body></body></html>
`);
  return statSync(join(www, 'hopgrad.js')).size;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json' };

/**
 * Serve `root` on 127.0.0.1 (random port) with the headers that make the page cross-origin isolated; a request
 * with the query `coi=0` (the page's document) is answered without COOP/COEP, so that page is not isolated.
 */
export async function serve(root: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    const file = join(root, path === '' ? 'index.html' : path);
    const isolate = url.searchParams.get('coi') !== '0';
    const headers = {
      ...(isolate ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}),
      'Cross-Origin-Resource-Policy': 'same-origin', 'Cache-Control': 'no-store',
    };
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, headers).end('not found');
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((ok, fail) => { server.once('error', fail); server.listen(0, '127.0.0.1', ok); });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('http server has no port');
  return { url: `http://127.0.0.1:${addr.port}/`, server };
}

/**
 * Open each of `urls` in turn (one page each, in one headless Chromium) and wait for its report; checks of the
 * i-th page after the first are prefixed with its `labels[i]`, and info goes under info[label].
 */
export async function runPage(urls: readonly string[], timeoutMs: number, labels: readonly string[] = []): Promise<{ report: PageReport; console: string[] }> {
  const profile = mkdtempSync(join(tmpdir(), 'hopgrad-chromium-'));
  const lines: string[] = [];
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS] });
  try {
    let merged: PageReport | null = null;
    for (const [i, url] of urls.entries()) {
      const label = labels[i] ?? `page ${i}`;
      const page = i === 0 ? (context.pages()[0] ?? (await context.newPage())) : await context.newPage();
      page.on('console', (m) => lines.push(`${i > 0 ? `(${label}) ` : ''}[${m.type()}] ${m.text()}`));
      page.on('pageerror', (e) => lines.push(`${i > 0 ? `(${label}) ` : ''}[pageerror] ${e.message}`));
      await page.goto(url);
      await page.waitForFunction(() => (window as unknown as { __hopgrad?: { done?: boolean } }).__hopgrad?.done === true,
        undefined, { timeout: timeoutMs, polling: 100 });
      const report = await page.evaluate(() => (window as unknown as { __hopgrad: PageReport }).__hopgrad);
      await page.close();
      if (merged === null) merged = report;
      else {
        merged.checks.push(...report.checks.map((c) => ({ ...c, name: `[${label}] ${c.name}` })));
        merged.info[label] = report.info;
      }
    }
    if (merged === null) throw new Error('runPage: no url given');
    return { report: merged, console: lines };
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\nbrowser console:\n${lines.join('\n')}`);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Build, serve and run the browser tests; throws with an explanation when Chromium is missing. */
export async function runBrowserTests(options: BrowserRunOptions = {}): Promise<BrowserRunResult> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: the browser tests need Debian's chromium ` +
      '(apt-get install -y chromium; .ci/run installs it). playwright-core never downloads a browser here.');
  }
  mkdirSync(join(REPO, '.tmp'), { recursive: true });
  // inside the repo so esbuild resolves gpu.js and fast-check from node_modules
  const work = mkdtempSync(join(REPO, '.tmp', 'browser-'));
  const www = join(work, 'www');
  let server: Server | null = null;
  try {
    const t0 = Date.now();
    const bundleBytes = await buildSite(work, www, options.entry);
    const t1 = Date.now();
    const s = await serve(www);
    server = s.server;
    // one seed for every page (time-based unless given; each page reports it in info.seed)
    const seed = options.seed ?? Date.now() % 2147483647;
    const q = new URLSearchParams({
      runs: String(options.runs ?? 30), seed: String(seed), ...(options.bench ? { bench: '1' } : {}),
      ...(options.wasmBench ? { wasmbench: '1' } : {}),
    });
    const urls = [`${s.url}index.html?${q}`];
    if (options.plain ?? true) urls.push(`${s.url}index.html?${q}&coi=0`);
    const { report, console: lines } = await runPage(urls, options.timeoutMs ?? 240_000, ['isolated', 'no COOP/COEP']);
    return { report, console: lines, bundleBytes, phaseMs: { build: t1 - t0, pages: Date.now() - t1 } };
  } finally {
    const srv = server;
    if (srv) await new Promise<void>((ok) => srv.close(() => ok()));
    rmSync(work, { recursive: true, force: true });
  }
}
