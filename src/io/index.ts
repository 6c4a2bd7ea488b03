// The io namespace (`import { io } from 'hopgrad'`): browser-safe serialization of tensors.
// Node file helpers (atomic writes, load/save from paths) live in src/node/fs.ts.
export { serializeSafetensors, parseSafetensors } from './safetensors.js';
export type { ParsedSafetensors, SafetensorsDType } from './safetensors.js';
export * from './datasets/index.js';
