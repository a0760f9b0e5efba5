import * as tf from '@tensorflow/tfjs';
import { Conv2DGradAttrs, isChannelsLast } from './convGeometry';
import { conv2dBackpropFilterAsConv } from './conv2dBackpropFilter';
import { conv2dBackpropInputPhases } from './conv2dBackpropInput';
import { MaxPoolGradAttrs, maxPoolGradMasked } from './maxPoolGrad';
import { ResizeAttrs, resizeBilinearGradByMatrices, resizeNearestNeighborGradOneHot } from './resizeNearestNeighborGrad';
import { unsortedSegmentSumSelector } from './unsortedSegmentSum';

/** A kernel this library registers for a backend (added where missing, replaced where wrong or slow), and why. */
export interface RegisteredKernel {
  kernelName: string;
  reason: string;
}

/** What we register on 'wasm' (tfjs-backend-wasm 4.22), with the reason; see registerWasmKernels. */
export const WASM_KERNELS: readonly RegisteredKernel[] = [
  {
    kernelName: 'Conv2DBackpropFilter',
    reason: 'missing in tfjs-backend-wasm: without it no convolutional network can train on wasm',
  },
  {
    kernelName: 'Conv2DBackpropInput',
    reason: "replaces wasm's scalar loop (the transposed-conv hot spot) by one XNNPACK conv2d split by output phase",
  },
  {
    kernelName: 'MaxPoolGrad',
    reason: "wasm's returns wrong gradients when there is more than one channel",
  },
  {
    kernelName: 'ResizeNearestNeighborGrad',
    reason: "wasm's ignores halfPixelCenters and is wrong with alignCorners on a size-1 axis (not the forward's adjoint)",
  },
  {
    kernelName: 'UnsortedSegmentSum',
    reason: 'missing in tfjs-backend-wasm: it is the gradient of tf.gather',
  },
];

/** What we register on 'cpu' (tfjs-backend-cpu 4.22): a fix, see registerCpuKernels. */
export const CPU_KERNELS: readonly RegisteredKernel[] = [
  {
    kernelName: 'ResizeNearestNeighborGrad',
    reason: "cpu's returns wrong gradients for every image after the first in a batch (wasm's is right)",
  },
  {
    kernelName: 'ResizeBilinearGrad',
    reason: "cpu's swaps height and width for non-square images (the paper's model failed to train at 128×160) and ignores halfPixelCenters",
  },
];

let registered = false;
let cpuRegistered = false;
const originals = new Map<string, tf.KernelConfig>();

/**
 * Replace `backend`'s kernel `name` by `impl`; `impl` returns null for attributes it does not
 * cover, which then go to tfjs' own kernel.
 */
function override(
  name: string,
  impl: (args: Parameters<tf.KernelFunc>[0]) => tf.TensorInfo | null,
  backend = 'wasm',
): void {
  const original = tf.getKernel(name, backend);
  if (original != null) {
    originals.set(`${backend}/${name}`, original);
    tf.unregisterKernel(name, backend);
  }
  tf.registerKernel({
    kernelName: name,
    backendName: backend,
    setupFunc: original?.setupFunc,
    disposeFunc: original?.disposeFunc,
    kernelFunc: (args) => {
      const out = impl(args);
      if (out != null) return out;
      if (original == null) throw new Error(`${name}: unsupported attributes on ${backend}`);
      return original.kernelFunc(args);
    },
  });
}

const equalStrides = (s: [number, number] | number) => typeof s === 'number' || s[0] === s[1];

/** Kernels get TensorInfos; tfjs ops need Tensors. The engine passes real Tensors, others may not. */
function asTensor4D(t: tf.TensorInfo): tf.Tensor4D {
  return (t instanceof tf.Tensor ? t : tf.engine().makeTensorFromTensorInfo(t)) as tf.Tensor4D;
}

