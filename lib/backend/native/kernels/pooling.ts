// Pooling (native/src/pooling.cc): MaxPool, AvgPool and the gradient of MaxPool, NHWC.
import * as tf from '@tensorflow/tfjs';
import { type KernelContext, type Kernels, type TensorInfo, allF32, backendOf, sizeOf } from './context';

type PoolAttrs = { filterSize: [number, number] | number; strides: [number, number] | number;
  pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };

const poolInfo = (shape: number[], a: PoolAttrs) =>
  tf.backend_util.computePool2DInfo(shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad,
    a.dimRoundingMode);
const poolDims = (info: tf.backend_util.Conv2DInfo) => [info.batchSize, info.inHeight, info.inWidth, info.inChannels,
  info.outHeight, info.outWidth, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
  info.padInfo.top, info.padInfo.left];

export function poolingKernels(ctx: KernelContext): Kernels {
  const { addon, ops, off, heap, fb } = ctx;
  const k: Kernels = {};

  for (const [name, op] of Object.entries(ops.pool)) {
    k[name] = (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      if (!allF32(x) || x.shape.length !== 4) return fb(name, args);
      const info = poolInfo(x.shape, args.attrs as unknown as PoolAttrs);
      const b = backendOf(args);
      const y = b.makeOutput(info.outShape, 'float32');
      if (sizeOf(info.outShape) > 0) addon.pool(heap(b), op, off(b, x), off(b, y), poolDims(info));
      return y;
    };
  }

  k.MaxPoolGrad = (args) => {
    const { dy, input, output } = args.inputs as Record<string, TensorInfo>;
    const a = args.attrs as unknown as PoolAttrs;
    if (!allF32(dy, input, output)) return fb('MaxPoolGrad', args);
    const info = poolInfo(input.shape, a);
    if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return fb('MaxPoolGrad', args);
    const b = backendOf(args);
    const dx = b.makeOutput(input.shape, 'float32');
    if (sizeOf(input.shape) > 0) addon.maxPoolGrad(heap(b), off(b, dy), off(b, input), off(b, output), off(b, dx), poolDims(info));
    return dx;
  };
  return k;
}
