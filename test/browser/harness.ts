// Browser test harness (Node side): builds hopgrad with tsc (tsconfig.build.json, into a scratch dir), bundles the
// built ESM entry for the browser with esbuild, bundles test/browser/page.ts against it, serves both from a
// localhost http server with COOP/COEP headers, and runs the page in Debian's headless Chromium via playwright-core.
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
  /** wall-clock limit for the page in ms (default 240 s). */
  timeoutMs?: number;
}

/** What a browser run produced. */
export interface BrowserRunResult { report: PageReport; console: string[]; bundleBytes: number }

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

/** esbuild plugin: the page's import of src/index.js becomes the external bare specifier 'hopgrad'. */
const hopgradExternal: Plugin = {
  name: 'hopgrad-external',
  setup(b) {
    const target = join(REPO, 'src', 'index.js');
    b.onResolve({ filter: /index\.js$/ }, (args) =>
      (resolve(args.resolveDir, args.path) === target ? { path: 'hopgrad', external: true } : undefined));
  },
};

/** Build hopgrad.js (the library bundle), page.js and index.html into `www`; returns the library bundle size. */
export async function buildSite(work: string, www: string, entry?: string): Promise<number> {
  mkdirSync(www, { recursive: true });
  const libEntry = entry ?? tscBuild(join(work, 'dist'));
  await build({
    entryPoints: [libEntry], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    outfile: join(www, 'hopgrad.js'), logLevel: 'silent',
  });
  const page = await build({
    entryPoints: [join(REPO, 'test', 'browser', 'page.ts')], bundle: true, format: 'esm', platform: 'browser',
    target: 'es2022', outfile: join(www, 'page.js'), logLevel: 'silent', plugins: [hopgradExternal], metafile: true,
  });
  // the page must test the library bundle, not a second copy of the sources
  const leaked = Object.keys(page.metafile.inputs).filter((f) => f.startsWith('src/'));
  if (leaked.length > 0) throw new Error(`page.js bundled library sources instead of importing 'hopgrad': ${leaked.join(', ')}`);
  writeFileSync(join(www, 'index.html'), `<!doctype html>
<html><head><meta charset="utf-8"><title>hopgrad browser tests</title><link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "hopgrad": "./hopgrad.js" } }</script>
<script type="module" src="./page.js"></script></head><body></body></html>
`);
  return statSync(join(www, 'hopgrad.js')).size;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json' };

/** Serve `root` on 127.0.0.1 (random port) with the headers that make the page cross-origin isolated. */
export async function serve(root: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^([/\\])+/, '');
    const file = join(root, path === '' ? 'index.html' : path);
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp',
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

/** Open `url` in headless Chromium and wait for the page's report. */
export async function runPage(url: string, timeoutMs: number): Promise<{ report: PageReport; console: string[] }> {
  const profile = mkdtempSync(join(tmpdir(), 'hopgrad-chromium-'));
  const lines: string[] = [];
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS] });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => lines.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => lines.push(`[pageerror] ${e.message}`));
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __hopgrad?: { done?: boolean } }).__hopgrad?.done === true,
      undefined, { timeout: timeoutMs, polling: 250 });
    const report = await page.evaluate(() => (window as unknown as { __hopgrad: PageReport }).__hopgrad);
    return { report, console: lines };
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
    const bundleBytes = await buildSite(work, www, options.entry);
    const s = await serve(www);
    server = s.server;
    const q = new URLSearchParams({
      runs: String(options.runs ?? 30), ...(options.seed !== undefined ? { seed: String(options.seed) } : {}), ...(options.bench ? { bench: '1' } : {}),
    });
    const { report, console: lines } = await runPage(`${s.url}index.html?${q}`, options.timeoutMs ?? 240_000);
    return { report, console: lines, bundleBytes };
  } finally {
    const srv = server;
    if (srv) await new Promise<void>((ok) => srv.close(() => ok()));
    rmSync(work, { recursive: true, force: true });
  }
}
