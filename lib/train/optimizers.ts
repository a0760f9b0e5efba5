import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '../presets';

/** The optimizer a config names (Adam for DCGAN/CycleGAN, RMSProp for WGAN, SGD for §5.2). */
export function makeOptimizer(c: OptimizerConfig): tf.Optimizer {
  switch (c.name) {
    case 'adam':
      return tf.train.adam(c.lr, c.beta1 ?? 0.9, c.beta2 ?? 0.999, 1e-8);
    case 'rmsprop':
      // PyTorch's RMSprop defaults (alpha 0.99, eps 1e-8), as the WGAN reference code uses.
      return tf.train.rmsprop(c.lr, 0.99, c.momentum ?? 0, 1e-8);
    case 'sgd':
      return c.momentum ? tf.train.momentum(c.lr, c.momentum) : tf.train.sgd(c.lr);
  }
}

/** The tf.Variables behind a layers model's trainable weights, in a fixed order. */
export function trainableVariables(...models: tf.LayersModel[]): tf.Variable[] {
  return models.flatMap((m) => m.trainableWeights.map((w) => w.read() as tf.Variable));
}

/**
 * One optimizer step minimising `loss` over `vars`; returns the loss value as a tensor kept
 * out of the caller's tidy (caller disposes).
 */
export function minimizeStep(opt: tf.Optimizer, vars: tf.Variable[], loss: () => tf.Scalar): tf.Scalar {
  const cost = opt.minimize(loss, true, vars);
  return cost as tf.Scalar;
}
