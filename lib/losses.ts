/**
 * The objectives of the paper, as scalar losses each player minimises.
 *
 * Discriminators return logits (scores before the sigmoid), so log D = -softplus(-l) and
 * log(1 - D) = -softplus(l): written this way the losses stay finite for any logit, where
 * log(sigmoid(l)) would round to log(0) = -Infinity.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from './util/errors';

/** softplus(x) = log(1 + e^x), in the stable form max(x, 0) + log1p(e^-|x|). */
function stableSoftplus(x: tf.Tensor): tf.Tensor {
  return tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
}

/**
 * Discriminator side of the minimax game, eq. (1): D maximises E_x[log D(x)] + E_z[log(1 - D(G(z)))],
 * i.e. minimises binary cross-entropy with logits on real (label 1) and fake (label 0) batches:
 * mean(softplus(-real)) + mean(softplus(fake)).
 */
export function minimaxDiscriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mean(stableSoftplus(tf.neg(realLogits))), tf.mean(stableSoftplus(fakeLogits))) as tf.Scalar);
}

/**
 * Generator side of eq. (1) as written: G minimises E_z[log(1 - D(G(z)))] = -mean(softplus(fake)).
 * This "saturating" loss has a vanishing gradient when D rejects the fakes confidently
 * (§4.1, text after eq. (6)); see {@link nonSaturatingGeneratorLoss}.
 */
export function minimaxGeneratorLoss(fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(stableSoftplus(fakeLogits))) as tf.Scalar);
}

/**
 * The non-saturating generator loss (Goodfellow et al. 2014, used by DCGAN): G minimises
 * -E_z[log D(G(z))] = mean(softplus(-fake)); same fixed point as eq. (1), strong gradients early.
 */
export function nonSaturatingGeneratorLoss(fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(stableSoftplus(tf.neg(fakeLogits))) as tf.Scalar);
}

/**
 * Critic side of eq. (8): the critic maximises E_x[f(x)] - E_z[f(G(z))], i.e. minimises
 * mean(fake) - mean(real). The negated loss estimates the Wasserstein-1 distance (eq. (7))
 * when the critic is 1-Lipschitz (weight clipping or a gradient penalty).
 */
export function wassersteinCriticLoss(criticReal: tf.Tensor, criticFake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sub(tf.mean(criticFake), tf.mean(criticReal)) as tf.Scalar);
}

/** Generator side of eq. (8): G minimises -E_z[f(G(z))] = -mean(fake). */
export function wassersteinGeneratorLoss(criticFake: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(criticFake)) as tf.Scalar);
}

/** A critic: a model, or any differentiable function of an image batch. */
export type Critic = tf.LayersModel | ((images: tf.Tensor) => tf.Tensor);

const applyCritic = (critic: Critic, x: tf.Tensor): tf.Tensor =>
  typeof critic === 'function' ? critic(x) : (critic.apply(x, { training: true }) as tf.Tensor);

/**
 * WGAN-GP gradient penalty (Gulrajani et al. 2017), the alternative to eq. (8)'s weight clipping
 * that the paper names as future work: lambda * E[(||grad_x f(x_hat)||_2 - 1)^2] at
 * x_hat = e x + (1 - e) G(z), e ~ U[0, 1] per sample (drawn from `seed`). For a critic with a map
 * of scores (PatchGAN), f is the sum of the map over positions, per sample.
 * Add it to {@link wassersteinCriticLoss} inside the critic's tf.variableGrads: it is
 * differentiable with respect to the critic's weights (a second-order gradient).
 */
export function gradientPenalty(critic: Critic, real: tf.Tensor, fake: tf.Tensor, seed: number, lambda = 10): tf.Scalar {
  if (real.rank !== 4) throw new UserError(`gradientPenalty: expected image batches [batch, H, W, C], got shape [${real.shape}]`);
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new UserError(`gradientPenalty: lambda must be a non-negative number, got ${lambda}`);
  if (real.shape.join() !== fake.shape.join()) {
    throw new UserError(`gradientPenalty: real and fake batches differ in shape ([${real.shape}] vs [${fake.shape}])`);
  }
  if (typeof critic !== 'function' && critic.layers.some((l) => l.getClassName() === 'BatchNormalization')) {
    throw new UserError('gradientPenalty: the critic uses batch norm, which couples the samples the penalty treats separately; build it with norm layer, instance or none');
  }
  return tf.tidy(() => {
    const eps = tf.randomUniform([real.shape[0], 1, 1, 1], 0, 1, 'float32', seed);
    const xHat = tf.add(tf.mul(eps, real), tf.mul(tf.sub(1, eps), fake));
    // Samples are independent (no batch norm in the critic), so d sum(f) / d x_hat holds each
    // sample's own gradient.
    const grad = tf.grad((x: tf.Tensor) => tf.sum(applyCritic(critic, x)))(xHat);
    const norms = tf.sqrt(tf.add(tf.sum(tf.square(grad), [1, 2, 3]), 1e-12));
    return tf.mul(lambda, tf.mean(tf.square(tf.sub(norms, 1)))) as tf.Scalar;
  });
}

