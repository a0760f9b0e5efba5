// The native backend as a candidate of the backend registry (lib/backend/registry.ts): tried
// after tfjs-node(-gpu) and before wasm; when the addon is missing its probe says why and
// initBackend moves on to wasm.
import * as tf from '@tensorflow/tfjs';
import { BACKEND_RANKS } from '../registry';
import type { BackendCandidate } from '../types';
import { NATIVE_BACKEND_NAME, nativeStatus, registerNativeBackend } from './backend';
import { loadNativeAddon } from './addon';

export const nativeCandidate: BackendCandidate = {
  name: NATIVE_BACKEND_NAME,
  rank: BACKEND_RANKS.native,
  description: 'oneDNN/OpenMP kernels (this package\'s C++ addon) on the wasm tensor store, all cores',
  async probe() {
    const s = nativeStatus();
    return s.available ? null : s.reason;
  },
  async activate() {
    const s = registerNativeBackend();
    if (!s.available) throw new Error(s.reason);
    if (!(await tf.setBackend(NATIVE_BACKEND_NAME))) throw new Error('tfjs could not start the native backend');
    await tf.ready();
    const m = /(\d+) threads/.exec(s.info);
    return { threads: m ? Number(m[1]) : 1 };
  },
  versions() {
    const r = loadNativeAddon();
    const m = r.ok ? /oneDNN ([\d.]+)/.exec(r.addon.info()) : null;
    return m ? { onednn: m[1] } : ({} as Record<string, string>);
  },
};
