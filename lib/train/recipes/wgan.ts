/**
 * WGAN (Arjovsky et al. 2017), §4.1 eq. (8): the critic maximises E[f(x)] − E[f(G(z))] for
 * `nCritic` steps per generator step, kept 1-Lipschitz by clipping its weights to ±c; or, as
 * WGAN-GP (Gulrajani et al. 2017), by a gradient penalty instead of clipping.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../presets';
import { dcganGenerator } from '../../models/dcgan';
import { clipWeights, wganCritic } from '../../models/wgan';
import { gradientPenalty, wassersteinCriticLoss, wassersteinGeneratorLoss } from '../../losses';
import { GanModel, readScalars, StepData, stepSeed } from '../ganModel';
import { makeOptimizer, trainableVariables } from '../optimizers';

export function createWgan(config: TrainConfig): GanModel {
  const gp = config.model === 'wgan-gp';
  const generator = dcganGenerator({ size: config.size, nz: config.nz, ngf: config.ngf, seed: config.seed });
  const critic = wganCritic({ size: config.size, ndf: config.ndf, norm: gp ? 'layer' : 'batch', seed: config.seed + 1 });
  const optG = makeOptimizer(config.optimizerG);
  const optD = makeOptimizer(config.optimizerD);
  const varsG = trainableVariables(generator);
  const varsD = trainableVariables(critic);
  const G = (z: tf.Tensor) => generator.apply(z, { training: true }) as tf.Tensor4D;
  const f = (x: tf.Tensor) => critic.apply(x, { training: true }) as tf.Tensor;

  return {
    config,
    networks: { generator, critic },
    optimizers: { generator: optG, critic: optD },
    conditional: false,
    trainStep(data: StepData, step: number) {
      const scalars: Record<string, tf.Scalar> = {};
      for (let k = 0; k < config.nCritic; k++) {
        const real = data.nextA();
        const out = tf.tidy(() => {
          const z = tf.randomNormal([real.shape[0], config.nz], 0, 1, 'float32', stepSeed(config.seed, step, k));
          const fake = G(z);
          const dLoss = optD.minimize(
            () => {
              const wLoss = wassersteinCriticLoss(f(real), f(fake));
              if (!gp) return wLoss;
              const penalty = gradientPenalty((x) => f(x), real, fake, stepSeed(config.seed, step, 1000 + k), config.gpWeight);
              return tf.add(wLoss, penalty) as tf.Scalar;
            },
            true,
            varsD,
          )!;
          return tf.keep(dLoss);
        });
        real.dispose();
        if (!gp) clipWeights(critic, config.clip);
        if (k < config.nCritic - 1) out.dispose();
        else scalars.d_loss = out;
      }
      const n = config.batch;
      scalars.g_loss = tf.tidy(() => {
        const z = tf.randomNormal([n, config.nz], 0, 1, 'float32', stepSeed(config.seed, step, 999));
        return optG.minimize(() => wassersteinGeneratorLoss(f(G(z))), true, varsG)!;
      });
      const values = readScalars(scalars);
      // With clipping the critic loss is −W exactly; with a penalty it also holds the penalty.
      if (!gp) values.w_estimate = -values.d_loss;
      return values;
    },
    generate(n: number, seed: number) {
      return tf.tidy(() => {
        const z = tf.randomNormal([n, config.nz], 0, 1, 'float32', seed);
        return generator.apply(z, { training: false }) as tf.Tensor4D;
      });
    },
    dispose() {
      generator.dispose();
      critic.dispose();
      optG.dispose();
      optD.dispose();
    },
  };
}
