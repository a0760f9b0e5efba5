import * as tf from '@tensorflow/tfjs';
import { registerNativeBackend } from '../backend/native';
(async () => {
  registerNativeBackend(); await tf.setBackend('native');
  const which = process.argv[2];
  const r = (s: number[]) => tf.randomUniform(s);
  let y: tf.Tensor;
  if (which === 'a') y = tf.conv2dTranspose(r([2,4,4,6]) as tf.Tensor4D, r([4,4,5,6]) as tf.Tensor4D, [2,8,8,5], 2, 'same');
  else if (which === 'b') y = tf.conv2dTranspose(r([3,1,1,10]) as tf.Tensor4D, r([4,4,8,10]) as tf.Tensor4D, [3,4,4,8], 1, 'valid');
  else if (which === 'c') y = tf.conv2d(r([2,9,7,3]) as tf.Tensor4D, r([3,3,3,4]) as tf.Tensor4D, 1, 'same', 'NHWC', 2);
  else y = tf.fused.conv2d({x: r([2,6,6,3]) as tf.Tensor4D, filter: r([3,3,3,5]) as tf.Tensor4D, strides: 2, pad: 'same', bias: r([5]), activation: 'relu'});
  console.log(which, y.shape, (await y.data()).slice(0, 3));
})();
