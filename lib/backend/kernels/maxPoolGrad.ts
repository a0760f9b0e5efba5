import * as tf from '@tensorflow/tfjs';
import { cropOrPad } from './convGeometry';

/** The attributes of tfjs' MaxPoolGrad kernel. */
export interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * The gradient of max pooling (NHWC): each dy goes to the first position of its window (in
 * row-major scan order, as tfjs' CPU backend picks) whose input equals the window's maximum.
 *
 * Tap (i, j) of every window reads xp[oh*s + i, ow*s + j] (xp padded with -inf); a mask marks
 * the taps equal to the output that no earlier tap claimed. Tap i = r + s*k lands in output
 * phase r at coarse row oh + k, so each phase grid is a sum of shifted masked dy, and the phases
 * interleave into the padded input grid, cropped by (padTop, padLeft). Only sums of dy values,
 * so it is exact; it replaces tfjs-backend-wasm 4.22's MaxPoolGrad, which returns wrong values
 * when there is more than one channel (test/backend/wasmKernels.test.ts shows it).
 */
export function maxPoolGradMasked(dy: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, attrs: MaxPoolGradAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computePool2DInfo(x.shape, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
    if (sh !== sw) throw new Error('maxPoolGradMasked needs equal strides');
    const s = sh;
    const [n, h, w, c] = x.shape;
    const { top, left } = info.padInfo;
    const kh = Math.ceil(fh / s);
    const kw = Math.ceil(fw / s);
    const t = ho + kh - 1;
    const u = wo + kw - 1;
    // The padded input as s*s phase planes [s*s*N, T, U, C]: plane (r, c) holds rows t*s + r,
    // columns u*s + c, so every tap is a plain 4-d slice (wasm's strided slice is slow).
    const padded = tf.pad(x, [[0, 0], [top, Math.max(0, t * s - top - h)], [left, Math.max(0, u * s - left - w)], [0, 0]], -Infinity);
    const xpad = tf.slice(padded, [0, 0, 0, 0], [n, t * s, u * s, c]) as tf.Tensor4D;
    const planes =
      s === 1
        ? xpad
        : (xpad.reshape([n, t, s, u, s, c]).transpose([2, 4, 0, 1, 3, 5]).reshape([s * s * n, t, u, c]) as tf.Tensor4D);
    const grids: (tf.Tensor4D | null)[] = Array.from({ length: s * s }, () => null);
    let taken: tf.Tensor4D = tf.zeros([n, ho, wo, c]);
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        const [r, k, cc, k2] = [i % s, Math.floor(i / s), j % s, Math.floor(j / s)];
        const plane = r * s + cc;
        const tap = tf.slice(planes, [plane * n, k, k2, 0], [n, ho, wo, c]);
        const mask: tf.Tensor4D = tf.mul(tf.cast(tf.equal(tap, y), 'float32'), tf.sub(1, taken));
        taken = tf.add(taken, mask) as tf.Tensor4D;
        const shifted = tf.pad(tf.mul(dy, mask), [[0, 0], [k, kh - 1 - k], [k2, kw - 1 - k2], [0, 0]]) as tf.Tensor4D;
        const g = grids[plane];
        grids[plane] = g == null ? shifted : (tf.add(g, shifted) as tf.Tensor4D);
      }
    }
    const zero = tf.zeros([n, t, u, c]) as tf.Tensor4D;
    const all = grids.map((g) => g ?? zero);
    const z =
      s === 1
        ? all[0]
        : (tf.concat(all, 0).reshape([s, s, n, t, u, c]).transpose([2, 3, 0, 4, 1, 5]).reshape([n, t * s, u * s, c]) as tf.Tensor4D);
    return cropOrPad(z, top, left, h, w);
  });
}
