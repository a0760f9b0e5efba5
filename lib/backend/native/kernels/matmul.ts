// Matrix products on oneDNN (native/src/matmul.cc): BatchMatMul, _FusedMatMul.
import * as tf from '@tensorflow/tfjs';
import { activationOk, epilogue } from './epilogue';
import { type KernelContext, type Kernels, type TensorInfo, type WasmLike, allF32, backendOf, sizeOf } from './context';

export function matmulKernels(ctx: KernelContext): Kernels {
  const { addon, off, heap, fb } = ctx;
  const k: Kernels = {};

  const matmul = (b: WasmLike, A: TensorInfo, Bm: TensorInfo, ta: boolean, tb: boolean): TensorInfo | null => {
    const ra = A.shape.length, rb = Bm.shape.length;
    const M = ta ? A.shape[ra - 1] : A.shape[ra - 2], K = ta ? A.shape[ra - 2] : A.shape[ra - 1];
    const N = tb ? Bm.shape[rb - 2] : Bm.shape[rb - 1];
    const outerA = A.shape.slice(0, -2), outerB = Bm.shape.slice(0, -2);
    const ba = sizeOf(outerA), bb = sizeOf(outerB);
    if (ba !== bb && ba !== 1 && bb !== 1) return null;
    const outer = ba >= bb ? outerA : outerB;
    const y = b.makeOutput([...outer, M, N], 'float32');
    if (M * N * Math.max(ba, bb) > 0) {
      if (K === 0) addon.fill(heap(b), off(b, y), M * N * Math.max(ba, bb), 0);
      else addon.matmul(heap(b), off(b, A), off(b, Bm), off(b, y), [ba, bb, M, N, K, ta ? 1 : 0, tb ? 1 : 0]);
    }
    return y;
  };

  k.BatchMatMul = (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    if (!allF32(a, b)) return fb('BatchMatMul', args);
    return matmul(backendOf(args), a, b, transposeA, transposeB) ?? fb('BatchMatMul', args);
  };

  k._FusedMatMul = (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
    const at = args.attrs as unknown as tf._FusedMatMulAttrs;
    if (!allF32(a, b, bias) || preluActivationWeights || !activationOk(at.activation)) return fb('_FusedMatMul', args);
    const be = backendOf(args);
    const y = matmul(be, a!, b!, at.transposeA, at.transposeB);
    if (!y) return fb('_FusedMatMul', args);
    epilogue(ctx, be, y, bias, at.activation ?? 'linear', at.leakyreluAlpha ?? 0.2);
    return y;
  };
  return k;
}
