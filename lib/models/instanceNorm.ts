import * as tf from '@tensorflow/tfjs';
import { type NormActivation, instanceNormFused } from '../backend/fusedOps';

/** Options of {@link InstanceNormalization}. */
export interface InstanceNormalizationArgs {
  /** Added to the variance before the square root (PyTorch's default, 1e-5). */
  epsilon?: number;
  /** Learn a per-channel scale gamma (init 1) and shift beta (init 0). PyTorch's default is false. */
  affine?: boolean;
  /**
   * Applied to the result: 'linear' (default) or 'relu'. Called on [x, residual], the layer
   * returns act(IN(x) + residual). One kernel on the native backend (fusedOps.ts), instead of
   * the normalisation, an add and a ReLU.
   */
  activation?: NormActivation;
  name?: string;
  trainable?: boolean;
}

/**
 * Instance normalisation (Ulyanov et al. 2016), which TensorFlow.js lacks: every sample and
 * every channel is normalised over its own H x W, so the statistics never mix images of a batch
 * (the reason CycleGAN-style models use it instead of batch norm). NHWC input.
 *
 * y = (x - mean_hw) / sqrt(var_hw + epsilon) [* gamma_c + beta_c when affine]
 * [+ residual] [then ReLU] (see InstanceNormalizationArgs.activation)
 *
 * Registered with tf.serialization so models containing it round-trip through tf.io.
 */
export class InstanceNormalization extends tf.layers.Layer {
  static className = 'InstanceNormalization';
  readonly epsilon: number;
  readonly affine: boolean;
  readonly activation: NormActivation;
  private gamma: tf.LayerVariable | null = null;
  private beta: tf.LayerVariable | null = null;

  constructor(args: InstanceNormalizationArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
    this.affine = args.affine ?? false;
    this.activation = args.activation ?? 'linear';
    if (!(this.epsilon > 0)) throw new Error(`InstanceNormalization: epsilon must be > 0, got ${this.epsilon}`);
    if (this.activation !== 'linear' && this.activation !== 'relu') {
      throw new Error(`InstanceNormalization: activation must be 'linear' or 'relu', got '${String(this.activation)}'`);
    }
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
      const [x, residual] = (Array.isArray(inputs) ? inputs : [inputs]) as [tf.Tensor4D, tf.Tensor4D | undefined];
      // One kernel forward and one backward on backends that have it (lib/backend/fusedOps.ts).
      const fused = instanceNormFused(x, this.gamma?.read() ?? null, this.beta?.read() ?? null, this.epsilon,
        { residual, activation: this.activation });
      if (fused) return fused;
      const { mean, variance } = tf.moments(x, [1, 2], true);
      let y = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.epsilon)));
      if (this.gamma && this.beta) y = tf.add(tf.mul(y, this.gamma.read()), this.beta.read());
      if (residual) y = tf.add(y, residual);
      return this.activation === 'relu' ? tf.relu(y) : y;
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return Array.isArray(inputShape[0]) ? (inputShape[0] as tf.Shape) : inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon, affine: this.affine, activation: this.activation };
  }
}
tf.serialization.registerClass(InstanceNormalization);

/** Functional-API helper, like tf.layers.batchNormalization. */
export function instanceNormalization(args?: InstanceNormalizationArgs): InstanceNormalization {
  return new InstanceNormalization(args);
}
