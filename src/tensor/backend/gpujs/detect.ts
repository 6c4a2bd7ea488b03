// GPU detection for setBackend('auto'): reads the WebGL renderer string (browser: a throwaway WebGL context;
// Node: headless-gl's context, when the optional native `gl` module is built) and rejects software renderers.
import { gpujsExport } from './runtime.js';

/** Why `auto` did (or did not) choose gpu.js. */
export interface GpuDetection {
  /** true only for a hardware renderer that gpu.js can use. */
  available: boolean;
  /** the (unmasked where possible) WebGL renderer string, or null when no context could be created. */
  renderer: string | null;
  /** true when the renderer is a software rasterizer (SwiftShader, llvmpipe, ...). */
  software: boolean;
  /** a human-readable explanation of the decision. */
  reason: string;
}

/** Renderer substrings (lower case) that identify software rasterizers. */
const SOFTWARE_PATTERNS: readonly string[] = [
  'swiftshader', 'llvmpipe', 'lavapipe', 'softpipe', 'software', 'microsoft basic render', 'basic render driver',
  'mesa offscreen', 'gdi generic', 'subzero',
];
/** Renderer strings that name no device (masked or generic): not proof of a hardware GPU. */
const GENERIC_RENDERERS: readonly string[] = ['', 'angle', 'webkit webgl', 'mozilla', 'generic renderer', 'webgl'];

/** Classify a WebGL renderer string as a software rasterizer, a named hardware device, or unknown. */
export function classifyRenderer(renderer: string): 'software' | 'hardware' | 'unknown' {
  const r = renderer.trim().toLowerCase();
  if (SOFTWARE_PATTERNS.some((p) => r.includes(p))) return 'software';
  if (GENERIC_RENDERERS.includes(r)) return 'unknown';
  return 'hardware';
}

// WEBGL_debug_renderer_info's enums (the extension object is not typed in every lib.dom version)
const UNMASKED_RENDERER_WEBGL = 0x9246;

/** The renderer string of a WebGL context: the unmasked one when the debug extension is exposed. */
function rendererOf(gl: WebGLRenderingContext | WebGL2RenderingContext): string {
  let r: unknown = null;
  try {
    if (gl.getExtension('WEBGL_debug_renderer_info')) r = gl.getParameter(UNMASKED_RENDERER_WEBGL);
  } catch { r = null; }
  if (typeof r !== 'string' || r === '') r = gl.getParameter(gl.RENDERER);
  return typeof r === 'string' ? r : '';
}

function decide(renderer: string, where: string): GpuDetection {
  const kind = classifyRenderer(renderer);
  if (kind === 'software') {
    return { available: false, renderer, software: true, reason: `${where} renderer '${renderer}' is a software rasterizer` };
  }
  if (kind === 'unknown') {
    return { available: false, renderer, software: false, reason: `${where} renderer '${renderer}' does not name a GPU (masked or generic)` };
  }
  return { available: true, renderer, software: false, reason: `${where} renderer '${renderer}' is a hardware GPU` };
}

function detectBrowser(): GpuDetection {
  let canvas: HTMLCanvasElement | OffscreenCanvas;
  if (typeof document !== 'undefined' && typeof document.createElement === 'function') canvas = document.createElement('canvas');
  else canvas = new OffscreenCanvas(1, 1);
  // local cast: HTMLCanvasElement and OffscreenCanvas have differently overloaded getContext signatures
  const getContext = (type: string): unknown => (canvas as HTMLCanvasElement).getContext(type);
  const gl = (getContext('webgl2') ?? getContext('webgl')) as WebGLRenderingContext | WebGL2RenderingContext | null;
  if (!gl) return { available: false, renderer: null, software: false, reason: 'no WebGL context (WebGL disabled or unsupported)' };
  const d = decide(rendererOf(gl), 'WebGL');
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return d;
}

function detectNode(): GpuDetection {
  const k = gpujsExport('HeadlessGLKernel') as HeadlessGL | undefined; // local cast: gpu.js's class, untyped here
  let supported = false;
  try { supported = Boolean(k?.isSupported); } catch { supported = false; }
  const ctx = supported ? k?.testContext : null;
  if (!ctx) {
    return { available: false, renderer: null, software: false, reason: "headless-gl unavailable: the optional native 'gl' module is not built/installed" };
  }
  return decide(rendererOf(ctx), 'headless-gl');
}
interface HeadlessGL { isSupported: boolean; testContext: WebGLRenderingContext | null }

let cached: GpuDetection | null = null;

/**
 * Whether a real (hardware) GPU is reachable through gpu.js here, with the renderer string and the reason.
 * `setBackend('auto')` uses gpu.js only when `available` is true. The result is cached; pass
 * `{ refresh: true }` to probe again.
 */
export function detectGpu(options: { refresh?: boolean } = {}): GpuDetection {
  if (cached && !options.refresh) return cached;
  let d: GpuDetection;
  try {
    const browserLike = typeof document !== 'undefined' || typeof OffscreenCanvas !== 'undefined';
    d = browserLike ? detectBrowser() : detectNode();
  } catch (e) {
    d = { available: false, renderer: null, software: false, reason: `GPU probe failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  cached = d;
  return d;
}
