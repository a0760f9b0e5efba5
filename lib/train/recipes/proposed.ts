/**
 * The paper's model (§4.2, eq. (10)): two ResNet-18-based generators G: A→B (face → anime) and
 * F: B→A, two 70×70 PatchGAN critics D_y (judges B) and D_x (judges A), trained on
 *   L = L_GAN(G, D_y) + L_GAN(F, D_x) + λ·L_cyc(G, F)
 * with L_GAN the Wasserstein objective of eq. (8) and weight clipping (the paper's choice), or a
 * gradient penalty (the paper's "future work", offered as an option). Generators step first,
 * then the critics, as in CycleGAN.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../presets';
import { resnetGenerator } from '../../models/resnetGenerator';
import { patchganDiscriminator } from '../../models/patchgan';
import { clipWeights } from '../../models/wgan';
import { cycleLoss, gradientPenalty, wassersteinCriticLoss, wassersteinGeneratorLoss } from '../../losses';
import { GanModel, readScalars, StepData, stepSeed } from '../ganModel';
import { makeOptimizer, trainableVariables } from '../optimizers';

export function createProposed(config: TrainConfig): GanModel {
  const gp = config.proposedAdversarial === 'wgan-gp';
  let seedOffset = 0;
  const gen = () => resnetGenerator({ size: config.size, ngf: config.resnetNgf, seed: config.seed + (seedOffset++) });
  const disc = () => patchganDiscriminator({ size: config.size, ndf: config.ndf, seed: config.seed + (seedOffset++) });
  const nets = { G: gen(), F: gen(), Dx: disc(), Dy: disc() };
  const optG = makeOptimizer(config.optimizerG);
  const optD = makeOptimizer(config.optimizerD);
  const varsG = trainableVariables(nets.G, nets.F);
  const varsD = trainableVariables(nets.Dx, nets.Dy);
  const run = (m: tf.LayersModel) => (x: tf.Tensor) => m.apply(x, { training: true }) as tf.Tensor4D;
  const G = run(nets.G), F = run(nets.F), Dx = run(nets.Dx), Dy = run(nets.Dy);

  return {
    config,
    networks: nets,
    optimizers: { generators: optG, critics: optD },
    conditional: true,
    trainStep(data: StepData, step: number) {
      if (!data.nextB) throw new Error('the proposed model trains on two domains: give --data-b');
      const a = data.nextA();
      const b = data.nextB();
      const scalars = tf.tidy(() => {
        let parts: tf.Scalar[] = [];
        const gLoss = optG.minimize(
          () => {
            const fakeB = G(a), fakeA = F(b);
            const adv = tf.add(wassersteinGeneratorLoss(Dy(fakeB)), wassersteinGeneratorLoss(Dx(fakeA)));
            const cyc = cycleLoss(a, F(fakeB), b, G(fakeA));
            parts = [tf.keep(cyc)];
            return tf.add(adv, tf.mul(config.lambdaCyc, cyc)) as tf.Scalar;
          },
          true,
          varsG,
        )!;
        const fakeB = tf.tidy(() => G(a)), fakeA = tf.tidy(() => F(b));
        const dLoss = optD.minimize(
          () => {
            let loss = tf.add(wassersteinCriticLoss(Dy(b), Dy(fakeB)), wassersteinCriticLoss(Dx(a), Dx(fakeA))) as tf.Scalar;
            if (gp) {
              const s = stepSeed(config.seed, step, 7);
              loss = tf.addN([
                loss,
                gradientPenalty((x: tf.Tensor) => Dy(x), b, fakeB, s, config.gpWeight),
                gradientPenalty((x: tf.Tensor) => Dx(x), a, fakeA, s + 1, config.gpWeight),
              ]) as tf.Scalar;
            }
            return loss;
          },
          true,
          varsD,
        )!;
        return { g_loss: tf.keep(gLoss), cycle_loss: parts[0], d_loss: tf.keep(dLoss) };
      });
      tf.dispose([a, b]);
      if (!gp) {
        clipWeights(nets.Dx, config.clip);
        clipWeights(nets.Dy, config.clip);
      }
      return readScalars(scalars);
    },
    generate(n: number, _seed: number, inputs?: tf.Tensor4D) {
      if (!inputs) throw new Error('the proposed model translates images: give inputs');
      return tf.tidy(() => nets.G.apply(inputs.slice(0, n), { training: false }) as tf.Tensor4D);
    },
    dispose() {
      Object.values(nets).forEach((m) => m.dispose());
      optG.dispose();
      optD.dispose();
    },
  };
}
