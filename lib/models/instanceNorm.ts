import * as tf from '@tensorflow/tfjs';
import { instanceNormFused } from '../backend/fusedOps';

/** Options of {@link InstanceNormalization}. */
export interface InstanceNormalizationArgs {
  /** Added to the variance before the square root (PyTorch's default, 1e-5). */
  epsilon?: number;
  /** Learn a per-channel scale gamma (init 1) and shift beta (init 0). PyTorch's default is false. */
  affine?: boolean;
  name?: string;
  trainable?: boolean;
}

/**
 * Instance normalisation (Ulyanov et al. 2016), which TensorFlow.js lacks: every sample and
 * every channel is normalised over its own H x W, so the statistics never mix images of a batch
 * (the reason CycleGAN-style models use it instead of batch norm). NHWC input.
 *
 * y = (x - mean_hw) / sqrt(var_hw + epsilon) [* gamma_c + beta_c when affine]
 *
 * Registered with tf.serialization so models containing it round-trip through tf.io.
 */
export class InstanceNormalization extends tf.layers.Layer {
  static className = 'InstanceNormalization';
  readonly epsilon: number;
  readonly affine: boolean;
  private gamma: tf.LayerVariable | null = null;
  private beta: tf.LayerVariable | null = null;

  constructor(args: InstanceNormalizationArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
    this.affine = args.affine ?? false;
    if (!(this.epsilon > 0)) throw new Error(`InstanceNormalization: epsilon must be > 0, got ${this.epsilon}`);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (shape.length !== 4) throw new Error(`InstanceNormalization expects NHWC input, got shape [${shape.join(', ')}]`);
    const channels = shape[3];
    if (channels == null) throw new Error('InstanceNormalization needs a known channel count');
    if (this.affine) {
      this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones());
      this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros());
    }
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      // One kernel forward and one backward on backends that have it (lib/backend/fusedOps.ts).
      const fused = instanceNormFused(x, this.gamma?.read() ?? null, this.beta?.read() ?? null, this.epsilon);
      if (fused) return fused;
      const { mean, variance } = tf.moments(x, [1, 2], true);
      let y = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.epsilon)));
      if (this.gamma && this.beta) y = tf.add(tf.mul(y, this.gamma.read()), this.beta.read());
      return y;
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon, affine: this.affine };
  }
}
tf.serialization.registerClass(InstanceNormalization);

/** Functional-API helper, like tf.layers.batchNormalization. */
export function instanceNormalization(args?: InstanceNormalizationArgs): InstanceNormalization {
  return new InstanceNormalization(args);
}
