/**
 * The "native" TensorFlow.js backend (issue 5): a private instance of the wasm backend stores the
 * tensors, and the hot kernels (convolutions, matmuls, elementwise ops, reductions, batch norm)
 * are replaced by oneDNN/OpenMP kernels from the C++ addon that compute in place on the wasm heap
 * (zero copy). Every kernel not replaced, and every case a native kernel does not cover, runs the
 * wasm kernel, so all ops work. The plain 'wasm' backend is left untouched.
 */
import * as tf from '@tensorflow/tfjs';
import { BACKEND_RANKS } from '../registry';
import { loadWasm } from '../wasmRuntime';
import { loadNativeAddon, type NativeAddon } from './addon';
import { installNativeGradients } from './gradients';
import { makeNativeKernels } from './kernels';

/** Set (before registering) to time every kernel of the native backend; see nativeKernelProfile. */
export const NATIVE_PROFILE_ENV = 'ANIME_GAN_NATIVE_PROFILE';
const profile = new Map<string, { calls: number; ms: number; native: boolean }>();

/** Per-kernel wall time (ms) and calls since the last reset, slowest first (needs NATIVE_PROFILE_ENV). */
export function nativeKernelProfile(reset = false): { kernel: string; calls: number; ms: number; native: boolean }[] {
  const rows = [...profile.entries()].map(([kernel, e]) => ({ kernel, ...e })).sort((a, b) => b.ms - a.ms);
  if (reset) profile.clear();
  return rows;
}

/** Backend name registered with tf.registerBackend. */
export const NATIVE_BACKEND_NAME = 'native';

export type NativeStatus = { available: true; info: string } | { available: false; reason: string };

/** Whether the native backend can be used here, and if not, why (one line). */
export function nativeStatus(): NativeStatus {
  const r = loadNativeAddon();
  return r.ok ? { available: true, info: r.addon.info() } : { available: false, reason: r.reason };
}

/**
 * Registers the 'native' backend and its kernels (idempotent), with tfjs priority
 * BACKEND_RANKS.native. Returns the status; when the addon is unavailable nothing is registered
 * (initBackend then moves on to wasm; see ./candidate.ts).
 * The kernels are copied from wasm when the backend is first initialised, so wasm kernels
 * registered later by other modules (before tf.setBackend('native')) are included too.
 */
export function registerNativeBackend(): NativeStatus {
  const status = nativeStatus();
  if (!status.available) return status;
  if (tf.findBackendFactory(NATIVE_BACKEND_NAME)) return status;
  // The kernels below are copied from wasm's, which exist once tfjs-backend-wasm is loaded.
  loadWasm();
  const addon = (loadNativeAddon() as { addon: NativeAddon }).addon;
  const wasmKernel = (name: string) => tf.getKernel(name, 'wasm')?.kernelFunc;
  const native = makeNativeKernels(addon, wasmKernel);
  const registered = new Set<string>();
  const timed = (name: string, f: tf.KernelFunc): tf.KernelFunc => {
    if (!process.env[NATIVE_PROFILE_ENV]) return f;
    return (args) => {
      const t0 = process.hrtime.bigint();
      const r = f(args);
      const first = Object.values(args.inputs)[0] as tf.TensorInfo | undefined;
      const n = first?.shape ? first.shape.reduce((a, b) => a * b, 1) : 0;
      // ANIME_GAN_NATIVE_PROFILE=shapes keys every call by its input shapes (which convolution is slow).
      const key = process.env[NATIVE_PROFILE_ENV] === 'shapes'
        ? `${name} ${Object.values(args.inputs).filter((t) => t).map((t) => `[${(t as tf.TensorInfo).shape.join(',')}]`).join(' ')}`
        : `${name}${n >= 1 << 20 ? ' (>=1M)' : n >= 1 << 16 ? ' (>=64K)' : ''}`;
      const e = profile.get(key) ?? { calls: 0, ms: 0, native: name in native };
      e.calls++;
      e.ms += Number(process.hrtime.bigint() - t0) / 1e6;
      profile.set(key, e);
      return r;
    };
  };
  // name -> the wasm kernelFunc copied (so a wasm kernel replaced later, e.g. a fixed one
  // registered when the wasm candidate loads, is re-copied when the backend starts).
  const copied = new Map<string, tf.KernelFunc>();
  const registerKernels = () => {
    for (const cfg of tf.getKernelsForBackend('wasm')) {
      if (cfg.kernelName in native) {
        if (registered.has(cfg.kernelName)) continue;
        tf.registerKernel({ ...cfg, backendName: NATIVE_BACKEND_NAME, kernelFunc: timed(cfg.kernelName, native[cfg.kernelName]) });
        registered.add(cfg.kernelName);
        continue;
      }
      if (copied.get(cfg.kernelName) === cfg.kernelFunc) continue;
      if (copied.has(cfg.kernelName)) tf.unregisterKernel(cfg.kernelName, NATIVE_BACKEND_NAME);
      tf.registerKernel({ ...cfg, backendName: NATIVE_BACKEND_NAME, kernelFunc: timed(cfg.kernelName, cfg.kernelFunc) });
      copied.set(cfg.kernelName, cfg.kernelFunc);
    }
    for (const [name, kernelFunc] of Object.entries(native)) {
      if (registered.has(name)) continue; // e.g. the fused-gradient kernels wasm has no version of
      tf.registerKernel({ kernelName: name, backendName: NATIVE_BACKEND_NAME, kernelFunc: timed(name, kernelFunc) });
      registered.add(name);
    }
  };
  registerKernels();
  installNativeGradients(() => tf.getBackend() === NATIVE_BACKEND_NAME);
  tf.registerBackend(NATIVE_BACKEND_NAME, async () => {
    // Sets the wasm file paths and registers this library's wasm kernels (which the native
    // backend inherits for everything it does not replace).
    loadWasm();
    const wasmFactory = tf.findBackendFactory('wasm');
    if (!wasmFactory) throw new Error('native backend needs @tensorflow/tfjs-backend-wasm');
    registerKernels();
    // A fresh wasm module and backend instance, separate from the 'wasm' backend's.
    return await wasmFactory();
  }, BACKEND_RANKS.native);
  return status;
}

/** Names of the kernels the native backend computes with the addon (the rest run in wasm); [] without the addon. */
export function nativeKernelNames(): string[] {
  const r = loadNativeAddon();
  return r.ok ? Object.keys(makeNativeKernels(r.addon, () => undefined)).sort() : [];
}

/** The machine's float32 ceiling in GFLOP/s: a oneDNN 2048^3 matmul, best of `seconds` of runs. */
export function measurePeakGflops(seconds = 1): number | undefined {
  const r = loadNativeAddon();
  return r.ok ? r.addon.peakGflops(seconds) : undefined;
}
