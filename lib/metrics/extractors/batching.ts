import * as tf from '@tensorflow/tfjs';
import { progress } from '../../util/progress';
import { UserError } from '../../util/errors';
import { ExtractedFeatures } from './types';
import { yieldToEventLoop } from '../../util/yieldToEventLoop';

/** One forward pass on a batch: returns features [b, dim] and optionally probs [b, classes]; runs inside tf.tidy. */
export type BatchForward = (batch: tf.Tensor4D) => { features: tf.Tensor2D; probs?: tf.Tensor2D };

/** Check the NHWC/3-channel contract shared by every extractor. */
export function checkImages(images: tf.Tensor4D, who: string): void {
  if (images.rank !== 4 || images.shape[3] !== 3) {
    throw new UserError(`${who}: expected images of shape [n, height, width, 3] in [-1, 1], got [${images.shape.join(', ')}]`);
  }
}

/**
 * Run `forward` over `images` in batches, copying each result into one Float32Array so that
 * only one batch of activations is alive at a time; shows a progress bar with images/s.
 */
export async function extractBatched(
  images: tf.Tensor4D,
  opts: { name: string; dim: number; classes?: number; batchSize: number; progress?: boolean },
  forward: BatchForward,
): Promise<ExtractedFeatures> {
  checkImages(images, opts.name);
  const n = images.shape[0];
  const features = new Float32Array(n * opts.dim);
  const probs = opts.classes ? new Float32Array(n * opts.classes) : undefined;
  const bar = opts.progress === false ? undefined : progress(`${opts.name} features`, n);
  const t0 = Date.now();
  try {
    for (let start = 0; start < n; start += opts.batchSize) {
      const b = Math.min(opts.batchSize, n - start);
      const out = tf.tidy(() => {
        const batch = images.slice([start, 0, 0, 0], [b, -1, -1, -1]) as tf.Tensor4D;
        return forward(batch);
      });
      try {
        if (out.features.shape[1] !== opts.dim) {
          throw new Error(`${opts.name}: network gave ${out.features.shape[1]} features, expected ${opts.dim}`);
        }
        features.set(await out.features.data(), start * opts.dim);
        if (probs && out.probs) probs.set(await out.probs.data(), start * opts.classes!);
        await yieldToEventLoop();
      } finally {
        out.features.dispose();
        out.probs?.dispose();
      }
      const done = start + b;
      bar?.update(done, { 'img/s': (done * 1000) / Math.max(1, Date.now() - t0) });
    }
  } finally {
    bar?.stop();
  }
  return probs ? { features, probs } : { features };
}

/** Global average pool over height and width: [b, h, w, c] -> [b, c]. */
export function globalAvgPool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]) as tf.Tensor2D;
}
