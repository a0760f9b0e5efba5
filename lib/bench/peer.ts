/**
 * The PyTorch peer (scripts/bench/peer_dcgan.py): one DCGAN training step timed on the CPU, run
 * as a child process so both are measured in the same run.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { findPackageRoot } from '../util/projectRoot';

export interface PeerResult {
  peer: string;
  torch?: string;
  threads?: number;
  size: number;
  batch: number;
  ms_per_step: number;
  images_per_s: number;
  /** The OpenMP wait policy the peer ran with (the same as ours; see runPeer). */
  omp_wait_policy?: string;
}

/** The peer shipped with the project. */
export const PEER_SCRIPT = path.join('scripts', 'bench', 'peer_dcgan.py');

/** Where the peer script is: env ANIME_GAN_PEER, else the project's scripts/bench/peer_dcgan.py. */
export function findPeerScript(): string | undefined {
  const env = process.env.ANIME_GAN_PEER;
  if (env) return fs.existsSync(env) ? env : undefined;
  const root = findPackageRoot();
  const p = root && path.join(root, PEER_SCRIPT);
  return p && fs.existsSync(p) ? p : undefined;
}

/** Debian's python (the one with python3-torch), else python3 on PATH; env ANIME_GAN_PYTHON wins. */
export function peerPython(): string {
  if (process.env.ANIME_GAN_PYTHON) return process.env.ANIME_GAN_PYTHON;
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** Runs the peer; returns its JSON line, or the reason it could not run (one line). */
export function runPeer(
  size: number,
  batch: number,
  steps: number,
  waitPolicy: 'ours' | 'default' = 'ours',
): PeerResult | { error: string } {
  const script = findPeerScript();
  if (!script) return { error: `peer script ${PEER_SCRIPT} not found (set ANIME_GAN_PEER)` };
  // 'ours': the same OpenMP settings as this process (the native addon defaults to passive
  // waits, which also spares the peer's threads from collapsing when cores are shared);
  // 'default': the environment a user would run the peer in (without the setting we added).
  const env = { ...process.env };
  if (waitPolicy === 'default' && env.ANIME_GAN_SET_OMP_WAIT) delete env.OMP_WAIT_POLICY;
  const r = spawnSync(peerPython(), [script, '--size', String(size), '--batch', String(batch), '--steps', String(steps)],
    { encoding: 'utf8', timeout: 30 * 60 * 1000, env });
  if (r.error) return { error: `peer failed to start: ${r.error.message}` };
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return { ...(JSON.parse(line) as PeerResult), omp_wait_policy: env.OMP_WAIT_POLICY ?? 'default' };
  } catch {
    const err = (r.stderr || r.stdout).trim().split('\n').pop() ?? `exit ${r.status}`;
    return { error: `peer failed: ${err}` };
  }
}
