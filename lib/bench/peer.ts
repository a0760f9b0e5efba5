/**
 * The PyTorch peer (../shared/bench/peer_dcgan.py next to the repository): one DCGAN training
 * step timed on the CPU, run as a child process so both are measured in the same run.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

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

/** Where the peer script is: env ANIME_GAN_PEER, else ../shared/bench/peer_dcgan.py beside the repo. */
export function findPeerScript(): string | undefined {
  const env = process.env.ANIME_GAN_PEER;
  if (env) return fs.existsSync(env) ? env : undefined;
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      const p = path.resolve(dir, '..', 'shared', 'bench', 'peer_dcgan.py');
      return fs.existsSync(p) ? p : undefined;
    }
    dir = path.dirname(dir);
  }
  return undefined;
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
  if (!script) return { error: 'peer script ../shared/bench/peer_dcgan.py not found (set ANIME_GAN_PEER)' };
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
