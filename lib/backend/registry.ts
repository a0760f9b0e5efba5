import { BackendCandidate } from './types';

/**
 * The order candidates are tried in (higher first). `native` (the oneDNN backend, built by
 * lib/backend/native*) sits between tfjs-node and wasm: it registers itself with
 * `registerBackendCandidate({ name: 'native', rank: BACKEND_RANKS.native, ... })`, imported from
 * lib/backend/candidates/index.ts (one line there). Any other backend picks a rank the same way.
 */
export const BACKEND_RANKS = {
  'tfjs-node-gpu': 500,
  'tfjs-node': 400,
  native: 300,
  wasm: 200,
  cpu: 100,
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
