import * as tf from '@tensorflow/tfjs';
import { Conv2DGradAttrs, conv2dGeometry, cropOrPad } from './convGeometry';

/**
 * The filter gradient of conv2d (NHWC, dilation 1), as one forward conv2d:
 *
 *   dW[i, j, ci, co] = sum_{n, oh, ow} xp[n, oh*s + i, ow*s + j, ci] * dy[n, oh, ow, co]
 *
 * where xp is x zero-padded by (padTop, padLeft). Read the input channel ci as a batch index and
 * the batch n as an input channel: with X[ci, y, x, n] = xp[n, y, x, ci] and
 * F[oh, ow, n, co] = dy[n, oh, ow, co], the sum is a stride-1 conv2d of X with filter F at
 * dilation s, evaluated at output position (i, j). The result [Cin, fh, fw, Cout] transposed to
 * [fh, fw, Cin, Cout] is dW. Exact (the same sums in another order) and it runs on the backend's
 * convolution (XNNPACK on wasm); im2col with a transposed matrix product was 30x slower there.
 */
export function conv2dBackpropFilterAsConv(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  attrs: Conv2DGradAttrs,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = conv2dGeometry(x.shape, filterShape, attrs);
    const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
    const { top, left } = info.padInfo;
    // Rows -top .. -top + (ho-1)*sh + fh - 1 of x are the ones the windows read.
    const needH = (ho - 1) * sh + fh;
    const needW = (wo - 1) * sw + fw;
    let xp: tf.Tensor4D = x;
    if (top > 0 || left > 0) xp = tf.pad(x, [[0, 0], [top, 0], [left, 0], [0, 0]]);
    xp = cropOrPad(xp, 0, 0, needH, needW);
    const xT = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [Cin, needH, needW, N]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, N, Cout]
    // tfjs conv2d takes either a stride or a dilation above 1, never both; here stride is 1.
    const g = tf.conv2d(xT, dyT, 1, 'valid', 'NHWC', [sh, sw]); // [Cin, fh, fw, Cout]
    return tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}
