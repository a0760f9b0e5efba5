import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { initBackend, registerKernelFixes } from '../../lib/backend';

/** Seeded uniform values in [-1, 1) (an LCG: identical on every backend and run). */
export function seeded(n: number, seed: number): Float32Array {
  const v = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s / 2 ** 31 - 1;
  }
  return v;
}

/** A small seeded integer generator for random shapes. */
export function intRng(seed: number): (lo: number, hi: number) => number {
  let s = seed >>> 0;
  return (lo, hi) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return lo + ((s >>> 8) % (hi - lo + 1));
  };
}

/** max |a - b| / max |b|. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / (scale || 1);
}

/** Run `f` on `backend` with plain arrays in and out (tensors made and freed inside). */
export async function on(backend: string, f: () => tf.Tensor | tf.TensorInfo): Promise<{ values: Float32Array; shape: number[] }> {
  await initBackend({ backend, quiet: true });
  const out = tf.tidy(() => f() as tf.Tensor);
  const values = out.dataSync() as Float32Array;
  const shape = out.shape;
  out.dispose();
  return { values, shape };
}

/**
 * Mocha hooks for a suite that runs on wasm with the library's kernel fixes: switch in
 * `before`, and in `after` check that no tensor leaked and restore the previous backend.
 */
export function onWasmWithoutLeaks(): void {
  let tensorsBefore = 0;
  let previousBackend: string | undefined;
  before(async () => {
    previousBackend = tf.engine().backendName;
    registerKernelFixes();
    await initBackend({ backend: 'wasm', quiet: true });
    tensorsBefore = tf.memory().numTensors;
  });
  after(async () => {
    expect(tf.memory().numTensors, 'tensors leaked').to.equal(tensorsBefore);
    if (previousBackend) await tf.setBackend(previousBackend);
  });
}
