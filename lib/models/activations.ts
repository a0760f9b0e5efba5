import * as tf from '@tensorflow/tfjs';
import { recordingForHigherOrder } from '../backend/firstOrder';

export interface GpLeakyReLUArgs {
  /** Slope for negative inputs, in [0, 1]. Default 0.2. */
  alpha?: number;
  name?: string;
}

/**
 * LeakyReLU with a gradient that tf.js can differentiate again. tf.leakyRelu's own gradient goes
 * through `greater`, which has no gradient in tf.js, so the double backpropagation of the WGAN-GP
 * penalty (d/dweights of ||d critic / d x||) fails on it. Here the forward pass is one leakyRelu
 * kernel and the gradient is dy·step(x, alpha) (step's gradient is zero) when it is itself
 * recorded for a higher-order gradient, else tf.leakyRelu's own (one fused kernel on the native
 * backend). Used in the critics (WGAN, PatchGAN) that may be trained with a penalty.
 */
export class GpLeakyReLU extends tf.layers.Layer {
  static className = 'GpLeakyReLU';
  readonly alpha: number;
  private readonly leaky: (x: tf.Tensor) => tf.Tensor;

  constructor(args: GpLeakyReLUArgs = {}) {
    super(args);
    const alpha = (this.alpha = args.alpha ?? 0.2);
    if (!(alpha >= 0 && alpha <= 1)) throw new Error(`GpLeakyReLU: alpha must be in [0, 1], got ${alpha}`);
    this.leaky = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      save([x]);
      return {
        value: tf.leakyRelu(x, alpha),
        gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => (recordingForHigherOrder()
          ? tf.mul(dy, tf.step(saved, alpha))
          : (tf.getGradient('LeakyRelu')!.gradFunc(dy, [saved], { alpha }) as { x: () => tf.Tensor }).x()),
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return this.leaky(Array.isArray(inputs) ? inputs[0] : inputs);
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
