import * as os from 'os';
import * as path from 'path';
import { registerCpuKernels, registerWasmKernels } from './kernels/register';

/**
 * Start-up of tfjs-backend-wasm, below every candidate that uses it (wasm, native) and below
 * initBackend. In Node it loads the SIMD build (tfjs-backend-wasm-simd.wasm): tfjs reports
 * WASM_HAS_MULTITHREAD_SUPPORT = false under Node (tfjs issue #3830), and forcing the flag fails,
 * because the threaded build starts its workers from blob: URLs, which Node's Worker refuses
 * (ERR_WORKER_PATH; tried with tfjs 4.22, Node 20). So it computes on one thread; we still ask
 * for one thread per core (setThreadsCount), which takes effect should a later tfjs run the
 * threaded build in Node. We point it at the .wasm files of the installed package explicitly
 * (setWasmPaths) so bundling or a different working directory cannot break the lookup, and
 * register our kernels (lib/backend/kernels/register.ts) before it starts.
 */
let wasmModule: typeof import('@tensorflow/tfjs-backend-wasm') | undefined;

/** Load tfjs-backend-wasm once: wasm file paths set, our kernels registered (before it starts). Throws if it cannot load. */
export function loadWasm(): typeof import('@tensorflow/tfjs-backend-wasm') {
  if (!wasmModule) {
    // Required lazily so that importing the library does not load wasm until a backend needs it.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(dir + path.sep);
    wasm.setThreadsCount(typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
    registerWasmKernels();
    wasmModule = wasm;
  }
  return wasmModule;
}

/**
 * Load tfjs-backend-wasm and register every kernel of WASM_KERNELS and CPU_KERNELS. initBackend
 * does this; call it yourself only when you switch backends with tf.setBackend directly.
 */
export function registerKernelFixes(): string[] {
  loadWasm();
  return [...registerCpuKernels(), ...registerWasmKernels()];
}
