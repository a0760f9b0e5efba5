// Elementwise kernels (native/src/elementwise.cc): one kernel per unary, binary and comparison
// op of the addon's table (named as tfjs names the kernel), Select, Cast, AddN, and the fused
// gradient of pointwise ops.
import * as tf from '@tensorflow/tfjs';
import { NATIVE_ELT_GRAD } from './names';
import { broadcastStrides, contiguousStrides, sameShape } from './shapes';
import { type KernelContext, type KernelFunc, type Kernels, type TensorInfo, allF32, backendOf, opCode, sizeOf } from './context';

export function elementwiseKernels(ctx: KernelContext): Kernels {
  const { addon, ops, off, heap, fb } = ctx;
  const k: Kernels = {};

  for (const [name, op] of Object.entries(ops.unary)) {
    k[name] = (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      if (x.dtype !== 'float32') return fb(name, args);
      const b = backendOf(args);
      const y = b.makeOutput(x.shape, 'float32');
      const n = sizeOf(x.shape);
      const alpha = name === 'LeakyRelu' || name === 'Step' ? Number((args.attrs as { alpha?: number }).alpha ?? 0) : 0;
      if (n > 0) addon.unary(heap(b), op, off(b, x), off(b, y), n, alpha);
      return y;
    };
  }

  const binary = (name: string, op: number, boolOut: boolean): KernelFunc => (args) => {
    const { a, b: bb } = args.inputs as { a: TensorInfo; b: TensorInfo };
    if (!allF32(a, bb)) return fb(name, args);
    const be = backendOf(args);
    const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, bb.shape);
    const y = be.makeOutput(shape, boolOut ? 'bool' : 'float32');
    if (sizeOf(shape) > 0) {
      const { sa, sb, outShape } = broadcastStrides(a.shape, bb.shape, shape);
      addon.binary(heap(be), op, off(be, a), off(be, bb), off(be, y), outShape, sa, sb);
    }
    return y;
  };
  for (const [name, op] of Object.entries(ops.binary)) k[name] = binary(name, op, false);
  for (const [name, op] of Object.entries(ops.compare)) k[name] = binary(name, op, true);

  k.Select = (args) => {
    const { condition, t, e } = args.inputs as { condition: TensorInfo; t: TensorInfo; e: TensorInfo };
    if (!allF32(t, e) || condition.dtype !== 'bool' || !sameShape(t.shape, e.shape)) return fb('Select', args);
    const b = backendOf(args);
    const shape = t.shape;
    let sc: number[];
    if (sameShape(condition.shape, shape)) sc = contiguousStrides(shape);
    else if (condition.shape.length === 1 && condition.shape[0] === shape[0]) sc = shape.map((_, i) => (i === 0 ? 1 : 0));
    else return fb('Select', args);
    const y = b.makeOutput(shape, 'float32');
    const n = sizeOf(shape);
    if (n > 0) {
      if (sameShape(condition.shape, shape)) {
        addon.select(heap(b), off(b, condition), off(b, t), off(b, e), off(b, y), [n], [1], [1], [1]);
      } else {
        const st = contiguousStrides(shape);
        addon.select(heap(b), off(b, condition), off(b, t), off(b, e), off(b, y), shape, sc, st, st);
      }
    }
    return y;
  };

  k.Cast = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { dtype } = args.attrs as unknown as tf.CastAttrs;
    if (x.dtype === dtype && x.dtype !== 'string') {
      // A no-op cast (tf.moments casts its float32 input): share the memory, like Identity.
      (args.backend as unknown as { incRef(id: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    }
    const DT = ops.dtype as Readonly<Record<string, number>>;
    if (DT[x.dtype] === undefined || DT[dtype] === undefined) return fb('Cast', args);
    const b = backendOf(args);
    const y = b.makeOutput(x.shape, dtype);
    const n = sizeOf(x.shape);
    if (n > 0) addon.cast(heap(b), off(b, x), DT[x.dtype], off(b, y), DT[dtype], n);
    return y;
  };

  k.AddN = (args) => {
    const xs = args.inputs as unknown as TensorInfo[];
    if (!xs.length || !allF32(...xs) || !xs.every((x) => sameShape(x.shape, xs[0].shape))) return fb('AddN', args);
    const b = backendOf(args);
    const y = b.makeOutput(xs[0].shape, 'float32');
    const n = sizeOf(xs[0].shape);
    if (n > 0) addon.addN(heap(b), xs.map((x) => off(b, x)), off(b, y), n);
    return y;
  };

  // The gradient of a pointwise op (attrs.op names it, as in ops.eltGrad) in one pass (../gradients.ts).
  k[NATIVE_ELT_GRAD] = (args) => {
    const { dy, x } = args.inputs as { dy: TensorInfo; x: TensorInfo };
    const { op, alpha } = args.attrs as { op: string; alpha: number };
    const b = backendOf(args);
    const y = b.makeOutput(x.shape, 'float32');
    const n = sizeOf(x.shape);
    if (n > 0) addon.eltGrad(heap(b), opCode(ops.eltGrad, op, 'gradient'), off(b, dy), off(b, x), off(b, y), n, alpha ?? 0);
    return y;
  };
  return k;
}
