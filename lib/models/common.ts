import * as tf from '@tensorflow/tfjs';
import { batchNormalization } from './batchNorm';
import { Rng } from '../util/rng';
import { UserError } from '../util/errors';
import { instanceNormalization } from './instanceNorm';
// tf.layers.layerNormalization tiles its statistics: its gradient needs this one (see there).
import '../backend/tileGradient';

/** Image size as [height, width]; a single number means a square image. */
export type ImageSize = number | readonly [number, number];

/** Normalisation used between convolutions. */
export type NormKind = 'batch' | 'instance' | 'layer' | 'none';

export const NORM_KINDS: readonly NormKind[] = ['batch', 'instance', 'layer', 'none'];

/** [height, width] of a size option, validated as positive integers. */
export function parseSize(size: ImageSize, what: string): [number, number] {
  const [h, w] = typeof size === 'number' ? [size, size] : [size[0], size[1]];
  if (!Number.isInteger(h) || !Number.isInteger(w) || h <= 0 || w <= 0) {
    throw new UserError(`${what}: size must be positive integers [height, width], got ${JSON.stringify(size)}`);
  }
  return [h, w];
}

/** A positive integer option (channel widths, noise length). */
export function positiveInt(value: number, name: string, what: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new UserError(`${what}: ${name} must be a positive integer, got ${value}`);
  return value;
}

export function checkNorm(norm: string, what: string): NormKind {
  if (!(NORM_KINDS as readonly string[]).includes(norm)) {
    throw new UserError(`${what}: unknown norm '${norm}' (use one of ${NORM_KINDS.join(', ')})`);
  }
  return norm as NormKind;
}

/**
 * Per-layer initialiser seeds drawn from one model seed, so that a model built twice with the
 * same seed has the same weights. Without a seed, tf.js picks its own.
 */
export class SeedStream {
  private readonly rng: Rng | null;
  constructor(seed?: number) {
    this.rng = seed === undefined ? null : new Rng(`model:${seed}`);
  }
  next(): number | undefined {
    return this.rng ? this.rng.seed() : undefined;
  }
}

/** DCGAN initialisation (Radford et al. 2015): conv weights ~ N(0, 0.02). */
export function dcganKernelInit(seeds: SeedStream): ReturnType<typeof tf.initializers.randomNormal> {
  return tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: seeds.next() });
}

/** The normalisation layer of a given kind; `null` for 'none'. */
export function normLayer(kind: NormKind, name: string, seeds: SeedStream, opts: { dcganInit?: boolean; affine?: boolean } = {}): tf.layers.Layer | null {
  switch (kind) {
    case 'batch':
      // PyTorch defaults (eps 1e-5, momentum 0.1 == tf.js momentum 0.9); DCGAN draws gamma ~ N(1, 0.02).
      return batchNormalization({
        name,
        axis: -1,
        epsilon: 1e-5,
        momentum: 0.9,
        gammaInitializer: opts.dcganInit ? tf.initializers.randomNormal({ mean: 1, stddev: 0.02, seed: seeds.next() }) : 'ones',
      });
    case 'instance':
      return instanceNormalization({ name, epsilon: 1e-5, affine: opts.affine ?? false });
    case 'layer':
      // Over H, W and C of each sample, as in Gulrajani et al.'s WGAN-GP critic.
      return tf.layers.layerNormalization({ name, axis: [1, 2, 3], epsilon: 1e-5 });
    case 'none':
      return null;
  }
}

/** Applies a layer in the functional API, keeping the SymbolicTensor type. */
export function apply(layer: tf.layers.Layer | null, x: tf.SymbolicTensor): tf.SymbolicTensor {
  return layer ? (layer.apply(x) as tf.SymbolicTensor) : x;
}
