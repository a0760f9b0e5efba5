/** Kernels only the native backend has, used by its gradient overrides (../gradients.ts). */
export const NATIVE_ELT_GRAD = 'NativeEltGrad';
export const NATIVE_BCAST_SCALE = 'NativeBroadcastScale';
export const NATIVE_BN_GRAD = 'NativeBatchNormGrad';
