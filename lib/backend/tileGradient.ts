/**
 * The gradient of tf.tile as one reshape and one sum, registered for the whole process on import.
 *
 * tfjs's own gradient slices dy and adds once per repetition. tfjs-layers' LayerNormalization
 * tiles its statistics over the normalised axes (a [5,1,1,1] mean to [5,8,8,32]: 2,048
 * repetitions), and WGAN-GP's penalty differentiates that gradient again, so each slice and add
 * was taped and differentiated: a WGAN-GP step at 32×32 (width 16, batch 5) took 7–10 s, 86,166
 * of its kernel calls slices, and at 64×64, batch 8, the tape filled the WebAssembly heap.
 * Reshape and sum are differentiable, so this gradient is too.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * dx for y = tile(x, reps): dy viewed with each tiled axis split into (repetition, x's axis),
 * summed over the repetitions. Axes of size 1 on both sides are left out, so the reduced axes
 * are contiguous in the common case (statistics tiled over the trailing axes).
 */
export function tileGradient(dy: tf.Tensor, xShape: number[], reps: number[]): tf.Tensor {
  return tf.tidy(() => {
    const view: number[] = [];
    const summed: number[] = [];
    xShape.forEach((size, i) => {
      if (reps[i] > 1) {
        summed.push(view.length);
        view.push(reps[i]);
      }
      if (size > 1) view.push(size);
    });
    if (summed.length === 0) return tf.reshape(dy, xShape);
    return tf.reshape(tf.sum(tf.reshape(dy, view), summed), xShape);
  });
}

tf.registerGradient({
  kernelName: tf.Tile,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const { reps } = attrs as unknown as tf.TileAttrs;
    return { x: () => tileGradient(dy as tf.Tensor, x.shape, reps) };
  },
});
