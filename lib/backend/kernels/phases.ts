import * as tf from '@tensorflow/tfjs';

/**
 * Interleave s*s phase grids into one image: phases[r][c] is [N, T, U, C] and holds the rows
 * Y = t*s + r, columns X = u*s + c of the result [N, T*s, U*s, C] (a depthToSpace done as
 * stack + reshape + 4-d transpose: wasm's DepthToSpace is a slow scalar loop).
 */
export function interleavePhases(phases: tf.Tensor4D[][], s: number): tf.Tensor4D {
  if (s === 1) return phases[0][0];
  const [n, t, u, c] = phases[0][0].shape;
  // [N, T, U, r, c, C] with (c, C) contiguous, then swap U and r.
  const rows = phases.map((row) => tf.stack(row, 3)); // each [N, T, U, s(c), C]
  const z = tf.stack(rows, 3); // [N, T, U, s(r), s(c), C]
  return z.reshape([n * t, u, s, s * c]).transpose([0, 2, 1, 3]).reshape([n, t * s, u * s, c]) as tf.Tensor4D;
}
