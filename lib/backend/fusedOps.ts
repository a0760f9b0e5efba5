/**
 * Fused training ops that a backend may implement as one kernel each (the native backend does).
 * Callers ask for them and fall back to tfjs's composed ops when the current backend lacks the
 * kernel, so the models and optimizers work unchanged on every backend.
 *
 * - `FusedBatchNormTraining`: batch normalisation with the batch's own statistics (what
 *   tf.moments + tf.batchNorm compute in five full-size passes, and their gradient in about ten),
 *   or instance normalisation; optionally followed, in the same pass, by adding a residual and a
 *   ReLU (the proposed generator's IN–ReLU and IN–shortcut–ReLU).
 * - `FusedAdamUpdate`: one Adam step for one variable (eleven full-size ops in tfjs's Adam).
 */
import * as tf from '@tensorflow/tfjs';
import { inFirstOrderScope, recordingForHigherOrder } from './firstOrder';

export const FUSED_BATCH_NORM_TRAINING = 'FusedBatchNormTraining';
export const FUSED_BATCH_NORM_TRAINING_GRAD = 'FusedBatchNormTrainingGrad';
export const FUSED_INSTANCE_NORM_GRAD_GRAD = 'FusedInstanceNormGradGrad';
export const FUSED_ADAM_UPDATE = 'FusedAdamUpdate';

/** Whether the current backend has a kernel of this name. */
export function backendHasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

function gradientDepth(): number {
  const e = tf.engine() as unknown as { state?: { gradientDepth?: number } };
  return e.state?.gradientDepth ?? 0;
}

/**
 * Normalisation with the data's own statistics, x viewed as [groups, rows, C]: the fused kernel's
 * one entry point. Returns null when the current backend has no fused kernel, or when a gradient
 * of its gradient may be taken and the fused gradient has no gradient of its own (it has one for
 * instance norm without residual or activation, what a critic under WGAN-GP's penalty runs, see
 * below): the caller then uses tfjs's ops.
 */
function normalizeFused(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, varianceEpsilon: number, perSample: boolean,
  after: NormEpilogue = {}) {
  if (!backendHasKernel(FUSED_BATCH_NORM_TRAINING) || x.dtype !== 'float32' || x.rank < 2) return null;
  const { residual, activation = 'linear' } = after;
  // The gradient's own gradient (below) is written for instance norm without residual or activation.
  const twiceDifferentiable = perSample && !residual && activation === 'linear';
  if (gradientDepth() > 1 && !inFirstOrderScope() && !twiceDifferentiable) return null;
  const C = x.shape[x.rank - 1];
  if (scale.size !== C || offset.size !== C) return null;
  if (residual && (residual.dtype !== 'float32' || !tf.util.arraysEqual(residual.shape, x.shape))) return null;
  // A reshape is a kernel call too (about 150 normalisations a step of the proposed model).
  const vec = (t: tf.Tensor) => (t.rank === 1 ? t : tf.reshape(t, [C]));
  const inputs: tf.NamedTensorMap = { x, scale: vec(scale), offset: vec(offset) };
  if (residual) inputs.residual = residual;
  const attrs = { varianceEpsilon, perSample, activation, hasResidual: !!residual };
  return tf.engine().runKernel(FUSED_BATCH_NORM_TRAINING, inputs, attrs as unknown as tf.NamedAttrMap) as [
    tf.Tensor,
    tf.Tensor2D,
    tf.Tensor2D,
  ];
}

/** The attributes of the fused normalisation kernels. */
export type FusedNormAttrs = { varianceEpsilon: number; perSample: boolean; activation?: NormActivation; hasResidual?: boolean };

/** What may follow a normalisation in its kernel: act(y + residual). */
export type NormActivation = 'linear' | 'relu';
export interface NormEpilogue {
  /** Added to the normalised values (same shape as x). */
  residual?: tf.Tensor;
  /** Applied last. Default 'linear'. */
  activation?: NormActivation;
}

