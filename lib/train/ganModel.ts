import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../presets';

/** Where a training iteration gets its data: real batches of domain A (and B for the cycle model). */
export interface StepData {
  nextA(): tf.Tensor4D;
  nextB?(): tf.Tensor4D;
}

/**
 * A GAN as the trainer sees it (CycleGAN's BaseModel, in small): its networks, its optimizers,
 * one training iteration, and sampling. One file per model in lib/train/recipes/.
 */
export interface GanModel {
  readonly config: TrainConfig;
  /** Networks by role, e.g. {generator, discriminator} or {G, F, Dx, Dy}. */
  readonly networks: Record<string, tf.LayersModel>;
  /** Optimizers by role, in a fixed order (checkpoints store them positionally). */
  readonly optimizers: Record<string, tf.Optimizer>;
  /** Whether the model translates images (cycle) rather than generating from noise. */
  readonly conditional: boolean;
  /**
   * One training iteration at `step` (0-based). Returns every loss as a number, under names
   * containing `loss` (plus any other scalar worth logging, e.g. the critic's W estimate).
   */
  trainStep(data: StepData, step: number): Record<string, number>;
  /**
   * Images for a grid: from noise seeded by `seed` (unconditional models), or translations of
   * `inputs` (cycle model: A→B). Inference mode; caller disposes.
   */
  generate(n: number, seed: number, inputs?: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

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
