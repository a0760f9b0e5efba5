// TensorFlow.js kernels of the "native" backend: the wasm backend stores the tensors (its heap is
// one ArrayBuffer), and these kernels compute on that heap in place with the oneDNN addon.
// A kernel handles the common float32 cases and hands anything else to the wasm kernel it
// replaces, so every op keeps working. One module per operation family, as in native/src/; the
// operation codes come from the addon's own table (addon.ops), by name.
import type { NativeAddon } from '../addon';
import { type Fallback, type Kernels, makeContext } from './context';
import { convolutionKernels } from './convolution';
import { copyKernels } from './copy';
import { elementwiseKernels } from './elementwise';
import { matmulKernels } from './matmul';
import { normalisationKernels } from './normalisation';
import { optimiserKernels } from './optimiser';
import { poolingKernels } from './pooling';
import { reductionKernels } from './reduction';
import { resizeKernels } from './resize';

export type { Fallback, WasmLike } from './context';
export { NATIVE_BCAST_SCALE, NATIVE_BN_GRAD, NATIVE_ELT_GRAD } from './names';
export { broadcastStrides } from './shapes';

/** Every kernel the native backend computes with the addon, by tfjs kernel name. */
export function makeNativeKernels(addon: NativeAddon, fallback: Fallback): Kernels {
  const ctx = makeContext(addon, fallback);
  return {
    ...convolutionKernels(ctx),
    ...matmulKernels(ctx),
    ...elementwiseKernels(ctx),
    ...copyKernels(ctx),
    ...reductionKernels(ctx),
    ...normalisationKernels(ctx),
    ...poolingKernels(ctx),
    ...optimiserKernels(ctx),
    ...resizeKernels(ctx),
  };
}
