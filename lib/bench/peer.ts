/**
 * The PyTorch peers (scripts/bench/peer_*.py): the same work timed on the CPU by PyTorch, run as
 * a child process so both are measured in the same run. One script per hot path:
 * peer_dcgan.py (DCGAN training step), peer_cycle.py (the proposed model's training step),
 * peer_inception.py (the Inception-v3 feature pass behind FID and IS).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { findPackageRoot } from '../util/projectRoot';

export interface PeerResult {
  peer: string;
  torch?: string;
  threads?: number;
  size?: number;
  batch: number;
  ms_per_step?: number;
  ms_per_batch?: number;
  images_per_s: number;
  /** Each timed step (the cycle peer), ms. */
  step_ms?: number[];
  /** The OpenMP wait policy the peer ran with (the same as ours; see runPeerScript). */
  omp_wait_policy?: string;
}
export type PeerOutcome = PeerResult | { error: string };

export type PeerName = 'dcgan' | 'cycle' | 'inception';

/** The peers shipped with the project. */
export const PEER_SCRIPTS: Record<PeerName, string> = {
  dcgan: path.join('scripts', 'bench', 'peer_dcgan.py'),
  cycle: path.join('scripts', 'bench', 'peer_cycle.py'),
  inception: path.join('scripts', 'bench', 'peer_inception.py'),
};
/** The DCGAN peer (kept for callers that name it). */
export const PEER_SCRIPT = PEER_SCRIPTS.dcgan;

/** Where a peer script is: env ANIME_GAN_PEER for the DCGAN peer, else the project's scripts/bench/. */
export function findPeerScript(name: PeerName = 'dcgan'): string | undefined {
  const env = name === 'dcgan' ? process.env.ANIME_GAN_PEER : undefined;
  if (env) return fs.existsSync(env) ? env : undefined;
  const root = findPackageRoot();
  const p = root && path.join(root, PEER_SCRIPTS[name]);
  return p && fs.existsSync(p) ? p : undefined;
}

/** Debian's python (the one with python3-torch), else python3 on PATH; env ANIME_GAN_PYTHON wins. */
export function peerPython(): string {
  if (process.env.ANIME_GAN_PYTHON) return process.env.ANIME_GAN_PYTHON;
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** The faster of several peer runs, or the first error when none ran. */
export function fastestPeer(runs: PeerOutcome[]): PeerOutcome {
  const ok = runs.filter((p): p is PeerResult => !('error' in p));
  return ok.length ? ok.reduce((a, b) => (b.images_per_s > a.images_per_s ? b : a)) : runs[0];
}

/** Runs a peer with `--name value` arguments; returns its JSON line, or why it could not run (one line). */
export function runPeerScript(name: PeerName, args: Record<string, number>, waitPolicy: 'ours' | 'default' = 'ours'): PeerOutcome {
  const script = findPeerScript(name);
  if (!script) return { error: `peer script ${PEER_SCRIPTS[name]} not found${name === 'dcgan' ? ' (set ANIME_GAN_PEER)' : ''}` };
  // 'ours': the same OpenMP settings as this process (the native addon defaults to passive
  // waits, which also spares the peer's threads from collapsing when cores are shared);
  // 'default': the environment a user would run the peer in (without the setting we added).
  const env = { ...process.env };
  if (waitPolicy === 'default' && env.ANIME_GAN_SET_OMP_WAIT) delete env.OMP_WAIT_POLICY;
  const argv = Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const r = spawnSync(peerPython(), [script, ...argv], { encoding: 'utf8', timeout: 30 * 60 * 1000, env });
  if (r.error) return { error: `peer failed to start: ${r.error.message}` };
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return { ...(JSON.parse(line) as PeerResult), omp_wait_policy: env.OMP_WAIT_POLICY ?? 'default' };
  } catch {
    const err = (r.stderr || r.stdout).trim().split('\n').pop() ?? `exit ${r.status}`;
    return { error: `peer failed: ${err}` };
  }
}

/** The DCGAN peer at one size and batch. */
export function runPeer(size: number, batch: number, steps: number, waitPolicy: 'ours' | 'default' = 'ours'): PeerOutcome {
  return runPeerScript('dcgan', { size, batch, steps }, waitPolicy);
}