/**
 * Register (once per process) the kernels of WASM_KERNELS for the 'wasm' backend. They are
 * written with tfjs ops, which inside a kernel run on wasm and are not recorded on the gradient
 * tape; each returns a Tensor made inside tf.tidy, so no intermediate leaks.
 * Returns the names of the kernels registered.
 */
export function registerWasmKernels(): string[] {
  if (registered) return WASM_KERNELS.map((k) => k.kernelName);
  registered = true;

  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') == null) {
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs }) => {
        const a = attrs as unknown as Conv2DGradAttrs & { filterShape: [number, number, number, number] };
        if (!isChannelsLast(a.dataFormat)) throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
        return tf.tidy(() => conv2dBackpropFilterAsConv(asTensor4D(inputs.x!), asTensor4D(inputs.dy!), a.filterShape, a));
      },
    });
  }

  override('Conv2DBackpropInput', ({ inputs, attrs }) => {
    const a = attrs as unknown as Conv2DGradAttrs & { inputShape: [number, number, number, number] };
    if (!isChannelsLast(a.dataFormat) || !equalStrides(a.strides)) return null;
    return tf.tidy(() => conv2dBackpropInputPhases(asTensor4D(inputs.dy!), asTensor4D(inputs.filter!), a.inputShape, a));
  });

  override('MaxPoolGrad', ({ inputs, attrs }) => {
    const a = attrs as unknown as MaxPoolGradAttrs;
    if (!equalStrides(a.strides)) return null;
    return tf.tidy(() =>
      maxPoolGradMasked(asTensor4D(inputs.dy!), asTensor4D(inputs.input!), asTensor4D(inputs.output!), a),
    );
  });

  if (tf.getKernel('UnsortedSegmentSum', 'wasm') == null) {
    tf.registerKernel({
      kernelName: 'UnsortedSegmentSum',
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs }) => {
        const t = (i: tf.TensorInfo) => (i instanceof tf.Tensor ? i : tf.engine().makeTensorFromTensorInfo(i));
        const { numSegments } = attrs as unknown as { numSegments: number };
        return tf.tidy(() => unsortedSegmentSumSelector(t(inputs.x!), t(inputs.segmentIds!), numSegments));
      },
    });
  }

  // Plain upsampling (both flags off) keeps wasm's own kernel: right there, and native.
  override('ResizeNearestNeighborGrad', ({ inputs, attrs }) => {
    const a = attrs as unknown as ResizeAttrs;
    if (!a.halfPixelCenters && !a.alignCorners) return null;
    return tf.tidy(() => resizeNearestNeighborGradOneHot(asTensor4D(inputs.dy!), inputs.images!.shape, a));
  });
  return WASM_KERNELS.map((k) => k.kernelName);
}

/**
 * Register (once per process) the fixes of CPU_KERNELS for the 'cpu' backend, so the fallback
 * backend, and the reference our tests compare with, trains correctly.
 */
export function registerCpuKernels(): string[] {
  if (!cpuRegistered) {
    cpuRegistered = true;
    override(
      'ResizeNearestNeighborGrad',
      ({ inputs, attrs }) =>
        tf.tidy(() =>
          resizeNearestNeighborGradOneHot(asTensor4D(inputs.dy!), inputs.images!.shape, attrs as unknown as ResizeAttrs),
        ),
      'cpu',
    );
    override(
      'ResizeBilinearGrad',
      ({ inputs, attrs }) =>
        tf.tidy(() => resizeBilinearGradByMatrices(asTensor4D(inputs.dy!), inputs.images!.shape, attrs as unknown as ResizeAttrs)),
      'cpu',
    );
  }
  return CPU_KERNELS.map((k) => k.kernelName);
}

/** A backend's own kernel that we replaced (for tests and timings), e.g. ('wasm', 'MaxPoolGrad'). */
export function originalKernel(backend: string, name: string): tf.KernelConfig | undefined {
  return originals.get(`${backend}/${name}`);
}
