// Reductions over contiguous axes (native/src/reduction.cc), and the gradient of Sum and Mean.
import * as tf from '@tensorflow/tfjs';
import { NATIVE_BCAST_SCALE } from './names';
import { broadcastStrides } from './shapes';
import { type KernelContext, type Kernels, type TensorInfo, backendOf, sizeOf } from './context';

export function reductionKernels(ctx: KernelContext): Kernels {
  const { addon, ops, off, heap, fb } = ctx;
  const k: Kernels = {};

  for (const [name, op] of Object.entries(ops.reduce)) {
    const extremum = name === 'Max' || name === 'Min';
    k[name] = (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      const { keepDims } = args.attrs as unknown as tf.SumAttrs;
      const axisAttr = (args.attrs as { axis?: number | number[]; reductionIndices?: number | number[] }).axis ??
        (args.attrs as { reductionIndices?: number | number[] }).reductionIndices;
      if (x.dtype !== 'float32') return fb(name, args);
      const axes = (axisAttr == null ? x.shape.map((_, i) => i) : tf.util.parseAxisParam(axisAttr, x.shape))
        .sort((p, q) => p - q);
      for (let i = 1; i < axes.length; ++i) if (axes[i] !== axes[i - 1] + 1) return fb(name, args);
      const b = backendOf(args);
      const a0 = axes.length ? axes[0] : 0, a1 = axes.length ? axes[axes.length - 1] + 1 : 0;
      const outer = sizeOf(x.shape.slice(0, a0)), red = sizeOf(x.shape.slice(a0, a1)), inner = sizeOf(x.shape.slice(a1));
      if (red === 0 && extremum) return fb(name, args);
      const outShape = keepDims ? x.shape.map((d, i) => (i >= a0 && i < a1 ? 1 : d))
        : x.shape.filter((_, i) => i < a0 || i >= a1);
      const y = b.makeOutput(outShape, 'float32');
      if (outer * inner > 0) {
        if (red === 0) addon.fill(heap(b), off(b, y), outer * inner, name === 'Mean' ? NaN : 0);
        else addon.reduce(heap(b), op, off(b, x), off(b, y), outer, red, inner);
      }
      return y;
    };
  }

  // The gradient of Sum and Mean: dy broadcast back to x's shape and scaled (../gradients.ts).
  k[NATIVE_BCAST_SCALE] = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { shape, scale } = args.attrs as { shape: number[]; scale: number };
    const b = backendOf(args);
    const y = b.makeOutput(shape, 'float32');
    if (sizeOf(shape) > 0) {
      const { sa, outShape } = broadcastStrides(x.shape, shape, shape);
      addon.bcastScale(heap(b), off(b, x), off(b, y), outShape, sa, scale);
    }
    return y;
  };
  return k;
}
