// Kernels that move data (native/src/copy.cc): Tile, Concat, SplitV, and Identity, which shares memory.
import * as tf from '@tensorflow/tfjs';
import { type KernelContext, type Kernels, type TensorInfo, backendOf, sizeOf } from './context';

export function copyKernels(ctx: KernelContext): Kernels {
  const { addon, off, heap, fb } = ctx;
  const k: Kernels = {};

  // Tensors are immutable, so Identity can share the input's memory (as the CPU backend does)
  // instead of copying it as the wasm kernel does.
  k.Identity = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === 'string') return fb('Identity', args);
    (args.backend as unknown as { incRef(id: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };

  k.Tile = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { reps } = args.attrs as unknown as tf.TileAttrs;
    const bpe = x.dtype === 'float32' || x.dtype === 'int32' ? 4 : x.dtype === 'bool' ? 1 : 0;
    if (!bpe || x.shape.length === 0) return fb('Tile', args);
    const b = backendOf(args);
    const outShape = x.shape.map((d, i) => d * reps[i]);
    const y = b.makeOutput(outShape, x.dtype);
    if (sizeOf(outShape) > 0) addon.tile(heap(b), off(b, x), off(b, y), x.shape, outShape, bpe);
    return y;
  };

  k.Concat = (args) => {
    const xs = Object.values(args.inputs) as TensorInfo[];
    const { axis } = args.attrs as unknown as { axis: number | number[] };
    const dtype = xs[0]?.dtype;
    if (!xs.length || !(dtype === 'float32' || dtype === 'int32') || xs.some((t) => t.dtype !== dtype)) return fb('Concat', args);
    const ax = tf.util.parseAxisParam(axis, xs[0].shape)[0];
    const outShape = tf.backend_util.computeOutShape(xs.map((t) => t.shape), ax);
    const b = backendOf(args);
    const y = b.makeOutput(outShape, dtype);
    const outer = sizeOf(outShape.slice(0, ax));
    const parts = xs.filter((t) => sizeOf(t.shape) > 0);
    if (sizeOf(outShape) > 0) {
      addon.concat(heap(b), parts.map((t) => off(b, t)), parts.map((t) => (sizeOf(t.shape) / Math.max(outer, 1)) * 4), off(b, y), outer);
    }
    return y;
  };

  // The gradient of every concatenation (the proposed model's blocks concatenate twice each).
  k.SplitV = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number[] | number; axis: number | number[] };
    if (!(x.dtype === 'float32' || x.dtype === 'int32')) return fb('SplitV', args);
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
    const b = backendOf(args);
    const ys = sizes.map((s) => b.makeOutput(x.shape.map((d, i) => (i === ax ? s : d)), x.dtype));
    const outer = sizeOf(x.shape.slice(0, ax)), inner = sizeOf(x.shape.slice(ax + 1));
    const parts = ys.map((y, i) => ({ y, bytes: sizes[i] * inner * 4 })).filter((p) => p.bytes > 0);
    if (sizeOf(x.shape) > 0 && parts.length) addon.split(heap(b), off(b, x), parts.map((p) => off(b, p.y)), parts.map((p) => p.bytes), outer);
    return ys;
  };
  return k;
}
