import { BackendCandidate } from './types';

/**
 * The one order in which backends are tried (higher first). The numbers are on tfjs's own
 * backend-priority scale (tfjs-backend-cpu registers 'cpu' at 1, tfjs-backend-wasm 'wasm' at 2,
 * tfjs-node 'tensorflow' at 3), so the native backend registers with tfjs at its rank here and
 * a program that calls tf.ready() without initBackend gets the same choice. Each candidate
 * (lib/backend/candidates/, lib/backend/native/candidate.ts) takes its rank from this table.
 */
export const BACKEND_RANKS = {
  'tfjs-node-gpu': 3.5,
  'tfjs-node': 3,
  native: 2.5,
  wasm: 2,
  cpu: 1,
} as const;

const candidates = new Map<string, BackendCandidate>();

/** Add (or replace, by name) a backend candidate. */
export function registerBackendCandidate(candidate: BackendCandidate): void {
  candidates.set(candidate.name, candidate);
}

/** Remove a candidate (tests, or a plugin withdrawing itself); true if it was there. */
export function unregisterBackendCandidate(name: string): boolean {
  return candidates.delete(name);
}

/** All registered candidates, best first. */
export function listBackendCandidates(): BackendCandidate[] {
  return [...candidates.values()].sort((a, b) => b.rank - a.rank);
}

/** A candidate by name, or undefined. */
export function getBackendCandidate(name: string): BackendCandidate | undefined {
  return candidates.get(name);
}
