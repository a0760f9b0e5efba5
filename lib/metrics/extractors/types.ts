import * as tf from '@tensorflow/tfjs';

/** What an extractor returns for n images: row-major n×dim features and, if it classifies, n×classes probabilities. */
export interface ExtractedFeatures {
  features: Float32Array;
  probs?: Float32Array;
}

/**
 * A network that maps images to feature vectors (for FID/KID, eq. (12)) and, when it has a
 * classifier head, to class probabilities (for IS, eq. (11)).
 */
export interface FeatureExtractor {
  /** Registry name, e.g. "nsfwjs-proxy". */
  readonly name: string;
  /** Feature dimension (2048 for the Inception pool3 / mixed10 features). */
  readonly dim: number;
  /** Number of classes of `probs`, when the extractor has a classifier. */
  readonly classes?: number;
  /** Label to show in captions and reports, e.g. "proxy Inception (nsfwjs mixed10), not comparable with published FID". */
  readonly description: string;
  /** Images NHWC in [-1, 1], any size (each extractor applies its own documented resize). Does not dispose `images`. */
  extract(images: tf.Tensor4D): Promise<ExtractedFeatures>;
  /** Free the weights. */
  dispose(): void;
}

/** Options understood by the built-in extractors (each reads the ones it needs). */
export interface ExtractorOptions {
  /** Images per forward pass. */
  batchSize?: number;
  /** Folder with weights (inception-v3-fid: TF.js weights; domain-classifier: a saved model). */
  dir?: string;
  /** Show a progress bar while extracting (default true). */
  progress?: boolean;
}

export type ExtractorFactory = (opts: ExtractorOptions) => Promise<FeatureExtractor>;
