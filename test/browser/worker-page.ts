// The worker half of the page's "inside a Web Worker" check: a module worker (worker.js; the harness maps this
// file's import of src/index.js to ./hopgrad.js, the same library bundle). On the message 'run' it runs
// wasm-checks' insideWorker and posts back { detail, info }; on 'bench' it times W1 here (wasmTiming, where the
// calling thread blocks in Atomics.wait instead of spinning) and posts back { detail: null, info }.
import * as hopgrad from '../../src/index.js';
import { type WasmPageApi, insideWorker, wasmTiming } from './wasm-checks.js';

const api = hopgrad as unknown as WasmPageApi;

async function bench(): Promise<{ detail: string | null; info: Record<string, unknown> }> {
  const info: Record<string, unknown> = {};
  await api.wasmReady();
  await wasmTiming(api, info);
  return { detail: null, info };
}

self.onmessage = (e: MessageEvent<string>) => {
  (e.data === 'bench' ? bench() : insideWorker(api)).then(
    (r) => { self.postMessage(r); },
    (err: unknown) => { self.postMessage({ detail: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err), info: {} }); },
  );
};
