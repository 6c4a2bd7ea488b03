// hopgrad's `hopfield` namespace: retrieval (every association kind), energies, separations, feature maps,
// the layers (Hopfield, HopfieldPooling, HopfieldLayer, HopfieldRetrieval and their functional core) and the
// `theory` tools. Exposed as `import { hopfield } from 'hopgrad'`: `hopfield.retrieve`, `hopfield.Hopfield`,
// `hopfield.theory.capacityLowerBound`.
export * from './retrieve.js';
export * from './energy.js';
export { sparsemax, entmax } from './separation.js';
export type { SeparationOptions } from './separation.js';
export * from './feature-maps.js';
export { defaultWindow } from './masks.js';
export { hopfieldCore } from './hopfield-core.js';
export type {
  AssociationOptions, HopfieldCoreOptions, HopfieldCoreResult, HopfieldParams, LayerNormParams,
} from './hopfield-core.js';
export { Hopfield } from './layers.js';
export type {
  HopfieldOptions, HopfieldInput, HopfieldCallOptions, HopfieldDetailedCallOptions, PatternSets,
} from './layers.js';
export { HopfieldPooling, HopfieldLayer, HopfieldRetrieval } from './pooling.js';
export type { HopfieldPoolingOptions, PoolingInput, HopfieldLayerOptions, HopfieldRetrievalOptions } from './pooling.js';
export * as theory from './theory.js';
export * as verify from './verify/index.js';
