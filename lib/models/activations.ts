import * as tf from '@tensorflow/tfjs';

export interface GpLeakyReLUArgs {
  /** Slope for negative inputs, in [0, 1]. Default 0.2. */
  alpha?: number;
  name?: string;
}

/**
 * LeakyReLU written as ((1 + a) x + (1 - a) |x|) / 2: the same values and gradient as
 * tf.layers.leakyReLU, but a gradient that tf.js can differentiate again. tf.leakyRelu's gradient
 * goes through `greater`, which has no gradient in tf.js, so the double backpropagation of the
 * WGAN-GP penalty (d/dweights of ||d critic / d x||) fails on it; abs' gradient uses `step`,
 * which has one. Used in the critics (WGAN, PatchGAN) that may be trained with a penalty.
 */
export class GpLeakyReLU extends tf.layers.Layer {
  static className = 'GpLeakyReLU';
  readonly alpha: number;

  constructor(args: GpLeakyReLUArgs = {}) {
    super(args);
    this.alpha = args.alpha ?? 0.2;
    if (!(this.alpha >= 0 && this.alpha <= 1)) throw new Error(`GpLeakyReLU: alpha must be in [0, 1], got ${this.alpha}`);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.add(tf.mul((1 + this.alpha) / 2, x), tf.mul((1 - this.alpha) / 2, tf.abs(x)));
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}
tf.serialization.registerClass(GpLeakyReLU);

export function gpLeakyReLU(args?: GpLeakyReLUArgs): GpLeakyReLU {
  return new GpLeakyReLU(args);
}
