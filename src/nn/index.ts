// The models layer: modules, layers, initialisers, the paper's Perceiver with cross-modal fusion and
// the CNN late-fusion baseline.
export { Parameter } from './parameter.js';
export { Module, type HostArray, type LoadStateDictOptions, type LoadStateDictResult, type PlacementOptions } from './module.js';
export { Layer } from './layer.js';
export { uniformInit, normalInit, constantInit, type LayerOptions } from './init.js';
export { Linear, linear, type LinearOptions } from './linear.js';
export { Conv2d, type Conv2dLayerOptions } from './conv2d.js';
export { MaxPool2d } from './max-pool2d.js';
export { Flatten } from './flatten.js';
export { Dropout } from './dropout.js';
export { LayerNorm } from './layer-norm.js';
export { ReLU, GELU } from './activations.js';
export { Sequential, ModuleList } from './sequential.js';
export { Attention, type AttentionOptions } from './attention.js';
export { GEGLU, FeedForward, type FeedForwardOptions } from './feed-forward.js';
export { PreNorm, type ContextModule } from './pre-norm.js';
export { LatentTransformer, LatentBlock, type LatentTransformerOptions } from './latent-transformer.js';
export { PerceiverLayer, type PerceiverLayerOptions, type TraceFn } from './perceiver-layer.js';
export { fourierFeatures } from './fourier-features.js';
export { toPatches, patchesFor } from './avmnist-patches.js';
export type { MultimodalModel, RawModality, ForwardOptions } from './multimodal-model.js';
export { type PerceiverConfig, type PerceiverModality, tokenWidth } from './perceiver-config.js';
export { PerceiverFusion } from './perceiver-fusion.js';
export * as presets from './presets.js';
export { CnnLateFusion, LeNetEncoder, type CnnLateFusionConfig, type CnnModality } from './cnn-late-fusion.js';
