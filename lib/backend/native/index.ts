/**
 * The native backend (oneDNN addon on the wasm tensor store): registration and status
 * (./backend.ts), the addon loader (./addon.ts), the kernels by operation family (./kernels/),
 * the fused gradients (./gradients.ts) and its entry in the backend registry (./candidate.ts).
 */
export {
  NATIVE_BACKEND_NAME, NATIVE_PROFILE_ENV, measurePeakGflops, nativeKernelNames, nativeKernelProfile, nativeStatus,
  registerNativeBackend,
} from './backend';
export type { NativeStatus } from './backend';
export { DISABLE_ENV as NATIVE_DISABLE_ENV, loadNativeAddon } from './addon';
export type { NativeAddon } from './addon';
export { nativeCandidate } from './candidate';
