import * as tf from '@tensorflow/tfjs';

/** The attributes tfjs passes to the two conv2d gradient kernels (both take the same ones). */
export interface Conv2DGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * The forward convolution's geometry (padding, output size) exactly as tfjs computes it, so our
 * gradient kernels agree with tfjs' conv2d on every padding mode ('same', 'valid', explicit).
 */
export function conv2dGeometry(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: Conv2DGradAttrs,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/** Our formulations are written for NHWC only (the layout this project uses everywhere). */
export function isChannelsLast(dataFormat: string | undefined): boolean {
  return dataFormat == null || dataFormat === 'NHWC' || dataFormat === 'channelsLast';
}

/**
 * Crop or zero-pad `t` ([N,H,W,C]) on the height and width axes: rows [top, top+height) and
 * columns [left, left+width); rows or columns outside `t` become zeros.
 */
export function cropOrPad(t: tf.Tensor4D, top: number, left: number, height: number, width: number): tf.Tensor4D {
  const [n, h, w, c] = t.shape;
  const padBottom = Math.max(0, top + height - h);
  const padRight = Math.max(0, left + width - w);
  let r = t;
  if (padBottom > 0 || padRight > 0) r = tf.pad(r, [[0, 0], [0, padBottom], [0, padRight], [0, 0]]);
  if (top === 0 && left === 0 && r.shape[1] === height && r.shape[2] === width) return r;
  return tf.slice(r, [0, top, left, 0], [n, height, width, c]);
}