/**
 * Cycle-consistency loss, eq. (9) as corrected in docs/paper-reading.md (Corrections, 8):
 * E_x ||F(G(x)) - x||_1 + E_y ||G(F(y)) - y||_1, each as a mean absolute error (CycleGAN's L1).
 * realA = x, recA = F(G(x)); realB = y, recB = G(F(y)).
 */
export function cycleLoss(realA: tf.Tensor, recA: tf.Tensor, realB: tf.Tensor, recB: tf.Tensor): tf.Scalar {
  if (realA.shape.join() !== recA.shape.join() || realB.shape.join() !== recB.shape.join()) {
    throw new UserError('cycleLoss: each reconstruction must have the shape of its real batch');
  }
  return tf.tidy(() => tf.add(tf.mean(tf.abs(tf.sub(recA, realA))), tf.mean(tf.abs(tf.sub(recB, realB)))) as tf.Scalar);
}

/**
 * Eq. (10), L = L_GAN(G, D_Y) + L_GAN(F, D_X) + λ·L_cyc(G, F), with the Wasserstein terms of
 * eq. (8), L_GAN(G, D_Y) = E[D_Y(y)] − E[D_Y(G(x))], is a minimax game: G and F minimise it,
 * D_Y and D_X maximise it. Each player minimises its own half, as CycleGAN's backward_G and
 * backward_D do; the terms a player cannot change are left out of its half (E[D(real)] for the
 * generators, the cycle term for the critics), which changes neither half's gradient.
 * The paper does not give λ; CycleGAN's default is 10.
 */

/** What the generators' half of eq. (10) needs, for G: X → Y (faces → anime) and F: Y → X. */
export interface CycleGeneratorTerms {
  /** D_Y(G(x)) and D_X(F(y)). */
  criticYFake: tf.Tensor;
  criticXFake: tf.Tensor;
  realX: tf.Tensor;
  /** F(G(x)). */
  recX: tf.Tensor;
  realY: tf.Tensor;
  /** G(F(y)). */
  recY: tf.Tensor;
}

/**
 * The generators' half of eq. (10): G and F minimise
 * −E[D_Y(G(x))] − E[D_X(F(y))] + λ·L_cyc(G, F). Returns the total and the unweighted cycle loss
 * (eq. (9)), two new scalars.
 */
export function cycleGanGeneratorLoss(t: CycleGeneratorTerms, lambda = 10): { total: tf.Scalar; cycle: tf.Scalar } {
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new UserError(`cycleGanGeneratorLoss: lambda must be a non-negative number, got ${lambda}`);
  return tf.tidy(() => {
    const adversarial = tf.add(wassersteinGeneratorLoss(t.criticYFake), wassersteinGeneratorLoss(t.criticXFake));
    const cycle = cycleLoss(t.realX, t.recX, t.realY, t.recY);
    return { total: tf.add(adversarial, tf.mul(lambda, cycle)) as tf.Scalar, cycle };
  });
}

/** What the critics' half of eq. (10) needs: each critic on real images and on translations. */
export interface CycleCriticTerms {
  /** D_Y on real y and on G(x). */
  criticYReal: tf.Tensor;
  criticYFake: tf.Tensor;
  /** D_X on real x and on F(y). */
  criticXReal: tf.Tensor;
  criticXFake: tf.Tensor;
}

/**
 * The critics' half of eq. (10): D_Y and D_X maximise L_GAN(G, D_Y) + L_GAN(F, D_X), i.e.
 * minimise the sum of their {@link wassersteinCriticLoss}es. Add a {@link gradientPenalty} per
 * critic for WGAN-GP.
 */
export function cycleGanCriticLoss(t: CycleCriticTerms): tf.Scalar {
  return tf.tidy(() => tf.add(wassersteinCriticLoss(t.criticYReal, t.criticYFake), wassersteinCriticLoss(t.criticXReal, t.criticXFake)) as tf.Scalar);
}
