import { registerBackendCandidate } from '../registry';
import { cpuCandidate } from './cpu';
import { tfjsNodeCpuCandidate, tfjsNodeGpuCandidate } from './tfjsNode';
import { wasmCandidate } from './wasm';
import { nativeCandidate } from '../native/candidate';

/** The built-in candidates. Order of trial comes from each one's rank (BACKEND_RANKS), not from this list. */
registerBackendCandidate(tfjsNodeGpuCandidate);
registerBackendCandidate(tfjsNodeCpuCandidate);
registerBackendCandidate(nativeCandidate);
registerBackendCandidate(wasmCandidate);
registerBackendCandidate(cpuCandidate);

export { cpuCandidate, nativeCandidate, tfjsNodeCpuCandidate, tfjsNodeGpuCandidate, wasmCandidate };
export { wasmBuild } from './wasm';
