import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import {
  cycleGanCriticLoss, cycleGanGeneratorLoss, cycleLoss, gradientPenalty, minimaxDiscriminatorLoss, minimaxGeneratorLoss,
  nonSaturatingGeneratorLoss, wassersteinCriticLoss, wassersteinGeneratorLoss,
} from '../lib/losses';
import { patchganDiscriminator } from '../lib/models/patchgan';
import { wganCritic } from '../lib/models/wgan';
import { UserError } from '../lib/util/errors';
import { expectNoLeak, useCpu } from './models/helpers';

const softplus = (x: number) => Math.log(1 + Math.exp(x));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
/** Evaluates a scalar loss, disposing the inputs and the result. */
const value = (f: () => tf.Scalar) => expectNoLeak(() => tf.tidy(() => f().dataSync()[0]));

describe('losses', () => {
  before(useCpu);

  describe('eq. (1): minimax losses on logits', () => {
    it('discriminator loss is BCE on real (label 1) and fake (label 0)', () => {
      const v = value(() => minimaxDiscriminatorLoss(tf.tensor2d([[0], [2]]), tf.tensor2d([[-1], [3]])));
      // -mean log D(x) - mean log(1 - D(G(z))), with D = sigmoid.
      const hand = -(Math.log(sigmoid(0)) + Math.log(sigmoid(2))) / 2 - (Math.log(1 - sigmoid(-1)) + Math.log(1 - sigmoid(3))) / 2;
      expect(v).to.be.closeTo(hand, 1e-6);
      // At D = 1/2 everywhere the loss is 2 log 2 (the value at the optimum of §4.1, eq. (6)).
      expect(value(() => minimaxDiscriminatorLoss(tf.zeros([4, 1]), tf.zeros([4, 1])))).to.be.closeTo(2 * Math.log(2), 1e-6);
    });

    it('generator losses: saturating log(1 - D) and non-saturating -log D', () => {
      const f = [[-2], [0.5]];
      expect(value(() => minimaxGeneratorLoss(tf.tensor2d(f)))).to.be.closeTo((Math.log(1 - sigmoid(-2)) + Math.log(1 - sigmoid(0.5))) / 2, 1e-6);
      expect(value(() => nonSaturatingGeneratorLoss(tf.tensor2d(f)))).to.be.closeTo(-(Math.log(sigmoid(-2)) + Math.log(sigmoid(0.5))) / 2, 1e-6);
    });

    it('stays finite for extreme logits (softplus form)', () => {
      for (const v of [
        value(() => minimaxDiscriminatorLoss(tf.tensor1d([-200, 200]), tf.tensor1d([-200, 200]))),
        value(() => minimaxGeneratorLoss(tf.tensor1d([-200, 200]))),
        value(() => nonSaturatingGeneratorLoss(tf.tensor1d([-200, 200]))),
      ]) expect(Number.isFinite(v)).to.equal(true);
      // mean(softplus(200), softplus(-200)) = 100 (+ e^-200, which is 0 in float32).
      expect(value(() => nonSaturatingGeneratorLoss(tf.tensor1d([-200, 200])))).to.be.closeTo(100, 1e-4);
    });

    it('the saturating generator loss has a vanishing gradient where D rejects fakes (§4.1)', () => {
      const l = tf.scalar(-10);
      const gSat = expectNoLeak(() => tf.tidy(() => tf.grad((x) => minimaxGeneratorLoss(x))(l).dataSync()[0]));
      const gNon = expectNoLeak(() => tf.tidy(() => tf.grad((x) => nonSaturatingGeneratorLoss(x))(l).dataSync()[0]));
      expect(gSat).to.be.closeTo(-sigmoid(-10), 1e-8); // d/dl log(1 - sigmoid(l)) = -sigmoid(l)
      expect(gNon).to.be.closeTo(-(1 - sigmoid(-10)), 1e-6); // d/dl -log sigmoid(l) = -(1 - sigmoid(l))
      expect(Math.abs(gSat)).to.be.lessThan(1e-4);
      l.dispose();
    });
  });

  describe('eq. (8): Wasserstein losses', () => {
    it('critic minimises mean(fake) - mean(real); generator minimises -mean(fake)', () => {
      expect(value(() => wassersteinCriticLoss(tf.tensor2d([[1], [3]]), tf.tensor2d([[-1], [0], [4]])))).to.be.closeTo(1 - 2, 1e-6);
      expect(value(() => wassersteinGeneratorLoss(tf.tensor2d([[-1], [0], [4]])))).to.be.closeTo(-1, 1e-6);
      // Patch score maps average over positions too.
      expect(value(() => wassersteinCriticLoss(tf.ones([2, 3, 3, 1]), tf.fill([2, 3, 3, 1], 5)))).to.be.closeTo(4, 1e-6);
    });
  });

  describe('WGAN-GP gradient penalty', () => {
    it('equals lambda (||w|| - 1)^2 for a linear critic, whatever the interpolation', () => {
      const w = tf.tensor4d([2, 1, 2, 0], [1, 2, 2, 1]); // ||w|| = 3
      const critic = (x: tf.Tensor) => tf.sum(tf.mul(x, w), [1, 2, 3]);
      const real = tf.randomNormal([3, 2, 2, 1], 0, 1, 'float32', 1);
      const fake = tf.randomNormal([3, 2, 2, 1], 0, 1, 'float32', 2);
      expect(value(() => gradientPenalty(critic, real, fake, 7, 10))).to.be.closeTo(10 * 4, 1e-4);
      expect(value(() => gradientPenalty(critic, real, fake, 8, 0.5))).to.be.closeTo(0.5 * 4, 1e-5);
      tf.dispose([w, real, fake]);
    });

    it('uses each sample\'s own gradient norm', () => {
      // f(x) = ||x||^2 / 2 has gradient x; with real = fake, x_hat = real for any e.
      const critic = (x: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(x), [1, 2, 3]));
      const real = tf.concat([tf.fill([1, 1, 2, 2], 1), tf.fill([1, 1, 2, 2], 0.25)]); // norms 2 and 0.5
      expect(value(() => gradientPenalty(critic, real, real, 3, 1))).to.be.closeTo(((2 - 1) ** 2 + (0.5 - 1) ** 2) / 2, 1e-5);
      real.dispose();
    });

    it('is differentiable with respect to the critic weights (second order)', () => {
      const w = tf.variable(tf.tensor4d([2, 1, 2, 0], [1, 2, 2, 1]));
      const real = tf.randomNormal([2, 2, 2, 1], 0, 1, 'float32', 1);
      const fake = tf.randomNormal([2, 2, 2, 1], 0, 1, 'float32', 2);
      const g = expectNoLeak(() => tf.tidy(() => {
        const { grads } = tf.variableGrads(() => gradientPenalty((x) => tf.sum(tf.mul(x, w), [1, 2, 3]), real, fake, 5, 10), [w]);
        return Array.from(grads[w.name].dataSync());
      }));
      // d/dw lambda (||w|| - 1)^2 = 2 lambda (||w|| - 1) w / ||w|| = 2 * 10 * 2 / 3 * w.
      [2, 1, 2, 0].forEach((wi, i) => expect(g[i]).to.be.closeTo((40 / 3) * wi, 1e-3));
      tf.dispose([w, real, fake]);
    });

    for (const [label, build] of [
      ['WGAN critic, layer norm', () => wganCritic({ size: 32, ndf: 2, norm: 'layer', seed: 1 })],
      ['WGAN critic, instance norm', () => wganCritic({ size: 32, ndf: 2, norm: 'instance', seed: 1 })],
      ['WGAN critic, no norm', () => wganCritic({ size: 32, ndf: 2, norm: 'none', seed: 1 })],
      ['PatchGAN, instance norm', () => patchganDiscriminator({ size: 32, ndf: 2, seed: 1 })],
    ] as [string, () => tf.LayersModel][]) {
      it(`${label}: every weight gets a finite second-order gradient from the penalty`, () => {
        const critic = build();
        const real = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 1);
        const fake = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 2);
        const vars = critic.trainableWeights.map((v) => v.read() as tf.Variable);
        expectNoLeak(() => tf.tidy(() => {
          const { value: v, grads } = tf.variableGrads(() => gradientPenalty(critic, real, fake, 3, 10), vars);
          expect(v.dataSync()[0]).to.be.greaterThan(0);
          for (const x of vars) {
            // The output bias shifts every score equally, so the penalty does not depend on it.
            if (x.name.includes('patch_scores/bias')) { expect(grads[x.name] ?? null).to.equal(null); continue; }
            expect(tf.all(tf.isFinite(grads[x.name])).dataSync()[0], x.name).to.equal(1);
          }
          // The first conv kernel receives a non-zero second-order gradient.
          expect(tf.any(tf.notEqual(grads[vars[0].name], 0)).dataSync()[0]).to.equal(1);
        }));
        tf.dispose([real, fake]);
        critic.dispose();
      });
    }

    it('rejects a negative lambda, mismatched batches and a batch-norm critic', () => {
      const bn = wganCritic({ size: 32, ndf: 2, norm: 'batch' });
      const x = tf.zeros([2, 32, 32, 3]);
      expect(() => gradientPenalty(bn, x, x, 1)).to.throw(UserError, /batch norm/);
      tf.dispose(x);
      bn.dispose();
      const a = tf.zeros([2, 2, 2, 1]);
      const b = tf.zeros([3, 2, 2, 1]);
      expect(() => gradientPenalty((x) => tf.sum(x), a, a, 1, -1)).to.throw(UserError);
      expect(() => gradientPenalty((x) => tf.sum(x), a, b, 1)).to.throw(UserError);
      tf.dispose([a, b]);
    });
  });

  describe('eqs. (9)-(10): cycle consistency and the full objective', () => {
    it('cycle loss is the sum of the two mean absolute errors (eq. (9) corrected)', () => {
      const v = value(() => cycleLoss(tf.tensor1d([0, 1]), tf.tensor1d([0.5, -1]), tf.tensor1d([1, 1, 1]), tf.tensor1d([1, 2, 4])));
      expect(v).to.be.closeTo((0.5 + 2) / 2 + (0 + 1 + 3) / 3, 1e-6);
      tf.tidy(() => { expect(() => cycleLoss(tf.zeros([2]), tf.zeros([3]), tf.zeros([1]), tf.zeros([1]))).to.throw(UserError); });
    });

    // D_Y scores: real y [2, 4] (mean 3), G(x) [1]: L_GAN(G, D_Y) = 3 - 1 = 2.
    // D_X scores: real x [0], F(y) [1, 2] (mean 1.5): L_GAN(F, D_X) = 0 - 1.5 = -1.5.
    // |F(G(x)) - x| = [0.2, 0.2] and |G(F(y)) - y| = [0.3]: L_cyc = 0.2 + 0.3 = 0.5.
    const terms = () => ({
      criticYReal: tf.tensor1d([2, 4]), criticYFake: tf.tensor1d([1]),
      criticXReal: tf.tensor1d([0]), criticXFake: tf.tensor1d([1, 2]),
      realX: tf.tensor1d([0, 0]), recX: tf.tensor1d([0.2, -0.2]),
      realY: tf.tensor1d([1]), recY: tf.tensor1d([0.7]),
    });

    it("eq. (10), generators' half: -E[D_Y(G(x))] - E[D_X(F(y))] + lambda L_cyc", () => {
      const [total, cycle, total2] = expectNoLeak(() => tf.tidy(() => {
        const o = cycleGanGeneratorLoss(terms());
        const o2 = cycleGanGeneratorLoss(terms(), 2);
        return [o.total, o.cycle, o2.total].map((t) => t.dataSync()[0]);
      }));
      expect(cycle).to.be.closeTo(0.5, 1e-6);
      expect(total).to.be.closeTo(-1 - 1.5 + 10 * 0.5, 1e-5); // lambda defaults to 10
      expect(total2).to.be.closeTo(-1 - 1.5 + 2 * 0.5, 1e-5);
      tf.tidy(() => { expect(() => cycleGanGeneratorLoss(terms(), -1)).to.throw(UserError); });
    });

    it("eq. (10), critics' half: -(L_GAN(G, D_Y) + L_GAN(F, D_X))", () => {
      const v = value(() => cycleGanCriticLoss(terms()));
      expect(v).to.be.closeTo(-(2 - 1.5), 1e-6);
    });

    it('the two halves make up eq. (10): generators\' half + E[D_Y(y)] + E[D_X(x)] = L, critics\' half = -(L - lambda L_cyc)', () => {
      // L = L_GAN(G, D_Y) + L_GAN(F, D_X) + lambda L_cyc = 2 - 1.5 + 10 * 0.5 = 5.5.
      const [g, d] = expectNoLeak(() => tf.tidy(() => [cycleGanGeneratorLoss(terms()).total, cycleGanCriticLoss(terms())].map((t) => t.dataSync()[0])));
      expect(g + (2 + 4) / 2 + 0).to.be.closeTo(5.5, 1e-5);
      expect(-d + 10 * 0.5).to.be.closeTo(5.5, 1e-5);
    });
  });
});
