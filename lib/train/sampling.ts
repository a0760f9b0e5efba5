/**
 * How a trained model is asked for images, in chunks: noise samples (reproducible for every
 * seed, 0 included) and translations. `sample`, `fid <run>` and `parity` all draw them here, so a
 * run scored with a seed is scored on the images `sample --seed` writes.
 */
import * as tf from '@tensorflow/tfjs';
import { Direction, DIRECTIONS, GanModel, stepSeed } from './ganModel';
import { UserError } from '../util/errors';

/** Images drawn from noise per chunk. */
export const SAMPLE_CHUNK = 100;

/**
 * Noise seed of chunk k for a user's --seed: a hash (stepSeed) that is never 0, because tf.js
 * treats seed 0 as "unseeded" and the default --seed 0 must still give the same images each time.
 */
export function chunkSeed(seed: number, k: number): number {
  return stepSeed(seed, -2, k);
}

/**
 * `n` samples of an unconditional model, as successive chunks (each [≤SAMPLE_CHUNK, h, w, 3] in
 * [-1, 1]; the caller disposes each); chunk k draws its noise from chunkSeed(seed, k).
 */
export function* noiseSamples(model: GanModel, n: number, seed: number, chunk = SAMPLE_CHUNK): Generator<tf.Tensor4D> {
  if (model.conditional) throw new UserError('this run translates images (cycle model): give it inputs to translate');
  for (let s = 0, k = 0; s < n; s += chunk, k++) yield model.sample(Math.min(chunk, n - s), chunkSeed(seed, k));
}

export { Direction, DIRECTIONS };

/** Translations of `inputs` by a cycle model: G (A→B, faces → anime) or F (B→A). Caller disposes. */
export function translate(model: GanModel, inputs: tf.Tensor4D, direction: Direction): tf.Tensor4D {
  if (!model.conditional) throw new UserError('this run generates from noise; --input and --direction are for the cycle model (proposed)');
  return model.translate(inputs, direction);
}