/**
 * Batch normalisation in training: over every axis but the last, with the batch's mean and
 * (biased) variance, y = (x − mean)/sqrt(variance + eps)·scale + offset. Null when not fused
 * (see normalizeFused): use tf.moments and tf.batchNorm then.
 */
export function batchNormTraining(
  x: tf.Tensor,
  scale: tf.Tensor,
  offset: tf.Tensor,
  varianceEpsilon: number,
): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D } | null {
  const r = normalizeFused(x, scale, offset, varianceEpsilon, false);
  if (!r) return null;
  const [y, mean, variance] = r;
  const C = x.shape[x.rank - 1];
  return { y, mean: tf.reshape(mean, [C]), variance: tf.reshape(variance, [C]) };
}

/**
 * Instance normalisation: every sample and channel over its own spatial positions (NHWC), with an
 * optional per-channel scale and offset, then act(· + residual) when asked. Null when not fused
 * (see normalizeFused).
 */
export function instanceNormFused(x: tf.Tensor4D, scale: tf.Tensor | null, offset: tf.Tensor | null, varianceEpsilon: number,
  after: NormEpilogue = {}): tf.Tensor4D | null {
  if (!backendHasKernel(FUSED_BATCH_NORM_TRAINING)) return null;
  return tf.tidy(() => {
    const C = x.shape[3];
    // tf.fill runs a kernel; tf.ones and tf.zeros build their values in JS first.
    const r = normalizeFused(x, scale ?? tf.fill([C], 1), offset ?? tf.fill([C], 0), varianceEpsilon, true, after);
    return r ? (r[0] as tf.Tensor4D) : (null as unknown as tf.Tensor4D);
  }) as tf.Tensor4D | null;
}

tf.registerGradient({
  kernelName: FUSED_BATCH_NORM_TRAINING,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [true, true, true],
  gradFunc: (dy, saved, attrs) => {
    const [x, scale, y, savedMean, savedVariance] = saved;
    const { activation = 'linear', hasResidual, perSample } = attrs as unknown as FusedNormAttrs;
    // A gradient that will be differentiated again needs the statistics as functions of x: tfjs
    // records the copies of a kernel's saved outputs before the kernel itself, so a gradient
    // reaching them never flows back through it (the copies of saved inputs are linked).
    let mean = savedMean, variance = savedVariance;
    if (perSample && recordingForHigherOrder()) {
      const m = tf.moments(x, x.shape.slice(1, -1).map((_, i) => i + 1)); // [N, C], as the kernel's
      [mean, variance] = [m.mean, m.variance];
    }
    // tfjs passes zeros for outputs off the gradient path (usually mean and variance, used for the
    // moving averages), so the kernel always gets all three.
    const [dyY, dyMean, dyVar] = dy as (tf.Tensor | null)[];
    const inputs: tf.NamedTensorMap = {
      dy: dyY ?? tf.zerosLike(x), x, scale, mean, variance,
      dmean: dyMean ?? tf.zerosLike(mean), dvariance: dyVar ?? tf.zerosLike(variance),
    };
    if (activation !== 'linear') inputs.y = y; // where y > 0, the activation passed its input
    const [dx, dscale, doffset, dpre] = tf.engine().runKernel(FUSED_BATCH_NORM_TRAINING_GRAD, inputs, attrs as tf.NamedAttrMap) as tf.Tensor[];
    const grads: Record<string, () => tf.Tensor> = { x: () => dx, scale: () => dscale, offset: () => doffset };
    // The residual's gradient is dy before the activation (dy itself without one).
    if (hasResidual) grads.residual = () => dpre ?? tf.clone(inputs.dy);
    return grads;
  },
});

