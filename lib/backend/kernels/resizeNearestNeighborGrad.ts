import * as tf from '@tensorflow/tfjs';

/** The attributes of tfjs' ResizeNearestNeighbor(Grad) kernels. */
export interface ResizeAttrs {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/**
 * For each output row, the input row nearest-neighbour resizing reads, found by running the
 * forward resize itself on a ramp 0..inSize-1 so the rounding rules are exactly the forward's.
 */
function sourceIndex(inSize: number, outSize: number, attrs: ResizeAttrs): tf.Tensor1D {
  const ramp = tf.range(0, inSize, 1, 'float32').reshape([1, inSize, 1, 1]) as tf.Tensor4D;
  const idx = tf.image.resizeNearestNeighbor(ramp, [outSize, 1], attrs.alignCorners, attrs.halfPixelCenters);
  return tf.cast(idx.reshape([outSize]), 'int32') as tf.Tensor1D;
}

/** The transposed one-hot matrix: m[i, o] = 1 when output o reads input i (tf.oneHot needs depth >= 2). */
function selector(index: tf.Tensor1D, inSize: number): tf.Tensor2D {
  const rows = tf.range(0, inSize, 1, 'int32').reshape([inSize, 1]);
  return tf.cast(tf.equal(rows, index.reshape([1, index.size])), 'float32') as tf.Tensor2D;
}

/**
 * The gradient of nearest-neighbour resizing (NHWC): dx[n, y, x, c] sums dy over the output
 * pixels that copied input pixel (y, x). Rows and columns map independently, so with one-hot
 * matrices Ry [outH, inH] and Rx [outW, inW], dx = Ry^T dy Rx per sample and channel: two matrix
 * products (sums of dy values, exact). It replaces tfjs-backend-wasm 4.22's kernel, which returns
 * wrong values when the batch has more than one image.
 */
export function resizeNearestNeighborGradOneHot(dy: tf.Tensor4D, imagesShape: number[], attrs: ResizeAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [, inH, inW] = imagesShape;
    const [, outH, outW] = dy.shape;
    return adjointOfSeparable(dy, imagesShape, selector(sourceIndex(inH, outH, attrs), inH), selector(sourceIndex(inW, outW, attrs), inW));
  });
}

/**
 * Bilinear resizing along one axis as a matrix, transposed: m[i, o] is the weight of input i in
 * output o, read off the forward resize itself applied to the identity (inSize one-hot channels
 * on a 1-pixel-wide image), so the coordinate rules are exactly the forward's.
 */
function bilinearWeightsT(inSize: number, outSize: number, attrs: ResizeAttrs): tf.Tensor2D {
  const eye = tf.eye(inSize).reshape([1, inSize, 1, inSize]) as tf.Tensor4D;
  const w = tf.image.resizeBilinear(eye, [outSize, 1], attrs.alignCorners, attrs.halfPixelCenters); // [1, out, 1, in]
  return w.reshape([outSize, inSize]).transpose() as tf.Tensor2D;
}

/**
 * The gradient of bilinear resizing (NHWC), the exact adjoint of the forward: dx = Ry^T dy Rx
 * with the forward's interpolation matrices. It replaces tfjs-backend-cpu 4.22's kernel, which
 * returns height and width swapped for non-square images (so the paper's model could not train
 * at CelebA's 128×160 on the fallback backend) and ignores halfPixelCenters.
 */
export function resizeBilinearGradByMatrices(dy: tf.Tensor4D, imagesShape: number[], attrs: ResizeAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [, inH, inW] = imagesShape;
    const [, outH, outW] = dy.shape;
    return adjointOfSeparable(dy, imagesShape, bilinearWeightsT(inH, outH, attrs), bilinearWeightsT(inW, outW, attrs));
  });
}

/** dx = Ry^T dy Rx per sample and channel, given ryT [inH, outH] and rxT [inW, outW]. */
function adjointOfSeparable(dy: tf.Tensor4D, imagesShape: number[], ryT: tf.Tensor2D, rxT: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, inH, inW, c] = imagesShape;
    const [, outH, outW] = dy.shape;
    // Columns: [outW, N*outH*C] -> [inW, N*outH*C].
    const byCol = tf.matMul(rxT, dy.transpose([2, 0, 1, 3]).reshape([outW, n * outH * c]));
    // Rows: [inW, N, outH, C] -> [outH, N, inW, C] -> [inH, N*inW*C].
    const byRow = byCol.reshape([inW, n, outH, c]).transpose([2, 1, 0, 3]).reshape([outH, n * inW * c]);
    const dx = tf.matMul(ryT, byRow).reshape([inH, n, inW, c]);
    return dx.transpose([1, 0, 2, 3]) as tf.Tensor4D;
  });
}
