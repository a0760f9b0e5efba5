/**
 * DCGAN (Radford et al. 2015) trained on eq. (1): one discriminator step, then one generator
 * step with the non-saturating loss, as PyTorch's DCGAN example and the peer benchmark do.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../presets';
import { dcganDiscriminator } from '../../models/dcgan';
import { minimaxDiscriminatorLoss, nonSaturatingGeneratorLoss } from '../../losses';
import { GanModel, readScalars, StepData, stepSeed } from '../ganModel';
import { noiseGanParts } from './noiseGan';

export function createDcgan(config: TrainConfig): GanModel {
  const discriminator = dcganDiscriminator({ size: config.size, ndf: config.ndf, seed: config.seed + 1 });
  const { generator, optG, optD, varsG, varsD, G, D, noise, generate, dispose } = noiseGanParts(config, discriminator);
  return {
    config,
    networks: { generator, discriminator },
    optimizers: { generator: optG, discriminator: optD },
    conditional: false,
    trainStep(data: StepData, step: number) {
      const real = data.nextA();
      const losses = tf.tidy(() => {
        const z = noise(real.shape[0], stepSeed(config.seed, step));
        const fake = G(z);
        const dLoss = optD.minimize(() => minimaxDiscriminatorLoss(D(real), D(fake)), true, varsD)!;
        const gLoss = optG.minimize(() => nonSaturatingGeneratorLoss(D(G(z))), true, varsG)!;
        return { d_loss: tf.keep(dLoss), g_loss: tf.keep(gLoss) };
      });
      real.dispose();
      return readScalars(losses);
    },
    generate,
    dispose,
  };
}
