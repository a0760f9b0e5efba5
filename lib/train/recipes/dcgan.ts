/**
 * DCGAN (Radford et al. 2015) trained on eq. (1): one discriminator step, then one generator
 * step with the non-saturating loss, as PyTorch's DCGAN example and the peer benchmark do.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../presets';
import { dcganDiscriminator, dcganLayout } from '../../models/dcgan';
import { minimaxDiscriminatorLoss, nonSaturatingGeneratorLoss } from '../../losses';
import { NoiseGanModel, readScalars, StepData, stepSeed } from '../ganModel';
import type { NoiseRecipe } from './recipe';
import { noiseGanParts } from './noiseGan';
import { firstOrderGradients } from '../../backend/firstOrder';

export const dcgan: NoiseRecipe = {
  name: 'dcgan',
  conditional: false,
  validate: (config) => void dcganLayout(config.size, 'dcgan'),
  criticSteps: () => 1,
  imagesPerStep: (config) => config.batch,
  lipschitz: () => 'none',
  create: createDcgan,
};

export function createDcgan(config: TrainConfig): NoiseGanModel {
  const discriminator = dcganDiscriminator({ size: config.size, ndf: config.ndf, seed: config.seed + 1 });
  const { generator, optG, optD, varsG, varsD, G, D, noise, sample, dispose } = noiseGanParts(config, discriminator);
  return {
    config,
    networks: { generator, discriminator },
    optimizers: { generator: optG, discriminator: optD },
    conditional: false,
    trainStep(data: StepData, step: number) {
      const real = data.nextA();
      const losses = tf.tidy(() => {
        const z = noise(real.shape[0], stepSeed(config.seed, step));
        let dLoss: tf.Scalar | undefined;
        // G's tape encloses the D step so that the G step backpropagates through the same forward
        // pass of G (as PyTorch's `fake` is reused) instead of computing G(z) twice. The D step's
        // own backward pass is never on G's gradient path (D is updated by assignment).
        const { value: gLoss, grads } = tf.variableGrads(() => {
          const fake = G(z);
          dLoss = tf.keep(
            firstOrderGradients(() => optD.minimize(() => minimaxDiscriminatorLoss(D(real), D(fake)), true, varsD)!),
          );
          return nonSaturatingGeneratorLoss(D(fake));
        }, varsG);
        optG.applyGradients(grads);
        return { d_loss: dLoss!, g_loss: gLoss };
      });
      real.dispose();
      return readScalars(losses);
    },
    sample,
    dispose,
  };
}
