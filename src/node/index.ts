// hopgrad's Node-only entry ('hopgrad/node'): atomic file writes, safetensors files, datasets on disk.
export * from './fs.js';
export { loadMnistPackage } from './mnist-package.js';
export type { DigitSet } from './mnist-package.js';
export * from './datasets.js';
export * as experiments from '../experiments/index.js';
