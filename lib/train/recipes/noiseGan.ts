import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../presets';
import { dcganGenerator } from '../../models/dcgan';
import { makeOptimizer, trainableVariables } from '../optimizers';

/**
 * What DCGAN and WGAN share: a DCGAN generator from noise, a second network that judges images
 * (discriminator or critic), an optimizer each, and sampling from seeded noise.
 */
export function noiseGanParts(config: TrainConfig, judge: tf.LayersModel) {
  const generator = dcganGenerator({ size: config.size, nz: config.nz, ngf: config.ngf, seed: config.seed });
  const optG = makeOptimizer(config.optimizerG);
  const optD = makeOptimizer(config.optimizerD);
  return {
    generator,
    optG,
    optD,
    varsG: trainableVariables(generator),
    varsD: trainableVariables(judge),
    G: (z: tf.Tensor) => generator.apply(z, { training: true }) as tf.Tensor4D,
    D: (x: tf.Tensor) => judge.apply(x, { training: true }) as tf.Tensor,
    noise: (n: number, seed: number) => tf.randomNormal([n, config.nz], 0, 1, 'float32', seed),
    sample(n: number, seed: number): tf.Tensor4D {
      return tf.tidy(() => generator.apply(tf.randomNormal([n, config.nz], 0, 1, 'float32', seed), { training: false }) as tf.Tensor4D);
    },
    dispose() {
      generator.dispose();
      judge.dispose();
      optG.dispose();
      optD.dispose();
    },
  };
}
