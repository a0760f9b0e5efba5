/**
 * A small discriminator on 1-D data, for notebook 01: trained with the GAN objective of eq. (1)
 * it should approach the optimal discriminator D* = p_r/(p_r + p_g) of eq. (4), and its input
 * gradient shows how much a generator can learn from it (§4.1: with disjoint supports, nothing).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';
import { minimaxDiscriminatorLoss, minimaxGeneratorLoss, nonSaturatingGeneratorLoss } from '../losses';

export interface TrainDiscriminatorOptions {
  /** n draws from p_r. */
  sampleReal(n: number, rng: Rng): number[];
  /** n draws from p_g. */
  sampleFake(n: number, rng: Rng): number[];
  steps: number;
  batch?: number;
  hidden?: number;
  learningRate?: number;
  seed?: number;
  /** Called every `every` steps with the loss −V(D, G) estimated on the batch. */
  onStep?(step: number, loss: number): void;
  every?: number;
}

export interface Discriminator1d {
  /** D(x) in (0, 1) at each x. */
  predict(xs: readonly number[]): number[];
  /**
   * Gradient with respect to θ of the generator's loss for g_θ(z) = z + θ, on the given z:
   * minimax E_z[log(1 − D(g_θ(z)))] (eq. (1)) and the non-saturating −E_z[log D(g_θ(z))].
   */
  generatorGradient(zs: readonly number[], theta: number): { minimax: number; nonSaturating: number };
  dispose(): void;
}

/**
 * Train an MLP discriminator 1 → hidden → hidden → 1 with Adam on minibatches from p_r and p_g,
 * minimising −V(D, G), eq. (1)'s discriminator loss on the logit f (D = σ(f)).
 * Returns the discriminator and the loss every `every` steps.
 */
export function trainDiscriminator1d(opts: TrainDiscriminatorOptions): { d: Discriminator1d; losses: number[] } {
  const hidden = opts.hidden ?? 32;
  const batch = opts.batch ?? 256;
  const every = opts.every ?? 10;
  const rng = new Rng(opts.seed ?? 0);
  // tf.variable copies its initial value: tidy disposes the random tensor it was made from.
  const init = (shape: [number, number]) =>
    tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / (shape[0] + shape[1])), 'float32', rng.seed())));
  const zeros = (shape: [number]) => tf.tidy(() => tf.variable(tf.zeros(shape)));
  const vars = [
    init([1, hidden]),
    zeros([hidden]),
    init([hidden, hidden]),
    zeros([hidden]),
    init([hidden, 1]),
    zeros([1]),
  ];
  const [w1, b1, w2, b2, w3, b3] = vars;
  const logit = (x: tf.Tensor2D): tf.Tensor2D => {
    const h1 = tf.tanh(tf.add(tf.matMul(x, w1 as tf.Tensor2D), b1));
    const h2 = tf.tanh(tf.add(tf.matMul(h1 as tf.Tensor2D, w2 as tf.Tensor2D), b2));
    return tf.add(tf.matMul(h2 as tf.Tensor2D, w3 as tf.Tensor2D), b3) as tf.Tensor2D;
  };
  const optimizer = tf.train.adam(opts.learningRate ?? 0.01);
  const losses: number[] = [];
  for (let step = 1; step <= opts.steps; step++) {
    const real = opts.sampleReal(batch, rng);
    const fake = opts.sampleFake(batch, rng);
    const cost = optimizer.minimize(
      () =>
        tf.tidy(() => {
          const fr = logit(tf.tensor2d(real, [real.length, 1]));
          const ff = logit(tf.tensor2d(fake, [fake.length, 1]));
          return minimaxDiscriminatorLoss(fr, ff);
        }),
      true,
      vars,
    );
    if (step % every === 0 || step === opts.steps) {
      const v = cost!.dataSync()[0];
      losses.push(v);
      opts.onStep?.(step, v);
    }
    cost?.dispose();
  }
  optimizer.dispose();

  const d: Discriminator1d = {
    predict(xs) {
      return tf.tidy(() => Array.from(tf.sigmoid(logit(tf.tensor2d(Array.from(xs), [xs.length, 1]))).dataSync()));
    },
    generatorGradient(zs, theta) {
      return tf.tidy(() => {
        const z = tf.tensor2d(Array.from(zs), [zs.length, 1]);
        const t = tf.scalar(theta);
        const fakeLogits = (th: tf.Tensor) => logit(tf.add(z, th) as tf.Tensor2D);
        const minimax = tf.grad((th: tf.Tensor) => minimaxGeneratorLoss(fakeLogits(th)))(t);
        const nonSat = tf.grad((th: tf.Tensor) => nonSaturatingGeneratorLoss(fakeLogits(th)))(t);
        return { minimax: minimax.dataSync()[0], nonSaturating: nonSat.dataSync()[0] };
      });
    },
    dispose() {
      for (const v of vars) v.dispose();
    },
  };
  return { d, losses };
}
