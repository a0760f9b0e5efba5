import * as tf from '@tensorflow/tfjs';
import { BACKEND_RANKS } from '../registry';
import { BackendCandidate } from '../types';
import { packageVersion } from '../versions';
import { loadWasm } from '../wasmRuntime';

/** Which wasm build tfjs picks here: 'simd', 'threaded-simd' or 'plain'. */
export async function wasmBuild(): Promise<'plain' | 'simd' | 'threaded-simd'> {
  loadWasm();
  const [simd, threads] = await Promise.all([
    tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
  ]);
  return simd ? (threads ? 'threaded-simd' : 'simd') : 'plain';
}

/** tfjs-backend-wasm (XNNPACK), with this library's kernel fixes; how it starts: lib/backend/wasmRuntime.ts. */
export const wasmCandidate: BackendCandidate = {
  name: 'wasm',
  rank: BACKEND_RANKS.wasm,
  description: 'tfjs WebAssembly backend (XNNPACK, SIMD, one thread in Node)',
  async probe() {
    try {
      loadWasm();
      return null;
    } catch (e) {
      return `@tensorflow/tfjs-backend-wasm failed to load (${(e as Error).message.split('\n')[0]})`;
    }
  },
  async activate() {
    const wasm = loadWasm();
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs could not start the wasm backend');
    await tf.ready();
    return { threads: wasm.getThreadsCount() };
  },
  versions() {
    const v = packageVersion('@tensorflow/tfjs-backend-wasm');
    return v ? { 'tfjs-backend-wasm': v } : ({} as Record<string, string>);
  },
};
