import { registerBackendCandidate } from '../registry';
import { cpuCandidate } from './cpu';
import { tfjsNodeCpuCandidate, tfjsNodeGpuCandidate } from './tfjsNode';
import { wasmCandidate } from './wasm';
import { nativeCandidate } from '../native/candidate';

/**
 * The built-in candidates. Order of trial comes from each one's rank (BACKEND_RANKS), not from
 * this list. The native (oneDNN) backend adds one line here:
 *   registerBackendCandidate(nativeCandidate);   // from '../native', rank BACKEND_RANKS.native
 */
registerBackendCandidate(tfjsNodeGpuCandidate);
registerBackendCandidate(tfjsNodeCpuCandidate);
registerBackendCandidate(wasmCandidate);
registerBackendCandidate(cpuCandidate);
registerBackendCandidate(nativeCandidate);

export { cpuCandidate, tfjsNodeCpuCandidate, tfjsNodeGpuCandidate, wasmCandidate };
export { loadWasm, wasmBuild } from './wasm';
