import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { registerWasmKernels } from '../kernels/register';
import { BACKEND_RANKS } from '../registry';
import { BackendCandidate } from '../types';
import { packageVersion } from '../versions';

/**
 * tfjs-backend-wasm (XNNPACK). In Node it loads the SIMD build (tfjs-backend-wasm-simd.wasm):
 * tfjs reports WASM_HAS_MULTITHREAD_SUPPORT = false under Node (tfjs issue #3830), and forcing
 * the flag fails, because the threaded build starts its workers from blob: URLs, which Node's
 * Worker refuses (ERR_WORKER_PATH; tried with tfjs 4.22, Node 20). So it computes on one thread;
 * we still ask for one thread per core (setThreadsCount), which takes effect should a later
 * tfjs run the threaded build in Node.
 * We point it at the .wasm files of the installed package explicitly (setWasmPaths) so bundling
 * or a different working directory cannot break the lookup, and register our kernels
 * (lib/backend/kernels/register.ts) before it starts.
 */
let wasmModule: typeof import('@tensorflow/tfjs-backend-wasm') | undefined;

/** Load tfjs-backend-wasm once: wasm file paths set, our kernels registered (before it starts). */
export function loadWasm(): typeof import('@tensorflow/tfjs-backend-wasm') {
  if (!wasmModule) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    wasmModule = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasmModule.setWasmPaths(dir + path.sep);
    wasmModule.setThreadsCount(typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
    registerWasmKernels();
  }
  return wasmModule;
}

/** Which wasm build tfjs picks here: 'simd', 'threaded-simd' or 'plain'. */
export async function wasmBuild(): Promise<'plain' | 'simd' | 'threaded-simd'> {
  loadWasm();
  const [simd, threads] = await Promise.all([
    tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
  ]);
  return simd ? (threads ? 'threaded-simd' : 'simd') : 'plain';
}

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
