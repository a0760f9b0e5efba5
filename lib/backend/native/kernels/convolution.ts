// Convolutions on oneDNN (native/src/convolution.cc): Conv2D, its two gradients, FusedConv2D.
import * as tf from '@tensorflow/tfjs';
import { activationOk, epilogue } from './epilogue';
import { type KernelContext, type Kernels, type TensorInfo, type WasmLike, allF32, backendOf, sizeOf } from './context';

const convDims = (ci: tf.backend_util.Conv2DInfo) => [
  ci.batchSize, ci.inHeight, ci.inWidth, ci.inChannels, ci.outHeight, ci.outWidth, ci.outChannels,
  ci.filterHeight, ci.filterWidth, ci.strideHeight, ci.strideWidth, ci.dilationHeight, ci.dilationWidth,
  ci.padInfo.top, ci.padInfo.left,
];
const nhwc = (f: unknown) => f == null || f === 'NHWC' || f === 'channelsLast';

// One id per tensor data (a tfjs dataId's values never change), so the addon can keep the
// weights it reordered for oneDNN while the same weights come back (a generator runs twice a step).
const weightIds = new WeakMap<object, number>();
let lastWeightId = 0;
const weightsId = (t: TensorInfo): number => {
  let id = weightIds.get(t.dataId);
  if (id === undefined) weightIds.set(t.dataId, (id = ++lastWeightId));
  return id;
};

export function convolutionKernels(ctx: KernelContext): Kernels {
  const { addon, ops, off, heap, fb } = ctx;
  const k: Kernels = {};

  const conv2d = (b: WasmLike, x: TensorInfo, filter: TensorInfo, attrs: tf.NamedAttrMap) => {
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
    const ci = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number], strides, dilations, pad, dimRoundingMode, false,
      tf.backend_util.convertConv2DDataFormat(dataFormat));
    const out = b.makeOutput(ci.outShape, 'float32');
    if (sizeOf(ci.outShape) > 0) addon.conv(heap(b), ops.conv.forward, off(b, x), off(b, filter), off(b, out), convDims(ci), weightsId(filter));
    return out;
  };

  k.Conv2D = (args) => {
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    if (!allF32(x, filter) || !nhwc(args.attrs?.dataFormat)) return fb('Conv2D', args);
    return conv2d(backendOf(args), x, filter, args.attrs!);
  };

  k.Conv2DBackpropInput = (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if (!allF32(dy, filter) || !nhwc(a.dataFormat)) return fb('Conv2DBackpropInput', args);
    const b = backendOf(args);
    const ci = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number],
      a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
    const out = b.makeOutput(ci.inShape, 'float32');
    if (sizeOf(ci.inShape) > 0) addon.conv(heap(b), ops.conv.backwardInput, off(b, out), off(b, filter), off(b, dy), convDims(ci), weightsId(filter));
    return out;
  };

  k.Conv2DBackpropFilter = (args) => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const a = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (!allF32(x, dy) || !nhwc(a.dataFormat)) return fb('Conv2DBackpropFilter', args);
    const b = backendOf(args);
    const ci = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape,
      a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
    const out = b.makeOutput(a.filterShape, 'float32');
    if (sizeOf(a.filterShape) > 0) addon.conv(heap(b), ops.conv.backwardFilter, off(b, x), off(b, out), off(b, dy), convDims(ci));
    return out;
  };

  k.FusedConv2D = (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
    const a = args.attrs as unknown as tf.FusedConv2DAttrs;
    if (!allF32(x, filter, bias) || preluActivationWeights || !activationOk(a.activation) || !nhwc(a.dataFormat)) {
      return fb('FusedConv2D', args);
    }
    const b = backendOf(args);
    const y = conv2d(b, x!, filter!, args.attrs!);
    epilogue(ctx, b, y, bias, a.activation ?? 'linear', a.leakyreluAlpha ?? 0.2);
    return y;
  };
  return k;
}
