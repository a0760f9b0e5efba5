import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '../presets';
import { adamUpdate, backendHasKernel, FUSED_ADAM_UPDATE } from '../backend/fusedOps';

/** The private state of tfjs's AdamOptimizer that the fused path updates. */
interface AdamFields {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable<tf.Rank.R0>;
  accBeta2: tf.Variable<tf.Rank.R0>;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

/**
 * tfjs's Adam, except that on a backend with the fused kernel (lib/backend/fusedOps.ts) each
 * variable's update is one kernel instead of eleven full-size ops. Same slots, names and
 * serialisation (it is an AdamOptimizer), same results to float rounding.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const list = Array.isArray(variableGradients)
      ? variableGradients.map((v) => ({ name: v.name, g: v.tensor as tf.Tensor | null }))
      : Object.keys(variableGradients).map((name) => ({ name, g: variableGradients[name] as tf.Tensor | null }));
    const variables = (tf.engine() as unknown as { registeredVariables: Record<string, tf.Variable> }).registeredVariables;
    const fusable = backendHasKernel(FUSED_ADAM_UPDATE) && list.every(({ name, g }) => (g == null || g.dtype === 'float32') && variables[name]?.dtype === 'float32');
    if (!fusable) return super.applyGradients(variableGradients);
    const f = this as unknown as AdamFields;
    const hp = { learningRate: f.learningRate, beta1: f.beta1, beta2: f.beta2, epsilon: f.epsilon };
    tf.tidy(() => {
      list.forEach(({ name, g }, i) => {
        const value = variables[name];
        // Slots are created on first use, with tfjs's names, as AdamOptimizer does.
        f.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        f.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        if (g == null) return;
        const m = f.accumulatedFirstMoment[i].variable, v = f.accumulatedSecondMoment[i].variable;
        const [m1, v1, w1] = adamUpdate(g, m, v, value, f.accBeta1, f.accBeta2, hp)!;
        m.assign(m1);
        v.assign(v1);
        value.assign(w1);
      });
      f.accBeta1.assign(tf.mul(f.accBeta1, f.beta1));
      f.accBeta2.assign(tf.mul(f.accBeta2, f.beta2));
    });
    this.incrementIterations();
  }
}

/** The optimizer a config names (Adam for DCGAN/CycleGAN, RMSProp for WGAN, SGD for §5.2). */
export function makeOptimizer(c: OptimizerConfig): tf.Optimizer {
  switch (c.name) {
    case 'adam':
      return new FusedAdamOptimizer(c.lr, c.beta1 ?? 0.9, c.beta2 ?? 0.999, 1e-8);
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
