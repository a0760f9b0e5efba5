// Gradient overrides for the native backend. tfjs builds the gradients of pointwise ops, of
// reductions and of batch norm from several full-size elementwise ops (e.g. LeakyRelu:
// greater + multiply + select; Sum: ones + multiply; FusedBatchNorm: about a dozen); on the
// native backend these become one fused kernel each, which is most of the memory traffic of a
// DCGAN step once convolutions are fast. On every other backend the original gradient runs
// unchanged, so registering these is safe for the whole process.
import * as tf from '@tensorflow/tfjs';
import { recordingForHigherOrder as taping } from '../firstOrder';
import { NATIVE_BCAST_SCALE, NATIVE_BN_GRAD, NATIVE_ELT_GRAD } from './kernels/names';

type GradFunc = tf.GradConfig['gradFunc'];
const run = (name: string, inputs: tf.NamedTensorMap, attrs: object = {}) =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
const isF32 = (...ts: (tf.Tensor | undefined)[]) => ts.every((t) => t == null || t.dtype === 'float32');

let installed = false;

/** Installs the overrides once; `isNative()` tells whether the current backend is the native one. */
export function installNativeGradients(isNative: () => boolean): void {
  if (installed) return;
  installed = true;
  const override = (kernelName: string, native: (orig: GradFunc) => GradFunc | null) => {
    const orig = tf.getGradient(kernelName);
    if (!orig) return;
    const fast = native(orig.gradFunc);
    if (!fast) return;
    tf.registerGradient({
      ...orig,
      // The fused kernels have no gradients of their own: under a higher-order tape the original,
      // differentiable gradient runs.
      gradFunc: (dy, saved, attrs) =>
        (isNative() && !taping() ? fast(dy, saved, attrs) : orig.gradFunc(dy, saved, attrs)),
    });
  };
  // `op` names the pointwise op whose gradient the addon computes (its table ops.eltGrad).
  const elt = (op: string, alphaOf?: (attrs: tf.NamedAttrMap) => number) => (orig: GradFunc): GradFunc =>
    (dy, saved, attrs) => {
      const [x] = saved;
      const d = dy as tf.Tensor;
      if (!isF32(x, d) || !tf.util.arraysEqual(x.shape, d.shape)) return orig(dy, saved, attrs);
      return { x: () => run(NATIVE_ELT_GRAD, { dy: d, x }, { op, alpha: alphaOf ? alphaOf(attrs) : 0 }) };
    };
  override('Relu', elt('Relu'));
  override('LeakyRelu', elt('LeakyRelu', (a) => Number((a as { alpha?: number }).alpha ?? 0.2)));
  override('Tanh', elt('Tanh')); // saved = [y]
  override('Square', elt('Square'));
  override('Sigmoid', elt('Sigmoid')); // saved = [y]

  const reduceGrad = (mean: boolean) => (orig: GradFunc): GradFunc => (dy, saved, attrs) => {
    const [x] = saved;
    const d = dy as tf.Tensor;
    if (!isF32(x, d)) return orig(dy, saved, attrs);
    const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
    const expanded = x.shape.slice();
    let n = 1;
    for (const a of axes) { n *= x.shape[a]; expanded[a] = 1; }
    return { x: () => run(NATIVE_BCAST_SCALE, { x: tf.reshape(d, expanded) }, { shape: x.shape, scale: mean ? 1 / n : 1 }) };
  };
  override('Sum', reduceGrad(false));
  override('Mean', reduceGrad(true));

  override('FusedBatchNorm', (orig) => (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved;
    const d = dy as tf.Tensor;
    const C = x.shape[x.shape.length - 1];
    const perChannel = (t: tf.Tensor | undefined) => t == null || t.size === 1 || (t.size === C && t.shape[t.rank - 1] === C);
    if (!isF32(x, d, mean, variance, scale) || !perChannel(mean) || !perChannel(variance) || !perChannel(scale) ||
      mean.size !== C || variance.size !== C) {
      return orig(dy, saved, attrs);
    }
    const inputs: tf.NamedTensorMap = { dy: d, x, mean, variance };
    if (scale) inputs.scale = scale;
    const [dx, dmean, dvar, dscale, doffset] = tf.engine().runKernel(NATIVE_BN_GRAD, inputs,
      { varianceEpsilon: (attrs as { varianceEpsilon: number }).varianceEpsilon } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    return {
      x: () => dx,
      mean: () => tf.reshape(dmean, mean.shape),
      variance: () => tf.reshape(dvar, variance.shape),
      // As tfjs does: scale and offset gradients take the mean's shape.
      scale: () => tf.reshape(dscale, mean.shape),
      offset: () => tf.reshape(doffset, mean.shape),
    };
  });
}
