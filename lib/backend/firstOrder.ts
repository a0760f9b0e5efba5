import * as tf from '@tensorflow/tfjs';

/**
 * A scope promising that the gradients computed inside it will not be differentiated again,
 * even though an outer gradient tape is recording. A GAN step that reuses G's forward pass for
 * the generator update runs the discriminator update inside the generator's tape; that nested
 * backward pass is never on the generator's gradient path. Backends may then use fused gradient
 * kernels that have no gradient of their own (the native backend does); without the promise they
 * must use tfjs's differentiable gradients, as WGAN-GP's penalty needs.
 */
let depth = 0;

export function firstOrderGradients<T>(f: () => T): T {
  depth++;
  try {
    return f();
  } finally {
    depth--;
  }
}

/** Whether the caller is inside `firstOrderGradients`. */
export function inFirstOrderScope(): boolean {
  return depth > 0;
}

/**
 * Whether kernels run now are recorded for a higher-order gradient (e.g. WGAN-GP's penalty
 * differentiates a gradient), so a gradient computed now must be built from differentiable ops;
 * false inside `firstOrderGradients`.
 */
export function recordingForHigherOrder(): boolean {
  if (inFirstOrderScope()) return false;
  const e = tf.engine() as unknown as { isTapeOn?: () => boolean; state?: { gradientDepth?: number } };
  return e.isTapeOn ? e.isTapeOn() : (e.state?.gradientDepth ?? 0) > 0;
}
