import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { NumpyRandomState } from '../../lib/metrics/mt19937';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'metrics');

export interface SetRecipe {
  seed: number;
  n: number;
  kind: 'uniform' | 'correlated' | 'constant' | 'dead-2-5' | 'dead-1-7';
}

/** The reference values written by scripts/fixtures/make_metric_fixtures.py. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const reference: any = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'reference.json'), 'utf8'));

/** RandomState(seed).random_sample((n, d)), row-major. */
export function randomSample(seed: number, n: number, d: number): Float64Array {
  const rs = new NumpyRandomState(seed);
  const out = new Float64Array(n * d);
  for (let i = 0; i < out.length; i++) out[i] = rs.randomSample();
  return out;
}

/** The same features as `features()` in make_metric_fixtures.py, bit for bit. */
export function features(r: SetRecipe, d: number): Float64Array {
  const u = randomSample(r.seed, r.n, d);
  if (r.kind === 'uniform') return u;
  if (r.kind === 'dead-2-5' || r.kind === 'dead-1-7') {
    const dead = r.kind === 'dead-2-5' ? [2, 5] : [1, 7];
    for (let i = 0; i < r.n; i++) for (const j of dead) u[i * d + j] = 0.25;
    return u;
  }
  const out = new Float64Array(r.n * d);
  for (let i = 0; i < r.n; i++) {
    for (let j = 0; j < d; j++) {
      if (r.kind === 'correlated') {
        const x = u[i * d + j];
        out[i * d + j] = x * x + 0.5 * u[i * d] + 0.05;
      } else {
        out[i * d + j] = j / 64;
      }
    }
  }
  return out;
}

/** softmax(scale * (u - 0.5)) rows, as softmax_probs() in the fixture script. */
export function softmaxProbs(seed: number, n: number, classes: number, scale: number): Float64Array {
  const u = randomSample(seed, n, classes);
  const p = new Float64Array(n * classes);
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let c = 0; c < classes; c++) mx = Math.max(mx, scale * (u[i * classes + c] - 0.5));
    let s = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp(scale * (u[i * classes + c] - 0.5) - mx);
      p[i * classes + c] = e;
      s += e;
    }
    for (let c = 0; c < classes; c++) p[i * classes + c] /= s;
  }
  return p;
}

export function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

/** Debian's python with numpy, when present (the cross-checks skip with a message otherwise). */
export function pythonWithNumpy(): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import numpy'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return undefined;
}
