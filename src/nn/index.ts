// hopgrad's nn (torch.nn): Module and containers, layers, activations, losses, initializers and the
// functional forms. Exposed as `import { nn } from 'hopgrad'`: `nn.Linear`, `nn.init.kaimingUniform_`,
// `nn.functional.dropout`, `nn.crossEntropy`.
export { Module } from './module.js';
export { functionalCall } from './functional-call.js';
export type { AnyModule, ParameterOptions, BufferOptions, LoadResult, StateDictOptions } from './module.js';
export { Sequential, ModuleList } from './container.js';
export type { TensorModule } from './container.js';
export { Linear, Embedding, Identity, Flatten } from './linear.js';
export type { LayerOptions, LinearOptions, EmbeddingOptions } from './linear.js';
export { LayerNorm } from './normalization.js';
export type { LayerNormOptions } from './normalization.js';
export { Dropout } from './dropout.js';
export { ReLU, GELU, Tanh, Sigmoid, SiLU, Softplus, ELU, LeakyReLU, Softmax, LogSoftmax } from './activation.js';
export {
  mseLoss, l1Loss, huberLoss, smoothL1Loss, binaryCrossEntropy, bceWithLogits, crossEntropy, nllLoss,
} from './losses.js';
export type {
  Reduction, LossOptions, HuberOptions, SmoothL1Options, BCEOptions, BCEWithLogitsOptions, CrossEntropyOptions, NllLossOptions,
} from './losses.js';
export {
  MSELoss, L1Loss, HuberLoss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss,
} from './loss-modules.js';
export * as init from './init.js';
export type { InitOptions, KaimingOptions, XavierOptions, Nonlinearity, FanMode } from './init.js';
export * as functional from './functional.js';
export type { DropoutOptions } from './functional.js';
