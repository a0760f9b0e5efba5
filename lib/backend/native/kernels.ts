// TensorFlow.js kernels of the "native" backend: the wasm backend stores the tensors (its heap is
// one ArrayBuffer), and these kernels compute on that heap in place with the oneDNN addon.
// A kernel handles the common float32 cases and hands anything else to the wasm kernel it
// replaces, so every op keeps working.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon';
import { FUSED_ADAM_UPDATE, FUSED_BATCH_NORM_TRAINING, FUSED_BATCH_NORM_TRAINING_GRAD } from '../fusedOps';

type TensorInfo = tf.TensorInfo;
type NamedAttrMap = tf.NamedAttrMap;
type KernelFunc = tf.KernelFunc;

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
export interface WasmLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
}

const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Fallback kernel lookup: the wasm kernel this one replaces (undefined if wasm has none). */
export type Fallback = (name: string) => KernelFunc | undefined;

export function makeNativeKernels(addon: NativeAddon, fallback: Fallback): Record<string, KernelFunc> {
  const k: Record<string, KernelFunc> = {};
  const off = (b: WasmLike, t: TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;
  // The heap's ArrayBuffer changes when wasm memory grows: read it after every allocation.
  const heap = (b: WasmLike) => b.wasm.HEAPU8.buffer as ArrayBuffer;
  const fb = (name: string, args: Parameters<KernelFunc>[0]) => {
    const f = fallback(name);
    if (!f) throw new Error(`native backend: no fallback for ${name}`);
    return f(args) as TensorInfo | TensorInfo[];
  };
  const allF32 = (...ts: (TensorInfo | undefined)[]) => ts.every((t) => t == null || t.dtype === 'float32');

  // ------------------------------------------------------------ convolutions (oneDNN)
  const convDims = (ci: tf.backend_util.Conv2DInfo) => [
    ci.batchSize, ci.inHeight, ci.inWidth, ci.inChannels, ci.outHeight, ci.outWidth, ci.outChannels,
    ci.filterHeight, ci.filterWidth, ci.strideHeight, ci.strideWidth, ci.dilationHeight, ci.dilationWidth,
    ci.padInfo.top, ci.padInfo.left,
  ];
  const nhwc = (f: unknown) => f == null || f === 'NHWC' || f === 'channelsLast';

  const conv2d = (b: WasmLike, x: TensorInfo, filter: TensorInfo, attrs: NamedAttrMap) => {
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
    const ci = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number], strides, dilations, pad, dimRoundingMode, false,
      tf.backend_util.convertConv2DDataFormat(dataFormat));
    const out = b.makeOutput(ci.outShape, 'float32');
    if (sizeOf(ci.outShape) > 0) addon.conv(heap(b), 0, off(b, x), off(b, filter), off(b, out), convDims(ci));
    return out;
  };

  k.Conv2D = (args) => {
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    if (!allF32(x, filter) || !nhwc(args.attrs?.dataFormat)) return fb('Conv2D', args);
    return conv2d(args.backend as unknown as WasmLike, x, filter, args.attrs!);
  };

  k.Conv2DBackpropInput = (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if (!allF32(dy, filter) || !nhwc(a.dataFormat)) return fb('Conv2DBackpropInput', args);
    const b = args.backend as unknown as WasmLike;
    const ci = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number],
      a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
    const out = b.makeOutput(ci.inShape, 'float32');
    if (sizeOf(ci.inShape) > 0) addon.conv(heap(b), 1, off(b, out), off(b, filter), off(b, dy), convDims(ci));
    return out;
  };

  k.Conv2DBackpropFilter = (args) => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const a = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (!allF32(x, dy) || !nhwc(a.dataFormat)) return fb('Conv2DBackpropFilter', args);
    const b = args.backend as unknown as WasmLike;
    const ci = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape,
      a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
    const out = b.makeOutput(a.filterShape, 'float32');
    if (sizeOf(a.filterShape) > 0) addon.conv(heap(b), 2, off(b, x), off(b, out), off(b, dy), convDims(ci));
    return out;
  };

  // Bias and activation after a native conv/matmul, in place on the output.
  const epilogue = (b: WasmLike, y: TensorInfo, bias: TensorInfo | undefined, activation: string, alpha: number) => {
    if (bias) {
      const { sa, sb, outShape } = broadcastStrides(y.shape, bias.shape, y.shape);
      addon.binary(heap(b), B.Add, off(b, y), off(b, bias), off(b, y), outShape, sa, sb);
    }
    const op = ACT[activation];
    if (op !== undefined && op !== U.Ident) addon.unary(heap(b), op, off(b, y), off(b, y), sizeOf(y.shape), alpha);
  };
  const activationOk = (a: string | undefined) => a == null || ACT[a] !== undefined;

  k.FusedConv2D = (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
    const a = args.attrs as unknown as tf.FusedConv2DAttrs;
    if (!allF32(x, filter, bias) || preluActivationWeights || !activationOk(a.activation) || !nhwc(a.dataFormat)) {
      return fb('FusedConv2D', args);
    }
    const b = args.backend as unknown as WasmLike;
    const y = conv2d(b, x!, filter!, args.attrs!);
    epilogue(b, y, bias, a.activation ?? 'linear', a.leakyreluAlpha ?? 0.2);
    return y;
  };

  // ------------------------------------------------------------ matmul (oneDNN)
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
    return matmul(args.backend as unknown as WasmLike, a, b, transposeA, transposeB) ?? fb('BatchMatMul', args);
  };
  k._FusedMatMul = (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
    const at = args.attrs as unknown as tf._FusedMatMulAttrs;
    if (!allF32(a, b, bias) || preluActivationWeights || !activationOk(at.activation)) return fb('_FusedMatMul', args);
    const be = args.backend as unknown as WasmLike;
    const y = matmul(be, a!, b!, at.transposeA, at.transposeB);
    if (!y) return fb('_FusedMatMul', args);
    epilogue(be, y, bias, at.activation ?? 'linear', at.leakyreluAlpha ?? 0.2);
    return y;
  };

  // ------------------------------------------------------------ elementwise
  for (const [name, op] of Object.entries(UNARY)) {
    k[name] = (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      if (x.dtype !== 'float32') return fb(name, args);
      const b = args.backend as unknown as WasmLike;
      const y = b.makeOutput(x.shape, 'float32');
      const n = sizeOf(x.shape);
      const alpha = name === 'LeakyRelu' || name === 'Step' ? Number((args.attrs as { alpha?: number }).alpha ?? 0) : 0;
      if (n > 0) addon.unary(heap(b), op, off(b, x), off(b, y), n, alpha);
      return y;
    };
  }

  for (const [name, [op, boolOut]] of Object.entries(BINARY)) {
    k[name] = (args) => {
      const { a, b: bb } = args.inputs as { a: TensorInfo; b: TensorInfo };
      if (!allF32(a, bb)) return fb(name, args);
      const be = args.backend as unknown as WasmLike;
      const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, bb.shape);
      const y = be.makeOutput(shape, boolOut ? 'bool' : 'float32');
      if (sizeOf(shape) > 0) {
        const { sa, sb, outShape } = broadcastStrides(a.shape, bb.shape, shape);
        addon.binary(heap(be), op, off(be, a), off(be, bb), off(be, y), outShape, sa, sb);
      }
      return y;
    };
  }

  // Tensors are immutable, so Identity can share the input's memory (as the CPU backend does)
  // instead of copying it as the wasm kernel does.
  k.Identity = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === 'string') return fb('Identity', args);
    (args.backend as unknown as { incRef(id: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };

  k.Select = (args) => {
    const { condition, t, e } = args.inputs as { condition: TensorInfo; t: TensorInfo; e: TensorInfo };
    if (!allF32(t, e) || condition.dtype !== 'bool' || !sameShape(t.shape, e.shape)) return fb('Select', args);
    const b = args.backend as unknown as WasmLike;
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

  const DT: Record<string, number> = { float32: 0, int32: 1, bool: 2 };
  k.Cast = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { dtype } = args.attrs as unknown as tf.CastAttrs;
    if (x.dtype === dtype && x.dtype !== 'string') {
      // A no-op cast (tf.moments casts its float32 input): share the memory, like Identity.
      (args.backend as unknown as { incRef(id: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    }
    if (DT[x.dtype] === undefined || DT[dtype] === undefined) return fb('Cast', args);
    const b = args.backend as unknown as WasmLike;
    const y = b.makeOutput(x.shape, dtype);
    const n = sizeOf(x.shape);
    if (n > 0) addon.cast(heap(b), off(b, x), DT[x.dtype], off(b, y), DT[dtype], n);
    return y;
  };

  k.AddN = (args) => {
    const xs = args.inputs as unknown as TensorInfo[];
    if (!xs.length || !allF32(...xs) || !xs.every((x) => sameShape(x.shape, xs[0].shape))) return fb('AddN', args);
    const b = args.backend as unknown as WasmLike;
    const y = b.makeOutput(xs[0].shape, 'float32');
    const n = sizeOf(xs[0].shape);
    if (n > 0) addon.addN(heap(b), xs.map((x) => off(b, x)), off(b, y), n);
    return y;
  };

  k.Tile = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { reps } = args.attrs as unknown as tf.TileAttrs;
    const bpe = x.dtype === 'float32' || x.dtype === 'int32' ? 4 : x.dtype === 'bool' ? 1 : 0;
    if (!bpe || x.shape.length === 0) return fb('Tile', args);
    const b = args.backend as unknown as WasmLike;
    const outShape = x.shape.map((d, i) => d * reps[i]);
    const y = b.makeOutput(outShape, x.dtype);
    if (sizeOf(outShape) > 0) addon.tile(heap(b), off(b, x), off(b, y), x.shape, outShape, bpe);
    return y;
  };

  // ------------------------------------------------------------ reductions
  for (const [name, op] of Object.entries({ Sum: 0, Mean: 1, Max: 2, Min: 3 })) {
    k[name] = (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      const { keepDims } = args.attrs as unknown as tf.SumAttrs;
      const axisAttr = (args.attrs as { axis?: number | number[]; reductionIndices?: number | number[] }).axis ??
        (args.attrs as { reductionIndices?: number | number[] }).reductionIndices;
      if (x.dtype !== 'float32') return fb(name, args);
      const axes = (axisAttr == null ? x.shape.map((_, i) => i) : tf.util.parseAxisParam(axisAttr, x.shape))
        .sort((p, q) => p - q);
      for (let i = 1; i < axes.length; ++i) if (axes[i] !== axes[i - 1] + 1) return fb(name, args);
      const b = args.backend as unknown as WasmLike;
      const a0 = axes.length ? axes[0] : 0, a1 = axes.length ? axes[axes.length - 1] + 1 : 0;
      const outer = sizeOf(x.shape.slice(0, a0)), red = sizeOf(x.shape.slice(a0, a1)), inner = sizeOf(x.shape.slice(a1));
      if (red === 0 && op >= 2) return fb(name, args);
      const outShape = keepDims ? x.shape.map((d, i) => (i >= a0 && i < a1 ? 1 : d))
        : x.shape.filter((_, i) => i < a0 || i >= a1);
      const y = b.makeOutput(outShape, 'float32');
      if (outer * inner > 0) {
        if (red === 0) addon.fill(heap(b), off(b, y), outer * inner, op === 1 ? NaN : 0);
        else addon.reduce(heap(b), op, off(b, x), off(b, y), outer, red, inner);
      }
      return y;
    };
  }

  // ------------------------------------------------------------ batch normalisation
  k.FusedBatchNorm = (args) => {
    const { x, mean, variance, offset, scale } = args.inputs as Record<string, TensorInfo | undefined>;
    const { varianceEpsilon } = args.attrs as unknown as tf.FusedBatchNormAttrs;
    if (!allF32(x, mean, variance, offset, scale) || x!.shape.length === 0) return fb('FusedBatchNorm', args);
    const C = x!.shape[x!.shape.length - 1];
    const stride = (t: TensorInfo | undefined) => {
      if (t == null) return 0;
      const n = sizeOf(t.shape);
      return n === 1 ? 0 : n === C && t.shape[t.shape.length - 1] === C ? 1 : -1;
    };
    const st = [mean, variance, offset, scale].map(stride);
    if (st.some((s) => s < 0)) return fb('FusedBatchNorm', args);
    const b = args.backend as unknown as WasmLike;
    const y = b.makeOutput(x!.shape, 'float32');
    const n = sizeOf(x!.shape);
    if (n > 0) {
      addon.batchNorm(heap(b), off(b, x!), off(b, mean!), off(b, variance!), offset ? off(b, offset) : -1,
        scale ? off(b, scale) : -1, off(b, y), n / C, C, varianceEpsilon, st);
    }
    return y;
  };

  // ------------------------------------------------------------ fused gradients (see gradients.ts)
  k[NATIVE_ELT_GRAD] = (args) => {
    const { dy, x } = args.inputs as { dy: TensorInfo; x: TensorInfo };
    const { op, alpha } = args.attrs as { op: number; alpha: number };
    const b = args.backend as unknown as WasmLike;
    const y = b.makeOutput(x.shape, 'float32');
    const n = sizeOf(x.shape);
    if (n > 0) addon.eltGrad(heap(b), op, off(b, dy), off(b, x), off(b, y), n, alpha ?? 0);
    return y;
  };
  k[NATIVE_BCAST_SCALE] = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { shape, scale } = args.attrs as { shape: number[]; scale: number };
    const b = args.backend as unknown as WasmLike;
    const y = b.makeOutput(shape, 'float32');
    if (sizeOf(shape) > 0) {
      const { sa, outShape } = broadcastStrides(x.shape, shape, shape);
      addon.bcastScale(heap(b), off(b, x), off(b, y), outShape, sa, scale);
    }
    return y;
  };
  k[NATIVE_BN_GRAD] = (args) => {
    const { dy, x, mean, variance, scale } = args.inputs as Record<string, TensorInfo | undefined>;
    const { varianceEpsilon } = args.attrs as { varianceEpsilon: number };
    const b = args.backend as unknown as WasmLike;
    const C = x!.shape[x!.shape.length - 1];
    const n = sizeOf(x!.shape);
    const dx = b.makeOutput(x!.shape, 'float32');
    const outs = [0, 1, 2, 3].map(() => b.makeOutput([C], 'float32'));
    const st = [mean!, variance!, scale].map((t) => (t == null || sizeOf(t.shape) === 1 ? 0 : 1));
    if (n > 0) {
      addon.bnGrad(heap(b), off(b, dy!), off(b, x!), off(b, mean!), off(b, variance!), scale ? off(b, scale) : -1,
        off(b, dx), off(b, outs[0]), off(b, outs[1]), off(b, outs[2]), off(b, outs[3]), n / C, C, varianceEpsilon, st);
    }
    return [dx, ...outs];
  };

  type PoolAttrs = { filterSize: [number, number] | number; strides: [number, number] | number;
    pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  const poolInfo = (x: TensorInfo, a: PoolAttrs) =>
    tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad,
      a.dimRoundingMode);
  const poolDims = (info: tf.backend_util.Conv2DInfo) => [info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.padInfo.top, info.padInfo.left];
  const pool = (name: string, op: number): KernelFunc => (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (!allF32(x) || x.shape.length !== 4) return fb(name, args);
    const info = poolInfo(x, args.attrs as unknown as PoolAttrs);
    const b = args.backend as unknown as WasmLike;
    const y = b.makeOutput(info.outShape, 'float32');
    if (sizeOf(info.outShape) > 0) addon.pool(heap(b), op, off(b, x), off(b, y), poolDims(info));
    return y;
  };
  k.MaxPool = pool('MaxPool', 0);
  k.AvgPool = pool('AvgPool', 1);

  k.Concat = (args) => {
    const xs = Object.values(args.inputs) as TensorInfo[];
    const { axis } = args.attrs as unknown as { axis: number | number[] };
    const dtype = xs[0]?.dtype;
    if (!xs.length || !(dtype === 'float32' || dtype === 'int32') || xs.some((t) => t.dtype !== dtype)) return fb('Concat', args);
    const ax = tf.util.parseAxisParam(axis, xs[0].shape)[0];
    const outShape = tf.backend_util.computeOutShape(xs.map((t) => t.shape), ax);
    const b = args.backend as unknown as WasmLike;
    const y = b.makeOutput(outShape, dtype);
    const outer = sizeOf(outShape.slice(0, ax));
    const parts = xs.filter((t) => sizeOf(t.shape) > 0);
    if (sizeOf(outShape) > 0) {
      addon.concat(heap(b), parts.map((t) => off(b, t)), parts.map((t) => (sizeOf(t.shape) / Math.max(outer, 1)) * 4), off(b, y), outer);
    }
    return y;
  };

  k.MaxPoolGrad = (args) => {
    const { dy, input, output } = args.inputs as Record<string, TensorInfo>;
    const a = args.attrs as unknown as { filterSize: [number, number] | number; strides: [number, number] | number;
      pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
    if (!allF32(dy, input, output)) return fb('MaxPoolGrad', args);
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1,
      a.pad, a.dimRoundingMode);
    if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return fb('MaxPoolGrad', args);
    const b = args.backend as unknown as WasmLike;
    const dx = b.makeOutput(input.shape, 'float32');
    if (sizeOf(input.shape) > 0) {
      addon.maxPoolGrad(heap(b), off(b, dy), off(b, input), off(b, output), off(b, dx), [info.batchSize, info.inHeight,
        info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.filterHeight, info.filterWidth, info.strideHeight,
        info.strideWidth, info.padInfo.top, info.padInfo.left]);
    }
    return dx;
  };

  // Fused training ops (lib/backend/fusedOps.ts): float32 only, which fusedOps checks.
  // x viewed as [groups, rows, C]: groups = 1 for batch norm, N for instance norm.
  const normGeometry = (x: TensorInfo, perSample: boolean) => {
    const C = x.shape[x.shape.length - 1];
    const groups = perSample ? x.shape[0] : 1;
    return { C, groups, rows: sizeOf(x.shape) / C / Math.max(groups, 1) };
  };
  k[FUSED_BATCH_NORM_TRAINING] = (args) => {
    const { x, scale, offset } = args.inputs as Record<string, TensorInfo>;
    const { varianceEpsilon, perSample } = args.attrs as { varianceEpsilon: number; perSample: boolean };
    const b = args.backend as unknown as WasmLike;
    const { C, groups, rows } = normGeometry(x, perSample);
    const y = b.makeOutput(x.shape, 'float32');
    const mean = b.makeOutput([groups, C], 'float32');
    const variance = b.makeOutput([groups, C], 'float32');
    if (rows > 0 && C > 0 && groups > 0) {
      addon.bnTrain(heap(b), off(b, x), off(b, scale), off(b, offset), off(b, y), off(b, mean), off(b, variance), groups,
        rows, C, varianceEpsilon);
    }
    return [y, mean, variance];
  };
  k[FUSED_BATCH_NORM_TRAINING_GRAD] = (args) => {
    const { dy, x, scale, mean, variance, dmean, dvariance } = args.inputs as Record<string, TensorInfo | undefined>;
    const { varianceEpsilon, perSample } = args.attrs as { varianceEpsilon: number; perSample: boolean };
    const b = args.backend as unknown as WasmLike;
    const { C, groups, rows } = normGeometry(x!, perSample);
    const dx = b.makeOutput(x!.shape, 'float32');
    const dscale = b.makeOutput([C], 'float32');
    const doffset = b.makeOutput([C], 'float32');
    if (rows > 0 && C > 0 && groups > 0) {
      addon.bnTrainGrad(heap(b), off(b, dy!), off(b, x!), off(b, mean!), off(b, variance!), off(b, scale!),
        dmean ? off(b, dmean) : -1, dvariance ? off(b, dvariance) : -1, off(b, dx), off(b, dscale), off(b, doffset), groups,
        rows, C, varianceEpsilon);
    }
    return [dx, dscale, doffset];
  };
  k[FUSED_ADAM_UPDATE] = (args) => {
    const { g, m, v, w, accBeta1, accBeta2 } = args.inputs as Record<string, TensorInfo>;
    const { learningRate, beta1, beta2, epsilon } = args.attrs as Record<string, number>;
    const b = args.backend as unknown as WasmLike;
    const outs = [m, v, w].map((t) => b.makeOutput(t.shape, 'float32'));
    const n = sizeOf(w.shape);
    if (n > 0) {
      addon.adam(heap(b), off(b, g), off(b, m), off(b, v), off(b, w), off(b, accBeta1), off(b, accBeta2), off(b, outs[0]),
        off(b, outs[1]), off(b, outs[2]), n, learningRate, beta1, beta2, epsilon);
    }
    return outs;
  };

  return k;
}

/** Kernels only the native backend has, used by its gradient overrides (gradients.ts). */
export const NATIVE_ELT_GRAD = 'NativeEltGrad';
export const NATIVE_BCAST_SCALE = 'NativeBroadcastScale';
export const NATIVE_BN_GRAD = 'NativeBatchNormGrad';

// ---------------------------------------------------------------- op tables (match addon.cc)
enum U { Relu, Leaky, Tanh, Sigmoid, Square, Sqrt, Rsqrt, Neg, Exp, Log, Abs, Step, Softplus, Recip, Elu, Relu6, Log1p, Ident, Sign }
enum B { Add, Sub, Mul, Div, Max, Min, SqDiff, Pow, Gt, Ge, Lt, Le, Eq, Ne }

const UNARY: Record<string, number> = {
  Relu: U.Relu, LeakyRelu: U.Leaky, Tanh: U.Tanh, Sigmoid: U.Sigmoid, Square: U.Square, Sqrt: U.Sqrt,
  Rsqrt: U.Rsqrt, Neg: U.Neg, Exp: U.Exp, Log: U.Log, Abs: U.Abs, Step: U.Step, Softplus: U.Softplus,
  Reciprocal: U.Recip, Elu: U.Elu, Relu6: U.Relu6, Log1p: U.Log1p, Sign: U.Sign,
};
const ACT: Record<string, number> = {
  linear: U.Ident, relu: U.Relu, leakyrelu: U.Leaky, elu: U.Elu, relu6: U.Relu6, sigmoid: U.Sigmoid,
};
const BINARY: Record<string, [number, boolean]> = {
  Add: [B.Add, false], Sub: [B.Sub, false], Multiply: [B.Mul, false], RealDiv: [B.Div, false],
  Maximum: [B.Max, false], Minimum: [B.Min, false], SquaredDifference: [B.SqDiff, false], Pow: [B.Pow, false],
  Greater: [B.Gt, true], GreaterEqual: [B.Ge, true], Less: [B.Lt, true], LessEqual: [B.Le, true],
  Equal: [B.Eq, true], NotEqual: [B.Ne, true],
};

/** Names of the kernels the native backend computes with the addon (the rest run in wasm). */
export const NATIVE_KERNEL_NAMES = [
  'Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'FusedConv2D', 'BatchMatMul', '_FusedMatMul',
  ...Object.keys(UNARY), ...Object.keys(BINARY), 'Select', 'Cast', 'AddN', 'Tile', 'Sum', 'Mean', 'Max', 'Min',
  'FusedBatchNorm', 'Identity', 'MaxPoolGrad', 'MaxPool', 'AvgPool', 'Concat', FUSED_BATCH_NORM_TRAINING, FUSED_BATCH_NORM_TRAINING_GRAD, FUSED_ADAM_UPDATE,
];

function sameShape(a: number[], b: number[]) {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
function contiguousStrides(shape: number[]) {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; --i) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Element strides of a and b in the output's index space (0 along broadcast dimensions), after
 * merging adjacent dimensions that broadcast the same way, so the addon's inner loop is long.
 */
export function broadcastStrides(aShape: number[], bShape: number[], out: number[]) {
  const r = Math.max(out.length, 1);
  const pad = (s: number[]) => [...new Array(r - s.length).fill(1), ...s];
  const o = out.length ? out : [1];
  const A = pad(aShape), Bs = pad(bShape);
  const sA = contiguousStrides(A).map((s, i) => (A[i] === 1 ? 0 : s));
  const sB = contiguousStrides(Bs).map((s, i) => (Bs[i] === 1 ? 0 : s));
  // Merge dim i into i-1 when both operands are contiguous across them or broadcast in both.
  const shape: number[] = [o[0]], sa: number[] = [sA[0]], sb: number[] = [sB[0]];
  for (let i = 1; i < r; ++i) {
    const j = shape.length - 1;
    const mergeA = (sa[j] === sA[i] * o[i]) || (sa[j] === 0 && sA[i] === 0);
    const mergeB = (sb[j] === sB[i] * o[i]) || (sb[j] === 0 && sB[i] === 0);
    if (o[i] === 1) continue;
    if (shape[j] === 1) { shape[j] = o[i]; sa[j] = sA[i]; sb[j] = sB[i]; continue; }
    if (mergeA && mergeB) { shape[j] *= o[i]; sa[j] = sA[i]; sb[j] = sB[i]; } else { shape.push(o[i]); sa.push(sA[i]); sb.push(sB[i]); }
  }
  return { outShape: shape, sa, sb };
}
