import * as tf from '@tensorflow/tfjs';

/**
 * out[s, ...] = sum of x[i, ...] over the i with segmentIds[i] = s (ids outside [0, numSegments)
 * are dropped, as in TensorFlow). As a matrix product: a 0/1 selector [numSegments, len] times
 * x as [len, rest]. Sums of x values only, so exact; it is the gradient of tf.gather, which
 * tfjs-backend-wasm 4.22 cannot compute (no UnsortedSegmentSum kernel).
 */
export function unsortedSegmentSumSelector(x: tf.Tensor, segmentIds: tf.Tensor, numSegments: number): tf.Tensor {
  return tf.tidy(() => {
    const len = segmentIds.size;
    const rest = x.shape.slice(segmentIds.rank);
    const restSize = rest.reduce((a, b) => a * b, 1);
    const ids = tf.cast(segmentIds.reshape([1, len]), 'int32');
    const select = tf.cast(tf.equal(tf.range(0, numSegments, 1, 'int32').reshape([numSegments, 1]), ids), x.dtype === 'int32' ? 'int32' : 'float32');
    const out = tf.matMul(tf.cast(select, 'float32'), tf.cast(x, 'float32').reshape([len, restSize]));
    return tf.cast(out, x.dtype).reshape([numSegments, ...rest]);
  });
}
