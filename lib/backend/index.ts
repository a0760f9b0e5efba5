/**
 * Compute backends: a registry of candidates tried best first (tfjs-node-gpu, tfjs-node, native,
 * wasm, cpu), initBackend / backendInfo, the kernels this library adds to wasm, and the kernel
 * audit that finds what a backend lacks.
 */
// The gradient of tf.tile as one reshape and one sum (tfjs's slices once per repetition).
import './tileGradient';
export * from './types';
export { BACKEND_RANKS, registerBackendCandidate, unregisterBackendCandidate, listBackendCandidates, getBackendCandidate } from './registry';
export { initBackend, backendInfo, availableBackends } from './init';
export type { InitBackendOptions } from './init';
export { cpuCandidate, tfjsNodeCpuCandidate, tfjsNodeGpuCandidate, wasmCandidate, wasmBuild } from './candidates';
export { registerWasmKernels, registerCpuKernels, WASM_KERNELS, CPU_KERNELS, originalKernel } from './kernels/register';
export { loadWasm, registerKernelFixes } from './wasmRuntime';
export type { RegisteredKernel } from './kernels/register';
export { conv2dBackpropFilterAsConv } from './kernels/conv2dBackpropFilter';
export { conv2dBackpropInputPhases } from './kernels/conv2dBackpropInput';
export { auditKernels, auditCases } from './kernelAudit';
export type { AuditCase, AuditResult } from './kernelAudit';
export { tileGradient } from './tileGradient';
export { firstOrderGradients, inFirstOrderScope, recordingForHigherOrder } from './firstOrder';
export { packageVersion } from './versions';
export { maxPoolGradMasked } from './kernels/maxPoolGrad';
export { resizeNearestNeighborGradOneHot } from './kernels/resizeNearestNeighborGrad';
export { unsortedSegmentSumSelector } from './kernels/unsortedSegmentSum';
