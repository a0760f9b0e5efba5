/**
 * Throughput of the other hot paths the issue asks `npm run bench` to report: one training step
 * of the proposed model (ResNet-18 generators + 70x70 PatchGANs, cycle loss) and the Inception
 * feature pass behind FID/IS. No peer for these; the numbers track our own backends.
 */
import * as tf from '@tensorflow/tfjs';
import { resolveConfig } from '../presets';
import { createModel } from '../train/recipes/registry';
import { getExtractor } from '../metrics/extractors/registry';
import { EXTRACTOR_DEFAULTS } from '../metrics/extractors/defaults';

export interface ThroughputResult {
  what: string;
  backend: string;
  batch: number;
  images_per_s: number;
  ms_per_batch: number;
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

function randomImages(n: number, size: number, seed: number): tf.Tensor4D {
  return tf.tidy(() => tf.sub(tf.mul(tf.randomUniform([n, size, size, 3], 0, 1, 'float32', seed), 2), 1)) as tf.Tensor4D;
}

/** The proposed model's training step (paper preset architecture) at `size`, images of domain A per second. */
export async function benchProposedStep(opts: { size?: number; batch?: number; steps?: number } = {}): Promise<ThroughputResult> {
  const size = opts.size ?? 64, batch = opts.batch ?? 8, steps = opts.steps ?? 2;
  const config = resolveConfig('proposed', 'paper', { size: [size, size], batch, seed: 1 });
  const model = createModel(config);
  const a = randomImages(batch, size, 1), b = randomImages(batch, size, 2);
  const data = { nextA: () => tf.clone(a), nextB: () => tf.clone(b) };
  try {
    model.trainStep(data, 0);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < steps; i++) model.trainStep(data, i + 1);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9 / steps;
    return { what: `proposed model step ${size}x${size}`, backend: tf.getBackend(), batch, images_per_s: round(batch / dt, 2), ms_per_batch: round(dt * 1000, 1) };
  } finally {
    a.dispose();
    b.dispose();
    model.dispose();
  }
}

/** The default feature extractor's forward pass (Inception-v3 at 299x299), images per second. */
export async function benchInception(opts: { batch?: number; batches?: number } = {}): Promise<ThroughputResult> {
  const batch = opts.batch ?? EXTRACTOR_DEFAULTS.batchSize, batches = opts.batches ?? 2;
  const ex = await getExtractor(EXTRACTOR_DEFAULTS.extractor, { batchSize: batch, progress: false });
  const imgs = randomImages(batch, 64, 3);
  try {
    await ex.extract(imgs);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batches; i++) await ex.extract(imgs);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9 / batches;
    return { what: `Inception features (${ex.name})`, backend: tf.getBackend(), batch, images_per_s: round(batch / dt, 2), ms_per_batch: round(dt * 1000, 1) };
  } finally {
    imgs.dispose();
    ex.dispose();
  }
}
