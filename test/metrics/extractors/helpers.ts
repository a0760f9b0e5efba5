import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'child_process';

/**
 * Run extractor tests on the wasm backend (10x faster than 'cpu' for Inception inference) and
 * put the previous backend back afterwards, so other test files are unaffected.
 */
export function useFastBackend(): void {
  let previous = '';
  before(async function () {
    await tf.ready();
    previous = tf.getBackend();
    // Loaded here, not at import, so that importing this file does not change other tests' default backend.
    require('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) await tf.setBackend(previous);
    await tf.ready();
  });
  after(async function () {
    if (previous && tf.getBackend() !== previous) await tf.setBackend(previous);
  });
}

/** True when Debian's python has torch (the FID Inception comparison needs it). */
export function havePythonTorch(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch, numpy'], { stdio: 'ignore', timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
