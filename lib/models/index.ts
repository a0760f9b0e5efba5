export { ImageSize, NormKind, NORM_KINDS, parseSize } from './common';
export * from './instanceNorm';
export * from './activations';
export * from './dcgan';
export * from './wgan';
export * from './resnetGenerator';
export * from './patchgan';
export * from './summary';
