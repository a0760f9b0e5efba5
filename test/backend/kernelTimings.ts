/**
 * Wall time of the kernels lib/backend registers, against what they replace (not a test; run by hand):
 *   npx ts-node --transpile-only test/backend/kernelTimings.ts
 * Median of 3 runs after a warm-up, milliseconds, one thread (wasm in Node), DCGAN/cycle-model layer sizes.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, originalKernel } from '../../lib/backend';

function median(f: () => tf.TensorInfo, reps = 3): number {
  const once = () => {
    const t0 = process.hrtime.bigint();
    const out = tf.tidy(() => f() as tf.Tensor);
    out.dataSync();
    out.dispose();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  once();
  const times = Array.from({ length: reps }, once).sort((a, b) => a - b);
  return times[Math.floor(reps / 2)];
}

const convLayers: { name: string; x: [number, number, number, number]; f: [number, number, number, number]; s: number; pad: 'same' }[] = [
  { name: 'DCGAN 64px, batch 64: 32x32x64 -> 16x16x128, 4x4 s2', x: [64, 32, 32, 64], f: [4, 4, 64, 128], s: 2, pad: 'same' },
  { name: 'DCGAN 64px, batch 64: 16x16x128 -> 8x8x256, 4x4 s2', x: [64, 16, 16, 128], f: [4, 4, 128, 256], s: 2, pad: 'same' },
  { name: 'DCGAN 64px, batch 64: 64x64x3 -> 32x32x64, 4x4 s2', x: [64, 64, 64, 3], f: [4, 4, 3, 64], s: 2, pad: 'same' },
  { name: 'ResNet block, batch 1: 64x64x128, 3x3 s1', x: [1, 64, 64, 128], f: [3, 3, 128, 128], s: 1, pad: 'same' },
];

(async () => {
  await initBackend({ backend: 'wasm', quiet: true });
  const rows: string[] = [];
  for (const c of convLayers) {
    const x = tf.randomNormal(c.x) as tf.Tensor4D;
    const w = tf.randomNormal(c.f) as tf.Tensor4D;
    const dy = tf.randomNormal(tf.conv2d(x, w, c.s, c.pad).shape) as tf.Tensor4D;
    const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC' };
    const fwd = median(() => tf.conv2d(x, w, c.s, c.pad));
    const dW = median(() => tf.engine().runKernel<tf.Tensor>('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: c.f }));
    const dX = median(() => tf.engine().runKernel<tf.Tensor>('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: c.x }));
    const orig = originalKernel('wasm', 'Conv2DBackpropInput')!;
    const dXorig = median(() => tf.engine().makeTensorFromTensorInfo(orig.kernelFunc({ inputs: { dy, filter: w }, attrs: { ...attrs, inputShape: c.x }, backend: tf.backend() }) as tf.TensorInfo));
    rows.push(`${c.name}: conv2d ${fwd.toFixed(0)} | Conv2DBackpropFilter (ours) ${dW.toFixed(0)} | Conv2DBackpropInput ours ${dX.toFixed(0)} vs tfjs-wasm ${dXorig.toFixed(0)} (x${(dXorig / dX).toFixed(1)})`);
    tf.dispose([x, w, dy]);
  }
  // Pool and resize gradients (64 images 32x32x64).
  const x = tf.randomNormal([64, 32, 32, 64]) as tf.Tensor4D;
  const y = tf.maxPool(x, 2, 2, 'valid');
  const dy = tf.randomNormal(y.shape);
  const pAttrs = { filterSize: 2, strides: 2, pad: 'valid' };
  const mp = median(() => tf.engine().runKernel<tf.Tensor>('MaxPoolGrad', { dy, input: x, output: y }, pAttrs));
  const mpOrig = originalKernel('wasm', 'MaxPoolGrad')!;
  const mpo = median(() => tf.engine().makeTensorFromTensorInfo(mpOrig.kernelFunc({ inputs: { dy, input: x, output: y }, attrs: pAttrs, backend: tf.backend() }) as tf.TensorInfo));
  rows.push(`MaxPoolGrad 2x2 s2 on 64x32x32x64: ours ${mp.toFixed(0)} vs tfjs-wasm (wrong values) ${mpo.toFixed(0)}`);
  const up = tf.randomNormal([64, 64, 64, 64]);
  const rAttrs = { alignCorners: false, halfPixelCenters: true };
  const rs = median(() => tf.engine().runKernel<tf.Tensor>('ResizeNearestNeighborGrad', { images: x, dy: up }, rAttrs));
  const rsOrig = originalKernel('wasm', 'ResizeNearestNeighborGrad')!;
  const rso = median(() => tf.engine().makeTensorFromTensorInfo(rsOrig.kernelFunc({ inputs: { images: x, dy: up }, attrs: rAttrs, backend: tf.backend() }) as tf.TensorInfo));
  rows.push(`ResizeNearestNeighborGrad x2, halfPixelCenters, 64x32x32x64: ours ${rs.toFixed(0)} vs tfjs-wasm (wrong values) ${rso.toFixed(0)}`);
  console.log(rows.join('\n'));
})();
