import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../presets';
import type { Domain } from './trainingData';

/** Where a training iteration gets its data: real batches of domain A (and B for the cycle model). */
export interface StepData {
  nextA(): tf.Tensor4D;
  nextB?(): tf.Tensor4D;
}

/** Which way a two-domain model translates: A→B with G (faces → anime), B→A with F. */
export type Direction = 'a2b' | 'b2a';
export const DIRECTIONS: readonly Direction[] = ['a2b', 'b2a'];

/**
 * What every GAN has, as the trainer sees it (CycleGAN's BaseModel, in small): its networks,
 * its optimizers and one training iteration. One file per model in lib/train/recipes/.
 */
interface GanModelBase {
  readonly config: TrainConfig;
  /** Networks by role, e.g. {generator, discriminator} or {G, F, Dx, Dy}. */
  readonly networks: Record<string, tf.LayersModel>;
  /** Optimizers by role, in a fixed order (checkpoints store them positionally). */
  readonly optimizers: Record<string, tf.Optimizer>;
  /**
   * One training iteration at `step` (0-based). Returns every loss as a number, under names
   * containing `loss` (plus any other scalar worth logging, e.g. the critic's W estimate).
   */
  trainStep(data: StepData, step: number): Record<string, number>;
  dispose(): void;
}

/** A model that generates from noise (DCGAN, WGAN): the one way to draw its images is `sample`. */
export interface NoiseGanModel extends GanModelBase {
  readonly conditional: false;
  /** n images from noise seeded by `seed`, in inference mode; the caller disposes them. */
  sample(n: number, seed: number): tf.Tensor4D;
}

/** A model that translates between two domains (the cycle model): the one way is `translate`. */
export interface TranslationGanModel extends GanModelBase {
  readonly conditional: true;
  /** The domains it translates between (its recipe's). */
  readonly domains: { readonly a: Domain; readonly b: Domain };
  /** `images` of the source domain translated (`a2b` with G, `b2a` with F), in inference mode; the caller disposes them. */
  translate(images: tf.Tensor4D, direction: Direction): tf.Tensor4D;
}

export type GanModel = NoiseGanModel | TranslationGanModel;

/** Seed of the noise drawn at `step` (sub-draw `k`): a pure function, so resumed runs match. */
export function stepSeed(seed: number, step: number, k = 0): number {
  // A small integer hash; tf.random* accept any number as a seed.
  let h = (seed * 2654435761) ^ (step * 40503) ^ (k * 97);
  h = Math.imul(h ^ (h >>> 16), 2246822507);
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  // tf.js treats a seed of 0 as "no seed" (Math.random), so 0 is never returned.
  return ((h ^ (h >>> 16)) >>> 0) || 1;
}

/** Read scalars once, after the step's work is queued. */
export function readScalars(named: Record<string, tf.Scalar>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, t] of Object.entries(named)) {
    out[k] = t.dataSync()[0];
    t.dispose();
  }
  return out;
}
