/**
 * WGAN (Arjovsky et al. 2017), §4.1 eq. (8): the critic maximises E[f(x)] − E[f(G(z))] for
 * `nCritic` steps per generator step, kept 1-Lipschitz by clipping its weights to ±c; or, as
 * WGAN-GP (Gulrajani et al. 2017), by a gradient penalty instead of clipping.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../presets';
import { dcganLayout } from '../../models/dcgan';
import { clipWeights, wganCritic } from '../../models/wgan';
import { gradientPenalty, wassersteinCriticLoss, wassersteinGeneratorLoss } from '../../losses';
import { NoiseGanModel, readScalars, StepData, stepSeed } from '../ganModel';
import type { NoiseRecipe } from './recipe';
import { noiseGanParts } from './noiseGan';

/** WGAN with the critic kept Lipschitz by `constraint`: the paper's clipping, or WGAN-GP's penalty. */
function wganRecipe(name: 'wgan' | 'wgan-gp', constraint: 'clip' | 'penalty'): NoiseRecipe {
  return {
    name,
    conditional: false,
    // The critic is the DCGAN discriminator's layout (see models/wgan).
    validate: (config) => void dcganLayout(config.size, name),
    criticSteps: (config) => config.nCritic,
    imagesPerStep: (config) => config.batch * config.nCritic,
    lipschitz: () => constraint,
    create: (config) => createWgan(config, constraint),
  };
}

export const wgan = wganRecipe('wgan', 'clip');
export const wganGp = wganRecipe('wgan-gp', 'penalty');

export function createWgan(config: TrainConfig, constraint: 'clip' | 'penalty'): NoiseGanModel {
  const gp = constraint === 'penalty';
  const critic = wganCritic({ size: config.size, ndf: config.ndf, norm: gp ? 'layer' : 'batch', seed: config.seed + 1 });
  const { generator, optG, optD, varsG, varsD, G, D: f, noise, sample, dispose } = noiseGanParts(config, critic);

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
          const z = noise(real.shape[0], stepSeed(config.seed, step, k));
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
        const z = noise(n, stepSeed(config.seed, step, 999));
        return optG.minimize(() => wassersteinGeneratorLoss(f(G(z))), true, varsG)!;
      });
      const values = readScalars(scalars);
      // With clipping the critic loss is −W exactly; with a penalty it also holds the penalty.
      if (!gp) values.w_estimate = -values.d_loss;
      return values;
    },
    sample,
    dispose,
  };
}
