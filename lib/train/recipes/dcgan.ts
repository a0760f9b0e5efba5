/**
 * DCGAN (Radford et al. 2015) trained on eq. (1): one discriminator step, then one generator
 * step with the non-saturating loss, as PyTorch's DCGAN example and the peer benchmark do.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../presets';
import { dcganDiscriminator, dcganGenerator } from '../../models/dcgan';
import { minimaxDiscriminatorLoss, nonSaturatingGeneratorLoss } from '../../losses';
import { GanModel, readScalars, StepData, stepSeed } from '../ganModel';
import { makeOptimizer, trainableVariables } from '../optimizers';

export function createDcgan(config: TrainConfig): GanModel {
  const generator = dcganGenerator({ size: config.size, nz: config.nz, ngf: config.ngf, seed: config.seed });
  const discriminator = dcganDiscriminator({ size: config.size, ndf: config.ndf, seed: config.seed + 1 });
  const optG = makeOptimizer(config.optimizerG);
  const optD = makeOptimizer(config.optimizerD);
  const varsG = trainableVariables(generator);
  const varsD = trainableVariables(discriminator);
  const G = (z: tf.Tensor) => generator.apply(z, { training: true }) as tf.Tensor4D;
  const D = (x: tf.Tensor) => discriminator.apply(x, { training: true }) as tf.Tensor;

  return {
    config,
    networks: { generator, discriminator },
    optimizers: { generator: optG, discriminator: optD },
    conditional: false,
    trainStep(data: StepData, step: number) {
      const real = data.nextA();
      const losses = tf.tidy(() => {
        const z = tf.randomNormal([real.shape[0], config.nz], 0, 1, 'float32', stepSeed(config.seed, step));
        const fake = G(z);
        const dLoss = optD.minimize(() => minimaxDiscriminatorLoss(D(real), D(fake)), true, varsD)!;
        const gLoss = optG.minimize(() => nonSaturatingGeneratorLoss(D(G(z))), true, varsG)!;
        return { d_loss: tf.keep(dLoss), g_loss: tf.keep(gLoss) };
      });
      real.dispose();
      return readScalars(losses);
    },
    generate(n: number, seed: number) {
      return tf.tidy(() => {
        const z = tf.randomNormal([n, config.nz], 0, 1, 'float32', seed);
        return generator.apply(z, { training: false }) as tf.Tensor4D;
      });
    },
    dispose() {
      generator.dispose();
      discriminator.dispose();
      optG.dispose();
      optD.dispose();
    },
  };
}
