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
import { checkResnetSize, resnetGenerator } from '../../models/resnetGenerator';
import { checkPatchGanSize, patchganDiscriminator } from '../../models/patchgan';
import { clipWeights } from '../../models/wgan';
import { cycleGanCriticLoss, cycleGanGeneratorLoss, gradientPenalty } from '../../losses';
import { Direction, readScalars, StepData, stepSeed, TranslationGanModel } from '../ganModel';
import { makeOptimizer, trainableVariables } from '../optimizers';
import type { LipschitzConstraint, TranslationRecipe } from './recipe';

const lipschitz = (config: TrainConfig): LipschitzConstraint => (config.proposedAdversarial === 'wgan-gp' ? 'penalty' : 'clip');

type Net = (x: tf.Tensor) => tf.Tensor4D;

/**
 * [net(x), net(y)] by one call on the two batches stacked. Exact for networks that treat each
 * image on its own (instance norm, no batch norm): half the calls, each on twice the images.
 * Alternating steps in one process (2026-12-06), the quick preset's step took 190 vs 209 and
 * 184 vs 204 ms (median) with F's two calls stacked, and 217 vs 229, 189 vs 192 with the
 * critics' real and fake batches stacked too; 64×64 full width: 992 vs 1044, 990 vs 1005 ms (mean).
 */
export function twice(net: Net, x: tf.Tensor, y: tf.Tensor): [tf.Tensor4D, tf.Tensor4D] {
  const out = net(tf.concat([x, y], 0));
  const [fx, fy] = tf.split(out, [x.shape[0], y.shape[0]], 0);
  return [fx as tf.Tensor4D, fy as tf.Tensor4D];
}

export const proposed: TranslationRecipe = {
  name: 'proposed',
  conditional: true,
  domains: { a: 'face', b: 'anime' },
  validate(config) {
    checkResnetSize(config.size, 'proposed (resnet generator)');
    checkPatchGanSize(config.size, 'proposed (patchgan)');
  },
  // The paper does not say; CycleGAN updates its critics once per generator update.
  criticSteps: () => 1,
  imagesPerStep: (config) => config.batch,
  lipschitz,
  create: createProposed,
};

function createProposed(config: TrainConfig): TranslationGanModel {
  const gp = lipschitz(config) === 'penalty';
  let seedOffset = 0;
  const gen = () => resnetGenerator({ size: config.size, ngf: config.resnetNgf, seed: config.seed + (seedOffset++) });
  const disc = () => patchganDiscriminator({ size: config.size, ndf: config.ndf, norm: config.criticNorm ?? 'instance', seed: config.seed + (seedOffset++) });
  const nets = { G: gen(), F: gen(), Dx: disc(), Dy: disc() };
  const optG = makeOptimizer(config.optimizerG);
  const optD = makeOptimizer(config.optimizerD);
  const varsG = trainableVariables(nets.G, nets.F);
  const varsD = trainableVariables(nets.Dx, nets.Dy);
  const run = (m: tf.LayersModel) => (x: tf.Tensor) => m.apply(x, { training: true }) as tf.Tensor4D;
  const G = run(nets.G), F = run(nets.F), Dx = run(nets.Dx), Dy = run(nets.Dy);
  // A critic with batch norm would mix the real and the fake batch's statistics: two calls then.
  const pairCritic = config.criticNorm === 'batch' ? (D: Net, x: tf.Tensor, y: tf.Tensor) => [D(x), D(y)] : twice;

  return {
    config,
    networks: nets,
    optimizers: { generators: optG, critics: optD },
    conditional: true,
    domains: proposed.domains,
    trainStep(data: StepData, step: number) {
      if (!data.nextB) throw new Error('the proposed model trains on two domains: give --data-b');
      const a = data.nextA();
      const b = data.nextB();
      const scalars = tf.tidy(() => {
        let parts: tf.Scalar[] = [];
        let fakes: tf.Tensor4D[] = [];
        const gLoss = optG.minimize(
          () => {
            // F translates b and G(a) in one call: three generator calls instead of four.
            const fakeB = G(a);
            const [fakeA, recA] = twice(F, b, fakeB);
            const { total, cycle } = cycleGanGeneratorLoss(
              { criticYFake: Dy(fakeB), criticXFake: Dx(fakeA), realX: a, recX: recA, realY: b, recY: G(fakeA) },
              config.lambdaCyc,
            );
            parts = [tf.keep(cycle)];
            fakes = [tf.keep(fakeB), tf.keep(fakeA)];
            return total;
          },
          true,
          varsG,
        )!;
        // The critics judge the fakes the generator step made (before its update), as CycleGAN's
        // backward_D does with fake_B.detach(): two generator passes fewer per step. They are
        // constants here: the critic step's gradients reach only varsD.
        const [fakeB, fakeA] = fakes;
        const dLoss = optD.minimize(
          () => {
            const [criticYReal, criticYFake] = pairCritic(Dy, b, fakeB);
            const [criticXReal, criticXFake] = pairCritic(Dx, a, fakeA);
            let loss = cycleGanCriticLoss({ criticYReal, criticYFake, criticXReal, criticXFake });
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
        tf.dispose(fakes);
        return { g_loss: tf.keep(gLoss), cycle_loss: parts[0], d_loss: tf.keep(dLoss) };
      });
      tf.dispose([a, b]);
      if (!gp) {
        clipWeights(nets.Dx, config.clip);
        clipWeights(nets.Dy, config.clip);
      }
      return readScalars(scalars);
    },
    translate(images: tf.Tensor4D, direction: Direction) {
      const net = direction === 'a2b' ? nets.G : nets.F;
      return tf.tidy(() => net.apply(images, { training: false }) as tf.Tensor4D);
    },
    dispose() {
      Object.values(nets).forEach((m) => m.dispose());
      optG.dispose();
      optD.dispose();
    },
  };
}
