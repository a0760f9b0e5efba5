/**
 * WGAN (Arjovsky, Chintala & Bottou 2017), the paper's second baseline (§4.1, eq. (8), Fig. 4).
 * The critic is the DCGAN discriminator body with a linear output (no sigmoid): it scores
 * images, and eq. (8) asks it to be 1-Lipschitz, which WGAN enforces by clipping every weight
 * to [-c, c] after each critic step ({@link clipWeights}).
 *
 * For the gradient-penalty variant (Gulrajani et al. 2017) batch norm must go, because the
 * penalty is per sample and batch norm couples the samples: use norm 'layer' (their choice),
 * 'instance' or 'none'.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../util/errors';
import { NormKind } from './common';
import { DcganDiscriminatorOptions, downsamplingCritic } from './dcgan';

export interface WganCriticOptions extends DcganDiscriminatorOptions {
  /** Normalisation of the hidden layers. Default 'batch' (WGAN with clipping, as in the WGAN paper's DCGAN critic). */
  norm?: NormKind;
}

/** Image [batch, H, W, 3] -> critic score [batch, 1], unbounded. */
export function wganCritic(opts: WganCriticOptions = {}): tf.LayersModel {
  return downsamplingCritic({ ...opts, norm: opts.norm ?? 'batch', gpActivation: true }, 'wgan-critic', 'wgan_critic');
}

/**
 * Weight clipping: every trainable weight of `model` is clamped to [-c, c] in place. This is how
 * WGAN keeps the critic's functions K-Lipschitz for the supremum of eq. (8) (Arjovsky et al.
 * clip all critic parameters, c = 0.01). Creates no lasting tensors.
 */
export function clipWeights(model: tf.LayersModel, c: number): void {
  if (!(c > 0) || !Number.isFinite(c)) throw new UserError(`clipWeights: clip value must be a positive number, got ${c}`);
  tf.tidy(() => {
    for (const w of model.trainableWeights) w.write(tf.clipByValue(w.read(), -c, c));
  });
}