/**
 * The gradient of the normalisation's gradient, for WGAN-GP's penalty through a critic with
 * instance norm (without it, the penalty's second-order gradient ran tfjs's composed
 * normalisation: 5,318 kernel calls a quick step instead of 3,438, for the critics' ten
 * instance norms). One kernel (FusedInstanceNormGradGrad).
 * Per group (a sample's channel) of R values, with x̂ = (x − μ)/σ, σ = √(var + ε), k = γ/σ and
 * P(v) = v − mean(v) − x̂·mean(v·x̂), the gradient kernel computes
 *   dx = k·P(dy) + dμ/R + 2·dvar·(x − μ)/R,  dγ = Σ dy·x̂,  dβ = Σ dy
 * (dμ, dvar: the gradients of the mean and variance outputs). Given g, gγ, gβ (the gradients of
 * dx, dγ, dβ), with μ and var taken as inputs (tfjs carries their share back through the
 * forward kernel's gradient):
 *   ∂/∂dy   = k·P(g) + gγ·x̂ + gβ
 *   ∂/∂x̂    = −k·(dy·mean(g·x̂) + mean(dy·x̂)·g) + gγ·dy
 *   ∂/∂x    = ∂/∂x̂ / σ + 2·dvar·g/R,   ∂/∂μ = −Σ ∂/∂x̂ / σ − 2·dvar·mean(g)
 *   ∂/∂σ    = −(Σ x̂·∂/∂x̂ + Σ g·k·P(dy))/σ,   ∂/∂var = ∂/∂σ / (2σ)
 *   ∂/∂γ    = Σ g·P(dy)/σ (over groups too),   ∂/∂dμ = mean(g),   ∂/∂dvar = 2·mean(g·(x − μ)).
 */
tf.registerGradient({
  kernelName: FUSED_BATCH_NORM_TRAINING_GRAD,
  inputsToSave: ['dy', 'x', 'scale', 'mean', 'variance', 'dmean', 'dvariance'],
  gradFunc: (dys, saved, attrs) => {
    const [dy, x, scale, mean, variance, dmean, dvariance] = saved;
    const { perSample, activation = 'linear', hasResidual } = attrs as unknown as FusedNormAttrs;
    // normalizeFused lets only instance norm without an epilogue run under a nested tape.
    if (!perSample || activation !== 'linear' || hasResidual || !dmean || !dvariance) {
      throw new Error('FusedBatchNormTrainingGrad: no second-order gradient for batch norm or a fused epilogue');
    }
    const [g, gscale, goffset] = dys as tf.Tensor[]; // tfjs passes zeros for unused outputs
    const [ddy, dx, dmu, dvar, dscale, ddmean, ddvariance] = tf.engine().runKernel(FUSED_INSTANCE_NORM_GRAD_GRAD,
      { dy, x, scale, mean, variance, dvariance, g, gscale, goffset }, attrs as tf.NamedAttrMap) as tf.Tensor[];
    return {
      dy: () => ddy, x: () => dx, mean: () => dmu, variance: () => dvar, scale: () => dscale,
      dmean: () => ddmean, dvariance: () => ddvariance,
    };
  },
});

tf.registerGradient({
  kernelName: FUSED_INSTANCE_NORM_GRAD_GRAD,
  gradFunc: () => {
    throw new Error('a third-order gradient through a fused instance norm is not supported');
  },
});

/**
 * One Adam step for one variable: returns [m', v', w'] (the caller assigns them), or null when
 * the current backend has no fused kernel. accBeta1/accBeta2 are β1ᵗ and β2ᵗ as scalars.
 */
export function adamUpdate(
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  w: tf.Tensor,
  accBeta1: tf.Scalar,
  accBeta2: tf.Scalar,
  hp: { learningRate: number; beta1: number; beta2: number; epsilon: number },
): [tf.Tensor, tf.Tensor, tf.Tensor] | null {
  if (!backendHasKernel(FUSED_ADAM_UPDATE) || [g, m, v, w].some((t) => t.dtype !== 'float32')) return null;
  return tf.engine().runKernel(FUSED_ADAM_UPDATE, { g, m, v, w, accBeta1, accBeta2 }, hp as unknown as tf.NamedAttrMap) as [
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
  ];
}
