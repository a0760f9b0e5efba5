/**
 * Every default of the feature extractors in one place; the CLI, notebooks and tests read them here.
 */
export const EXTRACTOR_DEFAULTS = {
  /** The extractor that works offline today (proxy; see nsfwjsProxy.ts). */
  extractor: 'nsfwjs-proxy',
  /** Images per forward pass: Inception at 299×299 needs ~50 MB of activations per image on the cpu backend. */
  batchSize: 8,
  /** Input side of the FID Inception network (pytorch-fid resizes every image to 299×299). */
  inceptionSize: 299,
  /** Feature dimension of pool3 / mixed10. */
  inceptionDim: 2048,
  /** Classes of the FID Inception's logits layer (1008: the 2015-12-05 graph's 1000 ImageNet classes + 8 unused). */
  inceptionClasses: 1008,
  /** Environment variable naming the folder with the converted FID Inception weights. */
  inceptionDirEnv: 'ANIME_GAN_INCEPTION_DIR',
  /** Manifest file the conversion script writes into that folder. */
  inceptionManifest: 'weights_manifest.json',
  /** nsfwjs's Inception-v3 input side. */
  nsfwjsSize: 299,
  /** Environment variable naming the folder of a trained domain classifier (tfjs layers model). */
  domainClassifierDirEnv: 'ANIME_GAN_DOMAIN_CLASSIFIER_DIR',
  /** Input side of the domain classifier (images are resized to it). */
  domainClassifierSize: 32,
} as const;

/** Training defaults of the domain classifier (domainClassifier.ts). */
export const DOMAIN_CLASSIFIER_DEFAULTS = {
  epochs: 30,
  batchSize: 64,
  learningRate: 2e-3,
  heldOutFraction: 0.2,
  seed: 0,
  featureDim: 64,
} as const;
